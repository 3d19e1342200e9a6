"""The hypervisor's allocator (hypervisor/range_alloc.c): first-fit,
address-ordered, with coalescing frees. The same sequence of calls gives the
same addresses."""

GRANULE = 4096


def _align_up(value: int, align: int) -> int:
    return (value + align - 1) // align * align


class Heap:
    """hypervisor/range_alloc.c: the heap (4 KiB granule) and the zpool (16 B)."""

    def __init__(self, base: int, size: int, granule: int = GRANULE):
        self.free: list[list[int]] = [[base, size]] if size else []  # sorted, never adjacent
        self.size, self.granule = size, granule

    def alloc(self, size: int, align: int = GRANULE) -> int | None:
        size, align = _align_up(size, self.granule), max(align, self.granule)
        for i, (base, length) in enumerate(self.free):
            start, end = _align_up(base, align), base + length
            if start + size > end:
                continue
            pieces = [[base, start - base], [start + size, end - start - size]]
            self.free[i:i + 1] = [p for p in pieces if p[1]]
            return start
        return None

    def release(self, addr: int, size: int) -> None:
        self.free.append([addr, _align_up(size, self.granule)])
        self.free.sort()
        merged: list[list[int]] = []
        for base, length in self.free:
            if merged and merged[-1][0] + merged[-1][1] == base:
                merged[-1][1] += length
            else:
                merged.append([base, length])
        self.free = merged

    @property
    def free_bytes(self) -> int:
        return sum(length for _, length in self.free)
