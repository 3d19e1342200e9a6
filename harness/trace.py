"""The only reader of the firmware's trace protocol (docs/trace-protocol.md).

A trace line starts the console line: ``@zvm <event> key=value ...``.
Integers are ``0x`` hex; other values are single words. Anything else on the
console is free text. A line that starts like a trace line but breaks the
grammar or the vocabulary is kept as Unreadable, never an exception: a
garbled console must not crash the harness."""

import re
from dataclasses import dataclass, field
from functools import cache

PREFIX = "@zvm "

# The vocabulary: event -> the keys it must carry (it may carry more).
VOCABULARY: dict[str, frozenset[str]] = {
    "boot": frozenset({"el", "version", "build"}),
    "board": frozenset({"dtb"}),
    "lzo-selftest": frozenset({"ok"}),
    "cpu-up": frozenset({"index", "mpidr"}),
    "poweroff": frozenset({"reason"}),
    "panic": frozenset(),
    "vm-create": frozenset({"vm", "name", "vmid", "vttbr", "ipa", "size", "entry"}),
    "s2-map": frozenset({"vm", "ipa", "pa", "size", "attr"}),
    "s2-unmap": frozenset({"vm", "ipa", "size"}),
    "vm-exit": frozenset({"vm", "code", "reason"}),
    "vcpu-on": frozenset({"vm", "vcpu", "entry"}),
    "vcpu-off": frozenset({"vm", "vcpu"}),
    "fault": frozenset({"vm", "esr", "far", "ipa"}),
    "oom": frozenset({"vm", "size"}),
    "block-alloc": frozenset({"vm", "ipa", "pa", "size"}),
    "block-free": frozenset({"vm", "ipa", "pa", "size"}),
    "block-merge": frozenset({"vm", "ipa", "pa", "size"}),
    "block-split": frozenset({"vm", "ipa", "at"}),
    "memlist": frozenset({"vm", "count", "blocks"}),
    "heap": frozenset({"vm", "used", "free"}),
    "release-refused": frozenset({"vm", "ipa", "size", "reason"}),
    "zpool": frozenset({"size", "used", "stored"}),
    "swap-out": frozenset({"vm", "ipa", "clen", "zoff", "kind"}),
    "swap-in": frozenset({"vm", "ipa", "pa", "clen", "kind"}),
    "swap-skip": frozenset({"vm", "ipa", "clen", "reason"}),
    "guest-crc": frozenset({"vm", "ipa", "size", "crc"}),
    "hostblk": frozenset({"mmio", "sectors", "flush"}),
    "hostblk-timeout": frozenset({"type", "sector"}),
    "blk-req": frozenset({"vm", "seq", "type", "ioprio", "sector", "len"}),
    "blk-round": frozenset({"n"}),
    "blk-dispatch": frozenset({"vm", "seq"}),
    "blk-done": frozenset({"vm", "seq", "status"}),
    "blk-bad": frozenset({"vm", "head", "reason"}),
    "memstats": frozenset({"allocs", "alloc-ticks", "swapouts", "swapout-ticks", "swapins",
                           "swapin-ticks"}),
    # The shell (docs/shell.md).
    "shell-ready": frozenset({"n"}),
    "shell-error": frozenset({"reason"}),
    "vm-run": frozenset({"vm"}),
    "vm-pause": frozenset({"vm"}),
    "vm-delete": frozenset({"vm"}),
    "vm-connect": frozenset({"vm"}),
    "vm-disconnect": frozenset({"vm"}),
}

# What guests report, on their own console lines: "[<vm>] @guest <event> ...".
# Each guest kind declares its own events (harness/guests/); they are loaded
# the first time a guest line is read (a bare boot prints none).
GUEST_PREFIX = "@guest "


@cache
def guest_vocabulary() -> dict[str, frozenset[str]]:
    from .guests import guest_events

    return guest_events()


# Events after which the firmware runs no more.
TERMINAL = frozenset({"poweroff", "panic"})

_EVENT = re.compile(r"[a-z][a-z0-9-]*")
_KEY = re.compile(r"[a-z][a-z0-9_-]*")
_HEX = re.compile(r"0x[0-9a-f]+")
_WORD = re.compile(r"[A-Za-z0-9_.:,/+@-]+")


@dataclass(frozen=True)
class Event:
    name: str
    fields: dict[str, int | str]
    line_no: int = 0
    time: float = 0.0  # seconds since the console was attached
    vm: str | None = None  # the VM whose guest reported it (@guest events)
    cpu: int | None = None  # the physical CPU that reported it (@zvm events: cpu=)
    ticks: int | None = None  # the generic counter when it was reported (@zvm events: t=)

    def __getitem__(self, key: str) -> int | str:
        return self.fields[key]

    def get(self, key: str, default=None):
        return self.fields.get(key, default)

    def __str__(self) -> str:
        values = " ".join(f"{k}={hex(v) if isinstance(v, int) else v}"
                          for k, v in self.fields.items())
        if self.vm is not None:
            return f"[{self.vm}] {GUEST_PREFIX}{self.name} {values}".rstrip()
        return f"{PREFIX}{self.name} {values}".rstrip()


@dataclass(frozen=True)
class Unreadable:
    line_no: int
    text: str
    reason: str


_GUEST_LINE = re.compile(r"\[([a-z][a-z0-9_-]*)\] " + re.escape(GUEST_PREFIX))


def parse_line(line: str, line_no: int = 0, time: float = 0.0) -> Event | Unreadable | None:
    """An Event, an Unreadable trace line, or None for free text."""
    line = line.rstrip("\r\n")
    vm, vocabulary = None, VOCABULARY
    if line.startswith(PREFIX):
        body = line[len(PREFIX):]
    elif guest := _GUEST_LINE.match(line):
        vm, vocabulary, body = guest.group(1), guest_vocabulary(), line[guest.end():]
    else:
        return None
    name, *tokens = body.split() or [""]
    if not _EVENT.fullmatch(name):
        return Unreadable(line_no, line, f"bad event name {name!r}")
    if name not in vocabulary:
        return Unreadable(line_no, line, f"unknown event {name!r}")
    fields: dict[str, int | str] = {}
    for token in tokens:
        key, eq, value = token.partition("=")
        if not eq or not _KEY.fullmatch(key) or not value:
            return Unreadable(line_no, line, f"bad field {token!r}")
        if key in fields:
            return Unreadable(line_no, line, f"repeated field {key!r}")
        if _HEX.fullmatch(value):
            fields[key] = int(value, 16)
        elif _WORD.fullmatch(value) and (not value[0].isdigit() or value.startswith("0x")):
            fields[key] = value
        else:
            return Unreadable(line_no, line, f"bad value in {token!r} (integers are 0x hex)")
    missing = vocabulary[name] - fields.keys()
    if missing:
        return Unreadable(line_no, line, f"{name} lacks {', '.join(sorted(missing))}")
    # Who reported it, not what: kept apart, so that the models' events
    # compare as they are whichever CPU the event came from.
    cpu = fields.pop("cpu", None) if vm is None else None
    if cpu is not None and not isinstance(cpu, int):
        return Unreadable(line_no, line, f"bad value in 'cpu={cpu}' (a CPU's index)")
    ticks = fields.pop("t", None) if vm is None else None
    if ticks is not None and not isinstance(ticks, int):
        return Unreadable(line_no, line, f"bad value in 't={ticks}' (a counter reading)")
    return Event(name, fields, line_no, time, vm, cpu, ticks)


@dataclass
class Trace:
    """Everything read from one console: the raw lines, the events, and the
    trace lines that could not be read."""

    lines: list[tuple[float, str]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    _names: dict[int, str] = field(default_factory=dict, repr=False)  # vm id -> name
    _connected: str | None = field(default=None, repr=False)

    def add_line(self, line: str, time: float = 0.0) -> Event | None:
        """A console line. While the shell has a VM's console connected, its
        lines come unprefixed, with a space before any it started with `@`:
        such a ` @guest` line is that VM's report."""
        self.lines.append((time, line))
        if self._connected is not None and line.startswith(" " + GUEST_PREFIX):
            line = f"[{self._connected}]{line}"
        parsed = parse_line(line, len(self.lines), time)
        if isinstance(parsed, Event):
            self.events.append(parsed)
            if parsed.name == "vm-create":
                self._names[parsed["vm"]] = parsed["name"]
            elif parsed.name in ("vm-connect", "vm-disconnect") and parsed.vm is None:
                self._connected = (self._names.get(parsed["vm"])
                                   if parsed.name == "vm-connect" else None)
            return parsed
        if isinstance(parsed, Unreadable):
            self.unreadable.append(parsed)
        return None

    def named(self, name: str, guest: str | None = None, **match) -> list[Event]:
        """Events called `name` (reported by the guest of VM `guest`, if given)
        whose fields include `match`."""
        return [e for e in self.events if e.name == name and e.vm == guest
                and all(e.fields.get(k) == v for k, v in match.items())]

    def first(self, name: str) -> Event | None:
        return next((e for e in self.events if e.name == name), None)

    @property
    def last_event(self) -> Event | None:
        return self.events[-1] if self.events else None


def parse_text(text: str) -> Trace:
    trace = Trace()
    for line in text.splitlines():
        trace.add_line(line)
    return trace
