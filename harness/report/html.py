"""report.html: one self-contained page of a run (ReportData): the verdict,
a timeline in inline SVG (physical CPUs, the hypervisor, each VM's marks
and virtio-blk requests), each VM's memory map, the disk's changed sectors
and links to the bundle's files. No network, no JavaScript: hover text is
SVG <title>. Whatever would be narrower than a pixel is merged into what
is drawn there, so that a Linux run's 20,000 slices stay a page of < 2 MB."""

from urllib.parse import quote

from .data import ReportData
from .html_memory import disk, memory
from .html_timeline import timeline
from .svg import FAIL, PALETTE, esc


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



def render(data: ReportData) -> str:
    """The whole page, as one string."""
    colors = _vm_colors(data)
    parts = [_head(data, colors), DEFS, _verdict(data),
             "<h2>Timeline</h2>", timeline(data, colors),
             "<h2>Memory</h2>", memory(data),
             "<h2>Disk</h2>", disk(data),
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


def _files(data: ReportData) -> str:
    if not data.files:
        return "<p>No files.</p>"
    # quote() keeps a name relative: a ':' becomes %3A, never a scheme.
    items = "".join(f'<li><a href="{esc(quote(f))}">{esc(f)}</a></li>' for f in data.files)
    return f"<ul>{items}</ul>"
