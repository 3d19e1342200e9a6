"""A bundle's files as ReportData (data.py): its trace placed on the guests'
clock (each @zvm line's `t=`, a guest's line at the @zvm line before it),
the firmware's schedule log as what each CPU ran and its interrupt log as
marks on the VMs' tracks, virtio requests from
submission to completion, each VM's memory blocks as they stood when it
ended, and the disk's changed sectors against the model's."""

from pathlib import Path

from ..bundle import files
from ..bundle.read import Bundle, read_bundle
from .data import HYPERVISOR, Block, DiskChange, Mark, ReportData, Request, Slice

QEMU_CNTFRQ = 62_500_000  # QEMU virt's counter, for bundles whose boot line lacks cntfrq
# Events that end a run badly, drawn as failures where they happened.
FAILING_EVENTS = frozenset({"panic", "fault", "oom", "hostblk-timeout"})
# Events drawn otherwise than as marks of their own.
NOT_MARKS = frozenset({"blk-req", "blk-dispatch", "blk-done", "memlist"})
SECTOR = 512


class Clock:
    """Counter ticks to seconds since the first trace line."""

    def __init__(self, events):
        stamped = [e for e in events if e.ticks is not None]
        boot = next((e for e in events if e.name == "boot"), None)
        self.frequency = (boot.get("cntfrq") if boot else None) or QEMU_CNTFRQ
        self.zero = stamped[0].ticks if stamped else 0

    def seconds(self, ticks: int) -> float:
        return max(ticks - self.zero, 0) / self.frequency


def report_data(path: str | Path) -> ReportData:
    bundle = read_bundle(path)
    events = bundle.events()
    clock = Clock(events)
    times = _event_times(events, clock)
    names = _vm_names(bundle, events)
    end = max(times, default=0.0)
    schedule = bundle.schedule()
    slices = _slices(schedule[0], clock, names, end) if schedule else []
    end = max([end, *(s.end for s in slices)])
    result = bundle.result
    data = ReportData(
        scenario=bundle.scenario.name, board=bundle.board.name, passed=result["passed"],
        failures=list(result["failures"]), vms=list(names.values()),
        cpus=getattr(bundle.board, "cpus", 1), end=end, slices=slices,
        marks=_marks(events, times, names, result["failures"], end),
        requests=_requests(events, times, names),
        memory=_memory(events, names),
        disk=_disk(bundle),
        files=sorted(p.name + ("/" if p.is_dir() else "") for p in bundle.path.iterdir()),
        summary=f"{'PASS' if result['passed'] else 'FAIL'}: {bundle.scenario.name} on "
                f"{bundle.board.name} ({len(events)} events, {end:.3f} s of guest time)")
    interrupts = bundle.schedule(interrupts=True)
    if interrupts:
        data.marks += [Mark(clock.seconds(c.ticks), _name(names, c.vm), "irq",
                            {"intid": c.intid, "vcpu": c.vcpu}) for c in interrupts[0]]
    for log, what in ((schedule, "changes"), (interrupts, "interrupts")):
        if log and log[1]:
            data.summary += f"; the firmware's log lost its {log[1]} oldest {what}"
    return data


def _event_times(events, clock: Clock) -> list[float]:
    """Each event's time: its own counter reading, or (a guest's line, an
    old bundle's) the last one before it."""
    times, last = [], 0.0
    for e in events:
        if e.ticks is not None:
            last = clock.seconds(e.ticks)
        times.append(last)
    return times


def _vm_names(bundle: Bundle, events) -> dict[int, str]:
    """VM id -> name, from vm-create (the shell's VMs too), else the scenario."""
    names = {e["vm"]: e["name"] for e in events if e.name == "vm-create"}
    return names or {i: vm.name for i, vm in enumerate(bundle.scenario.vms)}


def _slices(changes, clock: Clock, names: dict[int, str], end: float) -> list[Slice]:
    out = []
    by_cpu: dict[int, list] = {}
    for c in changes:
        by_cpu.setdefault(c.cpu, []).append(c)
    for cpu, mine in by_cpu.items():
        for c, following in zip(mine, [*mine[1:], None]):
            stop = clock.seconds(following.ticks) if following else end
            if c.vm is not None:
                out.append(Slice(cpu, clock.seconds(c.ticks), stop,
                                 _name(names, c.vm), c.vcpu))
    return out


def _name(names: dict[int, str], vm: int) -> str:
    """A VM's name from its id; one the run never created is still named."""
    return names.get(vm, f"vm{vm}")


def _track(event, names: dict[int, str]) -> str:
    if event.vm is not None:  # a guest's own line
        return event.vm
    vm = event.get("vm")
    return _name(names, vm) if isinstance(vm, int) else HYPERVISOR


def _marks(events, times, names, failures: list[str], end: float) -> list[Mark]:
    marks = []
    for i, e in enumerate(events):
        if e.name in NOT_MARKS:
            continue
        duration = None
        if e.name == "blk-round":  # the round lasts to its last completion
            last = next((j for j in range(i + 1, len(events))
                         if events[j].name not in ("blk-dispatch", "blk-done")), len(events))
            duration = times[last - 1] - times[i]
        marks.append(Mark(times[i], _track(e, names), e.name, dict(e.fields), duration,
                          failure=e.name in FAILING_EVENTS))
    marks += [Mark(end, HYPERVISOR, "failure", {"what": text}, failure=True)
              for text in failures]
    return marks


def _requests(events, times, names) -> list[Request]:
    done = {(e["vm"], e["seq"]): (times[i], e["status"])
            for i, e in enumerate(events) if e.name == "blk-done"}
    out = []
    for i, e in enumerate(events):
        if e.name == "blk-req":
            finished, status = done.get((e["vm"], e["seq"]), (None, None))
            out.append(Request(_name(names, e["vm"]), e["seq"], e["type"],
                               e["sector"], e["len"], times[i], finished, status))
    return out


def _memory(events, names: dict[int, str]) -> dict[str, list[Block]]:
    """Each VM's blocks when it ended (its vm-exit), or at the end of the run:
    the block events replayed."""
    live: dict[int, dict[int, Block]] = {}
    ended: dict[int, dict[int, Block]] = {}
    for e in events:
        vm = e.get("vm") if e.vm is None else None
        if not isinstance(vm, int) or vm in ended:
            continue
        blocks = live.setdefault(vm, {})
        if e.name in ("block-alloc", "block-merge"):
            for ipa in [a for a in blocks if e["ipa"] <= a < e["ipa"] + e["size"]]:
                del blocks[ipa]
            blocks[e["ipa"]] = Block(e["ipa"], e["size"], "resident", e["pa"])
        elif e.name == "block-split" and e["ipa"] in blocks:
            b, cut = blocks[e["ipa"]], e["at"] - e["ipa"]
            if 0 < cut < b.size:
                pa = b.pa + cut if b.pa is not None else None
                blocks[b.ipa] = Block(b.ipa, cut, b.state, b.pa, b.clen)
                blocks[e["at"]] = Block(e["at"], b.size - cut, b.state, pa, b.clen)
        elif e.name == "block-free":
            blocks.pop(e["ipa"], None)
        elif e.name == "swap-out" and e["ipa"] in blocks:
            b = blocks[e["ipa"]]
            blocks[b.ipa] = Block(b.ipa, b.size, e["kind"], None, e["clen"])
        elif e.name == "swap-in" and e["ipa"] in blocks:
            b = blocks[e["ipa"]]
            blocks[b.ipa] = Block(b.ipa, b.size, "resident", e["pa"])
        elif e.name == "vm-exit":
            ended[vm] = dict(blocks)
    ended = {**live, **ended}
    return {_name(names, vm): sorted(blocks.values(), key=lambda b: b.ipa)
            for vm, blocks in sorted(ended.items()) if blocks}


def _disk(bundle: Bundle) -> list[DiskChange] | None:
    before, after = bundle.path / files.DISK_BEFORE, bundle.path / files.DISK_AFTER
    if not (before.exists() and after.exists()):
        return None
    old, new = before.read_bytes(), after.read_bytes()
    expected = _expected_disk(bundle)
    if expected is None or len(expected) != len(old):
        expected = new  # the model's is not to be had: only what changed
    def sector(image: bytes, s: int) -> bytes:
        return image[s * SECTOR:(s + 1) * SECTOR]

    flags = [(sector(new, s) != sector(old, s), sector(expected, s) != sector(old, s),
              sector(new, s) == sector(expected, s)) for s in range(len(old) // SECTOR)]
    return _runs(flags)


def _runs(flags: list[tuple[bool, bool, bool]]) -> list[DiskChange]:
    """Runs of sectors with the same (changed, expected to change, as
    expected) flags, as ranges; sectors nothing touched left out."""
    out, start = [], 0
    for s in range(1, len(flags) + 1):
        if s == len(flags) or flags[s] != flags[start]:
            actual, expected, matches = flags[start]
            if actual or expected or not matches:
                out.append(DiskChange(start, s - start, actual, expected, matches))
            start = s
    return out


def _expected_disk(bundle: Bundle) -> bytes | None:
    """The model's disk for the bundle's run, or None where it has none."""
    from ..checks.virtio import predicted_disk
    from ..repro import prepared

    try:
        _, _, plan, counted = prepared(bundle)
        if plan is None or not plan.disk_size:
            return None
        return predicted_disk(plan, bundle.trace(), counted, getattr(bundle.board, "cpus", 1))
    except Exception:  # a failed run's trace may not be one the model can follow
        return None

