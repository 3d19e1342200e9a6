"""The one command that opens gdb-multiarch on a run started with --gdb:
the hypervisor's symbols at their link addresses, and each guest's at its
IPAs (guests run with their stage-1 MMU off, so addresses are IPAs)."""

import shlex

from . import toolchain
from .boards import QemuBoard
from .build import build_hypervisor
from .guests import kind
from .spec import Scenario


def gdb_command(board: QemuBoard, scenario: Scenario, port: int) -> str:
    gdb = toolchain.find_program("gdb-multiarch")
    hypervisor = build_hypervisor(scenario.variant, scenario.defines)
    cmd = [gdb, "-q", str(hypervisor.path), "-ex", "set pagination off"]
    for guest in sorted({vm.guest for vm in scenario.vms}):
        if (image := kind(guest).build()) is not None:  # Linux: no ELF of ours
            cmd += ["-ex", f"add-symbol-file {image.path}"]
    cmd += ["-ex", f"target remote 127.0.0.1:{port}"]
    return shlex.join(cmd)
