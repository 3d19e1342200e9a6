"""Each VM's stage-2 tables, walked as the MMU would in memory read back
from the target after the run, against the model descriptor for descriptor:
level (2 MiB block or 4 KiB page), output address and attributes, as the
model's mappings leave them when the VM exited (the hypervisor leaves a dead
VM's tables as they were)."""

from ..errors import HarnessError
from ..models import stage2

AF = 1 << 10  # the stage-2 descriptor's access flag


def capture(trace, read) -> None:
    """Walks every VM's tables through `read(pa, length)` while the target
    is up, so that the reads are there for the check (and the bundle)."""
    deleted = {e["vm"] for e in trace.named("vm-delete")}
    for event in trace.named("vm-create"):
        if event["vm"] in deleted:  # its tables are back in the pool, maybe another VM's
            continue
        try:
            stage2.walk(read, event["vttbr"])
        except HarnessError:
            pass  # the check walks the same bytes again and reports it


def snapshot_reader(memory: dict[int, bytes]):
    """read(pa, length) over what was read during the run."""
    def read(addr: int, length: int) -> bytes:
        for base, data in memory.items():
            if base <= addr and addr + length <= base + len(data):
                return data[addr - base:addr - base + length]
        raise KeyError(f"{addr:#x} was not read during the run")
    return read


def check_stage2(plan, trace, read, prediction) -> list[str]:
    problems = []
    deleted = {e["vm"] for e in trace.named("vm-delete")}
    for vm in plan.vms:
        created = trace.named("vm-create", vm=vm.index)
        if not created or vm.index in deleted:
            continue  # already reported as a missing event; gone with its tables
        vttbr = created[0]["vttbr"]
        if stage2.vttbr_vmid(vttbr) != vm.vmid:
            problems.append(f"{vm.spec.name}: VTTBR_EL2 {vttbr:#x} carries VMID "
                            f"{stage2.vttbr_vmid(vttbr)}, expected {vm.vmid}")
        # The descriptors the model's mappings leave, each with the access
        # flag of its block: one CLOCK passed over, and the guest did not
        # touch again, keeps it clear.
        cleared = [(b.ipa, b.end) for b in prediction.blocks[vm.index] if not b.referenced]
        expected = [m if not any(lo <= m.ipa < hi for lo, hi in cleared) else
                    stage2.Mapping(m.ipa, m.pa, m.size, m.attrs & ~AF)
                    for m in stage2.live_mappings(prediction.events[vm.index])]
        difference = stage2.first_leaf_difference(expected, stage2.walk(read, vttbr))
        if difference:
            problems.append(f"{vm.spec.name} stage-2: {difference}")
    return problems


def check_changes(plan, trace, snapshots: list[dict], prediction) -> list[str]:
    """The tables as read on return from each of the first unmaps
    (targets/register_probe.py) against the model's mappings at that point:
    the VM's memory events replayed up to that s2-unmap. The access flag is
    left out: which blocks CLOCK has passed over by then is not predicted."""
    unmaps = trace.named("s2-unmap")
    created = {e["vm"]: e["vttbr"] for e in trace.named("vm-create")}
    k = -1
    for snapshot in snapshots:
        # The unmap it followed: the next in the trace with its arguments.
        k = next((i for i in range(k + 1, len(unmaps)) if all(
            unmaps[i][key] == snapshot.get(key, unmaps[i][key]) for key in ("vm", "ipa", "size"))),
            None)
        if k is None:
            return [f"stage-2 read after an unmap of vm {snapshot['vm']} at "
                    f"{snapshot.get('ipa', 0):#x}: no such s2-unmap in the trace"]
        event = unmaps[k]
        vm, where = event["vm"], f"after {event}"
        if vm >= len(plan.vms) or vm not in created:
            return [f"stage-2 {where}: no such VM"]
        vttbr = created[vm]
        if snapshot["root"] != stage2.vttbr_root(vttbr):
            return [f"stage-2 {where}: unmapped in tables at {snapshot['root']:#x}, "
                    f"not the VM's ({stage2.vttbr_root(vttbr):#x})"]
        nth = sum(e["vm"] == vm for e in unmaps[:k + 1])
        events = prediction.events[vm]
        cut = [i for i, (name, f) in enumerate(events) if name == "s2-unmap"][nth - 1]
        expected = [_without_af(m) for m in stage2.live_mappings(events[:cut + 1])]
        try:
            actual = [_without_af(m) for m in stage2.walk(_page_reader(snapshot["pages"]), vttbr)]
        except (HarnessError, KeyError) as e:
            return [f"{plan.vms[vm].spec.name} stage-2 {where}: {e}"]
        if difference := stage2.first_leaf_difference(expected, actual):
            return [f"{plan.vms[vm].spec.name} stage-2 {where}: {difference}"]
    return []


def _without_af(m):
    return stage2.Mapping(m.ipa, m.pa, m.size, m.attrs & ~AF)


def _page_reader(pages: dict[str, str]):
    return snapshot_reader({int(address, 16): bytes.fromhex(data)
                            for address, data in pages.items()})
