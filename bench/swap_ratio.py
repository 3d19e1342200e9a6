"""Compressed swap, measured on the firmware: how densely the zpool holds
each kind of data (blocks stored per block of zpool, from the lzo-swap run's
swap-out events), and what a swap-in costs against a plain demand
allocation (instructions, from the hypervisor's own counters under -icount)."""

import dataclasses

from harness.boards import DEFAULT_BOARD, load_board
from harness.guests import memstress
from harness.runner import run_scenario
from harness.scenarios import load_scenario

ICOUNT = "shift=0,sleep=off"
KIND_NAMES = {0: "zero pages", 1: "repetitive text", 2: "seeded random bytes"}


def _round16(n: int) -> int:
    return (n + 15) // 16 * 16


def measure(rounds: int = 3) -> list[dict]:
    board = dataclasses.replace(load_board(DEFAULT_BOARD), icount=ICOUNT)
    result = run_scenario(board, load_scenario("lzo-swap"))
    if not result.passed:
        raise SystemExit(f"lzo-swap failed: {result.summary()}")
    vm = result.plan.vms[0]
    p = memstress.params(vm.spec.params)
    size = p["region_size"]
    kind_at = {ipa: memstress.data_kind(p, idx)  # one region a block in this scenario
               for idx, ipa in memstress.regions(vm.image.end, vm.dtb_ipa, size)}
    block = result.plan.block_size
    stored = {kind: [] for kind in KIND_NAMES}
    for e in result.trace.named("swap-out"):
        if e["ipa"] in kind_at:
            stored[kind_at[e["ipa"]]].append(e)
    skipped = {kind_at[e["ipa"]] for e in result.trace.named("swap-skip") if e["ipa"] in kind_at}
    rows = []
    for kind, name in KIND_NAMES.items():
        events = stored[kind]
        used = sum(_round16(e["clen"]) for e in events)
        if events and used == 0:
            value, note = None, f"{len(events)} blocks kept as zero markers: no zpool space"
        elif events:
            value, note = len(events) * block / used, f"{len(events)} blocks in {used} bytes"
        else:
            value = 0.0
            note = "incompressible: stays resident" if kind in skipped else "never swapped"
        rows.append({"name": f"zpool density, {name} (blocks per zpool block)", "value": value,
                     "unit": "x", "target": None, "note": note})
    stats = result.trace.first("memstats")
    swap_in = stats["swapin-ticks"] / stats["swapins"]
    alloc = stats["alloc-ticks"] / stats["allocs"]
    rows.append({"name": "swap-in / demand allocation, instructions", "value": swap_in / alloc,
                 "unit": "x", "target": 3.0,
                 "note": f"{stats['swapins']} swap-ins, {stats['allocs']} allocations, -icount "
                         f"{ICOUNT}"})
    return rows
