"""Golden checks of virtio-blk: what each VM submitted, the dispatch order
of every round, every status and read, and the disk image byte for byte,
against harness/models/virtio_blk.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .golden import Expected, _show, check
from .scenarios import LINUX_GUEST, BlkRequest
from .trace import Trace

if TYPE_CHECKING:
    from .describe import Plan, VmPlan


def check_virtio(plan: Plan, trace: Trace, disk: bytes) -> list[str]:
    """virtio-blk against its model: what each VM submitted, the dispatch
    order of every round, every status and what every read returned, and the
    disk byte for byte."""
    from .models import virtio_blk as vb

    vms = [vb.VmDisk(vm.spec.name, 0, plan.disk_size // vb.SECTOR, vm.spec.requests)
           if vm.spec.passthrough else
           vb.VmDisk(vm.spec.name, vm.disk_base, vm.spec.disk_sectors, _requests(vm, trace))
           for vm in plan.vms]
    order = [(e.name, e.fields) for e in trace.events
             if e.name in ("blk-req", "blk-round", "vm-exit")]
    for vm in plan.vms:
        if vm.spec.passthrough:  # no back-end to report: QEMU's device takes each batch in order
            order += _passthrough_rounds(vm)
    p = vb.predict(vms, vb.initial_disk(plan.disk_size, plan.disk_seed), order)
    failures = [f"virtio-blk model: {problem}" for problem in p.problems]
    for i, vm in enumerate(vms):
        for k, (event, request) in enumerate(zip(trace.named("blk-req", vm=i), vm.requests)):
            want = vb.request_fields(request)
            got = {key: event.get(key) for key in want}
            if got != want:
                failures.append(f"{vm.name} request {k}: expected blk-req {_fields(want)}, "
                                f"got {_fields(got)}")
    if not any(vm.spec.passthrough for vm in plan.vms):  # else no scheduler took part
        failures += _check_rounds(p.rounds, trace)
    index_of = {}
    for i in range(len(vms)):
        for k, e in enumerate(trace.named("blk-req", vm=i)):
            index_of[(i, e["seq"])] = k
    for e in trace.named("blk-done"):
        key = (e["vm"], index_of.get((e["vm"], e["seq"])))
        if key in p.status and e["status"] != p.status[key]:
            failures.append(f"@zvm blk-done vm={e['vm']:#x} seq={e['seq']:#x}: expected status "
                            f"{p.status[key]:#x}, got {e['status']:#x}")
    for vm in plan.vms:
        if vm.spec.guest == LINUX_GUEST:
            start, end = _share(vm)
            p.disk[start:end] = linux_prediction(plan, vm).share
    for (i, k), status in p.status.items():
        if plan.vms[i].spec.guest != "blkio":  # the others do not report each request
            continue
        failures += [str(m) for m in check(trace, [Expected(
            "blk", {"status": status, "crc": p.crc[(i, k)]}, {"idx": k}, vm=vms[i].name)])]
    offset = vb.first_difference(bytes(p.disk), disk)
    if offset is not None:
        sector = offset // vb.SECTOR
        owner = next((v.name for v in vms if v.base <= sector < v.base + v.sectors), "no VM")
        want = p.disk[offset] if offset < len(p.disk) else "end of disk"
        got = disk[offset] if offset < len(disk) else "end of disk"
        failures.append(f"disk image: first difference at byte {offset:#x} (sector {sector:#x}, "
                        f"{owner}'s): expected {_show(want)}, got {_show(got)}")
    return failures


def _requests(vm: VmPlan, trace: Trace):
    """The scenario's requests; those a hostile guest's attack makes; or,
    for a Linux VM, whatever its driver made of its workload (from the trace:
    Linux merges, splits and caches as it likes)."""
    from .models.virtio_blk import SECTOR

    if vm.spec.guest == LINUX_GUEST:
        return tuple(BlkRequest(e["type"], e["ioprio"], e["sector"], e["len"] // SECTOR, 0, 0,
                                opaque=True) for e in trace.named("blk-req", vm=vm.index))
    if not vm.spec.attack:
        return vm.spec.requests
    from .models import hostile

    return hostile.disk_requests(vm.spec, vm.spec.disk_sectors,
                                 len(trace.named("blk-req", vm=vm.index)))


def linux_prediction(plan: Plan, vm: VmPlan):
    """What a Linux VM's workload leaves on its share of the disk (no other
    VM can write there) and what its reads return."""
    from .models import linux_workload, virtio_blk

    start, end = _share(vm)
    initial = virtio_blk.initial_disk(plan.disk_size, plan.disk_seed)[start:end]
    return linux_workload.predict(bytes(initial), vm.spec.requests)


def _share(vm: VmPlan) -> tuple[int, int]:
    from .models.virtio_blk import SECTOR

    return vm.disk_base * SECTOR, (vm.disk_base + vm.spec.disk_sectors) * SECTOR


def _passthrough_rounds(vm: VmPlan) -> list[tuple[str, dict]]:
    from .models import blkio

    events, seq = [], 0
    for n, batch in enumerate(blkio.batches(vm.spec.requests)):
        for _ in batch:
            events.append(("blk-req", {"vm": vm.index, "seq": seq}))
            seq += 1
        events.append(("blk-round", {"n": n}))
    return events


def _check_rounds(expected: list[list[tuple[int, int]]], trace: Trace) -> list[str]:
    actual: list[list[tuple[int, int]]] = []
    for e in trace.events:
        if e.name == "blk-round":
            actual.append([])
        elif e.name == "blk-dispatch" and actual:
            actual[-1].append((e["vm"], e["seq"]))
    failures = []
    for n, (want, got) in enumerate(zip(expected, actual)):
        if want != got:
            failures.append(f"blk round {n}: expected dispatch order {_order(want)}, "
                            f"got {_order(got)}")
    if len(expected) != len(actual):
        failures.append(f"blk rounds: expected {len(expected)}, got {len(actual)}")
    return failures


def _order(pairs: list[tuple[int, int]]) -> str:
    return " ".join(f"vm{vm}:{seq:#x}" for vm, seq in pairs)


def _fields(fields: dict) -> str:
    return " ".join(f"{k}={_show(v)}" for k, v in fields.items())
