"""report.html's memory and disk: each VM's blocks across its IPA range
(resident, LZO, zero marker) with a table, and the disk's changed sectors
against the model's as a strip and a table."""

from dataclasses import dataclass

from .data import Block, DiskChange, ReportData
from .svg import FAIL, LABEL_W, PLOT_W, TABLE_ROWS, Run, esc, kib, pixel_runs, rect, row_label


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


def memory(data: ReportData) -> str:
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
            f"resident {kib(total['resident'])}, lzo {kib(total['lzo'])} "
            f"(compressed to {kib(clen)}), zero {kib(total['zero'])}</p>")
    return head + _memory_bar(vm, extents, lo, hi) + _memory_table(extents)


def _extent_text(e: _Extent) -> str:
    where = f"PA {e.pa:#x}" if e.state == "resident" and e.pa is not None else \
        f"clen {e.clen} B" if e.state == "lzo" else "zero marker"
    blocks = f", {e.blocks} blocks" if e.blocks > 1 else ""
    return f"IPA {e.ipa:#x}–{e.ipa + e.size - 1:#x}, {kib(e.size)}, {e.state}, {where}{blocks}"


def _memory_bar(vm: str, extents: list[_Extent], lo: int, hi: int) -> str:
    per_px = max(hi - lo, 1) / PLOT_W
    runs = [Run(LABEL_W + (e.ipa - lo) / per_px, LABEL_W + (e.ipa + e.size - lo) / per_px,
                 e.state, [e], e.size / per_px) for e in extents]
    out = [f'<svg width="{LABEL_W + PLOT_W + 20}" height="46" role="img">',
           f'<rect class="hole" x="{LABEL_W}" y="4" width="{PLOT_W}" height="22" stroke="#bbb"/>',
           row_label(20, vm, f"{vm}: IPA {lo:#x}–{hi - 1:#x}"),
           f'<text x="{LABEL_W}" y="40">{lo:#x}</text>',
           f'<text x="{LABEL_W + PLOT_W}" y="40" text-anchor="end">{hi:#x}</text>']
    for r in pixel_runs(runs):
        title = _extent_text(r.parts[0]) if len(r.parts) == 1 else _mixed_memory_text(r)
        out.append(rect(r.x0, r.x1, 5, 20, r.key, title))
    out.append("</svg>")
    return "\n".join(out)


def _mixed_memory_text(run: Run) -> str:
    first, last = run.parts[0], run.parts[-1]
    sizes = {s: sum(e.size for e in run.parts if e.state == s) for s in ("resident", "lzo", "zero")}
    return (f"IPA {first.ipa:#x}–{last.ipa + last.size - 1:#x}, mostly {run.key}: "
            + ", ".join(f"{s} {kib(n)}" for s, n in sizes.items() if n))


def _memory_table(extents: list[_Extent]) -> str:
    rows = ['<table class="data"><tr><th>IPA</th><th>size</th><th>state</th>'
            + "<th>PA or clen</th><th>blocks</th></tr>"]
    for e in extents[:TABLE_ROWS]:
        where = f"{e.pa:#x}" if e.pa is not None else f"clen {e.clen}" if e.state == "lzo" else "—"
        rows.append(f"<tr><td>{e.ipa:#x}</td><td>{kib(e.size)}</td><td>{esc(e.state)}</td>"
                    f"<td>{where}</td><td>{e.blocks}</td></tr>")
    rows.append("</table>")
    if len(extents) > TABLE_ROWS:
        rows.append(f'<p class="note">… and {len(extents) - TABLE_ROWS} more rows '
                    "(the bar above shows them all).</p>")
    return "\n".join(rows)


def _disk_verdict(c: DiskChange) -> str:
    if c.actual != c.expected:
        return "MISMATCH: changed, not expected" if c.actual else "MISMATCH: expected, not changed"
    if not c.matches:
        return "MISMATCH: not the bytes the model expected"
    return "as expected" if c.actual else "unchanged, as expected"


def disk(data: ReportData) -> str:
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
                row_label(y + 13, name, f"sectors {name}")]
        runs = [Run(LABEL_W + (c.first - lo) / per_px, LABEL_W + (c.first + c.count - lo) / per_px,
                     name, [c], c.count / per_px) for c in changes if shown(c)]
        for r in pixel_runs(runs):
            out.append(rect(r.x0, r.x1, y + 1, 16, cls, _disk_run_text(r)))
    y = 4 + len(lanes) * 22 + 12
    out += [f'<text x="{LABEL_W}" y="{y}">sector {lo}</text>',
            f'<text x="{LABEL_W + PLOT_W}" y="{y}" text-anchor="end">sector {hi}</text></svg>']
    return "\n".join(out)


def _disk_run_text(run: Run) -> str:
    first, last = run.parts[0], run.parts[-1]
    count = sum(c.count for c in run.parts)
    text = f"sectors {first.first}–{last.first + last.count - 1}: {count} sectors ({kib(count * 512)})"
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
