"""The paravirtual overhead of virtio-blk: the same blkio driver and the same
32 requests of 4 KiB, once through the hypervisor's back-end and host I/O
scheduler, once to QEMU's device handed straight to the VM. Per request:
instructions (counter ticks under -icount shift=0,sleep=off) and wall time
(counter ticks without icount), both from the first VM entry to power-off."""

import dataclasses
import statistics
from pathlib import Path

from harness.boards import DEFAULT_BOARD, load_board
from harness.runner import run_scenario
from harness.scenarios import load_scenario

SCENARIOS = Path(__file__).parent / "scenarios"
ICOUNT = "shift=0,sleep=off"


def _ticks_per_request(board, mode: str) -> float:
    scenario = load_scenario(str(SCENARIOS / f"virtio-{mode}.toml"))
    result = run_scenario(board, scenario)
    if not result.passed:
        raise SystemExit(f"virtio-{mode} failed: {result.summary()}")
    return result.trace.first("poweroff")["ticks"] / len(scenario.vms[0].requests)


def measure(rounds: int = 3) -> list[dict]:
    plain = load_board(DEFAULT_BOARD)
    counted = dataclasses.replace(plain, icount=ICOUNT)
    rows = []
    for board, what, unit_note in ((counted, "instructions", f"-icount {ICOUNT}"),
                                   (plain, "wall time", "counter ticks, no icount")):
        ratios = []
        for _ in range(max(rounds // 5, 3)):  # interleaved, medians
            emulated = _ticks_per_request(board, "emulated")
            ratios.append(emulated / _ticks_per_request(board, "passthrough"))
        rows.append({"name": f"virtio-blk 4 KiB request, back-end / passthrough ({what})",
                     "value": statistics.median(ratios), "unit": "x", "target": 3.0,
                     "note": unit_note})
    return rows
