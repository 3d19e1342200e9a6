"""Zephyr as a guest, ZVM's other guest kind: a Zephyr application (a
directory of the Zephyr tree, or a user's own) built for qemu_cortex_a53
(harness/zephyr_build.py) with a devicetree overlay written from the VM's
layout, the same one the hypervisor's description gives (RAM, the GICv3
distributor and redistributors, the PL011), and run as a VM.

Zephyr never powers off: the VM ends when its console shows its last line
(`stop_after`, `stop_count` times), which the hypervisor watches for
(`vm-exit reason=done`). For a ztest application that line is
`PROJECT EXECUTION `, and its verdicts are read from the console: each
`PASS - `, `FAIL - ` and `SKIP - ` line is a case, and a FAIL, a failed suite
or `PROJECT EXECUTION FAILED` fails the run."""

import re
from collections import Counter

from ..elf import flatten
from ..errors import ConfigError
from ..memory_map import GUEST_RAM_IPA, VGICD_IPA, VGICR_FRAME, VGICR_IPA, VUART_IPA
from ..models.stage2 import IPA_LIMIT
from ..models import memblock
from ..schema import Field
from ..spec import VmSpec
from .base import Boot, GuestKind, PayloadReport
from .linux import traced_memory_ops

KIND_NAME = "zephyr"
FINAL = "PROJECT EXECUTION "
_CASE = re.compile(r"^ (PASS|FAIL|SKIP) - (\S+) in ")
_START = re.compile(r"^START - (\S+)$")
_SUITE = re.compile(r"^SUITE (PASS|FAIL) - ")
_OUTCOME = {"PASS": "passed", "FAIL": "failed", "SKIP": "skipped"}
DEVICES_END = 0x1000_0000  # the VM's devices lie below: its GIC, PL011 and virtio-mmio


def overlay(spec: VmSpec, ram_ipa: int) -> str:
    """The devicetree overlay that puts a qemu_cortex_a53 build where the
    hypervisor puts the VM, and leaves out what the VM does not have."""
    return f"""/ {{
\tchosen {{
\t\tzephyr,sram = &sram0;
\t}};
}};
&sram0 {{
\treg = <0x0 {ram_ipa:#x} 0x0 {spec.memory:#x}>;
}};
&gic {{
\treg = <0x0 {VGICD_IPA:#x} 0x0 0x10000>, <0x0 {VGICR_IPA:#x} 0x0 {VGICR_FRAME * spec.vcpus:#x}>;
}};
&its {{
\tstatus = "disabled";
}};
&uart0 {{
\treg = <0x0 {VUART_IPA:#x} 0x0 0x1000>;
}};
&pcie {{
\tstatus = "disabled";
}};
&eth0 {{
\tstatus = "disabled";
}};
"""


def _console(trace, vm) -> list[str]:
    prefix = f"[{vm.spec.name}] "
    return [line[len(prefix):] for _, line in trace.lines if line.startswith(prefix)]


def cases(trace, vm) -> list[tuple[str, str]]:
    """(PASS, FAIL or SKIP, the test's name) of each ztest case line."""
    return [(m.group(1), m.group(2)) for line in _console(trace, vm) if (m := _CASE.match(line))]


class Zephyr(GuestKind):
    name = KIND_NAME
    own_os = True
    fields = {
        "app": Field(str, doc="the application: a directory of the Zephyr tree "
                              "(tests/kernel/common) or the user's own"),
        "kconfig": Field(dict, required=False, default={},
                         doc="Kconfig options, CONFIG_NAME = true, a number or a string"),
        "ztest": Field(bool, required=False, default=True,
                       doc="its verdicts are ztest's console lines"),
        "stop_after": Field(str, required=False, default="",
                            doc="a console line starting so ends the VM (default for ztest: "
                                f"{FINAL!r})"),
        "stop_count": Field(int, required=False, default=1,
                            doc="after that many of them"),
        "ram_ipa": Field(int, required=False, default=GUEST_RAM_IPA,
                         doc="where its RAM starts in its IPA space (2 MiB aligned, above "
                             "the devices): the build follows"),
    }

    def validate(self, spec: VmSpec, path, where: str, static: bool) -> None:
        ram = spec.options["ram_ipa"]
        if ram % (2 << 20) or ram < DEVICES_END or ram + spec.memory > IPA_LIMIT:
            raise ConfigError(path, f"{where}.ram_ipa", f"{ram:#x}: RAM must start 2 MiB "
                              f"aligned, at or above {DEVICES_END:#x}, and end by "
                              f"{IPA_LIMIT:#x}")
        if spec.vcpus != 1:
            raise ConfigError(path, f"{where}.vcpus", "a Zephyr VM has one vCPU here (the "
                              "qemu_cortex_a53 build is uniprocessor)")

    def ram_ipa(self, spec: VmSpec) -> int:
        return spec.options["ram_ipa"]

    def build(self):
        return None  # each VM's own: its layout is in the build (boot)

    def boot_elf(self, spec: VmSpec):
        """The VM's zephyr.elf, built for its layout."""
        from ..zephyr_build import build

        return build(spec.options["app"], overlay(spec, self.ram_ipa(spec)),
                     spec.options["kconfig"])

    def boot(self, spec: VmSpec, image, ram_ipa: int) -> Boot:
        return Boot(flatten(self.boot_elf(spec), end_symbol=None))

    def stop_line(self, spec: VmSpec) -> tuple[str, int] | None:
        after = spec.options["stop_after"] or (FINAL if spec.options["ztest"] else "")
        return (after, spec.options["stop_count"]) if after else None

    def memory_ops(self, plan, vm, trace) -> list[memblock.Op]:
        return traced_memory_ops(plan, vm, trace, reason="done")

    def vcpu_power(self, spec: VmSpec) -> Counter | None:
        return Counter()

    def console_failures(self, trace, vm) -> list[str]:
        """With ztest: every FAIL line, a case that started and never
        ended, a failed suite, and a project that did not end SUCCESSFUL."""
        if not vm.spec.options["ztest"]:
            return []
        name, lines = vm.spec.name, _console(trace, vm)
        ended = cases(trace, vm)
        failures = [f"{name}: ztest FAIL - {test}" for kind, test in ended if kind == "FAIL"]
        finished = {test for _, test in ended}
        failures += [f"{name}: ztest case {m.group(1)} started and never ended" for line in lines
                     if (m := _START.match(line)) and m.group(1) not in finished]
        failures += [f"{name}: {line}" for line in lines
                     if (m := _SUITE.match(line)) and m.group(1) == "FAIL"]
        final = [line for line in lines if line.startswith(FINAL)]
        if not final:
            failures.append(f"{name}: Zephyr printed no {FINAL.strip()} line")
        elif final[-1] != f"{FINAL}SUCCESSFUL":
            failures.append(f"{name}: {final[-1]}")
        return failures

    def payload_reports(self, trace, vm) -> list[PayloadReport]:
        return [PayloadReport(test, _OUTCOME[kind], f"{kind} - {test}")
                for kind, test in cases(trace, vm)]


KIND = Zephyr()
