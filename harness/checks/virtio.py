"""virtio-blk against its model (models/virtio_blk.py): what each VM
submitted, the dispatch order of every round, every status and what every
read returned, and the disk image byte for byte."""

from ..expect import check, show, show_fields
from ..models import virtio_blk as vb


def check_virtio(plan, trace, disk: bytes) -> list[str]:
    # A passthrough VM has QEMU's whole disk, and no back-end or scheduler to
    # report: QEMU's device takes each batch in order.
    passthrough = any(vm.spec.passthrough for vm in plan.vms)
    vms = [vb.VmDisk(vm.spec.name, *((0, plan.disk_size // vb.SECTOR) if vm.spec.passthrough
                                     else (vm.disk_base, vm.spec.disk_sectors)),
                     vm.kind.disk_requests(plan, vm, trace))
           for vm in plan.vms]
    order = [(e.name, e.fields) for e in trace.events
             if e.name in ("blk-req", "blk-round", "vm-exit")]
    for vm in plan.vms:
        if vm.spec.passthrough:
            order += _passthrough_rounds(vm)
    p = vb.predict(vms, vb.initial_disk(plan.disk_size, plan.disk_seed), order)
    failures = [f"virtio-blk model: {problem}" for problem in p.problems]
    for i, vm in enumerate(vms):
        for k, (event, request) in enumerate(zip(trace.named("blk-req", vm=i), vm.requests)):
            want = vb.request_fields(request)
            got = {key: event.get(key) for key in want}
            if got != want:
                failures.append(f"{vm.name} request {k}: expected blk-req {show_fields(want)}, "
                                f"got {show_fields(got)}")
    if not passthrough:
        failures += _check_rounds(p.rounds, trace) + _check_statuses(trace, vms, p)
    for vm in plan.vms:
        if (share := vm.kind.disk_share(plan, vm)) is not None:
            start = vm.disk_base * vb.SECTOR
            p.disk[start:start + len(share)] = share
    for (i, k), status in p.status.items():
        report = plan.vms[i].kind.request_report(plan.vms[i], k, status, p.crc[(i, k)])
        if report is not None:
            failures += [str(m) for m in check(trace, [report])]
    return failures + _check_disk(vms, bytes(p.disk), disk)


def _check_statuses(trace, vms, p) -> list[str]:
    """Every request the model dispatched completes once, with its status;
    nothing else completes."""
    index_of = {}
    for i in range(len(vms)):
        for k, e in enumerate(trace.named("blk-req", vm=i)):
            index_of[(i, e["seq"])] = k
    failures, done = [], set()
    for e in trace.named("blk-done"):
        key = (e["vm"], index_of.get((e["vm"], e["seq"])))
        where = f"@zvm blk-done vm={e['vm']:#x} seq={e['seq']:#x}"
        if key not in p.status:
            failures.append(f"{where}: no such request was dispatched")
        elif key in done:
            failures.append(f"{where}: completed twice")
        elif e["status"] != p.status[key]:
            failures.append(f"{where}: expected status {p.status[key]:#x}, got {e['status']:#x}")
        done.add(key)
    seq_of = {(vm, k): seq for (vm, seq), k in index_of.items()}
    failures += [f"@zvm blk-done vm={vm:#x} seq={seq_of[(vm, k)]:#x}: expected the event, "
                 "got no such event" for vm, k in p.status if (vm, k) not in done]
    return failures


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


def _passthrough_rounds(vm) -> list[tuple[str, dict]]:
    events, seq = [], 0
    for n, batch in enumerate(vm.kind.batches(vm.spec)):
        for _ in batch:
            events.append(("blk-req", {"vm": vm.index, "seq": seq}))
            seq += 1
        events.append(("blk-round", {"n": n}))
    return events


def _check_rounds(expected: list[list[tuple[int, int]]], trace) -> list[str]:
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
