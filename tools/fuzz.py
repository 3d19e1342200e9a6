"""The hypervisor's guest- and harness-facing C built for the host under
AddressSanitizer and UndefinedBehaviorSanitizer, as libFuzzer targets
(fuzz/targets/), from the same sources the firmware builds (fuzz/host/ fakes
what they call on the board). `make fuzz` runs each target for a time
(default 60 s, or --seconds) on its corpus (fuzz/corpus/<target>/, kept in
the repository, what adds coverage merged into it), printing executions per
second, coverage and findings, then checks the C against the Python models
on every corpus input (fuzz/oracles/<target>.py); --replay runs each corpus
once and --scratch keeps what it finds out of the repository (make test
does both). A finding is written to build/fuzz/findings/<target>/ and fails
the run. ZVM_HIL_FIRMWARE builds another firmware tree (make mutants)."""

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the models fuzz/oracles/ use (harness.models)
sys.path.insert(0, str(REPO / "fuzz" / "oracles"))  # and what they share (oracle_lines.py)
FUZZ = REPO / "fuzz"
FIRMWARE = Path(os.environ.get("ZVM_HIL_FIRMWARE", REPO / "firmware_builds")).resolve()
FLAGS = ["-g", "-O1", "-fsanitize=fuzzer"]
SANITIZERS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"]
HOST = ["console_fake.c", "record.c"]  # fuzz/host/: what every target links
# Each target: the firmware's sources it exercises, fuzz/host/ fakes beyond
# HOST, its defines, the libraries.
TARGETS = {
    "description": (["hypervisor/description.c"], [], ["-DCONFIG_VM_DYNAMIC_MEMORY"], ["-lfdt"]),
    "iosched": (["hypervisor/iosched.c"], ["iosched_pool.c"], [], []),
    "memory": ([f"hypervisor/{f}.c" for f in ("heap", "range_alloc", "vm_mem_dynamic", "stage2",
                                              "vm_swap", "zpool")],
               ["locks_fake.c", "sysregs_fake.c"],
               ["-DCONFIG_VM_DYNAMIC_MEMORY", "-include", "tlb_fake.h"], ["-llzo2"]),
    "vblk": (["hypervisor/vblk.c", "hypervisor/iosched.c"],
             ["vm_mem_fake.c", "hostblk_fake.c", "vm_irq_fake.c", "iosched_pool.c"],
             ["-include", "barrier_fake.h"],
             ["-lz", "-Wl,--wrap=iosched_submit,--wrap=iosched_register"]),
    "mmio": ([f"hypervisor/{f}.c" for f in ("vgic", "vgic_mmio", "vuart", "vm_irq", "sched_log")],
             ["sysregs_fake.c", "vm_sched_fake.c", "vm_timer_fake.c", "shell_fake.c"], [], []),
}


def out_dir(firmware: Path = FIRMWARE) -> Path:
    """Where the targets of `firmware` are built: another tree's (a mutant's
    copy) beside it, gone with it."""
    firmware = firmware.resolve()
    return REPO / "build" / "fuzz" if firmware == REPO / "firmware_builds" else \
        firmware.parent / "fuzz-build"


def build(name: str, firmware: Path = FIRMWARE, extra_flags: tuple[str, ...] = (),
          out: Path | None = None, sanitized: bool = True) -> Path:
    """The target `name` built from `firmware` into `out` (out_dir's by
    default), under ASan and UBSan unless not `sanitized`, unless it is
    newer than everything it is built from."""
    sources, fakes, defines, libs = TARGETS[name]
    out = out or out_dir(firmware)
    binary = out / name
    inputs = [FUZZ / "targets" / f"{name}.c", *(FUZZ / "host" / f for f in HOST + fakes),
              *(firmware / s for s in sources)]
    headers = [*FUZZ.rglob("*.h"), *firmware.rglob("*.h")]
    # This file too: it holds each target's sources, defines and flags.
    if binary.exists() and all(p.stat().st_mtime <= binary.stat().st_mtime
                               for p in [*inputs, *headers, Path(__file__)]):
        return binary
    if not shutil.which("clang"):
        raise SystemExit("clang is not installed (make deps)")
    out.mkdir(parents=True, exist_ok=True)
    includes = [f"-I{FUZZ / 'host'}", f"-I{firmware / 'hypervisor'}", f"-I{firmware / 'common'}"]
    sanitizers = SANITIZERS if sanitized else []
    done = subprocess.run(["clang", *FLAGS, *sanitizers, *extra_flags, *includes, *defines,
                           *map(str, inputs), *libs, "-o", str(binary)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"fuzz target {name} does not build:\n{done.stderr}")
    return binary


def run(name: str, seconds: float, replay: bool, scratch: bool, binary: Path | None = None) \
        -> dict:
    """Runs a target: its corpus once (replay), or fuzzing for `seconds`,
    what it finds new in a scratch directory, merged into the corpus after
    unless `scratch`."""
    binary, corpus = binary or build(name), FUZZ / "corpus" / name
    findings = out_dir() / "findings" / name
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


def _fnv1a(data: bytes) -> int:
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & (1 << 64) - 1
    return h


def _recorded(record: Path) -> dict[tuple[int, int], list[str]]:
    """fuzz/host/record.h's file: each input's lines by (size, hash)."""
    runs: dict[tuple[int, int], list[str]] = {}
    lines: list[str] = []
    for line in record.read_text().splitlines() if record.exists() else []:
        if line.startswith("input "):
            size, digest = line.split()[1:]
            runs[(int(size, 16), int(digest, 16))] = lines = []
        else:
            lines.append(line)
    return runs


def differential(name: str, inputs: list[Path] | None = None,
                 firmware: Path = FIRMWARE) -> list[str]:
    """Where the C and the model (fuzz/oracles/<name>.py) disagree, input by
    input: the target runs each input once, recording what it did
    (fuzz/host/record.h), and the oracle checks that against the model's
    outcome for the same bytes. `inputs`: the target's corpus by default;
    `firmware`: the tree the target is built from."""
    spec = importlib.util.spec_from_file_location(f"oracle_{name}", FUZZ / "oracles" / f"{name}.py")
    oracle = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(oracle)
    binary = build(name, firmware)
    inputs = sorted((FUZZ / "corpus" / name).iterdir()) if inputs is None else inputs
    problems = []
    with tempfile.TemporaryDirectory(prefix=f"zvm-fuzz-{name}-") as tmp:
        for start in range(0, len(inputs), 256):  # a command line's worth at a time
            chunk = inputs[start:start + 256]
            record = Path(tmp) / f"record-{start}"
            done = subprocess.run([str(binary), *map(str, chunk)], capture_output=True, text=True,
                                  env={**os.environ, "ZVM_FUZZ_RECORD": str(record)})
            if done.returncode != 0:
                return [f"{name}: the target failed on its inputs: {done.stderr[-500:]}"]
            runs = _recorded(record)
            for path in chunk:
                data = path.read_bytes()
                lines = runs.get((len(data), _fnv1a(data)))
                problem = "not recorded" if lines is None else oracle.check(data, lines)
                if problem:
                    problems.append(f"{name} {path.name}: {problem}")
    return problems


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
        if r["ok"] and (disagree := differential(name)):
            failed += 1
            print(f"{name:16} the C and the model disagree:", *disagree[:5], sep="\n  ")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
