"""Does a change keep behaviour? Runs every shipped scenario, the tests' own
scenarios and every hostile attack under --deterministic, a bundle each, and
compares two such recordings trace for trace and verdict for verdict.

    .venv/bin/python tools/trace_compare.py record DIR     # this checkout
    .venv/bin/python tools/trace_compare.py compare BEFORE AFTER

Timing fields (docs/trace-protocol.md), the build id and hypervisor
addresses in a panic are not compared; nor are addresses in verdicts."""

import json
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tomli_w

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from harness.bundle import files  # noqa: E402
from harness.repro import TIMING_FIELDS  # noqa: E402

# Beyond timing: what a rebuilt hypervisor changes without changing behaviour.
IGNORED = {**TIMING_FIELDS, "boot": {"build"}, "panic": {"elr", "far"}}


def scenarios(directory: Path) -> list[Path]:
    """Every scenario as a TOML file in `directory`, one per hostile attack."""
    from harness.guests.hostile import ATTACKS, with_attack
    from harness.scenarios import list_scenarios, load_scenario, to_toml

    found = list_scenarios() + [load_scenario(str(p)) for p in
                                sorted((REPO / "tests/integration/scenarios").glob("*.toml"))]
    named = {s.name: s for s in found}
    named.update({f"hostile-{a}": with_attack(named["hostile"], a) for a in ATTACKS})
    for name, s in named.items():
        (directory / f"{name}.toml").write_text(tomli_w.dumps(to_toml(s)))
    return sorted(directory.glob("*.toml"))


def record(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        def run(path: Path) -> None:
            subprocess.run([sys.executable, "-m", "harness", "run", "--scenario", str(path),
                            "--deterministic", "--artifacts", str(out / path.stem)],
                           cwd=REPO, capture_output=True)
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(run, scenarios(Path(tmp))))
    print(f"{out}: {len(list(out.iterdir()))} runs")
    return 0


def load(bundle: Path) -> tuple[list, int, list[str]]:
    events = []
    for line in (bundle / files.TRACE).read_text().splitlines():
        r = json.loads(line)
        kept = {k: v for k, v in r["fields"].items() if k not in IGNORED.get(r["event"], ())}
        events.append((r["event"], r["vm"], sorted(kept.items())))
    result = json.loads((bundle / files.RESULT).read_text())
    return events, result["exit_code"], [re.sub(r"0x[0-9a-f]{8,}", "0x..", f)
                                         for f in result["failures"]]


def compare(before: Path, after: Path) -> int:
    differing = 0
    names = sorted(p.name for p in before.iterdir() if p.is_dir())
    for name in names:
        if not (after / name).is_dir():
            print(f"{name}: missing after")
            differing += 1
            continue
        (t1, c1, f1), (t2, c2, f2) = load(before / name), load(after / name)
        notes = []
        if c1 != c2:
            notes.append(f"exit code {c1} -> {c2}")
        if f1 != f2:
            notes.append(f"verdict {f1} -> {f2}")
        if t1 != t2:
            i = next((i for i, (a, b) in enumerate(zip(t1, t2)) if a != b), min(len(t1), len(t2)))
            notes.append(f"trace parts at event {i} of {len(t1)}/{len(t2)}: "
                         f"{t1[i] if i < len(t1) else 'end'} -> {t2[i] if i < len(t2) else 'end'}")
        if notes:
            differing += 1
            print(f"{name}: " + "; ".join(notes))
    print(f"compared {len(names)}, differing {differing}")
    return 1 if differing else 0


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "record":
        return record(Path(sys.argv[2]))
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        return compare(Path(sys.argv[2]), Path(sys.argv[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
