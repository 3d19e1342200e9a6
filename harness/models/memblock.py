"""The VMs' memory, event for event: a model of hypervisor/vm_mem_static.c
and vm_mem_dynamic.c (ZVM's vm_mem_partition and vm_mem_block lists).

Each VM's workload is a list of operations (create, touch, release,
checkpoint, exit). Every VM's own sequence of memory events is predicted
exactly; the one thing the model cannot know is how the scheduler
interleaves VMs, which decides whose heap operation comes first. So
`predict` takes that order (the VM of each heap event, in trace order) and
replays the shared heap in it: with it, every PA and every heap figure is
predicted too. With one VM the order is trivially its own."""

from dataclasses import dataclass, field
from typing import Iterator

from .heap import Heap

PAGE = 4096
S2_NORMAL_RW = 0x7FC
FAULT_CODE = 0xFFFFFFFF
# Events that read or change the shared heap: their VM order is the input.
HEAP_EVENTS = frozenset({"block-alloc", "block-free", "oom", "heap"})
# Everything this model predicts, per VM.
MEMORY_EVENTS = HEAP_EVENTS | {"s2-map", "s2-unmap", "block-merge", "block-split", "memlist",
                               "release-refused", "vm-exit"}


@dataclass
class Block:
    ipa: int
    pa: int
    size: int

    @property
    def end(self) -> int:
        return self.ipa + self.size


@dataclass(frozen=True)
class Op:
    kind: str  # create | touch | release | checkpoint | exit
    ipa: int = 0
    size: int = 0
    code: int = 0
    reason: str = "exit"  # exit: how the VM ends (exit, fault)
    refill: tuple[int, ...] = ()  # release: pages the guest touches again if accepted


@dataclass(frozen=True)
class VmMemory:
    """What the model needs of one VM."""

    index: int
    ipa_base: int
    size: int
    block_size: int | None  # None: static mode
    prefault: tuple[tuple[int, int], ...]  # dynamic: (ipa, size) backed at creation
    ops: tuple[Op, ...]


@dataclass
class Prediction:
    events: dict[int, list[tuple[str, dict]]] = field(default_factory=dict)  # per VM
    blocks: dict[int, list[Block]] = field(default_factory=dict)  # each VM's list at exit
    stopped: dict[int, int] = field(default_factory=dict)  # VM -> ops done before oom
    problem: str | None = None  # the observed order did not fit the model


class _Vm:
    """One VM's memory as the firmware keeps it; `run` yields its events."""

    def __init__(self, spec: VmMemory, heap: Heap):
        self.spec, self.heap, self.blocks = spec, heap, []
        self.ops_done = 0
        self.oom = False

    def _ev(self, name: str, **fields) -> tuple[str, dict]:
        return name, {"vm": self.spec.index, **fields}

    # -- the operations --------------------------------------------------
    def run(self) -> Iterator[tuple[str, dict]]:
        for op in self.spec.ops:
            yield from getattr(self, f"_{op.kind}")(op)
            self.ops_done += 1
            if self.oom:
                yield self._ev("vm-exit", code=FAULT_CODE, reason="oom")
                yield from self._destroy()
                return
            if op.kind == "exit":
                return

    def _create(self, op: Op):
        s = self.spec
        if s.block_size is None:
            align = 2 << 20 if s.size >= 2 << 20 else PAGE
            pa = self.heap.alloc(s.size, align)
            if pa is None:
                self.oom = True
                yield self._ev("oom", size=s.size)
                return
            self.blocks = [Block(s.ipa_base, pa, s.size)]
            yield self._ev("block-alloc", ipa=s.ipa_base, pa=pa, size=s.size)
            yield self._ev("s2-map", ipa=s.ipa_base, pa=pa, size=s.size, attr=S2_NORMAL_RW)
            return
        for ipa, size in s.prefault:
            at = ipa // PAGE * PAGE
            while at < ipa + size and not self.oom:
                gap = self._gap_around(at)
                if gap:
                    yield from self._alloc(*gap)
                at = (at | (s.block_size - 1)) + 1

    def _touch(self, op: Op):
        if self.spec.block_size is None or self.oom:
            return
        gap = self._gap_around(op.ipa)
        if gap:
            yield from self._alloc(*gap)

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
            yield self._ev("release-refused", ipa=op.ipa, size=op.size, reason=why)
            return
        i = 0
        while i < len(self.blocks) and self.blocks[i].ipa < end:
            b = self.blocks[i]
            if b.end <= op.ipa:
                i += 1
                continue
            if b.ipa < op.ipa:
                yield from self._split(i, op.ipa)
                i += 1
                b = self.blocks[i]
            if b.end > end:
                yield from self._split(i, end)
            b = self.blocks[i]
            yield self._ev("block-free", ipa=b.ipa, pa=b.pa, size=b.size)
            yield self._ev("s2-unmap", ipa=b.ipa, size=b.size)
            self.blocks.pop(i)
            self.heap.release(b.pa, b.size)
        for page in op.refill:
            yield from self._touch(Op("touch", page))
            if self.oom:
                return

    def _checkpoint(self, op: Op):
        yield self._memlist()
        yield self._heap_line()

    def _exit(self, op: Op):
        yield self._ev("vm-exit", code=op.code, reason=op.reason)
        yield from self._destroy()

    def _destroy(self):
        if self.spec.block_size is None and not self.blocks:
            yield self._heap_line()
            return
        yield self._memlist()
        self.final_blocks = list(self.blocks)
        while self.blocks:
            b = self.blocks[0]
            yield self._ev("block-free", ipa=b.ipa, pa=b.pa, size=b.size)
            self.blocks.pop(0)
            self.heap.release(b.pa, b.size)
        yield self._heap_line()

    # -- the list ----------------------------------------------------------
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

    def _alloc(self, ipa: int, size: int):
        pa = self.heap.alloc(size, size if size == self.spec.block_size else PAGE)
        if pa is None:
            self.oom = True
            yield self._ev("oom", size=size)
            return
        yield self._ev("s2-map", ipa=ipa, pa=pa, size=size, attr=S2_NORMAL_RW)
        i = next((k for k, b in enumerate(self.blocks) if b.ipa >= ipa), len(self.blocks))
        self.blocks.insert(i, Block(ipa, pa, size))
        yield self._ev("block-alloc", ipa=ipa, pa=pa, size=size)
        if i > 0 and self._joins(i - 1):  # with the block before, then the one after
            yield from self._merge(i - 1)
            i -= 1
        if self._joins(i):
            yield from self._merge(i)

    def _joins(self, i: int) -> bool:
        if i + 1 >= len(self.blocks):
            return False
        a, b = self.blocks[i], self.blocks[i + 1]
        return a.end == b.ipa and a.pa + a.size == b.pa

    def _merge(self, i: int):
        a = self.blocks[i]
        a.size += self.blocks.pop(i + 1).size
        yield self._ev("block-merge", ipa=a.ipa, pa=a.pa, size=a.size)

    def _split(self, i: int, at: int):
        b = self.blocks[i]
        yield self._ev("block-split", ipa=b.ipa, at=at)
        self.blocks.insert(i + 1, Block(at, b.pa + at - b.ipa, b.end - at))
        b.size = at - b.ipa

    def _owned(self, ipa: int, end: int) -> bool:
        for b in self.blocks:
            if ipa >= end:
                break
            if b.ipa <= ipa < b.end:
                ipa = b.end
        return ipa >= end

    def _memlist(self) -> tuple[str, dict]:
        blocks = ",".join(f"{b.ipa:#x}:{b.pa:#x}:{b.size:#x}" for b in self.blocks) or "none"
        return self._ev("memlist", count=len(self.blocks), blocks=blocks)

    def _heap_line(self) -> tuple[str, dict]:
        return self._ev("heap", used=self.heap.size - self.heap.free_bytes,
                        free=self.heap.free_bytes)


def predict(vms: list[VmMemory], heap: Heap, heap_order: list[int] | None = None) -> Prediction:
    """Every VM's memory events. `heap_order` is the VM of each heap event
    (HEAP_EVENTS) in the order the trace shows them; without it VMs run one
    after the other, which is exact for a single VM."""
    models = {v.index: _Vm(v, heap) for v in vms}
    streams = {i: m.run() for i, m in models.items()}
    out = Prediction(events={i: [] for i in models})
    pending: dict[int, tuple[str, dict] | None] = {}

    def next_heap_event(vm: int) -> tuple[str, dict] | None:
        """Runs `vm` up to and including its next heap event."""
        if vm in pending:
            return pending.pop(vm)
        for event in streams[vm]:
            out.events[vm].append(event)
            if event[0] in HEAP_EVENTS:
                return event
        return None

    if heap_order is None:
        heap_order = []
        for vm in models:
            while next_heap_event(vm) is not None:
                heap_order.append(vm)
    else:
        for position, vm in enumerate(heap_order):
            if vm not in models or next_heap_event(vm) is None:
                out.problem = (f"heap event {position} of the trace is vm {vm}'s, but the model "
                               f"has no further heap event for it")
                break
    for vm, stream in streams.items():  # what follows each VM's last heap event
        out.events[vm].extend(stream)
    for i, m in models.items():
        out.blocks[i] = getattr(m, "final_blocks", m.blocks)
        if m.oom:
            out.stopped[i] = m.ops_done
    return out
