"""Golden checks: what the firmware reported against what the models predict.
Each mismatch names the check, the expected and the actual value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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
    """What differs. A run of missing events from one guest (it stopped
    early) is one mismatch, not one per event."""
    mismatches: list[Mismatch] = []
    missing: list[Expected] = []

    def report_missing() -> None:
        if missing:
            more = f" (and {len(missing) - 1} more expected after it)" if len(missing) > 1 else ""
            mismatches.append(Mismatch(missing[0].label(), "the event", "no such event" + more))
            missing.clear()

    for e in expected:
        found = trace.named(e.event, e.vm, **e.match)
        if not found:
            if missing and (e.vm is None or missing[0].vm != e.vm):
                report_missing()
            missing.append(e)
            continue
        report_missing()
        mismatches += [Mismatch(f"{e.label()} {key}", value, found[0].get(key, "nothing"))
                       for key, value in e.fields.items() if found[0].get(key) != value]
    report_missing()
    return mismatches


def boot_expectations(board, image: Image) -> list[Expected]:
    """The boot self-checks: the right image at EL2, libfdt reading the board
    as configured (a QEMU board's DTB), and liblzo2 agreeing byte for byte
    with python-lzo."""
    board_check = [Expected("board", selftest.board(board))] if board.kind == "qemu" else []
    return ([Expected("boot", {"el": 2, "build": image.build_id})] + board_check
            + [Expected("lzo-selftest", selftest.lzo_selftest())])


def vm_expectations(plan: Plan) -> list[Expected]:
    """What does not depend on the memory model: each VM created as described.
    (Also computes the guests' CRCs now, while QEMU starts.)"""
    from .describe import GUEST_RAM_IPA
    from .models import memstress

    out = []
    for vm in plan.vms:
        spec = vm.spec
        out.append(Expected("vm-create", {"name": spec.name, "vmid": vm.vmid, "ipa": GUEST_RAM_IPA,
                                          "size": spec.memory, "entry": vm.image.entry},
                            {"vm": vm.index}))
        if spec.guest != "memstress":
            continue
        p = memstress.params(spec.params)
        for idx, _ in memstress.regions(vm.image.end, vm.dtb_ipa, p["region_size"]):
            memstress.region_crc(p["seed"], idx, p["region_size"], memstress.data_kind(p, idx))
    if plan.zpool_size:  # reported once at boot, before any VM's own
        out.append(Expected("zpool", {"size": plan.zpool_size, "used": 0, "stored": 0}))
    return out


def check_vms(plan: Plan, trace: Trace, read) -> list[str]:
    """The VMs' memory, event for event, against the memblock model (PAs
    replayed in the trace's order of heap events), their guests' reports,
    and their stage-2 tables read back through `read(pa, length)`."""
    from .models import memblock
    from .models.heap import Heap

    order = [e["vm"] for e in trace.events if e.name in memblock.HEAP_EVENTS and "vm" in e.fields]
    swap = memblock.Swap(plan.zpool_size, plan.heap_watermark) if plan.zpool_size else None
    prediction = memblock.predict([memory_workload(plan, vm, trace) for vm in plan.vms],
                                  Heap(plan.heap_base, plan.heap_size), order, swap)
    failures = [f"memory model: {prediction.problem}"] if prediction.problem else []
    for vm in plan.vms:
        expected = prediction.events[vm.index]
        actual = [(e.name, e.fields) for e in trace.events
                  if e.name in memblock.MEMORY_EVENTS and e.get("vm") == vm.index]
        if difference := _first_difference(expected, actual):
            failures.append(f"{vm.spec.name} memory {difference}")
        stopped = vm.index in prediction.stopped
        failures += [str(m) for m in check(trace, GUEST_MODELS[vm.spec.guest](plan, vm,
                                                                               prediction))]
        if stopped and trace.named("memstress-done", guest=vm.spec.name):
            failures.append(f"{vm.spec.name}: ran to completion, but the model has it stopped "
                            "by the heap running out")
    if read is None:  # a physical board: no QMP to read its tables with
        return failures
    return failures + check_stage2(plan, trace, read, prediction)


def memory_workload(plan: Plan, vm: VmPlan, trace: Trace):
    from .describe import passthrough_page
    from .models import blkio, hostile, memblock, memstress
    from .scenarios import LINUX_GUEST

    if vm.spec.guest == "blkio":
        ops, content = blkio.memory_ops(vm.image.end, vm.spec.requests), None
    elif vm.spec.guest == "hostile":
        ops = hostile.memory_ops(vm.spec, vm.image.end, plan.block_size, vm.params["target"])
        content = hostile.page_content
    elif vm.spec.guest == LINUX_GUEST:
        ops, content = linux_memory_ops(plan, vm, trace), None
    else:
        ops = memstress.memory_ops(vm.image.end, vm.dtb_ipa, vm.spec.params)
        content = memstress.page_content(vm.image.end, vm.dtb_ipa, vm.spec.params)
    dynamic = plan.variant == "dynamic"
    prefault = (vm.footprint, (vm.dtb_ipa, len(vm.dtb)))
    return memblock.VmMemory(vm.index, plan.guest_ram_ipa, vm.spec.memory,
                             plan.block_size if dynamic else None, prefault, tuple(ops),
                             vm.spec.resident_limit, content, ((vm.dtb_ipa, vm.dtb),),
                             passthrough_page() if vm.spec.passthrough else None)


def linux_memory_ops(plan: Plan, vm: VmPlan, trace: Trace):
    """Which memory Linux touches, and when, is its own affair: in dynamic
    mode its demand allocations are taken from the trace (as the scheduler's
    interleaving is) and the model predicts everything they cause: PAs,
    merges, stage-2 mappings, heap figures. It powers itself off by PSCI."""
    from .models import memblock

    ops = [memblock.Op("create")]
    if plan.variant == "dynamic":
        backed = [(vm.footprint[0], vm.footprint[0] + vm.footprint[1]),
                  (vm.dtb_ipa, vm.dtb_ipa + len(vm.dtb))]
        block = plan.block_size
        ops += [memblock.Op("write", e["ipa"]) for e in trace.named("block-alloc", vm=vm.index)
                if not any(lo // block * block <= e["ipa"] < hi for lo, hi in backed)]
    return ops + [memblock.Op("exit", reason="psci-off")]


def _first_difference(expected: list[tuple[str, dict]], actual: list[tuple[str, dict]]) -> str:
    for i, (want, got) in enumerate(zip(expected, actual)):
        if want != got:
            return f"event {i}: expected {_event_text(want)}, got {_event_text(got)}"
    if len(expected) != len(actual):
        i = min(len(expected), len(actual))
        want = _event_text(expected[i]) if i < len(expected) else "nothing more"
        got = _event_text(actual[i]) if i < len(actual) else "nothing more"
        return f"event {i}: expected {want}, got {got}"
    return ""


def _event_text(event: tuple[str, dict]) -> str:
    return str(Event(event[0], event[1]))


def memstress_expectations(plan: Plan, vm: VmPlan, prediction) -> list[Expected]:
    from .models import memstress

    p = memstress.params(vm.spec.params)
    size, name = p["region_size"], vm.spec.name
    regions = memstress.regions(vm.image.end, vm.dtb_ipa, size)
    if prediction.stopped.get(vm.index, 1) == 0:
        return []  # stopped while being created: the guest never ran
    out = [Expected("memstress-start", {"seed": p["seed"], "regions": len(regions),
                                        "region-size": size}, vm=name)]
    if p["stray_ipa"]:  # a stage-2 fault stops the VM before its first region
        return out + [Expected("fault", {"ipa": p["stray_ipa"]}, {"vm": vm.index})]
    refused = {e["ipa"] for name_, e in prediction.events[vm.index]
               if name_ == "release-refused"}
    releases = [(p["bogus_release_ipa"], p["bogus_release_size"])] if p["bogus_release_ipa"] else []
    if p["release_size"] and vm.index not in prediction.stopped:
        start = regions[0][1] if regions else vm.image.end
        releases.append((start + p["release_offset"], p["release_size"]))
    out += [Expected("release", {"size": rsize, "ret": RET_REFUSED if ipa in refused else 0},
                     {"ipa": ipa}, vm=name) for ipa, rsize in releases]
    if vm.index in prediction.stopped:
        return out
    crc = {idx: memstress.region_crc(p["seed"], idx, size, memstress.data_kind(p, idx))
           for idx, _ in regions}
    if p["expect_zero"]:  # nothing of an earlier owner in memory it is given
        out += [Expected("fresh", {"nonzero": 0}, {"idx": idx}, vm=name) for idx, _ in regions]
    if 0 <= p["hyp_crc_region"] < len(regions):
        idx = p["hyp_crc_region"]
        out.append(Expected("hyp-crc", {"size": size, "crc": crc[idx]}, {"ipa": regions[idx][1]},
                            vm=name))
    return (out
            + [Expected("region", {"ipa": ipa, "size": size, "crc": crc[idx]},
                        {"idx": idx}, vm=name) for idx, ipa in regions]
            + [Expected("memstress-done", {"mismatches": 0}, vm=name)])


def blkio_expectations(plan: Plan, vm: VmPlan, prediction) -> list[Expected]:
    """The start and end of blkio's run; each request is checked against the
    virtio-blk model (check_virtio)."""
    if vm.index in prediction.stopped:
        return []
    count = len(vm.spec.requests)
    capacity = plan.disk_size // 512 if vm.spec.passthrough else vm.spec.disk_sectors
    return [Expected("blkio-start", {"requests": count, "capacity": capacity,
                                     "init": 0}, vm=vm.spec.name),
            Expected("blkio-done", {"requests": count}, vm=vm.spec.name)]


def hostile_expectations(plan: Plan, vm: VmPlan, prediction) -> list[Expected]:
    """The attack's documented outcome (models/hostile.py). The memory model
    has the VM stopped by a fault or exiting; virtio requests that reach the
    scheduler are checked by check_virtio."""
    from .models import hostile

    a, name = hostile.ATTACKS[vm.spec.attack], vm.spec.name
    out = [Expected("hostile-start", {"attack": a.code, "target": vm.params["target"]}, vm=name)]
    if a.outcome == "fault":
        return out + [Expected("fault", {"ipa": vm.params["target"]}, {"vm": vm.index})]
    if a.outcome == "emulated":
        return out + [Expected("hostile-survived", {"value": a.value}, vm=name)]
    if a.outcome in ("chain", "request"):
        written = a.status != hostile.STATUS_UNTOUCHED
        out.append(Expected("hostile-chain", {"used": 1, "len": int(written), "status": a.status,
                                              "intact": 1}, vm=name))
    if a.reason:
        out.append(Expected("blk-bad", {"reason": a.reason}, {"vm": vm.index}))
    if a.outcome == "queue":  # every chain the device took comes back
        taken = hostile.QUEUE_NUM if a.name == "avail-idx-beyond" else vm.params["count"]
        out.append(Expected("hostile-queue", {"used": taken}, vm=name))
    if a.outcome == "hypercall":
        out.append(Expected("hostile-hvc", {"ret": RET_REFUSED}, vm=name))
    if a.outcome == "swap":
        out.append(Expected("hostile-fill", {"blocks": vm.params["count"]}, vm=name))
    return out


def linux_expectations(plan: Plan, vm: VmPlan, prediction) -> list[Expected]:
    """The workload's every step (harness/linux.py), each IN's MD5 from the
    model of what the workload leaves on the disk by then."""
    from . import linux
    from .golden_blk import linux_prediction
    from .models.virtio_blk import IN, OUT

    md5, name = linux_prediction(plan, vm).md5, vm.spec.name
    out = [Expected("linux-start", {"kernel": f"linux-{linux.assets().version}"}, vm=name)]
    for i, r in enumerate(vm.spec.requests):
        if r.base_type == OUT:
            out.append(Expected("linux-out", {"ok": 0}, {"idx": i}, vm=name))
        elif r.base_type == IN:
            out.append(Expected("linux-in", {"md5": int(md5[i], 16)}, {"idx": i}, vm=name))
        else:
            out.append(Expected("linux-sync", {}, {"idx": i}, vm=name))
    return out + [Expected("linux-done", {}, vm=name)]


RET_REFUSED = 0xFFFFFFFFFFFFFFFF
AF = 1 << 10  # the stage-2 descriptor's access flag
GUEST_MODELS = {"memstress": memstress_expectations, "blkio": blkio_expectations,
                "hostile": hostile_expectations, "linux": linux_expectations}


def check_stage2(plan: Plan, trace: Trace, read, prediction) -> list[str]:
    """Walks each VM's stage-2 tables as the MMU would and compares them, page
    by page, with the blocks the model has the VM holding when it exited
    (the hypervisor leaves a dead VM's tables as they were)."""
    from . import stage2

    problems = []
    for vm in plan.vms:
        created = trace.named("vm-create", vm=vm.index)
        if not created:
            continue  # already reported as a missing event
        vttbr = created[0]["vttbr"]
        if stage2.vttbr_vmid(vttbr) != vm.vmid:
            problems.append(f"{vm.spec.name}: VTTBR_EL2 {vttbr:#x} carries VMID "
                            f"{stage2.vttbr_vmid(vttbr)}, expected {vm.vmid}")
        # A block CLOCK passed over and the guest did not touch again keeps
        # its access flag clear.
        expected = [m for b in prediction.blocks[vm.index]
                    for m in stage2.plan_mappings(b.ipa, b.pa, b.size, stage2.S2_NORMAL_RW if
                                                  b.referenced else stage2.S2_NORMAL_RW & ~AF)]
        if vm.spec.passthrough:
            from .describe import passthrough_page

            page, size = passthrough_page()
            expected += stage2.plan_mappings(page, page, size, stage2.S2_DEVICE_RW)
        difference = stage2.first_difference(expected, stage2.walk(read, vttbr))
        if difference:
            problems.append(f"{vm.spec.name} stage-2: {difference}")
    return problems
