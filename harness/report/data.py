"""What a run's report shows, read from its bundle (read.py) and drawn by
timeline.py (Perfetto's trace-event JSON) and html.py (report.html). Times
are seconds of the guests' clock (the generic counter) since the
hypervisor's first trace line."""

from dataclasses import dataclass, field

HYPERVISOR = "hypervisor"  # the track of what is no VM's (boot, scheduler rounds)


@dataclass(frozen=True)
class Slice:
    """A physical CPU ran a vCPU of a VM from `start` to `end` (vm None: idle)."""
    cpu: int
    start: float
    end: float
    vm: str | None
    vcpu: int | None = None


@dataclass(frozen=True)
class Mark:
    """An event on a track (a VM's name, or HYPERVISOR): instant when
    `duration` is None, else a span; `failure` marks what failed the run."""
    time: float
    track: str
    name: str
    args: dict = field(default_factory=dict)
    duration: float | None = None
    failure: bool = False


@dataclass(frozen=True)
class Request:
    """A virtio-blk request from its submission (blk-req) to its completion
    (blk-done; None: never completed)."""
    vm: str
    seq: int
    type: int
    sector: int
    length: int
    submitted: float
    done: float | None
    status: int | None


@dataclass(frozen=True)
class Block:
    """A VM's memory block at the end of the run: resident at `pa`, or
    swapped out (`state` "lzo" or "zero", `pa` None, `clen` its size in the zpool)."""
    ipa: int
    size: int
    state: str  # "resident", "lzo", "zero"
    pa: int | None = None
    clen: int = 0


@dataclass(frozen=True)
class DiskChange:
    """Sectors [first, first + count) of the host disk: changed by the run
    (`actual`), or by the model's prediction (`expected`)."""
    first: int
    count: int
    actual: bool
    expected: bool
    matches: bool = True  # the run left in them what the model expected


@dataclass
class ReportData:
    scenario: str
    board: str
    passed: bool
    failures: list[str]
    vms: list[str]  # names, in the description's order
    cpus: int
    end: float  # the last time anything shows
    slices: list[Slice] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    memory: dict[str, list[Block]] = field(default_factory=dict)  # by VM name
    disk: list[DiskChange] | None = None  # None: the run had no disk
    files: list[str] = field(default_factory=list)  # the bundle's, relative to report.html
    summary: str = ""  # one line: scenario, board, events, time
