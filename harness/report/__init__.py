"""Runs people can look at: a bundle's timeline (Perfetto's trace-event JSON)
and its one-page report, from the bundle's own files (docs/report.md)."""

import json
from pathlib import Path

TIMELINE = "timeline.json"
REPORT = "report.html"


def write_report(bundle: str | Path) -> Path:
    """Writes the bundle's timeline.json and report.html; the report's path."""
    from .html import render
    from .read import report_data
    from .timeline import trace_events

    bundle = Path(bundle)
    data = report_data(bundle)
    data.files = [f for f in data.files if f not in (TIMELINE, REPORT)] + [TIMELINE]
    (bundle / TIMELINE).write_text(json.dumps(trace_events(data), separators=(",", ":")))
    (bundle / REPORT).write_text(render(data))
    return bundle / REPORT
