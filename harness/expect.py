"""Check primitives: an event the firmware must (or must not) report, a
mismatch, and how values are shown. A leaf: models, guests and checks build
on it; harness/checks/judge.py assembles a verdict from what they find."""

from dataclasses import dataclass, field
from itertools import zip_longest


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


def check_sequence(what: str, expected: list[Expected], actual: list) -> list[Mismatch]:
    """`actual` (events in trace order) against `expected`, one for one. Field
    differences are named as check() names them; the first event missing,
    extra or out of place is named by its index in `what`, and ends the
    comparison (what follows it would only repeat the shift)."""
    out = []
    for i, (want, got) in enumerate(zip_longest(expected, actual)):
        if got is None:
            return out + [Mismatch(want.label(), "the event", f"no such event ({what} event {i})")]
        if want is None:
            return out + [Mismatch(f"{what} event {i}", "nothing more", str(got))]
        if got.name != want.event or any(got.get(k) != v for k, v in want.match.items()):
            return out + [Mismatch(f"{what} event {i}", want.label(), str(got))]
        out += [Mismatch(f"{want.label()} {key}", value, got.get(key, "nothing"))
                for key, value in want.fields.items() if got.get(key) != value]
    return out
