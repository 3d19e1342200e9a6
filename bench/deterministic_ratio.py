"""What --deterministic costs: a run in counted time (-icount shift=0,
sleep=off, the counter at 1 GHz, the disk's time hidden from the guests)
against the same scenario on host time, for the hello firmware and for a
Linux VM with its disk. Whole runs in one Python process, interleaved,
medians."""

import statistics
import time

from harness.boards import DEFAULT_BOARD, load_board
from harness.runner import DETERMINISTIC_ICOUNT, RunOptions, run_scenario
from harness.scenarios import load_scenario


def run_seconds(board, scenario, options: RunOptions) -> float:
    """A whole run's wall time; a run that fails stops the benchmark."""
    started = time.perf_counter()
    result = run_scenario(board, scenario, options=options)
    if not result.passed:
        raise SystemExit(f"{scenario.name} failed: {result.summary()}")
    return time.perf_counter() - started


def measure(rounds: int = 15) -> list[dict]:
    board = load_board(DEFAULT_BOARD)
    rows = []
    for name, count in (("hello", rounds), ("linux-virtio-blk", max(rounds // 5, 3))):
        scenario = load_scenario(name)
        ratios = []
        for _ in range(count):
            plain = run_seconds(board, scenario, RunOptions())
            counted = run_seconds(board, scenario, RunOptions(icount=DETERMINISTIC_ICOUNT))
            ratios.append(counted / plain)
        rows.append({"name": f"{name}: --deterministic / a plain run",
                     "value": statistics.median(ratios), "unit": "x", "target": None,
                     "note": "wall time of whole runs"})
    return rows
