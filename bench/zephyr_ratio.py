"""A Zephyr application's time to its final line: tests/kernel/common in a
VM under the hypervisor against the same zephyr.elf on QEMU's virt board
directly at EL1 (the VM's layout is virt's, so one build runs on both).
Each time is from its first console line (Zephyr's boot banner) to
`PROJECT EXECUTION ...`, read as it comes; medians of rounds run
alternately. The verdict does not count here, only the time: on a loaded
host, its clock test (a sleep measured against host time) may fail on bare
QEMU or in the VM alike."""

import statistics
import subprocess
import time
from pathlib import Path

from harness.boards import DEFAULT_BOARD, load_board
from harness.guests.zephyr import FINAL, KIND
from harness.runner import run_scenario
from harness.scenarios import load_scenario

SCENARIO = Path(__file__).parent / "scenarios" / "zephyr-kernel-common-alone.toml"
BANNER = "*** Booting Zephyr"


def _under_hypervisor(board, scenario) -> float:
    result = run_scenario(board, scenario)
    stamps = [(t, text) for t, text in result.trace.lines if BANNER in text or FINAL in text]
    if not stamps or FINAL not in stamps[-1][1]:
        raise SystemExit(f"{scenario.name} ended without its final line: {result.summary()}")
    return stamps[-1][0] - stamps[0][0]


def _on_qemu(board, elf: Path) -> float:
    cmd = [board.binary, "-M", "virt,gic-version=3", "-cpu", board.cpu, "-m", "128M",
           "-nodefaults", "-display", "none", "-serial", "stdio", "-kernel", str(elf)]
    qemu = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    start = None
    try:
        for line in qemu.stdout:
            if BANNER.encode() in line:
                start = time.perf_counter()
            if FINAL.encode() in line and start is not None:
                return time.perf_counter() - start
        raise SystemExit("Zephyr on QEMU ended without its final line")
    finally:
        qemu.kill()  # Zephyr never powers off
        qemu.wait()


def measure(rounds: int = 15) -> list[dict]:
    board = load_board(DEFAULT_BOARD)
    scenario = load_scenario(str(SCENARIO))
    elf = KIND.boot_elf(scenario.vms[0])
    ratios = []
    for _ in range(max(rounds // 5, 3)):
        ratios.append(_under_hypervisor(board, scenario) / _on_qemu(board, elf))
    return [{"name": "Zephyr kernel/common to its final line, VM / QEMU at EL1",
             "value": statistics.median(ratios), "unit": "x", "target": 1.3,
             "note": "from the boot banner, one build for both"}]
