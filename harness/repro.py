"""`zvm-hil repro DIR`: runs a bundle again, exactly: the same board and
scenario as run, the same images (checked against their recorded hashes),
the same QEMU options; then says whether it reproduced, or where the new run
first parts from the recorded trace. `zvm-hil judge DIR` gives a bundle's
verdict again from its evidence alone, without running anything."""

from dataclasses import dataclass

from .bundle import files
from .bundle.read import read_bundle
from .runner import Images, RunOptions, RunResult, counted_time, prepare, run_scenario
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


def repro(path) -> Outcome:
    bundle = read_bundle(path)
    replay = bundle.path / files.REPLAY if (bundle.path / files.REPLAY).exists() else None
    result = run_scenario(bundle.board, bundle.scenario, options=RunOptions(
        timeout=bundle.run.get("timeout"), icount=bundle.run.get("icount"), replay=replay,
        images=Images(bundle.hypervisor, bundle.guests)))
    changed = bundle.changed_images
    recorded = [comparable(e.name, e.vm, e.fields) for e in bundle.events()]
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
    if result.failures != bundle.result["failures"]:
        return Outcome(False, "same trace, different verdict: recorded "
                              f"{bundle.result['failures']}, now {result.failures}",
                       result, changed)
    verdict = "the same failure" if result.failures else "passing again"
    return Outcome(True, f"reproduced: {len(now)} events, {verdict}", result, changed)


def rejudge(path) -> tuple[list[str], list[str]]:
    """(the verdict given again from the bundle's evidence, the recorded one)."""
    from .checks.judge import Evidence, judge

    bundle = read_bundle(path)
    images = Images(bundle.hypervisor, bundle.guests)
    image, guests, plan = prepare(bundle.board, bundle.scenario, images)
    evidence = Evidence(bundle.trace(), bundle.result.get("reading", []),
                        bundle.result["timed_out"], bundle.memory(), bundle.disk_after(),
                        bundle.registers(),
                        counted_time(bundle.board, RunOptions(icount=bundle.run.get("icount"))),
                        bundle.stage2_snapshots())
    return judge(bundle.board, image, plan, guests, evidence), bundle.result["failures"]


def _text(item: tuple) -> str:
    name, vm, fields = item
    return str(Event(name, dict(fields), vm=vm))
