"""ReportData as Chrome's trace-event JSON (the "JSON Object Format"),
which Perfetto (ui.perfetto.dev) and chrome://tracing open as they are.
Two processes: the physical CPUs, a track each with what it ran; the VMs,
a track each with its events and its virtio requests, and one for the
hypervisor's own. Failures are global instants, seen on every track."""

from .data import HYPERVISOR, ReportData

CPUS_PID, VMS_PID = 1, 2


def _us(seconds: float) -> float:
    return round(seconds * 1e6, 3)


def _metadata(pid: int, tid: int | None, kind: str, name: str) -> dict:
    event = {"ph": "M", "pid": pid, "name": kind, "args": {"name": name}, "ts": 0}
    if tid is not None:
        event["tid"] = tid
    return event


def trace_events(data: ReportData) -> dict:
    tracks = {HYPERVISOR: 1, **{vm: i + 2 for i, vm in enumerate(data.vms)}}
    for mark in data.marks:  # a track for any name only the events give
        tracks.setdefault(mark.track, len(tracks) + 1)
    meta = [_metadata(CPUS_PID, None, "process_name", "physical CPUs"),
            _metadata(VMS_PID, None, "process_name", "VMs"),
            *(_metadata(CPUS_PID, cpu, "thread_name", f"CPU {cpu}") for cpu in range(data.cpus)),
            *(_metadata(VMS_PID, tid, "thread_name", name) for name, tid in tracks.items())]
    timed = [*_slices(data), *_marks(data, tracks), *_requests(data, tracks)]
    timed.sort(key=lambda e: e["ts"])  # stable: begin before end at the same time
    return {"traceEvents": meta + timed, "displayTimeUnit": "ms",
            "otherData": {"summary": data.summary, "passed": data.passed,
                          "failures": data.failures}}


def _slices(data: ReportData) -> list[dict]:
    return [{"ph": "X", "pid": CPUS_PID, "tid": s.cpu, "name": s.vm, "cat": "run",
             "ts": _us(s.start), "dur": _us(max(s.end - s.start, 0)),
             "args": {"vcpu": s.vcpu}} for s in data.slices]


def _marks(data: ReportData, tracks: dict[str, int]) -> list[dict]:
    out = []
    for m in data.marks:
        event = {"pid": VMS_PID, "tid": tracks[m.track], "ts": _us(m.time),
                 "cat": "failure" if m.failure else "event",
                 "name": f"FAIL {m.name}" if m.failure else m.name,
                 "args": {k: hex(v) if isinstance(v, int) else v for k, v in m.args.items()}}
        if m.duration is not None:
            event.update(ph="X", dur=_us(m.duration))
        else:  # a failure shows across every track
            event.update(ph="i", s="g" if m.failure else "t")
        out.append(event)
    return out


def _requests(data: ReportData, tracks: dict[str, int]) -> list[dict]:
    """Each request an async span on its VM's track, from submission to
    completion; one never completed ends where the run does, so said."""
    out = []
    for r in data.requests:
        common = {"pid": VMS_PID, "tid": tracks.get(r.vm, tracks[HYPERVISOR]), "cat": "virtio",
                  "id": f"{r.vm}-{r.seq}", "name": f"blk {r.vm} seq {r.seq}"}
        done = r.done if r.done is not None else data.end
        out.append({**common, "ph": "b", "ts": _us(r.submitted),
                    "args": {"type": hex(r.type), "sector": hex(r.sector),
                             "len": hex(r.length)}})
        out.append({**common, "ph": "e", "ts": _us(max(done, r.submitted)),
                    "args": {"status": r.status if r.status is not None
                             else "never completed"}})
    return out
