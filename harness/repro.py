"""`zvm-hil repro DIR`: runs a bundle again, exactly: the same board and
scenario as run, the same images (checked against their recorded hashes),
the same QEMU options; then says whether it reproduced, or where the new run
first parts from the recorded trace."""

import json
from dataclasses import dataclass
from pathlib import Path

from .artifacts import IMAGES, sha256
from .boards import load_board
from .build import Image
from .errors import HarnessError
from .runner import Images, RunOptions, RunResult, run_scenario
from .scenarios import load_scenario
from .trace import Event

# Fields that measure time, not behaviour: they may differ between runs.
TIMING_FIELDS = {"poweroff": {"ticks"},
                 "memstats": {"alloc-ticks", "swapout-ticks", "swapin-ticks"}}


def comparable(name: str, vm, fields: dict) -> tuple:
    kept = {k: v for k, v in fields.items() if k not in TIMING_FIELDS.get(name, ())}
    return name, vm, tuple(sorted(kept.items()))


@dataclass
class Outcome:
    reproduced: bool
    message: str
    result: RunResult
    changed_images: list[str]


def _recorded(bundle: Path) -> list[tuple]:
    with open(bundle / "trace.jsonl") as f:
        return [comparable(r["event"], r["vm"], r["fields"]) for r in map(json.loads, f)]


def _images(bundle: Path) -> tuple[Images, list[str]]:
    index = json.loads((bundle / "images.json").read_text())
    hypervisor, guests, changed = None, {}, []
    for name, info in index.items():
        path = bundle / IMAGES / name
        if not path.exists():
            raise HarnessError(f"{path}: missing from the bundle")
        if sha256(path) != info["sha256"]:
            changed.append(name)
        image = Image(path, int(info["build_id"], 16), info["key"])
        if info["role"] == "hypervisor":
            hypervisor = image
        else:
            guests[info["guest"]] = image
    if hypervisor is None:
        raise HarnessError(f"{bundle / 'images.json'}: names no hypervisor image")
    return Images(hypervisor, guests), changed


def repro(bundle: str | Path) -> Outcome:
    bundle = Path(bundle)
    if not (bundle / "trace.jsonl").exists():
        raise HarnessError(f"{bundle}: not a zvm-hil bundle (no trace.jsonl)")
    board = load_board(str(bundle / "board.toml"))
    scenario = load_scenario(str(bundle / "scenario.toml"))
    images, changed = _images(bundle)
    run = json.loads((bundle / "run.json").read_text())
    replay = bundle / "replay.bin" if (bundle / "replay.bin").exists() else None
    recorded_result = json.loads((bundle / "result.json").read_text())
    result = run_scenario(board, scenario, options=RunOptions(
        timeout=run.get("timeout"), icount=run.get("icount"), replay=replay, images=images))
    recorded = _recorded(bundle)
    now = [comparable(e.name, e.vm, e.fields) for e in result.trace.events]
    for i, (was, is_) in enumerate(zip(recorded, now)):
        if was != is_:
            return Outcome(False, f"diverged at event {i}: recorded {_text(was)}, "
                                  f"now {_text(is_)}", result, changed)
    if len(recorded) != len(now):
        i = min(len(recorded), len(now))
        was = _text(recorded[i]) if i < len(recorded) else "nothing more"
        is_ = _text(now[i]) if i < len(now) else "nothing more"
        return Outcome(False, f"diverged at event {i}: recorded {was}, now {is_}", result,
                       changed)
    if result.failures != recorded_result["failures"]:
        return Outcome(False, "same trace, different verdict: recorded "
                              f"{recorded_result['failures']}, now {result.failures}",
                       result, changed)
    verdict = "the same failure" if result.failures else "passing again"
    return Outcome(True, f"reproduced: {len(now)} events, {verdict}", result, changed)


def _text(item: tuple) -> str:
    name, vm, fields = item
    return str(Event(name, dict(fields), vm=vm))
