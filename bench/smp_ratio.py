"""Several physical CPUs: two memstress VMs on two CPUs against both on one,
and Linux's boot to its /init with two vCPUs against one, in wall time on
QEMU's parallel TCG (a host thread for each CPU, no -icount). Times are from
the first VM's creation to the power-off (memstress) or to /init (Linux),
read from the console, medians of rounds run alternately."""

import dataclasses
import statistics
from pathlib import Path

from harness.boards import DEFAULT_BOARD, load_board
from harness.runner import run_scenario
from harness.scenarios import load_scenario

SCENARIOS = Path(__file__).parent / "scenarios"
PARALLEL_TCG = ("-accel", "tcg,thread=multi")


def _seconds(board, scenario, end: str) -> float:
    result = run_scenario(board, scenario)
    if not result.passed:
        raise SystemExit(f"{scenario.name} failed: {result.summary()}")
    start = next(t for t, text in result.trace.lines if text.startswith("@zvm vm-create"))
    return next(t for t, text in result.trace.lines if end in text) - start


def _placed(scenario, *cpus: int):
    return dataclasses.replace(scenario, vms=tuple(
        dataclasses.replace(vm, affinity=(cpu,)) for vm, cpu in zip(scenario.vms, cpus)))


def measure(rounds: int = 3) -> list[dict]:
    board = dataclasses.replace(load_board(DEFAULT_BOARD), extra_args=PARALLEL_TCG)
    pair = load_scenario(str(SCENARIOS / "smp-memstress-pair.toml"))
    linux = load_scenario(str(SCENARIOS / "linux-boot.toml"))
    linux2 = dataclasses.replace(linux, placement="balanced", vms=tuple(
        dataclasses.replace(vm, vcpus=2) for vm in linux.vms))
    memstress, boot = [], []
    for _ in range(max(rounds // 5, 3)):
        two, one = (_seconds(board, _placed(pair, *cpus), "@zvm poweroff")
                    for cpus in ((0, 1), (0, 0)))
        memstress.append(two / one)
        boot.append(_seconds(board, linux2, "linux-start") /
                    _seconds(board, linux, "linux-start"))
    return [{"name": "two memstress VMs, on 2 physical CPUs / on 1", "value":
             statistics.median(memstress), "unit": "x", "target": 0.65,
             "note": "wall time, parallel TCG"},
            {"name": "Linux boot to /init, 2 vCPUs on 2 CPUs / 1 vCPU", "value":
             statistics.median(boot), "unit": "x", "target": None,
             "note": "wall time, parallel TCG"}]
