"""`zvm-hil repro DIR`: runs a bundle again, exactly: the same board and
scenario as run, the same images (checked against their recorded hashes),
the same QEMU options; then says whether it reproduced, or where the new run
first parts from the recorded trace. `zvm-hil judge DIR` gives a bundle's
verdict again from its evidence alone, without running anything."""

from dataclasses import dataclass

from .bundle import files
from .bundle.read import read_bundle
from .runner import Images, RunOptions, RunResult, prepare, run_scenario
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
    if divergence := first_divergence(bundle.events(), result.trace.events):
        return Outcome(False, divergence, result, changed)
    if result.failures != bundle.result["failures"]:
        return Outcome(False, "same trace, different verdict: recorded "
                              f"{bundle.result['failures']}, now {result.failures}",
                       result, changed)
    verdict = "the same failure" if result.failures else "passing again"
    return Outcome(True, f"reproduced: {len(result.trace.events)} events, {verdict}", result,
                   changed)


def first_divergence(recorded, now) -> str | None:
    """Where the events `now` first part from those `recorded` (timing
    fields aside), in words; None when they are the same."""
    was = [comparable(e.name, e.vm, e.fields) for e in recorded]
    is_ = [comparable(e.name, e.vm, e.fields) for e in now]
    if was == is_:
        return None
    i = next((i for i, (a, b) in enumerate(zip(was, is_)) if a != b), min(len(was), len(is_)))
    then = _text(was[i]) if i < len(was) else "nothing more"
    later = _text(is_[i]) if i < len(is_) else "nothing more"
    return f"diverged at event {i}: recorded {then}, now {later}"


def prepared(bundle) -> tuple:
    """The bundle's run made again without running it: (hypervisor image,
    {guest: image}, plan, whether its time was counted), from its own images."""
    counted = RunOptions(icount=bundle.run.get("icount")).counted_time(bundle.board)
    image, guests, plan = prepare(bundle.board, bundle.scenario,
                                  Images(bundle.hypervisor, bundle.guests), counted)
    return image, guests, plan, counted


def rejudge(path) -> tuple[list[str], list[str]]:
    """(the verdict given again from the bundle's evidence, the recorded one)."""
    from .checks.judge import Evidence, judge

    bundle = read_bundle(path)
    image, guests, plan, counted = prepared(bundle)
    evidence = Evidence(bundle.trace(), bundle.result.get("reading", []),
                        bundle.result["timed_out"], bundle.memory(), bundle.disk_after(),
                        bundle.registers(), counted,
                        bundle.stage2_snapshots(), bundle.commands())
    return judge(bundle.board, image, plan, guests, evidence), bundle.result["failures"]


def _text(item: tuple) -> str:
    name, vm, fields = item
    return str(Event(name, dict(fields), vm=vm))
