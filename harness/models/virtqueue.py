"""The back-end's checks on a descriptor chain (hypervisor/vblk.c
take_chain), for hand-built rings and hostile guests: either the request it
carries, or the reason the chain is answered without reaching the
scheduler (@zvm blk-bad reason=...)."""

import struct
from dataclasses import dataclass
from typing import Callable

F_NEXT, F_WRITE, F_INDIRECT = 1, 2, 4
MAX_SEGS = 8
HEADER = struct.Struct("<IIQ")
DESC = struct.Struct("<QIHH")


@dataclass(frozen=True)
class Chain:
    type: int
    ioprio: int
    sector: int
    segments: tuple[tuple[int, int, bool], ...]  # (ipa, len, device writes)
    status_ipa: int

    @property
    def length(self) -> int:
        return sum(length for _, length, _ in self.segments)


@dataclass(frozen=True)
class Bad:
    reason: str
    status_ipa: int = 0  # where an IOERR can still be written, if anywhere


def take_chain(read: Callable[[int, int], bytes | None], ram: tuple[int, int], desc: int,
               queue_num: int, head: int) -> Chain | Bad:
    base, size = ram

    def in_ram(ipa: int, length: int) -> bool:
        return length > 0 and base <= ipa and ipa + length <= base + size

    if head >= queue_num:
        return Bad("head-range")
    descs, i = [], head
    while True:
        if len(descs) == MAX_SEGS + 2 or len(descs) >= queue_num:
            return Bad("chain-length")
        raw = read(desc + 16 * i, 16) if in_ram(desc + 16 * i, 16) else None
        if raw is None:
            return Bad("ring-range")
        addr, length, flags, nxt = DESC.unpack(raw)
        if flags & F_INDIRECT:
            return Bad("indirect")
        if not in_ram(addr, length):
            return Bad("buffer-range")
        descs.append((addr, length, flags))
        if not flags & F_NEXT:
            break
        i = nxt
        if i >= queue_num:
            return Bad("next-range")
    status = descs[-1]
    if len(descs) < 2 or not status[2] & F_WRITE:
        return Bad("status")
    if descs[0][2] & F_WRITE or descs[0][1] < HEADER.size:
        return Bad("header", status[0])
    type_, ioprio, sector = HEADER.unpack(read(descs[0][0], HEADER.size))
    return Chain(type_, ioprio, sector,
                 tuple((a, n, bool(f & F_WRITE)) for a, n, f in descs[1:-1]), status[0])


def directions_ok(chain: Chain) -> bool:
    """IN and GET_ID write into the guest's buffers, OUT reads them: buffers
    the other way round make the request an IOERR at dispatch."""
    base = chain.type & 0x7FFF_FFFF
    if base == 1:
        return not any(writes for _, _, writes in chain.segments)
    if base in (0, 8):
        return all(writes for _, _, writes in chain.segments)
    return True
