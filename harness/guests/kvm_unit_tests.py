"""kvm-unit-tests as a guest: one of its arm64 tests (a `.flat` built from
the pinned source, harness/third_party.py) run as a VM, on a virt board
described as QEMU describes it (the Linux guest's DTB), its arguments in
/chosen/bootargs and its environment (`NAME=value` lines) in an initrd.

Its verdicts are its own console lines: `PASS:`, `FAIL:`, `SKIP:`, `XFAIL:`,
`XPASS:` reports, a `SUMMARY:` and `EXIT: STATUS=n` (1 pass, 77 skip,
anything else a failure or an abort); the run passes only if the status is
the one the scenario expects, and a FAIL line is quoted."""

import re
from collections import Counter

from ..elf import FlatImage
from ..errors import ConfigError
from ..models import memblock
from ..schema import Field, load_toml
from ..spec import VmSpec
from .base import Boot, GuestKind, PayloadReport
from .linux import linux_dts, traced_memory_ops

KIND_NAME = "kvm-unit-tests"
TESTS = ("selftest", "timer", "gic", "psci", "pl031", "cache", "pmu")
STATUS = {"pass": 1, "skip": 77, "abort": 127}
MEMORY_MIB = 64  # each catalogued test's VM
STACK_AND_BSS = 0x10_0000  # room a test takes past its image (it relocates itself there)
_REPORT = re.compile(r"^(PASS|FAIL|SKIP|XFAIL|XPASS|KFAIL): (.*)$")
_EXIT = re.compile(r"^EXIT: STATUS=(\d+)")
_SUMMARY = re.compile(r"^SUMMARY: (\d+) tests((?:, \d+ [a-z ]+)*)$")
# Report kinds as a case's outcome (lib/report.c: XPASS counts as a failure,
# an expected or known failure does not).
OUTCOME = {"PASS": "passed", "XFAIL": "passed", "KFAIL": "passed", "SKIP": "skipped",
           "FAIL": "failed", "XPASS": "failed"}
# What each count of its SUMMARY line counts.
SUMMARY_COUNTS = {"unexpected failures": ("FAIL", "XPASS"), "known failures": ("KFAIL",),
                  "expected failures": ("XFAIL",), "skipped": ("SKIP",)}


def known_test(name: str) -> str | None:
    return None if name in TESTS else f"unknown kvm-unit-tests test {name!r} ({', '.join(TESTS)})"


def known_outcome(name: str) -> str | None:
    return None if name in STATUS else f"expected outcome {name!r}: one of {', '.join(STATUS)}"


def _console(trace, vm) -> list[str]:
    prefix = f"[{vm.spec.name}] "
    return [line[len(prefix):] for _, line in trace.lines if line.startswith(prefix)]


def reports(trace, vm) -> list[tuple[str, str]]:
    """(kind, text) of each report line the test printed."""
    return [(m.group(1), m.group(2)) for line in _console(trace, vm)
            if (m := _REPORT.match(line))]


def summary(trace, vm) -> dict[str, int] | None:
    """Its SUMMARY line's counts ("tests", "skipped", ...), if it printed one."""
    for line in reversed(_console(trace, vm)):
        if m := _SUMMARY.match(line):
            counts = {"tests": int(m.group(1))}
            for part in filter(None, m.group(2).split(", ")):
                number, what = part.split(" ", 1)
                counts[what] = int(number)
            return counts
    return None


def summary_failures(trace, vm) -> list[str]:
    """Where its SUMMARY disagrees with the report lines the console shows
    (a line lost on the way); nothing when it printed none (an abort)."""
    counts, lines = summary(trace, vm), reports(trace, vm)
    if counts is None:
        return []
    out = []
    for what, kinds in SUMMARY_COUNTS.items():
        seen = sum(kind in kinds for kind, _ in lines)
        if counts.get(what, 0) != seen:
            out.append(f"{vm.spec.name}: SUMMARY counts {counts.get(what, 0)} {what}, the "
                       f"console shows {seen} {'/'.join(kinds)} lines")
    if counts["tests"] < len(lines):
        out.append(f"{vm.spec.name}: SUMMARY counts {counts['tests']} tests, the console shows "
                   f"{len(lines)} report lines")
    return out


def exit_status(trace, vm) -> int | None:
    found = [int(m.group(1)) for line in _console(trace, vm) if (m := _EXIT.match(line))]
    return found[-1] if found else None


# A test's keys that are its scenario's or its hypervisor's (the rest are its VM's).
SCENARIO_KEYS = ("timeout_s", "icount_shift", "counted_time")
HYPERVISOR_KEYS = ("placement",)


def catalogue(path) -> dict:
    """Each test of the catalogue as a scenario's TOML document, by its
    name (kut-<name>): one VM running the test."""
    if not path.exists():
        return {}
    tests = load_toml(path).get("test", [])
    out = {}
    for i, t in enumerate(tests if isinstance(tests, list) else []):
        if not isinstance(t, dict) or not isinstance(t.get("name"), str):
            raise ConfigError(path, f"test[{i}].name", "every test needs a name")
        vm = {k: v for k, v in t.items() if k not in ("name", *SCENARIO_KEYS, *HYPERVISOR_KEYS)}
        name = f"kut-{t['name']}"
        out[name] = (path, {
            "scenario": {"name": name, "timeout_s": 30,
                         "summary": f"kvm-unit-tests {t.get('test')} {t.get('args', '')}".strip(),
                         **{k: t[k] for k in SCENARIO_KEYS if k in t}},
            "hypervisor": {"variant": "static", "heap_mib": 2 * MEMORY_MIB,
                           **{k: t[k] for k in HYPERVISOR_KEYS if k in t}},
            "vm": [{"name": "kut", "guest": KIND_NAME, "memory_kib": MEMORY_MIB << 10,
                    "on_fault": "inject", **vm}]})
    return out


class KvmUnitTests(GuestKind):
    name = KIND_NAME
    own_os = True
    fields = {
        "test": Field(str, check=known_test, doc="the test: arm/<test>.flat"),
        "args": Field(str, required=False, default="", doc="its /chosen/bootargs"),
        "env": Field(list, required=False, default=["ERRATA_FORCE=y"], item=str,
                     doc="its environment, NAME=value lines in an initrd"),
        "expect": Field(str, required=False, default="pass", check=known_outcome,
                        doc="the outcome it must report: pass, skip or abort"),
    }

    def scenarios(self) -> dict:
        from .. import paths

        return catalogue(paths.KVM_UNIT_TESTS)

    def build(self):
        return None

    def boot(self, spec: VmSpec, image, ram_ipa: int) -> Boot:
        from ..third_party import build_kvm_unit_tests

        flat = (build_kvm_unit_tests() / f"{spec.options['test']}.flat").read_bytes()
        end = ram_ipa + len(flat) + STACK_AND_BSS
        env = "".join(f"{line}\n" for line in spec.options["env"]).encode() or b"\n"
        return Boot(FlatImage(ram_ipa, flat, ram_ipa, end), env,
                    (end + 0xFFFF) // 0x10000 * 0x10000)

    def device_tree(self, spec: VmSpec, boot: Boot, params: dict[str, int],
                    dma_offset: int) -> str:
        return linux_dts(spec, boot.initrd_ipa, len(boot.initrd), spec.options["args"])

    def memory_ops(self, plan, vm, trace) -> list[memblock.Op]:
        return traced_memory_ops(plan, vm, trace)

    def vcpu_power(self, spec: VmSpec) -> Counter | None:
        """The tests that use other CPUs turn each on once (psci's cpu-on
        has them race to turn CPU 1 on: one succeeds), and psci's cpu-off
        turns each off again; the others, with one vCPU, none."""
        test, args, others = spec.options["test"], spec.options["args"], range(1, spec.vcpus)
        if spec.vcpus == 1:
            return Counter()
        if (test, args) in (("selftest", "smp"), ("gic", "ipi")):
            return Counter(("on", i) for i in others)
        if test == "psci":
            return Counter([*(("on", i) for i in others), *(("off", i) for i in others)])
        return None

    def console_failures(self, trace, vm) -> list[str]:
        """Its exit status against the one expected, every FAIL line, and its
        SUMMARY against the report lines."""
        name, want = vm.spec.name, STATUS[vm.spec.options["expect"]]
        failures = [f"{name}: FAIL: {text}" for kind, text in reports(trace, vm)
                    if kind == "FAIL"]
        failures += summary_failures(trace, vm)
        status = exit_status(trace, vm)
        if status != want:
            failures.append(f"{name}: kvm-unit-tests {vm.spec.options['test']} exited with "
                            f"{'no status' if status is None else f'STATUS={status}'}, "
                            f"expected STATUS={want} ({vm.spec.options['expect']})")
        return failures

    def payload_reports(self, trace, vm) -> list[PayloadReport]:
        return [PayloadReport(text, OUTCOME[kind], f"{kind}: {text}")
                for kind, text in reports(trace, vm)]


KIND = KvmUnitTests()
