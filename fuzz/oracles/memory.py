"""The memory target's inputs (fuzz/targets/memory.c) run through the memory
model: harness/models/memblock.py's VMs (with models/swap.py's CLOCK,
python-lzo's compressed lengths and models/heap.py's addresses) on one
heap, one operation at a time in the input's order. Every line the C
recorded must be the model's: each s2-map, block-alloc, -merge, -split,
-free, swap-out, -skip, -in, oom, memlist, heap and zpool line with its
PAs, zpool offsets and compressed lengths, the VMs' exits and the CRCs of
the hypervisor's reads."""

from harness.models.heap import Heap
from harness.models.memblock import FAULT_CODE, Op, Shared, VmMemory, VmModel
from harness.models.patterns import xorshift32_bytes
from harness.models.swap import Swap
from harness.trace import PREFIX, Event, parse_line
from oracle_lines import first_difference

HEAP_BASE, IPA_BASE, PAGE = 0x200000000000, 0x40000000, 4096
SLOTS, MAX_BLOCKS, HEADER = 3, 64, 5
NR_ARGS = (6, 3, 2, 3, 3, 1, 0, 0)  # create write read hyp-read release pressure checkpoint delete


def page_bytes(ipa: int, pat: int) -> bytes:
    """memory.c's page_bytes."""
    kind = pat & 3
    if kind == 1:
        return b"".join(bytes([((pat >> 2) + j) & 0xFF]) * 16 for j in range(PAGE // 16))
    if kind == 2:
        state, noise = ((pat * 0x9E3779B1) ^ ipa) & 0xFFFFFFFF or 1, PAGE // 16 * ((pat >> 2) % 16 + 1)
        return xorshift32_bytes(state, noise)[0].ljust(PAGE, b"\0")
    page = bytearray(PAGE)
    if kind == 3:
        page[pat * 16 % PAGE:pat * 16 % PAGE + 4] = pat.to_bytes(4, "little")
    return bytes(page)


def _line(name: str, fields: dict) -> str:
    return str(Event(name, fields))[len(PREFIX):]


class Guest:
    """One VM of the input: the model's, and the page its next write writes."""

    def __init__(self, vm: int, a: bytes, block_size: int, shared: Shared):
        size = (a[0] % MAX_BLOCKS + 1) * block_size
        base = IPA_BASE + a[1] % 16 * PAGE
        end, self.pages = base + size, size // PAGE
        footprint = base + (a[2] * self.pages >> 8) * PAGE
        dtb = base + (a[4] * self.pages >> 8) * PAGE
        prefault = ((footprint, min((a[3] % 4 + 1) * PAGE, end - footprint)),
                    (dtb, min(((a[3] >> 4) + 1) * 256, end - dtb)))
        self.base, self.data = base, b""
        spec = VmMemory(vm, base, size, block_size, prefault, (), a[5] % 8,
                        content=lambda ipa: self.data)
        self.model = VmModel(spec, shared)

    def operate(self, op: int, a: bytes):
        """The model's events for one operation of the input."""
        m = self.model
        ipa = self.base + (a[0] | a[1] << 8) % self.pages * PAGE if op <= 4 else 0
        if op == 1:
            self.data = page_bytes(ipa, a[2])
            yield from m._write(Op("write", ipa))
        elif op == 2:
            yield from m._read(Op("read", ipa))
        elif op == 3:
            yield from m._hyp_read(Op("hyp-read", ipa, (a[2] % 4 + 1) * PAGE))
        elif op == 4:
            yield from m._release(Op("release", ipa + (0x800 if a[2] & 0x40 else 0),
                                     (a[2] & 0x3F) * PAGE))
        elif op == 5:
            yield from m.relieve_pressure(a[0] * (16 << 10))
        elif op == 6:
            yield from m._checkpoint(Op("checkpoint"))


def predict(data: bytes) -> list[str]:
    if len(data) < HEADER:
        return []
    shift, swap = data[0] % 6, bool(data[2] & 2)
    block_size = 2 << 20 if shift == 5 and not swap else PAGE << min(shift, 4)
    zpool_size, watermark = (data[3] % 32 + 1) * PAGE, data[4] % 16 * (64 << 10)
    shared = Shared(Heap(HEAP_BASE, (data[1] % 8 + 1) << 20),
                    Swap(zpool_size, watermark) if swap else None)
    # The target turns the zpool off with one the empty heap refuses.
    lines = [_line("zpool", shared.zpool.fields()) if swap else _line("oom", {"vm": 0, "size": PAGE})]
    guests: list[Guest | None] = [None] * SLOTS
    next_id, i = 0, HEADER
    while i < len(data):
        op, slot = data[i] % 8, (data[i] >> 3) % SLOTS
        a = data[i + 1:i + 1 + NR_ARGS[op]]
        if len(a) < NR_ARGS[op]:
            break
        i += 1 + NR_ARGS[op]
        g = guests[slot]
        if op == 0 and g is None:
            g = guests[slot] = Guest(next_id, a, block_size, shared)
            next_id += 1
            events = list(g.model._create(Op("create")))
        elif op == 7 and g is not None:
            events = list(g.model._exit(Op("exit", reason="delete")))
            guests[slot] = None
        elif op not in (0, 7) and g is not None:
            events = list(g.operate(op, a))
        else:
            continue
        if g.model.oom:  # as memblock's run(): the VM stops, its memory goes
            events += [g.model.event("vm-exit", code=FAULT_CODE, reason="oom"),
                       *g.model._destroy()]
            guests[slot] = None
        lines += [_line(name, fields) for name, fields in events]
    for g in guests:
        if g is not None:
            lines += [_line(name, fields) for name, fields in g.model._exit(Op("exit", reason="delete"))]
    if swap:
        lines.append(_line("zpool", shared.zpool.fields()))
    return lines


def _normal(line: str) -> str:
    """A C line as the model writes it (the CRC's leading zeros gone)."""
    event = parse_line(PREFIX + line)
    return _line(event.name, event.fields) if isinstance(event, Event) else line


def check(data: bytes, lines: list[str]) -> str | None:
    """Where the C's trace (`lines`) departs from the model's, if it does."""
    return first_difference(predict(data), [_normal(line) for line in lines])
