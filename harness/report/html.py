"""report.html: one self-contained page of a run (ReportData): the verdict,
a timeline in inline SVG (physical CPUs, the hypervisor, each VM's marks
and virtio-blk requests), each VM's memory map, the disk's changed sectors
and links to the bundle's files. No network, no JavaScript: hover text is
SVG <title>. Whatever would be narrower than a pixel is merged into what
is drawn there, so that a Linux run's 20,000 slices stay a page of < 2 MB."""

import html
import math
from dataclasses import dataclass, field
from urllib.parse import quote

from .data import HYPERVISOR, Block, DiskChange, Mark, ReportData, Request, Slice

PLOT_W = 1200    # pixels of the time (or address, or sector) axis
LABEL_W = 150    # the row names left of it
CPU_ROW = 22     # a physical CPU's row
TRACK_ROW = 36   # a track's row: marks above, requests below
GAP = 4
TABLE_ROWS = 400  # rows a memory or disk table lists before it says "and N more"

# Colours of the VMs (no red: red is a failure's).
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2",
           "#edc948", "#9c755f", "#ff9da7", "#17becf", "#bcbd22"]
FAIL = "#d62728"
REQ_TYPES = {0: "read", 1: "write", 4: "flush", 8: "get-id"}  # virtio-blk 5.2.6
REQ_STATUS = {0: "ok", 1: "ioerr", 2: "unsupp"}
BARRIER = 0x80000000

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:16px 24px;color:#222;background:#fff}
h1{margin:0 0 4px}h2{margin:28px 0 8px;border-bottom:1px solid #ddd}
.verdict{font-size:44px;font-weight:800;padding:4px 18px;border-radius:6px;color:#fff;display:inline-block}
.pass{background:#2e7d32}.fail{background:$fail}
.failures li{color:$fail;font-family:monospace;white-space:pre-wrap}
.meta td{padding:0 12px 0 0}
table.data{border-collapse:collapse;font-size:12px;margin-top:6px}
table.data td,table.data th{border:1px solid #ddd;padding:1px 6px;text-align:right;font-family:monospace}
table.data th{background:#f4f4f4}
tr.bad td{background:#fde0e0;color:#900;font-weight:bold}
.legend span{display:inline-block;margin-right:14px}
.sw{display:inline-block;width:12px;height:12px;vertical-align:-1px;margin-right:4px;border:1px solid #999}
.note{color:#666;font-size:12px}
svg{display:block;margin-top:6px}
svg text{font:11px system-ui,sans-serif;fill:#333}
.grid{stroke:#e4e4e4}.axis{stroke:#666}.rowbg{fill:#f7f7f7}
.mk{fill:#333}.fl{fill:$fail}.fline{stroke:$fail;stroke-width:1;stroke-dasharray:4 3;opacity:.7}
.rq-ok{fill:#8fbc8f}.rq-err{fill:#222}.rq-open{fill:url(#open)}
.resident{fill:#4e79a7}.lzo{fill:#f28e2b}.zero{fill:url(#zero)}.hole{fill:#fff}
.d-act{fill:#4e79a7}.d-exp{fill:#59a14f}.d-bad{fill:$fail}
""".replace("$fail", FAIL)  # one red throughout

# Patterns the SVGs share (ids are the document's, so one <defs> serves all).
DEFS = """<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>
<pattern id="zero" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<rect width="6" height="6" fill="#e8e8e8"/><rect width="2" height="6" fill="#777"/></pattern>
<pattern id="open" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<rect width="6" height="6" fill="#ffe0a0"/><rect width="2" height="6" fill="#e08a00"/></pattern>
</defs></svg>"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def render(data: ReportData) -> str:
    """The whole page, as one string."""
    colors = _vm_colors(data)
    parts = [_head(data, colors), DEFS, _verdict(data),
             "<h2>Timeline</h2>", _timeline(data, colors),
             "<h2>Memory</h2>", _memory(data),
             "<h2>Disk</h2>", _disk(data),
             "<h2>Files</h2>", _files(data), "</body></html>\n"]
    return "\n".join(parts)


def _vm_colors(data: ReportData) -> dict[str, int]:
    """Each VM's palette index: the description's order, then any other
    name the slices or tracks use (a bundle may name more than it lists)."""
    names = list(data.vms)
    names += sorted({s.vm for s in data.slices if s.vm is not None} - set(names))
    return {name: i for i, name in enumerate(names)}


def _head(data: ReportData, colors: dict[str, int]) -> str:
    vm_css = "".join(f".v{i}{{fill:{PALETTE[i % len(PALETTE)]}}}" for i in colors.values())
    title = f"{'PASS' if data.passed else 'FAIL'} {data.scenario} on {data.board}"
    # The CSP makes the browser refuse anything from outside the page.
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:\">\n"
            f"<title>{esc(title)}</title>\n<style>{CSS}{vm_css}</style></head><body>")


def _verdict(data: ReportData) -> str:
    word, cls = ("PASS", "pass") if data.passed else ("FAIL", "fail")
    out = [f'<div class="verdict {cls}">{word}</div>',
           f"<h1>{esc(data.scenario)}</h1>",
           f"<p>{esc(data.summary)}</p>" if data.summary else "",
           ('<table class="meta">'
            f"<tr><td>scenario</td><td><b>{esc(data.scenario)}</b></td></tr>"
            f"<tr><td>board</td><td><b>{esc(data.board)}</b></td></tr>"
            f"<tr><td>VMs</td><td>{esc(', '.join(data.vms)) or '(none)'}</td></tr></table>")]
    if data.failures:
        out.append(f"<h2>Failures ({len(data.failures)})</h2><ul class=\"failures\">")
        out += [f"<li>{esc(f)}</li>" for f in data.failures]
        out.append("</ul>")
    return "\n".join(out)


# ---------------------------------------------------------------- drawing helpers

@dataclass
class _Run:
    """What one rectangle stands for: pixels [x0, x1) of items of `key`
    (after merging, `parts` may hold other keys' items too)."""
    x0: float
    x1: float
    key: str
    parts: list = field(default_factory=list)
    weight: float = 0.0  # pixels of `key`'s own items, for the dominant key of a column


def _coalesce(runs: list[_Run]) -> list[_Run]:
    """Merge neighbours of one key less than a pixel apart (`runs` by x0)."""
    out: list[_Run] = []
    for r in runs:
        last = out[-1] if out else None
        if last is not None and last.key == r.key and r.x0 - last.x1 < 1:
            last.x1 = max(last.x1, r.x1)
            last.parts += r.parts
            last.weight += r.weight
        else:
            out.append(_Run(r.x0, r.x1, r.key, list(r.parts), r.weight))
    return out


def _pixel_runs(runs: list[_Run]) -> list[_Run]:
    """At most about one rectangle per pixel column for what is narrower than
    a pixel: the column's runs become one of the key that covers most of it."""
    runs = _coalesce(sorted(runs, key=lambda r: r.x0))
    wide = [r for r in runs if r.x1 - r.x0 >= 1]
    columns: dict[int, list[_Run]] = {}
    for r in runs:
        if r.x1 - r.x0 < 1:
            columns.setdefault(int(r.x0), []).append(r)
    for group in columns.values():
        share: dict[str, float] = {}
        for r in group:
            share[r.key] = share.get(r.key, 0.0) + r.weight + 1e-9
        key = max(share, key=share.get)
        x0 = min(r.x0 for r in group)
        wide.append(_Run(x0, max(x0 + 1, max(r.x1 for r in group)), key,
                         [p for r in group for p in r.parts], share[key]))
    return _coalesce(sorted(wide, key=lambda r: r.x0))


def _rect(x0: float, x1: float, y: float, h: float, cls: str, title: str) -> str:
    w = max(x1 - x0, 1.0)
    return (f'<rect x="{x0:.1f}" y="{y:.0f}" width="{w:.1f}" height="{h:.0f}" class="{cls}">'
            f"<title>{esc(title)}</title></rect>")


def _secs(t: float) -> str:
    return f"{t:.6f}"


def _dur(d: float) -> str:
    if d >= 1:
        return f"{d:.3f} s"
    if d >= 1e-3:
        return f"{d * 1e3:.3f} ms"
    return f"{d * 1e6:.1f} µs"


def _kib(n: int) -> str:
    k = n / 1024
    return f"{k:.0f} KiB" if k == int(k) else f"{k:.2f} KiB"


def _counts(keys: list[str], top: int = 4) -> str:
    """'a ×3, b ×1', most first; only the `top` most (hover text stays short)."""
    tally: dict[str, int] = {}
    for k in keys:
        tally[k] = tally.get(k, 0) + 1
    ranked = sorted(tally.items(), key=lambda kv: -kv[1])
    text = ", ".join(f"{k} ×{n}" for k, n in ranked[:top])
    return text + (f", {len(ranked) - top} others" if len(ranked) > top else "")


class _Scale:
    """Seconds to pixels of the timeline."""

    def __init__(self, end: float):
        self.end = end if end > 0 else 1e-6
        self.per_px = self.end / PLOT_W

    def x(self, t: float) -> float:
        return LABEL_W + min(max(t, 0.0), self.end) / self.per_px


# ---------------------------------------------------------------- timeline

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


def _timeline(data: ReportData, colors: dict[str, int]) -> str:
    scale = _Scale(_timeline_end(data))
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


def _axis(scale: _Scale, top: int, bottom: int) -> list[str]:
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


def _row_label(y: float, text: str, title: str) -> str:
    return (f'<text x="{LABEL_W - 8}" y="{y:.0f}" text-anchor="end">{esc(text)}'
            f"<title>{esc(title)}</title></text>")


def _cpu_row(cpu: int, slices: list[Slice], y: int, scale: _Scale,
             colors: dict[str, int]) -> list[str]:
    busy = sum(s.end - s.start for s in slices if s.vm is not None)
    out = [f'<rect class="rowbg" x="{LABEL_W}" y="{y}" width="{PLOT_W}" height="{CPU_ROW}"/>',
           _row_label(y + CPU_ROW - 7, f"CPU {cpu}",
                      f"physical CPU {cpu}: busy {_dur(busy)} of {_dur(scale.end)}")]
    runs = [_Run(scale.x(s.start), scale.x(s.end), s.vm, [s], scale.x(s.end) - scale.x(s.start))
            for s in slices if s.vm is not None]  # idle: left blank
    for r in _pixel_runs(runs):
        out.append(_rect(r.x0, r.x1, y + 2, CPU_ROW - 4, f"v{colors[r.key]}", _slice_title(cpu, r)))
    return out


def _slice_title(cpu: int, run: _Run) -> str:
    first, last = run.parts[0], max(run.parts, key=lambda s: s.end)
    t0, t1 = min(s.start for s in run.parts), last.end
    if len(run.parts) == 1:
        vcpu = f" vCPU {first.vcpu}" if first.vcpu is not None else ""
        return f"CPU {cpu}: {run.key}{vcpu} {_secs(t0)}–{_secs(t1)} s ({_dur(t1 - t0)})"
    vcpus = sorted({s.vcpu for s in run.parts if s.vcpu is not None and s.vm == run.key})
    vcpu = f" vCPU {','.join(map(str, vcpus))}" if vcpus else ""
    title = (f"CPU {cpu}: {run.key}{vcpu} {_secs(t0)}–{_secs(t1)} s ({_dur(t1 - t0)}), "
             f"{len(run.parts)} slices merged")
    others = [s.vm for s in run.parts if s.vm != run.key]
    return title + (f"; also {_counts(others)}" if others else "")


def _track_row(track: str, marks: list[Mark], requests: list[Request], y: int,
               scale: _Scale, colors: dict[str, int]) -> list[str]:
    label = "hypervisor" if track == HYPERVISOR else track
    out = [f'<rect class="rowbg" x="{LABEL_W}" y="{y}" width="{PLOT_W}" height="{TRACK_ROW}"/>',
           _row_label(y + 15, label, f"{label}: {len(marks)} marks, {len(requests)} requests")]
    span_cls = f"v{colors[track]}" if track in colors else "mk"
    out += _spans([m for m in marks if m.duration is not None and not m.failure], y + 4, scale, span_cls)
    out += _instants([m for m in marks if m.duration is None and not m.failure], y + 2, scale)
    out += _requests(requests, y + 22, scale)
    out += _failure_marks([m for m in marks if m.failure], y, scale)
    return out


def _mark_text(m: Mark) -> str:
    args = " ".join(f"{k}={v:#x}" if isinstance(v, int) and not isinstance(v, bool) else f"{k}={v}"
                    for k, v in m.args.items())
    when = f"{_secs(m.time)} s" + (f" for {_dur(m.duration)}" if m.duration is not None else "")
    return f"{'FAILURE: ' if m.failure else ''}{m.name} @ {when}" + (f" ({args})" if args else "")


def _columns(items: list, when, scale: _Scale) -> list[list]:
    """The items by the pixel column of their time, left to right."""
    columns: dict[int, list] = {}
    for it in sorted(items, key=when):
        columns.setdefault(int(scale.x(when(it))), []).append(it)
    return [group for _, group in sorted(columns.items())]


def _by_column(items: list, when, scale: _Scale, keep: int) -> list[tuple[list, list]]:
    """Per pixel column: the first `keep` items there, and the others."""
    return [(group[:keep], group[keep:]) for group in _columns(items, when, scale)]


def _more(hidden: list[Mark]) -> str:
    if not hidden:
        return ""
    return f"\n+{len(hidden)} more in this pixel: {_counts([m.name for m in hidden])}"


def _instants(marks: list[Mark], y: int, scale: _Scale) -> list[str]:
    out = []
    for kept, hidden in _by_column(marks, lambda m: m.time, scale, 1):
        m = kept[0]
        x = scale.x(m.time)
        out.append(_rect(x, x + 1.5, y, 16, "mk", _mark_text(m) + _more(hidden)))
    return out


def _spans(marks: list[Mark], y: int, scale: _Scale, cls: str) -> list[str]:
    out = []
    for group in _columns(marks, lambda m: m.time, scale):
        m = max(group, key=lambda m: m.duration)  # the column's longest
        rest = [h for h in group if h is not m]
        out.append(_rect(scale.x(m.time), scale.x(m.time + m.duration), y, 8, cls,
                         _mark_text(m) + _more(rest)))
    return out


def _failure_marks(marks: list[Mark], y: int, scale: _Scale) -> list[str]:
    """Red, full height, with a flag above: what failed the run must be seen."""
    out = []
    for kept, hidden in _by_column(marks, lambda m: m.time, scale, 3):
        for m in kept:
            x = scale.x(m.time)
            x1 = scale.x(m.time + m.duration) if m.duration else x + 3
            title = _mark_text(m) + _more(hidden)
            out.append(_rect(x - 1, max(x1, x + 2), y, TRACK_ROW, "fl", title))
            out.append(f'<polygon class="fl" points="{x - 6:.1f},{y - 2} {x + 6:.1f},{y - 2} '
                       f'{x:.1f},{y + 8}"><title>{esc(title)}</title></polygon>')
    return out


def _failure_lines(marks: list[Mark], top: int, bottom: int, scale: _Scale) -> list[str]:
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
    head = f"{r.vm} request #{r.seq} {kind} sector {r.sector}, {r.length} B: {_secs(r.submitted)}"
    if r.done is None:
        return head + " s, never done"
    status = REQ_STATUS.get(r.status, str(r.status))
    return head + f"–{_secs(r.done)} s ({_dur(r.done - r.submitted)}), status {status}"


def _requests(requests: list[Request], y: int, scale: _Scale) -> list[str]:
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
                _counts([REQ_STATUS.get(g.status, "never done" if g.done is None else str(g.status))
                         for g in group[1:]])
        out.append(_rect(scale.x(r.submitted), scale.x(end), y, 10, _request_class(r), title))
    return out


# ---------------------------------------------------------------- memory

@dataclass
class _Extent:
    """Blocks next to each other in the IPA space of one state (resident:
    at consecutive PAs too), listed as one row."""
    ipa: int
    size: int
    state: str
    pa: int | None
    clen: int
    blocks: int = 1


def _extents(blocks: list[Block]) -> list[_Extent]:
    out: list[_Extent] = []
    for b in sorted(blocks, key=lambda b: b.ipa):
        last = out[-1] if out else None
        if (last is not None and last.state == b.state and last.ipa + last.size == b.ipa
                and (b.state != "resident" or (last.pa is not None and b.pa == last.pa + last.size))):
            last.size += b.size
            last.clen += b.clen
            last.blocks += 1
        else:
            out.append(_Extent(b.ipa, b.size, b.state, b.pa, b.clen))
    return out


def _memory(data: ReportData) -> str:
    if not data.memory:
        return "<p>No memory map in this run's bundle.</p>"
    legend = ('<div class="legend"><span><i class="sw" style="background:#4e79a7"></i>resident</span>'
              '<span><i class="sw" style="background:#f28e2b"></i>swapped out, compressed (lzo)</span>'
              '<span><i class="sw" style="background:repeating-linear-gradient(45deg,#777 0 2px,#e8e8e8 2px 6px)">'
              "</i>swapped out, all zeros (zero marker)</span>"
              '<span><i class="sw" style="background:#fff"></i>no block</span></div>')
    order = [v for v in data.vms if v in data.memory] + sorted(set(data.memory) - set(data.vms))
    return legend + "\n".join(_vm_memory(vm, data.memory[vm]) for vm in order)


def _vm_memory(vm: str, blocks: list[Block]) -> str:
    if not blocks:
        return f"<h3>{esc(vm)}</h3><p>No blocks.</p>"
    extents = _extents(blocks)
    lo = min(b.ipa for b in blocks)
    hi = max(b.ipa + b.size for b in blocks)
    total = {s: sum(b.size for b in blocks if b.state == s) for s in ("resident", "lzo", "zero")}
    clen = sum(b.clen for b in blocks if b.state == "lzo")
    head = (f"<h3>{esc(vm)}</h3><p class=\"note\">IPA {lo:#x}–{hi - 1:#x}: {len(blocks)} block{'s' if len(blocks) != 1 else ''}; "
            f"resident {_kib(total['resident'])}, lzo {_kib(total['lzo'])} "
            f"(compressed to {_kib(clen)}), zero {_kib(total['zero'])}</p>")
    return head + _memory_bar(vm, extents, lo, hi) + _memory_table(extents)


def _extent_text(e: _Extent) -> str:
    where = f"PA {e.pa:#x}" if e.state == "resident" and e.pa is not None else \
        f"clen {e.clen} B" if e.state == "lzo" else "zero marker"
    blocks = f", {e.blocks} blocks" if e.blocks > 1 else ""
    return f"IPA {e.ipa:#x}–{e.ipa + e.size - 1:#x}, {_kib(e.size)}, {e.state}, {where}{blocks}"


def _memory_bar(vm: str, extents: list[_Extent], lo: int, hi: int) -> str:
    per_px = max(hi - lo, 1) / PLOT_W
    runs = [_Run(LABEL_W + (e.ipa - lo) / per_px, LABEL_W + (e.ipa + e.size - lo) / per_px,
                 e.state, [e], e.size / per_px) for e in extents]
    out = [f'<svg width="{LABEL_W + PLOT_W + 20}" height="46" role="img">',
           f'<rect class="hole" x="{LABEL_W}" y="4" width="{PLOT_W}" height="22" stroke="#bbb"/>',
           _row_label(20, vm, f"{vm}: IPA {lo:#x}–{hi - 1:#x}"),
           f'<text x="{LABEL_W}" y="40">{lo:#x}</text>',
           f'<text x="{LABEL_W + PLOT_W}" y="40" text-anchor="end">{hi:#x}</text>']
    for r in _pixel_runs(runs):
        title = _extent_text(r.parts[0]) if len(r.parts) == 1 else _mixed_memory_text(r)
        out.append(_rect(r.x0, r.x1, 5, 20, r.key, title))
    out.append("</svg>")
    return "\n".join(out)


def _mixed_memory_text(run: _Run) -> str:
    first, last = run.parts[0], run.parts[-1]
    sizes = {s: sum(e.size for e in run.parts if e.state == s) for s in ("resident", "lzo", "zero")}
    return (f"IPA {first.ipa:#x}–{last.ipa + last.size - 1:#x}, mostly {run.key}: "
            + ", ".join(f"{s} {_kib(n)}" for s, n in sizes.items() if n))


def _memory_table(extents: list[_Extent]) -> str:
    rows = ['<table class="data"><tr><th>IPA</th><th>size</th><th>state</th>'
            + "<th>PA or clen</th><th>blocks</th></tr>"]
    for e in extents[:TABLE_ROWS]:
        where = f"{e.pa:#x}" if e.pa is not None else f"clen {e.clen}" if e.state == "lzo" else "—"
        rows.append(f"<tr><td>{e.ipa:#x}</td><td>{_kib(e.size)}</td><td>{esc(e.state)}</td>"
                    f"<td>{where}</td><td>{e.blocks}</td></tr>")
    rows.append("</table>")
    if len(extents) > TABLE_ROWS:
        rows.append(f'<p class="note">… and {len(extents) - TABLE_ROWS} more rows '
                    "(the bar above shows them all).</p>")
    return "\n".join(rows)


# ---------------------------------------------------------------- disk

def _disk_verdict(c: DiskChange) -> str:
    if c.actual != c.expected:
        return "MISMATCH: changed, not expected" if c.actual else "MISMATCH: expected, not changed"
    if not c.matches:
        return "MISMATCH: not the bytes the model expected"
    return "as expected" if c.actual else "unchanged, as expected"


def _disk(data: ReportData) -> str:
    if data.disk is None:
        return "<p>This run had no disk.</p>"
    if not data.disk:
        return "<p>The run changed no sector of the disk, and none was expected to change.</p>"
    changes = sorted(data.disk, key=lambda c: c.first)
    bad = [c for c in changes if not c.matches]
    head = (f"<p>{len(changes)} ranges of sectors; "
            + (f'<b style="color:{FAIL}">{len(bad)} differ from the model\'s prediction</b>'
               if bad else "all as the model predicted") + ".</p>")
    legend = ('<div class="legend"><span><i class="sw" style="background:#4e79a7"></i>changed (actual)</span>'
              '<span><i class="sw" style="background:#59a14f"></i>changed (expected)</span>'
              f'<span><i class="sw" style="background:{FAIL}"></i>actual ≠ expected</span></div>')
    return head + legend + _disk_strip(changes) + _disk_table(changes, bad)


def _disk_strip(changes: list[DiskChange]) -> str:
    lo = min(c.first for c in changes)
    hi = max(c.first + c.count for c in changes)
    per_px = max(hi - lo, 1) / PLOT_W
    lanes = [("actual", "d-act", lambda c: c.actual), ("expected", "d-exp", lambda c: c.expected),
             ("mismatch", "d-bad", lambda c: not c.matches)]
    out = [f'<svg width="{LABEL_W + PLOT_W + 20}" height="{len(lanes) * 22 + 24}" role="img">']
    for i, (name, cls, shown) in enumerate(lanes):
        y = 4 + i * 22
        out += [f'<rect class="rowbg" x="{LABEL_W}" y="{y}" width="{PLOT_W}" height="18"/>',
                _row_label(y + 13, name, f"sectors {name}")]
        runs = [_Run(LABEL_W + (c.first - lo) / per_px, LABEL_W + (c.first + c.count - lo) / per_px,
                     name, [c], c.count / per_px) for c in changes if shown(c)]
        for r in _pixel_runs(runs):
            out.append(_rect(r.x0, r.x1, y + 1, 16, cls, _disk_run_text(r)))
    y = 4 + len(lanes) * 22 + 12
    out += [f'<text x="{LABEL_W}" y="{y}">sector {lo}</text>',
            f'<text x="{LABEL_W + PLOT_W}" y="{y}" text-anchor="end">sector {hi}</text></svg>']
    return "\n".join(out)


def _disk_run_text(run: _Run) -> str:
    first, last = run.parts[0], run.parts[-1]
    count = sum(c.count for c in run.parts)
    text = f"sectors {first.first}–{last.first + last.count - 1}: {count} sectors ({_kib(count * 512)})"
    if len(run.parts) == 1:
        return text + f", actual {'changed' if first.actual else 'unchanged'}, " \
            f"expected {'changed' if first.expected else 'unchanged'}"
    return text + f" in {len(run.parts)} ranges"


def _disk_table(changes: list[DiskChange], bad: list[DiskChange]) -> str:
    shown = changes
    if len(changes) > TABLE_ROWS:  # every mismatch, then as many others as fit
        good = [c for c in changes if c.actual == c.expected]
        shown = sorted(bad[:TABLE_ROWS] + good[:max(0, TABLE_ROWS - len(bad))], key=lambda c: c.first)
    rows = ['<table class="data"><tr><th>first sector</th><th>last sector</th><th>sectors</th>'
            + "<th>actual</th><th>expected</th><th></th></tr>"]
    for c in shown:
        cls = ' class="bad"' if not c.matches else ""
        rows.append(f"<tr{cls}><td>{c.first}</td><td>{c.first + c.count - 1}</td><td>{c.count}</td>"
                    f"<td>{'changed' if c.actual else '—'}</td><td>{'changed' if c.expected else '—'}</td>"
                    f"<td>{_disk_verdict(c)}</td></tr>")
    rows.append("</table>")
    if len(shown) < len(changes):
        rows.append(f'<p class="note">… and {len(changes) - len(shown)} more ranges not listed.</p>')
    return "\n".join(rows)


# ---------------------------------------------------------------- files

def _files(data: ReportData) -> str:
    if not data.files:
        return "<p>No files.</p>"
    # quote() keeps a name relative: a ':' becomes %3A, never a scheme.
    items = "".join(f'<li><a href="{esc(quote(f))}">{esc(f)}</a></li>' for f in data.files)
    return f"<ul>{items}</ul>"
