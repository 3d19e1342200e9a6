"""make mutants: the test suite against deliberately broken firmware.

Each mutant of mutants/firmware.toml is applied to a copy of
firmware_builds/, and the QEMU tests run against that copy (ZVM_HIL_FIRMWARE)
until the first failure: the mutant's `first` tests, then the whole suite.
A mutant the suite catches is killed; one it misses survived. Prints each
mutant's fate and the kill rate; exits 1 if any survived or no longer
applies. `tools/mutants.py NAME...` runs only those."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MUTANTS = REPO / "mutants" / "firmware.toml"
FIRMWARE = REPO / "firmware_builds"
SUITE = ["-m", "qemu", "-x", "-q", "-n", "2", "-rf", "-p", "no:cacheprovider"]
SUITE_PATH = "tests/integration"
TIMEOUT_S = 900
ZVM_HIL = Path(sys.executable).parent / "zvm-hil"  # the venv's
LOGS = REPO / "build" / "mutants"  # the output of the tests that killed each


def load() -> list[dict]:
    return tomllib.loads(MUTANTS.read_text())["mutant"]


def does_not_apply(mutant: dict, tree: Path) -> str | None:
    """Why `mutant` cannot be applied to the firmware in `tree`, if it cannot."""
    found = (tree / mutant["file"]).read_text().count(mutant["old"])
    return None if found == 1 else f"{mutant['file']} holds its `old` text {found} times, not once"


def apply(mutant: dict, tree: Path) -> str | None:
    """Alters the copy in `tree`; returns why it could not, if it could not."""
    if problem := does_not_apply(mutant, tree):
        return problem
    path = tree / mutant["file"]
    path.write_text(path.read_text().replace(mutant["old"], mutant["new"]))
    return None


def build(tree: Path) -> str | None:
    """Builds both hypervisor variants from `tree`; the compiler's complaint if
    it cannot (a mutant the compiler rejects tells nothing of the tests)."""
    env = {**os.environ, "ZVM_HIL_FIRMWARE": str(tree)}
    for variant in ("static", "dynamic"):
        done = subprocess.run([str(ZVM_HIL), "build", "--variant", variant], cwd=REPO, env=env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            return (done.stdout + done.stderr).strip().splitlines()[-1]
    return None


def run_suite(tree: Path, first: str | None = None, fuzz_target: str | None = None) \
        -> tuple[str, str]:
    """('killed', by which test) or ('survived', ''): the tests `first`, then
    (if they all pass) the whole suite, then the host fuzz target's
    differential check on the corpus."""
    for tests in ([first] if first else []) + [SUITE_PATH]:
        fate = _run_tests(tree, tests)
        if fate[0] == "killed":
            return fate
    if fuzz_target and (disagree := fuzz_tool().differential(fuzz_target, firmware=tree)):
        return "killed", f"fuzz/oracles/{fuzz_target}.py (not the QEMU suite): {disagree[0]}"
    return "survived", ""


def fuzz_tool():
    """tools/fuzz.py as a module."""
    sys.path.insert(0, str(REPO / "tools"))
    import fuzz
    return fuzz


def _run_tests(tree: Path, tests: str) -> tuple[str, str]:
    env = {**os.environ, "ZVM_HIL_FIRMWARE": str(tree)}
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", *SUITE, tests], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "killed", f"{tests} did not finish in {TIMEOUT_S} s"
    if done.returncode == 0:
        return "survived", ""
    # What killed it, kept: a kill by a test that has nothing to do with
    # the mutant is worth reading.
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / f"{tree.parent.name.rsplit('-', 1)[0]}.log").write_text(done.stdout + done.stderr)
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.MULTILINE)
    return "killed", failed[0] if failed else done.stdout.strip().splitlines()[-1]


def main() -> int:
    """Every mutant, or those named on the command line."""
    named = sys.argv[1:]
    mutants = [m for m in load() if not named or m["name"] in named]
    killed = broken = 0
    print(f"{len(mutants)} mutants of the firmware, each against `pytest {' '.join(SUITE)} "
          f"{SUITE_PATH}` (its `first` tests before)")
    for m in mutants:
        with tempfile.TemporaryDirectory(prefix=f"zvm-mutant-{m['name']}-") as tmp:
            tree = Path(tmp) / "firmware_builds"
            shutil.copytree(FIRMWARE, tree)
            started = time.monotonic()
            problem = apply(m, tree)
            if problem:
                broken += 1
                print(f"  {m['name']:30} DOES NOT APPLY: {problem}")
                continue
            problem = build(tree)
            if problem:
                broken += 1
                print(f"  {m['name']:30} DOES NOT BUILD: {problem}")
                continue
            fate, by = run_suite(tree, m.get("first"), m.get("fuzz"))
            killed += fate == "killed"
            print(f"  {m['name']:30} {fate:8} {time.monotonic() - started:5.1f} s  {by}"
                  f"\n  {'':30} ({m['what']})")
    print(f"kill rate: {killed}/{len(mutants)} ({100 * killed // max(len(mutants), 1)}%)")
    return 0 if killed == len(mutants) and not broken else 1


if __name__ == "__main__":
    sys.exit(main())
