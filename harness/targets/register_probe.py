"""What the hypervisor gives its VMs, read from outside: gdb-multiarch on
QEMU's gdb stub (gdb_register_probe.py, run inside gdb) reads VTTBR_EL2,
HCR_EL2, VTCR_EL2 and VMPIDR_EL2 right after the hypervisor writes
VTTBR_EL2 (a switch to a VM, the last of its registers it sets), for the
first switches to each VM, and the stage-2 tables on return from the first
unmaps. Witnesses the firmware does not write: checks/registers.py and
checks/stage2.py hold them against the models."""

import json
import os
import subprocess
import time
from functools import cache
from pathlib import Path

from .. import toolchain
from ..errors import HarnessError

SCRIPT = Path(__file__).with_name("gdb_register_probe.py")
MSR = 0xD5100000  # MSR (register): bits [31:20], then o0:op1:CRn:CRm:op2 in [19:5]
VTTBR_EL2 = (3, 4, 2, 1, 0)  # op0, op1, CRn, CRm, op2
SWITCHES_PER_VM = 2
SNAPSHOTS = 8  # unmaps after which the tables are read
MAX_HITS = 100  # stops at most: each costs wall-clock time, which the guests' timers count
ATTACH_S = 20.0


@cache
def probe_points(elf: Path) -> tuple[list[int], int]:
    """Where the probe stops in the hypervisor: the address after each
    `msr vttbr_el2` in .text (a switch to a VM, which has set the VM's
    other registers before it), and s2_unmap's entry."""
    from elftools.elf.elffile import ELFFile

    from ..elf import symbol

    with open(elf, "rb") as f:
        image = ELFFile(f)
        text = image.get_section_by_name(".text")
        data, base = text.data(), text["sh_addr"]
        try:
            unmap = symbol(image, "s2_unmap")
        except KeyError as e:
            raise HarnessError(f"{elf}: {e}") from None
    op0, op1, crn, crm, op2 = VTTBR_EL2
    key = ((op0 - 2) << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2
    words = (int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data) - 3, 4))
    switches = [base + 4 * (i + 1) for i, word in enumerate(words)
                if word & 0xFFF00000 == MSR and (word >> 5) & 0x7FFF == key]
    if not switches:
        raise HarnessError(f"{elf}: no write of VTTBR_EL2 in .text")
    return switches, unmap


def _no_core_dump() -> None:
    """gdb, should it crash, leaves no core file in the user's directory."""
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class RegisterProbe:
    def __init__(self, elf: Path, port: int, vms: int, out: Path):
        self.out = out
        switches, unmap = probe_points(elf)
        env = {**os.environ, "ZVM_PROBE_PORT": str(port), "ZVM_PROBE_OUT": str(out),
               "ZVM_PROBE_AT": ",".join(hex(a) for a in switches),
               "ZVM_PROBE_VMS": str(vms), "ZVM_PROBE_EACH": str(SWITCHES_PER_VM),
               "ZVM_PROBE_MAX_HITS": str(MAX_HITS), "ZVM_PROBE_UNMAP": hex(unmap),
               "ZVM_PROBE_SNAPSHOTS": str(SNAPSHOTS)}
        self.gdb = subprocess.Popen(
            [toolchain.find_program("gdb-multiarch"), "-q", "-batch", "-nx", "-x", str(SCRIPT)],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, preexec_fn=_no_core_dump)

    def wait_ready(self) -> None:
        """Until the breakpoint is set (QEMU waits, halted, meanwhile)."""
        deadline = time.monotonic() + ATTACH_S
        while not self._lines():
            if self.gdb.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise HarnessError(f"the register probe (gdb-multiarch) did not attach to "
                                   f"QEMU's gdb stub: {self.gdb.stderr.read().strip()[-300:]}")
            time.sleep(0.01)

    def samples(self) -> list[dict]:
        """Each set of values the registers took; a last {"gave-up": True} if
        the probe stopped looking before every VM was seen."""
        return [{k: v for k, v in line.items() if k != "event"} if line["event"] == "sample"
                else {"gave-up": True} for line in self._lines()
                if line["event"] in ("sample", "gave-up")]

    def snapshots(self) -> list[dict]:
        """The tables after each unmap watched: {"vm", "root", "pages": {address: hex}}."""
        return [{k: v for k, v in line.items() if k != "event"} for line in self._lines()
                if line["event"] == "tables"]

    def stop(self) -> None:
        if self.gdb.poll() is None:
            self.gdb.terminate()
            try:
                self.gdb.wait(5)
            except subprocess.TimeoutExpired:
                self.gdb.kill()
                self.gdb.wait()

    def _lines(self) -> list[dict]:
        try:
            text = self.out.read_text()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line.endswith("}")]
