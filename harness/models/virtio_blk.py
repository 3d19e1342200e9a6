"""virtio-blk, end to end: a model of the back-end (hypervisor/vblk.c), the
host I/O scheduler (iosched.c) and the disk.

Each VM's requests are known from its guest (harness/guests/): what it
submits and, for an OUT, the bytes it carries. What the model cannot know
is how the VMs interleave: which VM's notify reached the scheduler first.
It takes that order from the trace's @zvm blk-req events and predicts the
rest: each request's `seq`, which requests a round takes (from the guests'
batches: a round runs when every VM with I/O left waits for its batch; only
for guests whose batches depend on timing, Linux's, from the trace's
@zvm blk-round marks), the dispatch order of every round, every status, what
every IN and GET_ID returns, and the disk byte for byte."""

import zlib
from dataclasses import dataclass, field

from ..spec import BARRIER
from .patterns import xorshift32_bytes

SECTOR = 512
MAX_BYTES = 0x10000  # hostblk's bounce buffer: the largest request
ID_BYTES = 20
OK, IOERR, UNSUPP = 0, 1, 2
IN, OUT, FLUSH, GET_ID = 0, 1, 4, 8


def initial_disk(size: int, seed: int) -> bytearray:
    """Zeros, or xorshift32 words from `seed` (the harness writes this image)."""
    if not seed:
        return bytearray(size)
    return bytearray(xorshift32_bytes(seed, size)[0])


@dataclass(frozen=True)
class Request:
    """One request as the back-end takes it from a chain."""
    type: int  # with the barrier flag
    ioprio: int
    sector: int
    length: int  # bytes in its data buffers
    data: bytes | None = None  # an OUT's bytes; None: not known to the model (Linux's)
    misdirected: bool = False  # buffers the wrong way round (a hostile guest's)

    @property
    def base_type(self) -> int:
        return self.type & ~BARRIER


def device_id(vm_name: str) -> bytes:
    return (b"zvm-hil:" + vm_name.encode())[:ID_BYTES].ljust(ID_BYTES, b"\0")


@dataclass
class Queued:
    vm: int
    index: int  # the request's place in its VM's list
    seq: int
    request: Request


@dataclass
class VmDisk:
    name: str
    base: int  # first sector
    sectors: int
    requests: tuple[Request, ...]


@dataclass
class Prediction:
    submitted: list[tuple[int, int]] = field(default_factory=list)  # (vm, index) by seq
    rounds: list[list[tuple[int, int]]] = field(default_factory=list)  # (vm, seq) per round
    status: dict[tuple[int, int], int] = field(default_factory=dict)  # (vm, index)
    crc: dict[tuple[int, int], int] = field(default_factory=dict)
    disk: bytearray = field(default_factory=bytearray)
    problems: list[str] = field(default_factory=list)


def dispatch_order(queue: list[Queued]) -> list[Queued]:
    """One round: the most urgent eligible request first (larger ioprio; FIFO
    within a priority), never across a barrier of the same VM."""
    pending, order = list(queue), []
    while pending:
        def eligible(i: int) -> bool:
            r = pending[i]
            return not any(e.vm == r.vm and (e.request.type & BARRIER or r.request.type & BARRIER)
                           for e in pending[:i])
        best = None
        for i, r in enumerate(pending):
            if eligible(i) and (best is None or r.request.ioprio > pending[best].request.ioprio):
                best = i
        order.append(pending.pop(best))
    return order


def execute(disk: bytearray, vm: VmDisk, r: Request) -> tuple[int, bytes]:
    """A request's status and the bytes it hands the guest (IN, GET_ID)."""
    base, length = r.base_type, r.length
    if r.misdirected:  # vblk.c: take_chain marks it, execute answers it
        return IOERR, b""
    if base in (IN, OUT):
        count = length // SECTOR
        if not length or length % SECTOR or length > MAX_BYTES or r.sector > vm.sectors \
                or count > vm.sectors - r.sector:
            return IOERR, b""
        start = (vm.base + r.sector) * SECTOR
        if base == OUT:
            if r.data is not None:  # else what it wrote is its guest's to predict
                disk[start:start + length] = r.data
            return OK, b""
        return OK, bytes(disk[start:start + length])
    if base == FLUSH:
        return OK, b""
    if base == GET_ID:
        return OK, device_id(vm.name)[:length]
    return UNSUPP, b""


def rounds_from_batches(batches: dict[int, list[list[int]]], trace_events,
                        abandoning: frozenset[int] = frozenset()):
    """The trace's blk-req and vm-exit events with a blk-round inserted
    wherever the scheduler must run one (vm_run_next: no VM runnable): when
    every VM that still has a batch to submit has submitted its current one
    in full and waits for it. `batches`: each disk VM's request indices, as
    its guest groups them; a VM gone (vm-exit) waits for nothing, and one of
    `abandoning` runs on after its last batch, to its exit."""
    left = {vm: [len(b) for b in groups] for vm, groups in batches.items() if groups}
    waiting: set[int] = set()
    for name, fields in trace_events:
        yield name, fields
        vm = fields["vm"]
        if name == "vm-exit":
            left.pop(vm, None)
            waiting.discard(vm)
        elif vm in left and vm not in waiting:
            left[vm][0] -= 1
            if not left[vm][0]:
                left[vm].pop(0)
                if left[vm] or vm not in abandoning:
                    waiting.add(vm)
        if waiting and all(v in waiting for v in left):
            yield "blk-round", {}
            left = {v: rest for v, rest in left.items() if rest}
            waiting.clear()


def predict(vms: list[VmDisk], disk: bytearray, trace_events) -> Prediction:
    """`trace_events`: (name, fields) of blk-req, blk-round and vm-exit events,
    in order: the submission order, the round boundaries and the VMs gone
    (whose queued requests are dropped). Each request's seq is its place in
    the submission order."""
    out = Prediction(disk=disk)
    submitted = {i: 0 for i in range(len(vms))}
    queue: list[Queued] = []
    for name, fields in trace_events:
        if name == "blk-req":
            vm = fields["vm"]
            if vm >= len(vms) or submitted[vm] >= len(vms[vm].requests):
                out.problems.append(f"vm {vm} submitted more requests than its workload has")
                continue
            index = submitted[vm]
            submitted[vm] += 1
            queue.append(Queued(vm, index, len(out.submitted), vms[vm].requests[index]))
            out.submitted.append((vm, index))
        elif name == "vm-exit":  # iosched_forget: a VM gone, its queued requests dropped
            queue = [q for q in queue if q.vm != fields["vm"]]
        elif name == "blk-round":
            order = dispatch_order(queue)
            out.rounds.append([(q.vm, q.seq) for q in order])
            for q in order:
                status, data = execute(out.disk, vms[q.vm], q.request)
                out.status[(q.vm, q.index)] = status
                out.crc[(q.vm, q.index)] = zlib.crc32(data) if data else 0
            queue = []
    for vm, count in submitted.items():
        if count != len(vms[vm].requests):
            out.problems.append(f"vm {vm} submitted {count} of its {len(vms[vm].requests)} "
                                "requests")
    return out


def request_fields(r: Request) -> dict[str, int]:
    """What @zvm blk-req must say of `r`."""
    return {"type": r.type, "ioprio": r.ioprio, "sector": r.sector, "len": r.length}


def first_difference(expected: bytes, actual: bytes) -> int | None:
    if expected == actual:
        return None
    for offset in range(0, min(len(expected), len(actual)), 4096):
        if expected[offset:offset + 4096] != actual[offset:offset + 4096]:
            return next(offset + i for i in range(4096)
                        if expected[offset + i:offset + i + 1] != actual[offset + i:offset + i + 1])
    return min(len(expected), len(actual))


