"""Boot → print → power-off of the hello firmware: zvm-hil against a bare
qemu-system-aarch64 of the same image, measured side by side (interleaved
runs, whole processes, medians), plus the same scenario run inside an
already started Python process (as in a pytest session) and a no-op build."""

import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness.boards import DEFAULT_BOARD, load_board
from harness.build import build_hypervisor
from harness.runner import run_scenario
from harness.scenarios import DEFAULT_SCENARIO, load_scenario

ZVM_HIL = str(Path(sys.executable).with_name("zvm-hil"))


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({done.returncode}): {done.stderr.decode()}")


def measure(rounds: int = 15) -> list[dict]:
    board, scenario = load_board(DEFAULT_BOARD), load_scenario(DEFAULT_SCENARIO)
    image = build_hypervisor(scenario.variant, scenario.defines)
    bare = [board.binary, "-M", board.machine_arg, "-cpu", board.cpu,
            "-m", f"{board.memory_mib}M", "-smp", str(board.cpus), *board.extra_args,
            "-nodefaults", "-display", "none", "-serial", "stdio", "-kernel", str(image.path)]

    def in_process() -> None:
        if not run_scenario(board, scenario).passed:
            raise SystemExit("zvm-hil run failed inside the benchmark")

    samples: dict[str, list[float]] = {"bare": [], "cli": [], "session": [], "noop_build": []}
    in_process()  # warm the imports, as an already started pytest session has
    for _ in range(rounds):  # interleaved, so that machine noise hits all alike
        samples["bare"].append(_timed(lambda: _run(bare)))
        samples["cli"].append(_timed(lambda: _run([ZVM_HIL, "run", "--board", board.name,
                                                   "--scenario", scenario.name])))
        samples["session"].append(_timed(in_process))
        samples["noop_build"].append(_timed(lambda: _run([ZVM_HIL, "build"])))
    med = {k: statistics.median(v) for k, v in samples.items()}
    return [
        {"name": "zvm-hil run hello / bare qemu", "value": med["cli"] / med["bare"],
         "unit": "x", "target": 3.0},
        {"name": "run inside a started session / bare qemu", "value": med["session"] / med["bare"],
         "unit": "x", "target": 1.2},
        {"name": "no-op zvm-hil build", "value": med["noop_build"], "unit": "s", "target": 0.2,
         "note": f"{med['noop_build'] / med['bare']:.2f}x bare qemu"},
        {"name": "bare qemu boot (reference)", "value": med["bare"], "unit": "s", "target": None},
    ]
