"""`zvm-hil lava-check`: a LAVA job's log judged by the run pipeline, with
the checks a console alone allows (targets/lava_log.py)."""

from pathlib import Path

from ..runner import RunOptions, RunResult, run_scenario
from ..targets.lava_log import LavaLogTarget


def check_log(board, scenario, log_file: Path) -> RunResult:
    options = RunOptions()
    return run_scenario(board, scenario, options=options,
                        target=LavaLogTarget(board, options, log_file))
