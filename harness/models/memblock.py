"""The VMs' memory, event for event: a model of hypervisor/vm_mem_static.c
and vm_mem_dynamic.c (ZVM's vm_mem_partition and vm_mem_block lists), with the
compressed swap of docs/swap.md from models/swap.py.

Each VM's workload is a list of operations (create, write, read, release,
hypervisor reads, checkpoint, exit). Every VM's own sequence of memory events
is predicted exactly, compressed lengths included (python-lzo makes the same
bytes as liblzo2). The one thing the model cannot know is how the scheduler
interleaves VMs, which decides whose heap or zpool operation comes first. So
`predict` takes that order (the VM of each shared-state event, in trace
order) and replays the heap and zpool in it: with it, every PA, zpool offset
and heap figure is predicted too. With one VM the order is its own."""

import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterator

from .heap import Heap
from .stage2 import S2_DEVICE_RW, S2_NORMAL_RW
from .swap import Swap, SwappingVm, Zpool

PAGE = 4096
FAULT_CODE = 0xFFFFFFFF
# Events that read or change the shared heap or zpool: their VM order is the input.
HEAP_EVENTS = frozenset({"block-alloc", "block-free", "oom", "heap", "swap-out", "swap-in",
                         "zpool"})
# Everything this model predicts, per VM.
MEMORY_EVENTS = HEAP_EVENTS | {"s2-map", "s2-unmap", "block-merge", "block-split", "memlist",
                               "release-refused", "vm-exit", "swap-skip", "guest-crc"}


@dataclass
class Block:
    ipa: int
    pa: int
    size: int
    pinned: bool = False
    swapped: bool = False
    unswappable: bool = False
    referenced: bool = True  # the stage-2 access flag
    kind: str = "lzo"  # while swapped: lzo | zero
    zoff: int = 0
    clen: int = 0

    @property
    def end(self) -> int:
        return self.ipa + self.size


@dataclass(frozen=True)
class Op:
    kind: str  # create | write | read | release | hyp-read | checkpoint | exit
    ipa: int = 0
    size: int = 0
    code: int = 0
    reason: str = "exit"  # exit: how the VM ends (exit, fault)
    refill: tuple[int, ...] = ()  # release: pages the guest writes again if accepted


@dataclass(frozen=True)
class VmMemory:
    """What the model needs of one VM."""

    index: int
    ipa_base: int
    size: int
    block_size: int | None  # None: static mode
    prefault: tuple[tuple[int, int], ...]  # dynamic: (ipa, size) backed at creation, first pinned
    ops: tuple[Op, ...]
    resident_limit: int = 0
    content: Callable[[int], bytes] | None = None  # a written page's bytes
    initial: tuple[tuple[int, bytes], ...] = ()  # (ipa, bytes) there at creation (the DTB)
    device: tuple[int, int] | None = None  # a passed-through device page: (pa, size)
    # Stopped from outside (the shell's delete, or a power-off while it could
    # run): at the end of the operation that made its n-th heap event, then
    # an exit for that reason (None: none, the system went off).
    cut: tuple[int, str | None] | None = None


@dataclass
class Prediction:
    events: dict[int, list[tuple[str, dict]]] = field(default_factory=dict)  # per VM
    blocks: dict[int, list[Block]] = field(default_factory=dict)  # each VM's list at exit
    stopped: dict[int, int] = field(default_factory=dict)  # VM -> ops done before oom
    problem: str | None = None  # the observed order did not fit the model
    zpool_at_boot: dict | None = None
    counts: dict[str, int] = field(default_factory=dict)  # what @zvm memstats must count


class Shared:
    """The heap and the zpool, which every VM uses."""

    def __init__(self, heap: Heap, swap: Swap | None):
        self.heap, self.swap = heap, swap
        self.zpool = Zpool(heap, swap.zpool_size) if swap and swap.zpool_size else None
        # hypervisor/vm_mem_dynamic.c's and vm_swap.c's counters: demand
        # allocations (not the pinned image), swap-outs, swap-ins.
        self.counts = {"allocs": 0, "swapouts": 0, "swapins": 0}


class VmModel(SwappingVm):
    """One VM's memory as the firmware keeps it; `run` yields its events."""

    def __init__(self, spec: VmMemory, shared: Shared):
        self.spec, self.shared, self.heap = spec, shared, shared.heap
        self.blocks: list[Block] = []
        self.final_blocks: list[Block] | None = None
        self.written: dict[int, bytes] = {}  # page -> bytes, for pages not all zero
        self.hand = spec.ipa_base
        self.ops_done = 0
        self.oom = False

    def event(self, name: str, **fields) -> tuple[str, dict]:
        return name, {"vm": self.spec.index, **fields}

    @property
    def swapping(self) -> bool:
        return self.shared.zpool is not None

    # -- the operations --------------------------------------------------
    def run(self) -> Iterator[tuple[str, dict]]:
        heap_events, cut = 0, self.spec.cut
        for op in self.spec.ops:
            if cut is not None and heap_events >= cut[0]:
                if cut[1] is not None:
                    yield from self._exit(Op("exit", reason=cut[1]))
                return
            for event in getattr(self, "_" + op.kind.replace("-", "_"))(op):
                heap_events += event[0] in HEAP_EVENTS
                yield event
            self.ops_done += 1
            if self.oom:
                yield self.event("vm-exit", code=FAULT_CODE, reason="oom")
                yield from self._destroy()
                return
            if op.kind == "exit":
                return

    def _create(self, op: Op):
        s = self.spec
        for ipa, data in s.initial:
            for off in range(0, len(data), PAGE):
                self._store(ipa + off, data[off:off + PAGE])
        if s.block_size is None:
            align = 2 << 20 if s.size >= 2 << 20 else PAGE
            pa = self.heap.alloc(s.size, align)
            if pa is None:
                self.oom = True
                yield self.event("oom", size=s.size)
                return
            self.blocks = [Block(s.ipa_base, pa, s.size)]
            yield self.event("block-alloc", ipa=s.ipa_base, pa=pa, size=s.size)
            yield self.event("s2-map", ipa=s.ipa_base, pa=pa, size=s.size, attr=S2_NORMAL_RW)
            if s.device:
                yield self.event("s2-map", ipa=s.device[0], pa=s.device[0], size=s.device[1],
                               attr=S2_DEVICE_RW)
            return
        for n, (ipa, size) in enumerate(s.prefault):
            at = ipa // PAGE * PAGE
            while at < ipa + size and not self.oom:
                gap = self._gap_around(at)
                if gap:
                    yield from self._alloc(*gap, pinned=n == 0)
                at = (at | (s.block_size - 1)) + 1

    def _write(self, op: Op):
        yield from self._access(op.ipa)
        if not self.oom and self.spec.content is not None:
            self._store(op.ipa, self.spec.content(op.ipa))

    def _read(self, op: Op):
        yield from self._access(op.ipa)

    def _access(self, ipa: int):
        """The guest touches `ipa`: whatever faults that takes."""
        if self.spec.block_size is None or self.oom:
            return
        b = self._block_at(ipa)
        if b is not None and not b.swapped:
            b.referenced = True  # an access flag fault, if CLOCK had cleared it
        elif b is not None:
            if not (yield from self.swap_in(b)):
                self.oom = True
        else:
            gap = self._gap_around(ipa)
            if gap:
                yield from self._alloc(*gap)

    def _hyp_read(self, op: Op):
        """ZVM_HVC_GUEST_CRC: the hypervisor reads guest memory itself, a page
        at a time through vm_mem_resident_pa (swapping in, never faulting)."""
        if self.spec.block_size is not None:
            for page in range(op.ipa, op.ipa + op.size, PAGE):
                b = self._block_at(page)
                if b is None:
                    gap = self._gap_around(page)
                    if gap:
                        yield from self._alloc(*gap)
                    if self.oom:  # vm_mem_resident_pa fails the hypercall: the VM goes on
                        self.oom = False
                        return
                    b = self._block_at(page)
                if b is None or self.oom:
                    return
                if b.swapped and not (yield from self.swap_in(b)):
                    return
        data = b"".join(self.page(p) for p in range(op.ipa, op.ipa + op.size, PAGE))
        yield self.event("guest-crc", ipa=op.ipa, size=op.size, crc=zlib.crc32(data))

    def _release(self, op: Op):
        end = op.ipa + op.size
        why = None
        if self.spec.block_size is None:
            why = "static"
        elif op.size == 0 or (op.ipa | op.size) % PAGE or end >= 1 << 64:
            why = "unaligned"
        elif not self._owned(op.ipa, end):
            why = "not-owned"
        if why:
            yield self.event("release-refused", ipa=op.ipa, size=op.size, reason=why)
            return
        i = 0
        while i < len(self.blocks) and self.blocks[i].ipa < end:
            b = self.blocks[i]
            if b.end <= op.ipa:
                i += 1
                continue
            if b.ipa < op.ipa:
                if not (yield from self._split(i, op.ipa)):
                    return
                i += 1
                b = self.blocks[i]
            if b.end > end and not (yield from self._split(i, end)):
                return
            yield from self._free(i, unmap=True)
        for page in range(op.ipa, end, PAGE):
            self.written.pop(page, None)
        for page in op.refill:
            yield from self._write(Op("write", page))
            if self.oom:
                return

    def _checkpoint(self, op: Op):
        yield self._memlist()
        yield self._heap_line()
        if self.swapping:
            yield self.event("zpool", **self.shared.zpool.fields())

    def _exit(self, op: Op):
        yield self.event("vm-exit", code=op.code, reason=op.reason)
        yield from self._destroy()

    def _destroy(self):
        if self.spec.block_size is None and not self.blocks:
            yield self._heap_line()
            return
        yield self._memlist()
        self.final_blocks = [b for b in self.blocks if not b.swapped]
        while self.blocks:
            yield from self._free(0, unmap=False)
        yield self._heap_line()
        if self.swapping:
            yield self.event("zpool", **self.shared.zpool.fields())

    # -- the list ----------------------------------------------------------
    def _block_at(self, ipa: int) -> Block | None:
        return next((b for b in self.blocks if b.ipa <= ipa < b.end), None)

    def _gap_around(self, ipa: int) -> tuple[int, int] | None:
        s = self.spec
        if not s.ipa_base <= ipa < s.ipa_base + s.size:
            return None
        start = max(ipa // s.block_size * s.block_size, s.ipa_base)
        end = min(ipa // s.block_size * s.block_size + s.block_size, s.ipa_base + s.size)
        for b in self.blocks:
            if b.ipa <= ipa < b.end:
                return None
            if start < b.end <= ipa:
                start = b.end
            if ipa < b.ipa < end:
                end = b.ipa
        return start, end - start

    def heap_align(self, size: int) -> int:
        return size if size == self.spec.block_size else PAGE

    def _alloc(self, ipa: int, size: int, pinned: bool = False):
        if not pinned:
            yield from self.relieve_pressure(size)
        pa = self.heap.alloc(size, self.heap_align(size))
        if pa is None:
            self.oom = True
            yield self.event("oom", size=size)
            return
        yield self.event("s2-map", ipa=ipa, pa=pa, size=size, attr=S2_NORMAL_RW)
        i = next((k for k, b in enumerate(self.blocks) if b.ipa >= ipa), len(self.blocks))
        self.blocks.insert(i, Block(ipa, pa, size, pinned=pinned))
        yield self.event("block-alloc", ipa=ipa, pa=pa, size=size)
        if not pinned:
            self.shared.counts["allocs"] += 1
        if i > 0 and self._joins(i - 1):  # with the block before, then the one after
            yield from self._merge(i - 1)
            i -= 1
        if self._joins(i):
            yield from self._merge(i)

    def _joins(self, i: int) -> bool:
        if self.swapping or i + 1 >= len(self.blocks):  # swap units never merge
            return False
        a, b = self.blocks[i], self.blocks[i + 1]
        return a.end == b.ipa and a.pa + a.size == b.pa

    def _merge(self, i: int):
        a = self.blocks[i]
        a.size += self.blocks.pop(i + 1).size
        yield self.event("block-merge", ipa=a.ipa, pa=a.pa, size=a.size)

    def _split(self, i: int, at: int):
        b = self.blocks[i]
        if b.swapped and not (yield from self.swap_in(b)):  # one compressed unit
            return False
        yield self.event("block-split", ipa=b.ipa, at=at)
        self.blocks.insert(i + 1, Block(at, b.pa + at - b.ipa, b.end - at, pinned=b.pinned,
                                        unswappable=b.unswappable, referenced=b.referenced))
        b.size = at - b.ipa
        return True

    def _free(self, i: int, unmap: bool):
        b = self.blocks[i]
        yield self.event("block-free", ipa=b.ipa, pa=b.pa, size=b.size)
        if b.swapped:
            self.shared.zpool.forget(b)
        else:
            if unmap:
                yield self.event("s2-unmap", ipa=b.ipa, size=b.size)
            self.heap.release(b.pa, b.size)
        self.blocks.pop(i)

    def _owned(self, ipa: int, end: int) -> bool:
        for b in self.blocks:
            if ipa >= end:
                break
            if b.ipa <= ipa < b.end:
                ipa = b.end
        return ipa >= end

    # -- contents ----------------------------------------------------------
    def _store(self, page: int, data: bytes) -> None:
        if any(data):
            self.written[page] = data
        else:
            self.written.pop(page, None)

    def page(self, page: int) -> bytes:
        return self.written.get(page, bytes(PAGE)).ljust(PAGE, b"\0")

    # -- reports ---------------------------------------------------------
    def _memlist(self) -> tuple[str, dict]:
        blocks = ",".join(f"{b.ipa:#x}:swapped:{b.size:#x}" if b.swapped
                          else f"{b.ipa:#x}:{b.pa:#x}:{b.size:#x}" for b in self.blocks)
        return self.event("memlist", count=len(self.blocks), blocks=blocks or "none")

    def _heap_line(self) -> tuple[str, dict]:
        return self.event("heap", used=self.heap.size - self.heap.free_bytes,
                        free=self.heap.free_bytes)


def predict(vms: list[VmMemory], heap: Heap, heap_order: list[int] | None = None,
            swap: Swap | None = None) -> Prediction:
    """Every VM's memory events. `heap_order` is the VM of each HEAP_EVENTS
    event in trace order; without it VMs run one after the other, which is
    exact for a single VM."""
    shared = Shared(heap, swap)
    models = {v.index: VmModel(v, shared) for v in vms}
    streams = {i: m.run() for i, m in models.items()}
    out = Prediction(events={i: [] for i in models})
    if shared.zpool is not None:
        out.zpool_at_boot = shared.zpool.fields()

    def next_heap_event(vm: int) -> tuple[str, dict] | None:
        """Runs `vm` up to and including its next heap event."""
        for event in streams[vm]:
            out.events[vm].append(event)
            if event[0] in HEAP_EVENTS:
                return event
        return None

    if heap_order is None:
        for vm in models:
            while next_heap_event(vm) is not None:
                pass
    else:
        for position, vm in enumerate(heap_order):
            if vm not in models or next_heap_event(vm) is None:
                out.problem = (f"heap event {position} of the trace is vm {vm}'s, but the model "
                               f"has no further heap event for it")
                break
    for vm, stream in streams.items():  # what follows each VM's last heap event
        out.events[vm].extend(stream)
    for i, m in models.items():
        out.blocks[i] = m.final_blocks if m.final_blocks is not None else m.blocks
        if m.oom:
            out.stopped[i] = m.ops_done
    out.counts = dict(shared.counts)
    return out
