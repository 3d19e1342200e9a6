"""Golden checks: what the firmware reported against what the models predict.
Each mismatch names the check, the expected and the actual value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import esr
from .boards import QemuBoard
from .build import Image
from .models import selftest
from .trace import Event, Trace

if TYPE_CHECKING:  # describe imports pyelftools: only runs with VMs need it
    from .describe import Plan, VmPlan


@dataclass(frozen=True)
class Mismatch:
    check: str
    expected: object
    actual: object

    def __str__(self) -> str:
        return f"{self.check}: expected {_show(self.expected)}, got {_show(self.actual)}"


def _show(value: object) -> str:
    return hex(value) if isinstance(value, int) and not isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class Expected:
    """An event the firmware must report: the one named `event` whose fields
    include `match` (from the guest of `vm`, if set) must carry `fields`."""

    event: str
    fields: dict[str, int | str]
    match: dict[str, int] = field(default_factory=dict)
    vm: str | None = None

    def label(self) -> str:
        where = f"[{self.vm}] @guest" if self.vm else "@zvm"
        keys = "".join(f" {k}={_show(v)}" for k, v in self.match.items())
        return f"{where} {self.event}{keys}"


def check(trace: Trace, expected: list[Expected]) -> list[Mismatch]:
    mismatches = []
    for e in expected:
        found = trace.named(e.event, e.vm, **e.match)
        if not found:
            mismatches.append(Mismatch(e.label(), "the event", "no such event"))
            continue
        mismatches += [Mismatch(f"{e.label()} {key}", value, found[0].get(key, "nothing"))
                       for key, value in e.fields.items() if found[0].get(key) != value]
    return mismatches


def boot_expectations(board: QemuBoard, image: Image) -> list[Expected]:
    """The boot self-checks: the right image at EL2, libfdt reading the board
    as configured, and liblzo2 agreeing byte for byte with python-lzo."""
    return [Expected("boot", {"el": 2, "build": image.build_id}),
            Expected("board", selftest.board(board)),
            Expected("lzo-selftest", selftest.lzo_selftest())]


def vm_expectations(plan: Plan) -> list[Expected]:
    """Each VM created where the heap model puts it, mapped whole, its guest's
    reports as its model predicts, and a clean exit."""
    from . import stage2
    from .describe import GUEST_RAM_IPA

    out = []
    for vm in plan.vms:
        spec = vm.spec
        out += [Expected("vm-create", {"name": spec.name, "vmid": vm.vmid, "ipa": GUEST_RAM_IPA,
                                       "size": spec.memory, "pa": vm.partition_pa,
                                       "entry": vm.image.entry}, {"vm": vm.index}),
                Expected("s2-map", {"ipa": GUEST_RAM_IPA, "pa": vm.partition_pa,
                                    "size": spec.memory, "attr": stage2.S2_NORMAL_RW},
                         {"vm": vm.index})]
        out += GUEST_MODELS[spec.guest](vm)
    return out


def memstress_expectations(vm: VmPlan) -> list[Expected]:
    from .models import memstress

    seed = vm.spec.params.get("seed", 1)
    size = vm.spec.params.get("region_size", 0x10000)
    regions = memstress.regions(vm.image.end, vm.dtb_ipa, size)
    name = vm.spec.name
    start = [Expected("memstress-start", {"seed": seed, "regions": len(regions),
                                          "region-size": size}, vm=name)]
    stray = vm.spec.params.get("stray_ipa")
    if stray is not None:  # a stage-2 fault stops the VM before its first region
        return start + [Expected("fault", {"ipa": stray}, {"vm": vm.index}),
                        Expected("vm-exit", {"code": VM_EXIT_FAULT_CODE, "reason": "fault"},
                                 {"vm": vm.index})]
    return (start
            + [Expected("region", {"ipa": ipa, "size": size,
                                   "crc": memstress.region_crc(seed, idx, size)},
                        {"idx": idx}, vm=name) for idx, ipa in regions]
            + [Expected("memstress-done", {"mismatches": 0}, vm=name),
               Expected("vm-exit", {"code": 0, "reason": "exit"}, {"vm": vm.index})])


VM_EXIT_FAULT_CODE = 0xFFFFFFFF


GUEST_MODELS = {"memstress": memstress_expectations}


def check_stage2(plan: Plan, trace: Trace, read) -> list[str]:
    """Walks each VM's stage-2 tables, read back from guest-physical memory
    through `read(pa, length)`, as the MMU would, against the model."""
    from . import stage2
    from .describe import GUEST_RAM_IPA

    problems = []
    for vm in plan.vms:
        created = trace.named("vm-create", vm=vm.index)
        if not created:
            continue  # already reported as a missing event
        vttbr = created[0]["vttbr"]
        if stage2.vttbr_vmid(vttbr) != vm.vmid:
            problems.append(f"{vm.spec.name}: VTTBR_EL2 {vttbr:#x} carries VMID "
                            f"{stage2.vttbr_vmid(vttbr)}, expected {vm.vmid}")
        expected = stage2.plan_mappings(GUEST_RAM_IPA, vm.partition_pa, vm.spec.memory,
                                        stage2.S2_NORMAL_RW)
        actual = stage2.walk(read, vttbr)
        difference = stage2.first_difference(expected, actual)
        if difference:
            problems.append(f"{vm.spec.name} stage-2: {difference}")
    return problems


def describe_panic(event: Event) -> str:
    if "esr" not in event.fields:
        return f"hypervisor panic: {event.get('reason', 'no reason given')} ({event})"
    return (f"hypervisor panic: {esr.describe(event['esr'])} at elr={_show(event.get('elr'))} "
            f"far={_show(event.get('far'))} (vector {event.get('kind', '?')}; {event})")
