"""What report.html's drawings share (html_timeline.py, html_memory.py):
the plot's size and colours, rectangles with hover text, and the merging
of whatever would be narrower than a pixel into one rectangle a column."""

import html
from dataclasses import dataclass, field

PLOT_W = 1200    # pixels of the time (or address, or sector) axis
LABEL_W = 150    # the row names left of it
TABLE_ROWS = 400  # rows a memory or disk table lists before it says "and N more"
# Colours of the VMs (no red: red is a failure's).
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2",
           "#edc948", "#9c755f", "#ff9da7", "#17becf", "#bcbd22"]
FAIL = "#d62728"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass
class Run:
    """What one rectangle stands for: pixels [x0, x1) of items of `key`
    (after merging, `parts` may hold other keys' items too)."""
    x0: float
    x1: float
    key: str
    parts: list = field(default_factory=list)
    weight: float = 0.0  # pixels of `key`'s own items, for the dominant key of a column


def coalesce(runs: list[Run]) -> list[Run]:
    """Merge neighbours of one key less than a pixel apart (`runs` by x0)."""
    out: list[Run] = []
    for r in runs:
        last = out[-1] if out else None
        if last is not None and last.key == r.key and r.x0 - last.x1 < 1:
            last.x1 = max(last.x1, r.x1)
            last.parts += r.parts
            last.weight += r.weight
        else:
            out.append(Run(r.x0, r.x1, r.key, list(r.parts), r.weight))
    return out


def pixel_runs(runs: list[Run]) -> list[Run]:
    """At most about one rectangle per pixel column for what is narrower than
    a pixel: the column's runs become one of the key that covers most of it."""
    runs = coalesce(sorted(runs, key=lambda r: r.x0))
    wide = [r for r in runs if r.x1 - r.x0 >= 1]
    columns: dict[int, list[Run]] = {}
    for r in runs:
        if r.x1 - r.x0 < 1:
            columns.setdefault(int(r.x0), []).append(r)
    for group in columns.values():
        share: dict[str, float] = {}
        for r in group:
            share[r.key] = share.get(r.key, 0.0) + r.weight + 1e-9
        key = max(share, key=share.get)
        x0 = min(r.x0 for r in group)
        wide.append(Run(x0, max(x0 + 1, max(r.x1 for r in group)), key,
                         [p for r in group for p in r.parts], share[key]))
    return coalesce(sorted(wide, key=lambda r: r.x0))


def rect(x0: float, x1: float, y: float, h: float, cls: str, title: str) -> str:
    w = max(x1 - x0, 1.0)
    return (f'<rect x="{x0:.1f}" y="{y:.0f}" width="{w:.1f}" height="{h:.0f}" class="{cls}">'
            f"<title>{esc(title)}</title></rect>")


def secs(t: float) -> str:
    return f"{t:.6f}"


def dur(d: float) -> str:
    if d >= 1:
        return f"{d:.3f} s"
    if d >= 1e-3:
        return f"{d * 1e3:.3f} ms"
    return f"{d * 1e6:.1f} µs"


def kib(n: int) -> str:
    k = n / 1024
    return f"{k:.0f} KiB" if k == int(k) else f"{k:.2f} KiB"


def counts(keys: list[str], top: int = 4) -> str:
    """'a ×3, b ×1', most first; only the `top` most (hover text stays short)."""
    tally: dict[str, int] = {}
    for k in keys:
        tally[k] = tally.get(k, 0) + 1
    ranked = sorted(tally.items(), key=lambda kv: -kv[1])
    text = ", ".join(f"{k} ×{n}" for k, n in ranked[:top])
    return text + (f", {len(ranked) - top} others" if len(ranked) > top else "")


class Scale:
    """Seconds to pixels of the timeline."""

    def __init__(self, end: float):
        self.end = end if end > 0 else 1e-6
        self.per_px = self.end / PLOT_W

    def x(self, t: float) -> float:
        return LABEL_W + min(max(t, 0.0), self.end) / self.per_px


def row_label(y: float, text: str, title: str) -> str:
    return (f'<text x="{LABEL_W - 8}" y="{y:.0f}" text-anchor="end">{esc(text)}'
            f"<title>{esc(title)}</title></text>")
