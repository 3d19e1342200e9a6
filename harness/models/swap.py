"""The compressed swap (hypervisor/vm_swap.c, docs/swap.md): the zpool, the
CLOCK victim choice on the stage-2 access flag, swap-out with LZO1X-1 and
swap-in on the next access. python-lzo makes the same bytes as liblzo2's
lzo1x_1_compress, so every compressed length is predicted exactly.

SwappingVm is mixed into the memory model's VM (models/memblock.py), whose
block list it works on, as vm_swap.c works on vm_mem_dynamic.c's."""

from dataclasses import dataclass

import lzo

from .heap import Heap
from .stage2 import S2_NORMAL_RW

PAGE = 4096
ZPOOL_GRANULE = 16


def compressed_length(data: bytes) -> int:
    """What hypervisor/vm_swap.c's lzo1x_1_compress makes of a block."""
    return len(lzo.compress(data, 1, False))


@dataclass(frozen=True)
class Swap:
    zpool_size: int
    heap_watermark: int = 0


class Zpool:
    """The compression partition: taken from the heap, then a 16-byte
    granule allocator of its own."""

    def __init__(self, heap: Heap, size: int):
        if heap.alloc(size, PAGE) is None:
            raise ValueError("the zpool does not fit in the heap")
        # Offsets start at one granule, so that 0 never names a stored block.
        self.space = Heap(ZPOOL_GRANULE, size - ZPOOL_GRANULE, ZPOOL_GRANULE)
        self.stored = 0

    def store(self, clen: int) -> int | None:
        return self.space.alloc(clen, ZPOOL_GRANULE)

    def forget(self, block) -> None:
        """A swapped block leaves the zpool (restored, or freed while out)."""
        if block.kind == "lzo":
            self.space.release(block.zoff, block.clen)
        self.stored -= 1

    def fields(self) -> dict:
        z = self.space
        return {"size": z.size + ZPOOL_GRANULE, "used": z.size - z.free_bytes,
                "stored": self.stored}


class SwappingVm:
    """Swap for one VM: needs self.blocks, self.hand, self.heap, self.shared
    (.zpool, .swap), self.spec.resident_limit, self.page, self.event and
    self.heap_align from the memory model."""

    def swappable(self, b) -> bool:
        return not b.swapped and not b.pinned and not b.unswappable

    def clock_next(self):
        candidates = [b for b in self.blocks if self.swappable(b)]
        if not candidates:
            return None
        chosen = next((b for b in candidates if b.ipa >= self.hand), candidates[0])
        self.hand = chosen.end
        return chosen

    def evict_one(self):
        candidates = sum(self.swappable(b) for b in self.blocks)
        for _ in range(2 * candidates + 1):
            b = self.clock_next()
            if b is None:
                return False
            if b.referenced:  # a second chance: the access flag is cleared
                b.referenced = False
                continue
            if (yield from self.swap_out(b)):
                return True
        return False

    def relieve_pressure(self, need: int):
        if self.shared.zpool is None:
            return
        limit, watermark = self.spec.resident_limit, self.shared.swap.heap_watermark
        while ((limit and sum(not b.swapped and not b.pinned for b in self.blocks) >= limit)
               or (watermark and self.heap.free_bytes < need + watermark)):
            if not (yield from self.evict_one()):
                return

    def swap_out(self, b):
        data = b"".join(self.page(p) for p in range(b.ipa, b.end, PAGE))
        kind, clen, zoff = "zero", 0, 0
        if any(data):
            kind, clen = "lzo", compressed_length(data)
            if clen > b.size - b.size // 8:
                yield self.event("swap-skip", ipa=b.ipa, clen=clen, reason="incompressible")
                b.unswappable = True
                return False
            zoff = self.shared.zpool.store(clen)
            if zoff is None:
                yield self.event("swap-skip", ipa=b.ipa, clen=clen, reason="zpool-full")
                return False
        yield self.event("swap-out", ipa=b.ipa, clen=clen, zoff=zoff, kind=kind)
        yield self.event("s2-unmap", ipa=b.ipa, size=b.size)
        self.heap.release(b.pa, b.size)
        b.swapped, b.pa, b.kind, b.zoff, b.clen = True, 0, kind, zoff, clen
        self.shared.zpool.stored += 1
        self.shared.counts["swapouts"] += 1
        return True

    def swap_in(self, b):
        yield from self.relieve_pressure(b.size)
        pa = self.heap.alloc(b.size, self.heap_align(b.size))
        if pa is None:
            yield self.event("oom", size=b.size)
            return False
        self.shared.zpool.forget(b)
        yield self.event("s2-map", ipa=b.ipa, pa=pa, size=b.size, attr=S2_NORMAL_RW)
        yield self.event("swap-in", ipa=b.ipa, pa=pa, clen=b.clen, kind=b.kind)
        self.shared.counts["swapins"] += 1
        b.swapped, b.pa, b.referenced = False, pa, True
        return True
