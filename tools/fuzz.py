"""The hypervisor's guest- and harness-facing C built for the host under
AddressSanitizer and UndefinedBehaviorSanitizer, as libFuzzer targets
(fuzz/targets/), from the same sources the firmware builds (fuzz/host/ fakes
what they call on the board). `make fuzz` runs each target for a time
(default 60 s, or --seconds) on its corpus (fuzz/corpus/<target>/, kept in
the repository, what adds coverage merged into it), printing executions per
second, coverage and findings; --replay runs each corpus once and --scratch
keeps what it finds out of the repository (make test does both).
A finding is written to build/fuzz/findings/<target>/ and fails the run."""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FUZZ, FIRMWARE = REPO / "fuzz", REPO / "firmware_builds"
OUT = REPO / "build" / "fuzz"
FLAGS = ["-g", "-O1", "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=undefined",
         f"-I{FUZZ / 'host'}", f"-I{FIRMWARE / 'hypervisor'}", f"-I{FIRMWARE / 'common'}"]
# Each target: the firmware's sources it exercises, its defines, the libraries.
TARGETS = {
    "description": (["hypervisor/description.c"], ["-DCONFIG_VM_DYNAMIC_MEMORY"], ["-lfdt"]),
}


def build(name: str) -> Path:
    sources, defines, libs = TARGETS[name]
    binary = OUT / name
    inputs = [FUZZ / "targets" / f"{name}.c", FUZZ / "host" / "console_fake.c",
              *(FIRMWARE / s for s in sources)]
    headers = [*FUZZ.rglob("*.h"), *FIRMWARE.rglob("*.h")]
    if binary.exists() and all(p.stat().st_mtime <= binary.stat().st_mtime
                               for p in [*inputs, *headers]):
        return binary
    if not shutil.which("clang"):
        raise SystemExit("clang is not installed (make deps)")
    OUT.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["clang", *FLAGS, *defines, *map(str, inputs), *libs, "-o", str(binary)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"fuzz target {name} does not build:\n{done.stderr}")
    return binary


def run(name: str, seconds: float, replay: bool, scratch: bool) -> dict:
    """Runs a target: its corpus once (replay), or fuzzing for `seconds`,
    what it finds new in a scratch directory, merged into the corpus after
    unless `scratch`."""
    binary, corpus = build(name), FUZZ / "corpus" / name
    findings = OUT / "findings" / name
    findings.mkdir(parents=True, exist_ok=True)
    args = [str(binary), f"-artifact_prefix={findings}/", "-print_final_stats=1"]
    with tempfile.TemporaryDirectory(prefix=f"zvm-fuzz-{name}-") as new:
        args += (["-runs=0", str(corpus)] if replay else
                 [f"-max_total_time={seconds:g}", new, str(corpus)])
        done = subprocess.run(args, capture_output=True, text=True)
        if not replay and not scratch and done.returncode == 0:
            subprocess.run([str(binary), "-merge=1", str(corpus), new], capture_output=True)
    log = done.stderr
    stat = dict(re.findall(r"^stat::(\w+):\s+(\d+)", log, re.MULTILINE))
    cov = re.findall(r"cov: (\d+) ft: (\d+)", log)
    return {"target": name, "ok": done.returncode == 0,
            "runs": int(stat.get("number_of_executed_units", 0)),
            "exec_per_sec": int(stat.get("average_exec_per_sec", 0)),
            "coverage": int(cov[-1][0]) if cov else 0,
            "corpus": len(list(corpus.iterdir())),
            "finding": "" if done.returncode == 0 else
            next((line for line in log.splitlines()
                  if "ERROR" in line or "Assertion" in line or "SUMMARY" in line), log[-300:])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("targets", nargs="*", default=sorted(TARGETS))
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--replay", action="store_true", help="each corpus once, no fuzzing")
    ap.add_argument("--scratch", action="store_true", help="nothing added to the corpora")
    args = ap.parse_args()
    failed = 0
    for name in args.targets:
        r = run(name, args.seconds, args.replay, args.scratch)
        failed += not r["ok"]
        print(f"{name:16} {'ok' if r['ok'] else 'FINDING':8} {r['runs']:>10} runs "
              f"{r['exec_per_sec']:>8}/s  coverage {r['coverage']:>5} edges  "
              f"corpus {r['corpus']}  {r['finding']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
