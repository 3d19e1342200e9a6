"""report.html's timeline in inline SVG: a row for each physical CPU (what
it ran), one for the hypervisor and one for each VM (its marks above, its
virtio-blk requests below), failures in red across every row."""

import math

from .data import HYPERVISOR, Mark, ReportData, Request, Slice
from .svg import (FAIL, LABEL_W, PALETTE, PLOT_W, Run, Scale, counts, dur, esc, pixel_runs, rect,
                  row_label, secs)

CPU_ROW = 22     # a physical CPU's row
TRACK_ROW = 36   # a track's row: marks above, requests below
GAP = 4
REQ_TYPES = {0: "read", 1: "write", 4: "flush", 8: "get-id"}  # virtio-blk 5.2.6
REQ_STATUS = {0: "ok", 1: "ioerr", 2: "unsupp"}
BARRIER = 0x80000000


def _timeline_end(data: ReportData) -> float:
    """data.end, or later if something ends after it (nothing is cut off)."""
    ends = [data.end] + [s.end for s in data.slices]
    ends += [m.time + (m.duration or 0) for m in data.marks]
    ends += [r.done if r.done is not None else r.submitted for r in data.requests]
    return max(ends)


def _tracks(data: ReportData) -> list[str]:
    """The hypervisor, the VMs, then any other track the marks or requests name."""
    tracks = [HYPERVISOR] + [v for v in data.vms if v != HYPERVISOR]
    extra = {m.track for m in data.marks} | {r.vm for r in data.requests}
    return tracks + sorted(extra - set(tracks))


def timeline(data: ReportData, colors: dict[str, int]) -> str:
    scale = Scale(_timeline_end(data))
    cpus = max([data.cpus] + [s.cpu + 1 for s in data.slices])
    tracks = _tracks(data)
    top = 30
    track_top = top + cpus * (CPU_ROW + GAP) + 10
    bottom = track_top + len(tracks) * (TRACK_ROW + GAP)
    height = bottom + 40
    out = [(f'<svg width="{LABEL_W + PLOT_W + 20}" height="{height}" '
            f'viewBox="0 0 {LABEL_W + PLOT_W + 20} {height}" role="img">')]
    out += _axis(scale, top, bottom)
    for cpu in range(cpus):
        out += _cpu_row(cpu, [s for s in data.slices if s.cpu == cpu],
                        top + cpu * (CPU_ROW + GAP), scale, colors)
    marks_by: dict[str, list[Mark]] = {}
    for m in data.marks:
        marks_by.setdefault(m.track, []).append(m)
    reqs_by: dict[str, list[Request]] = {}
    for r in data.requests:
        reqs_by.setdefault(r.vm, []).append(r)
    for i, track in enumerate(tracks):
        y = track_top + i * (TRACK_ROW + GAP)
        out += _track_row(track, marks_by.get(track, []), reqs_by.get(track, []), y, scale, colors)
    out += _failure_lines([m for m in data.marks if m.failure], top, bottom, scale)
    out.append("</svg>")
    return _timeline_legend(data, colors) + "\n".join(out)


def _timeline_legend(data: ReportData, colors: dict[str, int]) -> str:
    vms = "".join(f'<span><i class="sw" style="background:{PALETTE[i % len(PALETTE)]}"></i>'
                  f"{esc(name)}</span>" for name, i in colors.items())
    return (f'<div class="legend">{vms}'
            '<span><i class="sw" style="background:#f7f7f7"></i>idle</span>'
            f'<span><i class="sw" style="background:{FAIL}"></i>failure</span>'
            '<span><i class="sw" style="background:#333"></i>mark</span>'
            '<span><i class="sw" style="background:#8fbc8f"></i>request ok</span>'
            '<span><i class="sw" style="background:#222"></i>request error</span>'
            '<span><i class="sw" style="background:#ffe0a0"></i>request never done</span></div>'
            f'<p class="note">{len(data.slices)} slices, {len(data.marks)} marks, '
            f"{len(data.requests)} requests; what is narrower than a pixel is merged "
            "(hover for details).</p>")


def _nice_step(span: float, ticks: int = 10) -> float:
    raw = span / ticks
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)


def _axis(scale: Scale, top: int, bottom: int) -> list[str]:
    step = _nice_step(scale.end)
    decimals = max(0, -math.floor(math.log10(step)))
    out = [f'<line class="axis" x1="{LABEL_W}" y1="{top - 4}" x2="{LABEL_W + PLOT_W}" y2="{top - 4}"/>',
           f'<line class="axis" x1="{LABEL_W}" y1="{bottom}" x2="{LABEL_W + PLOT_W}" y2="{bottom}"/>',
           f'<text x="{LABEL_W + PLOT_W / 2}" y="{bottom + 32}" text-anchor="middle">time (s)</text>']
    for k in range(int(scale.end / step) + 1):
        x = scale.x(k * step)
        label = f"{k * step:.{decimals}f}"
        out += [f'<line class="grid" x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}"/>',
                f'<text x="{x:.1f}" y="{top - 8}" text-anchor="middle">{label}</text>',
                f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle">{label}</text>']
    return out


def _cpu_row(cpu: int, slices: list[Slice], y: int, scale: Scale,
             colors: dict[str, int]) -> list[str]:
    busy = sum(s.end - s.start for s in slices if s.vm is not None)
    out = [f'<rect class="rowbg" x="{LABEL_W}" y="{y}" width="{PLOT_W}" height="{CPU_ROW}"/>',
           row_label(y + CPU_ROW - 7, f"CPU {cpu}",
                      f"physical CPU {cpu}: busy {dur(busy)} of {dur(scale.end)}")]
    runs = [Run(scale.x(s.start), scale.x(s.end), s.vm, [s], scale.x(s.end) - scale.x(s.start))
            for s in slices if s.vm is not None]  # idle: left blank
    for r in pixel_runs(runs):
        out.append(rect(r.x0, r.x1, y + 2, CPU_ROW - 4, f"v{colors[r.key]}", _slice_title(cpu, r)))
    return out


def _slice_title(cpu: int, run: Run) -> str:
    first, last = run.parts[0], max(run.parts, key=lambda s: s.end)
    t0, t1 = min(s.start for s in run.parts), last.end
    if len(run.parts) == 1:
        vcpu = f" vCPU {first.vcpu}" if first.vcpu is not None else ""
        return f"CPU {cpu}: {run.key}{vcpu} {secs(t0)}–{secs(t1)} s ({dur(t1 - t0)})"
    vcpus = sorted({s.vcpu for s in run.parts if s.vcpu is not None and s.vm == run.key})
    vcpu = f" vCPU {','.join(map(str, vcpus))}" if vcpus else ""
    title = (f"CPU {cpu}: {run.key}{vcpu} {secs(t0)}–{secs(t1)} s ({dur(t1 - t0)}), "
             f"{len(run.parts)} slices merged")
    others = [s.vm for s in run.parts if s.vm != run.key]
    return title + (f"; also {counts(others)}" if others else "")


def _track_row(track: str, marks: list[Mark], requests: list[Request], y: int,
               scale: Scale, colors: dict[str, int]) -> list[str]:
    label = "hypervisor" if track == HYPERVISOR else track
    out = [f'<rect class="rowbg" x="{LABEL_W}" y="{y}" width="{PLOT_W}" height="{TRACK_ROW}"/>',
           row_label(y + 15, label, f"{label}: {len(marks)} marks, {len(requests)} requests")]
    span_cls = f"v{colors[track]}" if track in colors else "mk"
    out += _spans([m for m in marks if m.duration is not None and not m.failure], y + 4, scale, span_cls)
    out += _instants([m for m in marks if m.duration is None and not m.failure], y + 2, scale)
    out += _requests(requests, y + 22, scale)
    out += _failure_marks([m for m in marks if m.failure], y, scale)
    return out


def _mark_text(m: Mark) -> str:
    args = " ".join(f"{k}={v:#x}" if isinstance(v, int) and not isinstance(v, bool) else f"{k}={v}"
                    for k, v in m.args.items())
    when = f"{secs(m.time)} s" + (f" for {dur(m.duration)}" if m.duration is not None else "")
    return f"{'FAILURE: ' if m.failure else ''}{m.name} @ {when}" + (f" ({args})" if args else "")


def _columns(items: list, when, scale: Scale) -> list[list]:
    """The items by the pixel column of their time, left to right."""
    columns: dict[int, list] = {}
    for it in sorted(items, key=when):
        columns.setdefault(int(scale.x(when(it))), []).append(it)
    return [group for _, group in sorted(columns.items())]


def _by_column(items: list, when, scale: Scale, keep: int) -> list[tuple[list, list]]:
    """Per pixel column: the first `keep` items there, and the others."""
    return [(group[:keep], group[keep:]) for group in _columns(items, when, scale)]


def _more(hidden: list[Mark]) -> str:
    if not hidden:
        return ""
    return f"\n+{len(hidden)} more in this pixel: {counts([m.name for m in hidden])}"


def _instants(marks: list[Mark], y: int, scale: Scale) -> list[str]:
    out = []
    for kept, hidden in _by_column(marks, lambda m: m.time, scale, 1):
        m = kept[0]
        x = scale.x(m.time)
        out.append(rect(x, x + 1.5, y, 16, "mk", _mark_text(m) + _more(hidden)))
    return out


def _spans(marks: list[Mark], y: int, scale: Scale, cls: str) -> list[str]:
    out = []
    for group in _columns(marks, lambda m: m.time, scale):
        m = max(group, key=lambda m: m.duration)  # the column's longest
        rest = [h for h in group if h is not m]
        out.append(rect(scale.x(m.time), scale.x(m.time + m.duration), y, 8, cls,
                         _mark_text(m) + _more(rest)))
    return out


def _failure_marks(marks: list[Mark], y: int, scale: Scale) -> list[str]:
    """Red, full height, with a flag above: what failed the run must be seen."""
    out = []
    for kept, hidden in _by_column(marks, lambda m: m.time, scale, 3):
        for m in kept:
            x = scale.x(m.time)
            x1 = scale.x(m.time + m.duration) if m.duration else x + 3
            title = _mark_text(m) + _more(hidden)
            out.append(rect(x - 1, max(x1, x + 2), y, TRACK_ROW, "fl", title))
            out.append(f'<polygon class="fl" points="{x - 6:.1f},{y - 2} {x + 6:.1f},{y - 2} '
                       f'{x:.1f},{y + 8}"><title>{esc(title)}</title></polygon>')
    return out


def _failure_lines(marks: list[Mark], top: int, bottom: int, scale: Scale) -> list[str]:
    """A dashed red line down the whole timeline at each failure (one per column)."""
    out = []
    for kept, hidden in _by_column(marks, lambda m: m.time, scale, 1):
        m = kept[0]
        x = scale.x(m.time)
        out.append(f'<line class="fline" x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}">'
                   f"<title>{esc(m.track + ': ' + _mark_text(m) + _more(hidden))}</title></line>")
    return out


def _request_class(r: Request) -> str:
    if r.done is None:
        return "rq-open"
    return "rq-ok" if r.status == 0 else "rq-err"


def _request_text(r: Request) -> str:
    kind = REQ_TYPES.get(r.type & ~BARRIER, f"type {r.type:#x}")
    kind += " (barrier)" if r.type & BARRIER else ""
    head = f"{r.vm} request #{r.seq} {kind} sector {r.sector}, {r.length} B: {secs(r.submitted)}"
    if r.done is None:
        return head + " s, never done"
    status = REQ_STATUS.get(r.status, str(r.status))
    return head + f"–{secs(r.done)} s ({dur(r.done - r.submitted)}), status {status}"


def _requests(requests: list[Request], y: int, scale: Scale) -> list[str]:
    """One bar per pixel column: the worst there (never done, then an error)."""
    worst = {"rq-open": 0, "rq-err": 1, "rq-ok": 2}
    out = []
    for group in _columns(requests, lambda r: r.submitted, scale):
        group.sort(key=lambda r: worst[_request_class(r)])
        r = group[0]
        end = r.done if r.done is not None else scale.end
        title = _request_text(r)
        if len(group) > 1:
            title += f"\n+{len(group) - 1} more submitted in this pixel: " + \
                counts([REQ_STATUS.get(g.status, "never done" if g.done is None else str(g.status))
                         for g in group[1:]])
        out.append(rect(scale.x(r.submitted), scale.x(end), y, 10, _request_class(r), title))
    return out
