"""`make bench`: runs every benchmark and prints one table of measured
ratios, each line with its target and whether it is met. --json prints the
same rows as JSON for CI to keep."""

import argparse
import json

import anchor_ratio
import boot_ratio
import build_ratio
import deterministic_ratio
import fuzz_ratio
import kvm_unit_tests_ratio
import lava_ratio
import linux_ratio
import memory_ratio
import report_ratio
import shell_ratio
import smp_ratio
import swap_ratio
import virtio_ratio
import zephyr_ratio

BENCHMARKS = [boot_ratio, anchor_ratio, build_ratio, memory_ratio, swap_ratio, virtio_ratio,
              linux_ratio, deterministic_ratio, kvm_unit_tests_ratio, shell_ratio,
              lava_ratio, smp_ratio, zephyr_ratio, fuzz_ratio,
              report_ratio]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    rows = [row for bench in BENCHMARKS for row in bench.measure(args.rounds)]
    for row in rows:
        target = row["target"]
        row["met"] = None if target is None or row["value"] is None else row["value"] <= target
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'benchmark':58} {'measured':>10} {'target':>9}  status")
    for row in rows:
        target = "-" if row["target"] is None else f"<= {row['target']:g}{row['unit']}"
        status = {None: "", True: "met", False: "NOT MET"}[row["met"]]
        note = f"  ({row['note']})" if row.get("note") else ""
        digits = 0 if row["unit"] == "/s" else 3
        value = "-" if row["value"] is None else f"{row['value']:.{digits}f}{row['unit']}"
        print(f"{row['name']:58} {value:>10} {target:>9}  {status}{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
