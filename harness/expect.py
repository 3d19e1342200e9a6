"""Check primitives: an event the firmware must (or must not) report, a
mismatch, and how values are shown. A leaf: models, guests and checks build
on it; harness/checks/judge.py assembles a verdict from what they find."""

from dataclasses import dataclass, field


def show(value: object) -> str:
    """Integers as the trace writes them (0x hex), the rest as they are."""
    return hex(value) if isinstance(value, int) and not isinstance(value, bool) else str(value)


def show_fields(fields: dict) -> str:
    return " ".join(f"{k}={show(v)}" for k, v in fields.items())


@dataclass(frozen=True)
class Mismatch:
    check: str
    expected: object
    actual: object

    def __str__(self) -> str:
        return f"{self.check}: expected {show(self.expected)}, got {show(self.actual)}"


@dataclass(frozen=True)
class Expected:
    """An event the firmware must report: the one named `event` whose fields
    include `match` (from the guest of `vm`, if set) must carry `fields`.
    `absent`: no such event may be reported at all."""

    event: str
    fields: dict[str, int | str]
    match: dict[str, int] = field(default_factory=dict)
    vm: str | None = None
    absent: bool = False

    def label(self) -> str:
        where = f"[{self.vm}] @guest" if self.vm else "@zvm"
        keys = "".join(f" {k}={show(v)}" for k, v in self.match.items())
        return f"{where} {self.event}{keys}"


def check(trace, expected: list[Expected]) -> list[Mismatch]:
    """What differs between `trace` (anything with Trace.named) and
    `expected`. A run of missing events from one guest (it stopped early) is
    one mismatch, not one per event."""
    mismatches: list[Mismatch] = []
    missing: list[Expected] = []

    def report_missing() -> None:
        if missing:
            more = f" (and {len(missing) - 1} more expected after it)" if len(missing) > 1 else ""
            mismatches.append(Mismatch(missing[0].label(), "the event", "no such event" + more))
            missing.clear()

    for e in expected:
        found = trace.named(e.event, e.vm, **e.match)
        if e.absent:
            if found:
                mismatches.append(Mismatch(e.label(), "no such event", str(found[0])))
            continue
        if not found:
            if missing and (e.vm is None or missing[0].vm != e.vm):
                report_missing()
            missing.append(e)
            continue
        report_missing()
        mismatches += [Mismatch(f"{e.label()} {key}", value, found[0].get(key, "nothing"))
                       for key, value in e.fields.items() if found[0].get(key) != value]
    report_missing()
    return mismatches


def unpredicted(events, expected: list[Expected]) -> list[Mismatch]:
    """`events` (one guest's reports) that no expectation predicts, or that
    answer one already answered: a guest that says more than it should."""
    predicted = [e for e in expected if not e.absent]
    answered: set[int] = set()
    out = []
    for event in events:
        matches = [i for i, e in enumerate(predicted) if e.event == event.name
                   and all(event.fields.get(k) == v for k, v in e.match.items())]
        free = [i for i in matches if i not in answered]
        if not matches:
            out.append(Mismatch(str(event), "no such event (the model predicts none)", "it"))
        elif not free:
            out.append(Mismatch(str(event), "it once", "it again"))
        else:
            answered.add(free[0])
    return out
