"""LAVA's overhead per job: a scenario's run through lava-run (`zvm-hil run
--via lava`: the job written, the device dictionary rendered, lava-run in
its own network namespace, its log streamed and judged) against the same
scenario run by zvm-hil on QEMU directly, for hello and for the Linux
scenario. Medians of runs taken side by side. Needs root (lava-run's)."""

import statistics

from harness.boards import DEFAULT_BOARD, load_board
from harness.errors import ToolMissing
from harness.lava import dispatcher
from harness.runner import RunOptions
from harness.scenarios import load_scenario
from deterministic_ratio import run_seconds


def measure(rounds: int = 15) -> list[dict]:
    try:
        dispatcher.check_can_run()
    except ToolMissing as e:
        return [{"name": "LAVA job / zvm-hil run", "value": None, "unit": "x", "target": None,
                 "note": str(e)}]
    board, rows = load_board(DEFAULT_BOARD), []
    for name, count in (("hello", rounds), ("linux-virtio-blk", max(rounds // 5, 3))):
        scenario = load_scenario(name)
        lava, direct = [], []
        for _ in range(count):
            lava.append(run_seconds(board, scenario, RunOptions(via="lava")))
            direct.append(run_seconds(board, scenario, RunOptions()))
        rows.append({"name": f"{name}: a job in lava-run / zvm-hil run",
                     "value": statistics.median(lava) / statistics.median(direct), "unit": "x",
                     "target": None, "note": f"{statistics.median(lava):.2f} s against "
                                             f"{statistics.median(direct):.2f} s"})
    return rows
