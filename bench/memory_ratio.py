"""Dynamic versus static memory for the same memstress workload: the
instructions it takes (CNTPCT_EL0 ticks under -icount shift=0,sleep=off,
where the counter follows the instruction count), measured in one run."""

import dataclasses
import statistics

from harness.boards import DEFAULT_BOARD, load_board
from harness.runner import run_scenario
from harness.scenarios import load_scenario

ICOUNT = "shift=0,sleep=off"


def _ticks(board, scenario) -> int:
    result = run_scenario(board, scenario)
    if not result.passed:
        raise SystemExit(f"{scenario.name} ({scenario.variant}) failed: {result.summary()}")
    return result.trace.first("poweroff")["ticks"]


def measure(rounds: int = 3) -> list[dict]:
    board = dataclasses.replace(load_board(DEFAULT_BOARD), icount=ICOUNT)
    dynamic = load_scenario("dynamic-blocks")
    static = dataclasses.replace(dynamic, variant="static")
    samples = {"static": [], "dynamic": []}
    for _ in range(max(rounds // 5, 2)):  # instruction counts barely vary: few rounds do
        samples["static"].append(_ticks(board, static))
        samples["dynamic"].append(_ticks(board, dynamic))
    ratio = statistics.median(samples["dynamic"]) / statistics.median(samples["static"])
    return [{"name": "memstress instructions, dynamic / static", "value": ratio, "unit": "x",
             "target": 1.5, "note": f"-icount {ICOUNT}, dynamic-blocks workload"}]
