"""A large run's report: the Linux scenario's report.html opened in headless
chromium (to its DOM and a screenshot), against an empty page opened the
same way, side by side, medians of rounds: what drawing the report costs
beyond starting the browser. And the page's size."""

import statistics
import tempfile
import time
from pathlib import Path

from harness.boards import DEFAULT_BOARD, load_board
from harness.bundle.write import write_bundle
from harness.report import REPORT
from harness.report.browser import check_page
from harness.runner import run_scenario
from harness.scenarios import load_scenario

SCENARIO = "linux-and-memstress"


def _open(page: Path, shot: Path) -> float:
    start = time.perf_counter()
    check = check_page(page, screenshot=shot)
    if check.console_errors:
        raise SystemExit(f"{page}: {check.console_errors}")
    return time.perf_counter() - start


def measure(rounds: int = 5) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        result = run_scenario(load_board(DEFAULT_BOARD), load_scenario(SCENARIO))
        if not result.passed:
            raise SystemExit(f"{SCENARIO} failed: {result.summary()}")
        report = write_bundle(Path(tmp) / "bundle", result) / REPORT
        empty = Path(tmp) / "empty.html"
        empty.write_text("<!doctype html><title>empty</title><p>empty</p>")
        shot = Path(tmp) / "shot.png"
        times = {"report": [], "empty": []}
        for _ in range(max(rounds // 3, 3)):
            times["report"].append(_open(report, shot))
            times["empty"].append(_open(empty, shot))
        opened, blank = (statistics.median(times[k]) for k in ("report", "empty"))
        return [{"name": f"{SCENARIO} report.html open / empty page open (chromium)",
                 "value": opened / blank, "unit": "x", "target": 1.5,
                 "note": f"{(opened - blank) * 1000:.0f} ms beyond the browser's start, "
                         f"{report.stat().st_size / 1024:.0f} KiB"}]
