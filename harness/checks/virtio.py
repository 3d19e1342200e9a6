"""virtio-blk against its model (models/virtio_blk.py): what each VM
submitted, every scheduler round (which requests it took, in which order,
with which status), what every read returned, and the disk image byte for
byte."""

from ..expect import Expected, check, check_sequence, show
from ..models import virtio_blk as vb
from .vcpus import placement, spread

# The scheduler's events in the order it runs them (a host disk that never
# answers, hostblk-timeout, is never predicted).
SCHEDULER_EVENTS = ("blk-round", "blk-dispatch", "blk-done", "hostblk-timeout")


def check_virtio(plan, trace, disk: bytes | None, counted_time: bool = False,
                 cpus: int = 1) -> list[str]:
    """`disk`: the disk image as the run left it; None: no disk, or the
    target cannot give it (all but the image is still checked).
    `counted_time`: the run's guest time was counted in instructions."""
    vms, p = _predict(plan, trace, counted_time, cpus)
    passthrough = any(vm.spec.passthrough for vm in plan.vms)
    failures = [f"virtio-blk model: {problem}" for problem in p.problems]
    seq_of = {key: seq for seq, key in enumerate(p.submitted)}
    for i, vm in enumerate(vms):
        if plan.vms[i].spec.passthrough:
            continue  # QEMU's device takes its requests: the back-end sees none
        expected = [Expected("blk-req", {"seq": seq_of.get((i, k), "a seq"),
                                         **vb.request_fields(r)}, {"vm": i})
                    for k, r in enumerate(vm.requests)]
        failures += [str(m) for m in check_sequence(f"{vm.name} blk-req", expected,
                                                    trace.named("blk-req", vm=i))]
    if not passthrough:
        failures += [str(m) for m in check_sequence(
            "blk scheduler", _scheduler_expectations(p),
            [e for e in trace.events if e.name in SCHEDULER_EVENTS])]
    _add_shares(plan, p)
    for (i, k), status in p.status.items():
        report = plan.vms[i].kind.request_report(plan.vms[i], k, status, p.crc[(i, k)])
        if report is not None:
            failures += [str(m) for m in check(trace, [report])]
    return failures + (_check_disk(vms, bytes(p.disk), disk) if disk is not None else [])


def predicted_disk(plan, trace, counted_time: bool = False, cpus: int = 1) -> bytes:
    """The disk image the model expects the run to leave (a report draws it)."""
    _, p = _predict(plan, trace, counted_time, cpus)
    _add_shares(plan, p)
    return bytes(p.disk)


def _predict(plan, trace, counted_time: bool, cpus: int):
    """(the VMs' disks, the model's prediction) for the run's trace."""
    # A passthrough VM has QEMU's whole disk, and no back-end or scheduler to
    # report: QEMU's device takes each batch in order.
    passthrough = any(vm.spec.passthrough for vm in plan.vms)
    vms = [vb.VmDisk(vm.spec.name, *((0, plan.disk_size // vb.SECTOR) if vm.spec.passthrough
                                     else (vm.disk_base, vm.spec.disk_sectors)),
                     vm.kind.disk_requests(plan, vm, trace))
           for vm in plan.vms]
    return vms, vb.predict(vms, vb.initial_disk(plan.disk_size, plan.disk_seed),
                           _submissions(plan, trace, vms, passthrough, counted_time, cpus))


def _add_shares(plan, p) -> None:
    """What guests that write their share of the disk in one go left there."""
    for vm in plan.vms:
        if (share := vm.kind.disk_share(plan, vm)) is not None:
            start = vm.disk_base * vb.SECTOR
            p.disk[start:start + len(share)] = share


def _submissions(plan, trace, vms, passthrough: bool, counted_time: bool,
                 cpus: int) -> list[tuple[str, dict]]:
    """The model's input: which VM notified when (the trace's blk-req order)
    and which VMs exited, with the rounds where the guests' batches put them.
    The trace's rounds where that depends on timing: a guest whose batches
    do (Linux), several VMs' batches under host time, where a slow host
    can let the scheduler's tick (IOSCHED_MAX_WAIT_TICKS) run a round before
    every VM has submitted, or VMs on different physical CPUs, which notify
    side by side (what each round takes is still checked against the model:
    ioprio and barriers within it)."""
    order = [(e.name, e.fields) for e in trace.events if e.name in ("blk-req", "vm-exit")]
    batches = {vm.index: vm.kind.batches(vm.spec) for vm in plan.vms if vms[vm.index].requests}
    if passthrough:
        return [event for vm in plan.vms if vm.spec.passthrough
                for event in _passthrough_rounds(vm, batches[vm.index])]
    places = placement([vm.spec for vm in plan.vms], plan.placement, cpus)
    if None in batches.values() or (len(batches) > 1 and (not counted_time or
                                                          spread(places, batches))):
        return [(e.name, e.fields) for e in trace.events
                if e.name in ("blk-req", "blk-round", "vm-exit")]
    abandoning = frozenset(vm.index for vm in plan.vms if not vm.kind.waits_for_last(vm.spec))
    return list(vb.rounds_from_batches(batches, order, abandoning))


def _scheduler_expectations(p) -> list[Expected]:
    """Each round's mark, then each request it takes: dispatched, and done
    (host I/O is synchronous) with its status."""
    out = []
    for n, dispatched in enumerate(p.rounds):
        out.append(Expected("blk-round", {}, {"n": n}))
        for vm, seq in dispatched:
            which = {"vm": vm, "seq": seq}
            out += [Expected("blk-dispatch", {}, which),
                    Expected("blk-done", {"status": p.status[p.submitted[seq]]}, which)]
    return out


def _check_disk(vms, expected: bytes, disk: bytes) -> list[str]:
    offset = vb.first_difference(expected, disk)
    if offset is None:
        return []
    sector = offset // vb.SECTOR
    owner = next((v.name for v in vms if v.base <= sector < v.base + v.sectors), "no VM")
    want = expected[offset] if offset < len(expected) else "end of disk"
    got = disk[offset] if offset < len(disk) else "end of disk"
    return [f"disk image: first difference at byte {offset:#x} (sector {sector:#x}, "
            f"{owner}'s): expected {show(want)}, got {show(got)}"]


def _passthrough_rounds(vm, batches) -> list[tuple[str, dict]]:
    events = []
    for batch in batches:
        events += [("blk-req", {"vm": vm.index}) for _ in batch]
        events.append(("blk-round", {}))
    return events
