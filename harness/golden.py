"""Golden checks: what the firmware reported against what the models predict.
Each mismatch names the check, the expected and the actual value."""

from dataclasses import dataclass

from . import esr
from .boards import QemuBoard
from .build import Image
from .models import selftest
from .trace import Event, Trace


@dataclass(frozen=True)
class Mismatch:
    check: str
    expected: object
    actual: object

    def __str__(self) -> str:
        return f"{self.check}: expected {_show(self.expected)}, got {_show(self.actual)}"


def _show(value: object) -> str:
    return hex(value) if isinstance(value, int) and not isinstance(value, bool) else str(value)


def compare_fields(trace: Trace, event: str, expected: dict[str, int]) -> list[Mismatch]:
    """The first `event` must carry every expected key with the expected value."""
    found = trace.first(event)
    if found is None:
        return [Mismatch(f"@zvm {event}", "the event", "no such event")]
    return [Mismatch(f"@zvm {event} {key}", value, found.get(key, "nothing"))
            for key, value in expected.items() if found.get(key) != value]


Expectations = dict[str, dict[str, int]]  # event -> the fields it must carry


def boot_expectations(board: QemuBoard, image: Image) -> Expectations:
    """The boot self-checks: the right image at EL2, libfdt reading the board
    as configured, and liblzo2 agreeing byte for byte with python-lzo."""
    return {"boot": {"el": 2, "build": image.build_id},
            "board": selftest.board(board),
            "lzo-selftest": selftest.lzo_selftest()}


def check(trace: Trace, expected: Expectations) -> list[Mismatch]:
    return [m for event, fields in expected.items() for m in compare_fields(trace, event, fields)]


def describe_panic(event: Event) -> str:
    if "esr" not in event.fields:
        return f"hypervisor panic: {event.get('reason', 'no reason given')} ({event})"
    return (f"hypervisor panic: {esr.describe(event['esr'])} at elr={_show(event.get('elr'))} "
            f"far={_show(event.get('far'))} (vector {event.get('kind', '?')}; {event})")
