"""Stage-2 translation tables as the hypervisor writes them, and a model of them.

The tables follow ARMv8-A VMSAv8-64 with a 4 KiB granule and a 32-bit IPA
space (VTCR_EL2.T0SZ = 32), with the walk starting at level 1
(VTCR_EL2.SL0 = 1):

    level 1: 4 entries of 1 GiB   (a block, or a table of level-2 entries)
    level 2: 512 entries of 2 MiB (a block, or a table of level-3 entries)
    level 3: 512 entries of 4 KiB (pages)

`walk` reads the tables out of guest-physical memory and lists what they map,
`plan_mappings` and `live_mappings` predict what the hypervisor should have
mapped, and `first_leaf_difference` compares the two descriptor for
descriptor. (tests/unit/table_builder.py writes tables into a fake memory as
the C firmware does, for the tests.)
"""

import struct
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..errors import HarnessError

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
PAGE_SIZE = 4 * KiB
TABLE_SIZE = 4 * KiB             # every table is one 4 KiB page of 512 entries
ENTRIES_PER_TABLE = 512
ROOT_ENTRIES = 4                 # 32-bit IPA / 1 GiB per level-1 entry
IPA_LIMIT = 1 << 32              # T0SZ = 32
PA_LIMIT = 1 << 48               # descriptors hold output addresses in bits [47:12]

# Bytes covered by one entry, and the IPA bit where its index starts, per level.
LEVEL_SHIFT = {1: 30, 2: 21, 3: 12}
ENTRY_SIZE = {level: 1 << shift for level, shift in LEVEL_SHIFT.items()}

VTTBR_BADDR_MASK = 0x0000_FFFF_FFFF_FFFE  # bits [47:1]; bit 0 is CnP
VTTBR_VMID_SHIFT = 48                     # bits [63:48]

# Descriptor bits [1:0]. Level 3 has no tables or blocks: there 0b11 is a page
# and 0b01 is reserved, which the MMU treats as invalid.
DESC_VALID = 0b01
DESC_TYPE_MASK = 0b11
DESC_BLOCK = 0b01
DESC_TABLE = 0b11
DESC_PAGE = 0b11
ADDRESS_MASK = 0x0000_FFFF_FFFF_F000      # next-table or output address, bits [47:12]

# Attributes are kept together as the descriptor's own bits:
# MemAttr[5:2], S2AP[7:6], SH[9:8], AF[10] and XN[54:53].
ATTR_MASK = 0x7FC | (3 << 53)
S2_NORMAL_RW = 0x7FC               # MemAttr 0b1111 Normal WB, S2AP rw, SH inner, AF
S2_DEVICE_RW = 0x4C4 | (1 << 54)   # MemAttr 0b0001 Device-nGnRE, S2AP rw, AF, XN

_CACHEABILITY = {0b00: "reserved", 0b01: "nc", 0b10: "wt", 0b11: "wb"}
_DEVICE_KIND = {0b00: "ngnrne", 0b01: "ngnre", 0b10: "ngre", 0b11: "gre"}
_ACCESS = {0b00: "noaccess", 0b01: "ro", 0b10: "wo", 0b11: "rw"}
_SHAREABILITY = {0b00: "nsh", 0b01: "sh-reserved", 0b10: "osh", 0b11: "ish"}
# XN[1:0] with FEAT_XNX; without it only 0b00 and 0b10 are used.
_EXECUTE_NEVER = {0b00: None, 0b01: "pxn", 0b10: "xn", 0b11: "uxn"}


def describe_attrs(attrs: int) -> str:
    """E.g. 'normal-wb rw ish af' or 'device-ngnre rw af xn'.

    Two different attribute values never read the same, so a message can show
    an attribute mismatch."""
    mem_attr = (attrs >> 2) & 0xF
    outer, inner = mem_attr >> 2, mem_attr & 0b11
    if outer == 0b00:
        words = [f"device-{_DEVICE_KIND[inner]}"]
    elif outer == inner:
        words = [f"normal-{_CACHEABILITY[outer]}"]
    else:
        words = [f"normal-o{_CACHEABILITY[outer]}-i{_CACHEABILITY[inner]}"]
    words.append(_ACCESS[(attrs >> 6) & 0b11])
    shareability = (attrs >> 8) & 0b11
    if outer != 0b00 or shareability:  # device memory is always shareable: only say odd values
        words.append(_SHAREABILITY[shareability])
    if attrs & (1 << 10):
        words.append("af")
    if xn := _EXECUTE_NEVER[(attrs >> 53) & 0b11]:
        words.append(xn)
    if extra := attrs & ~ATTR_MASK:
        words.append(f"+{extra:#x}")
    return " ".join(words)


@dataclass(frozen=True)
class Mapping:
    """IPA range [ipa, ipa + size) translating to [pa, pa + size) with `attrs`.

    From `walk`, one leaf descriptor (4 KiB, 2 MiB or 1 GiB); from
    `plan_mappings`, one descriptor the hypervisor should write; after
    `merge`, any multiple of 4 KiB."""
    ipa: int
    pa: int
    size: int
    attrs: int

    @property
    def end(self) -> int:
        return self.ipa + self.size

    def __str__(self) -> str:
        return (f"IPA {self.ipa:#x}-{self.end - 1:#x} -> PA {self.pa:#x} "
                f"{describe_attrs(self.attrs)}")


@dataclass(frozen=True)
class TableEntry:
    """Where a descriptor lives: entry `index` of the level-`level` table at `table`."""
    level: int
    table: int
    index: int
    ipa: int          # the first IPA the entry covers
    descriptor: int


@dataclass
class WalkResult:
    """What `walk_tables` found, and which tables it had to read to find it."""
    vmid: int
    root: int
    mappings: list[Mapping] = field(default_factory=list)     # leaves, in IPA order
    tables_read: list[tuple[int, int]] = field(default_factory=list)  # (level, address)
    reserved: list[TableEntry] = field(default_factory=list)  # level-3 0b01: invalid


# --- VTTBR_EL2 and descriptor encoding -------------------------------------

def vttbr_root(vttbr: int) -> int:
    """The level-1 table's physical address."""
    return vttbr & VTTBR_BADDR_MASK


def vttbr_vmid(vttbr: int) -> int:
    return (vttbr >> VTTBR_VMID_SHIFT) & 0xFFFF


def make_vttbr(root: int, vmid: int) -> int:
    if not 0 <= vmid <= 0xFFFF:
        raise HarnessError(f"VMID {vmid:#x} does not fit VTTBR_EL2 bits [63:48]")
    return (vmid << VTTBR_VMID_SHIFT) | (root & VTTBR_BADDR_MASK)


def table_descriptor(next_table: int) -> int:
    """A level-1 or level-2 entry pointing at the next level's table."""
    return _output_address(3, next_table) | DESC_TABLE  # tables are 4 KiB aligned


def _output_address(level: int, pa: int) -> int:
    # Refuse rather than mask: a stray low bit would map some other memory.
    if not 0 <= pa < PA_LIMIT or pa % ENTRY_SIZE[level]:
        raise HarnessError(f"PA {pa:#x} is not a {ENTRY_SIZE[level]:#x}-aligned 48-bit "
                           f"output address for level {level}")
    return pa


def block_descriptor(level: int, pa: int, attrs: int) -> int:
    """A 1 GiB (level 1) or 2 MiB (level 2) block; `pa` must be aligned to it."""
    if level not in (1, 2):
        raise HarnessError(f"block descriptors exist at levels 1 and 2, not {level}")
    return _output_address(level, pa) | (attrs & ATTR_MASK) | DESC_BLOCK


def page_descriptor(pa: int, attrs: int) -> int:
    """A level-3 4 KiB page."""
    return _output_address(3, pa) | (attrs & ATTR_MASK) | DESC_PAGE


def table_index(level: int, ipa: int) -> int:
    return (ipa >> LEVEL_SHIFT[level]) % ENTRIES_PER_TABLE


# --- walking the tables ----------------------------------------------------

class _Walker:
    def __init__(self, read: Callable[[int, int], bytes], result: WalkResult):
        self.read = read
        self.result = result
        self.cache: dict[tuple[int, int], tuple[int, ...]] = {}  # tables shared by entries are read once

    def table(self, level: int, address: int, base_ipa: int, entries: int, origin: str):
        descriptors = self.load(level, address, entries, origin)
        shift = LEVEL_SHIFT[level]
        for index, descriptor in enumerate(descriptors):
            if not descriptor & DESC_VALID:
                continue
            ipa = base_ipa + (index << shift)
            kind = descriptor & DESC_TYPE_MASK
            if level == 3:
                if kind == DESC_PAGE:
                    self.leaf(level, address, index, ipa, descriptor)
                else:
                    self.result.reserved.append(TableEntry(level, address, index, ipa, descriptor))
            elif kind == DESC_TABLE:
                self.table(level + 1, descriptor & ADDRESS_MASK, ipa, ENTRIES_PER_TABLE,
                           f"level {level} entry {index} of table {address:#x}")
            else:
                self.leaf(level, address, index, ipa, descriptor)

    def leaf(self, level: int, table: int, index: int, ipa: int, descriptor: int):
        size = ENTRY_SIZE[level]
        output = descriptor & ADDRESS_MASK
        if output % size:
            # Bits below a block's output address are RES0: a block written for
            # an unaligned PA. Masking them would silently map something else.
            raise HarnessError(
                f"stage-2 level {level} table at {table:#x} entry {index}: block descriptor "
                f"{descriptor:#018x} has output address {output:#x} not aligned to {size:#x}")
        self.result.mappings.append(Mapping(ipa, output, size, descriptor & ATTR_MASK))

    def load(self, level: int, address: int, entries: int, origin: str) -> tuple[int, ...]:
        length = entries * 8
        if (address, length) in self.cache:
            return self.cache[(address, length)]
        where = f"stage-2 level {level} table at {address:#x} ({origin})"
        try:
            data = self.read(address, length)
        except Exception as exc:  # whatever the memory reader raises, name the table
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise HarnessError(f"{where}: unreadable: {reason}") from exc
        if data is None or len(data) < length:
            got = 0 if data is None else len(data)
            raise HarnessError(f"{where}: unreadable: got {got} of {length} bytes")
        self.result.tables_read.append((level, address))
        descriptors = struct.unpack(f"<{entries}Q", bytes(data[:length]))
        self.cache[(address, length)] = descriptors
        return descriptors


def walk_tables(read: Callable[[int, int], bytes], vttbr: int) -> WalkResult:
    """Walk the tables VTTBR_EL2 points at; `read(pa, length)` reads physical memory.

    Each table is read whole, once (from the root only the 4 entries that
    exist). Raises HarnessError for a table it cannot read or a malformed entry."""
    root = vttbr_root(vttbr)
    if root % (ROOT_ENTRIES * 8):
        raise HarnessError(f"stage-2 level 1 table at {root:#x} (VTTBR {vttbr:#x}): "
                           f"not aligned to its {ROOT_ENTRIES * 8} bytes")
    result = WalkResult(vmid=vttbr_vmid(vttbr), root=root)
    _Walker(read, result).table(1, root, 0, ROOT_ENTRIES, f"VTTBR {vttbr:#x}")
    return result


def walk(read: Callable[[int, int], bytes], vttbr: int) -> list[Mapping]:
    """Every leaf mapping (4 KiB page, 2 MiB or 1 GiB block) in IPA order."""
    return walk_tables(read, vttbr).mappings


# --- comparing mappings ----------------------------------------------------

def merge(mappings: Iterable[Mapping]) -> list[Mapping]:
    """Sorted by IPA, with neighbours contiguous in IPA and PA and of equal attrs joined."""
    merged: list[Mapping] = []
    for m in sorted(mappings, key=lambda m: m.ipa):
        last = merged[-1] if merged else None
        if last and last.end == m.ipa and last.pa + last.size == m.pa and last.attrs == m.attrs:
            merged[-1] = Mapping(last.ipa, last.pa, last.size + m.size, last.attrs)
        else:
            merged.append(m)
    return merged


def pages(mappings: Iterable[Mapping]) -> dict[int, tuple[int, int]]:
    """{ipa_page: (pa_page, attrs)} for every 4 KiB page mapped."""
    result: dict[int, tuple[int, int]] = {}
    for m in mappings:
        for offset in range(0, m.size, PAGE_SIZE):
            if m.ipa + offset in result:
                raise HarnessError(f"IPA {m.ipa + offset:#x} is mapped twice")
            result[m.ipa + offset] = (m.pa + offset, m.attrs)
    return result


# --- the model -------------------------------------------------------------

def check_region(ipa: int, pa: int, size: int):
    region = f"region IPA {ipa:#x} PA {pa:#x} size {size:#x}"
    if ipa < 0 or pa < 0 or size <= 0:
        raise HarnessError(f"{region}: addresses must be non-negative and size positive")
    if ipa % PAGE_SIZE or pa % PAGE_SIZE or size % PAGE_SIZE:
        raise HarnessError(f"{region}: not a multiple of 4 KiB")
    if ipa + size > IPA_LIMIT:
        raise HarnessError(f"{region}: goes beyond the 32-bit IPA space")
    if pa + size > PA_LIMIT:
        raise HarnessError(f"{region}: goes beyond the 48-bit PA space")


def plan_mappings(ipa: int, pa: int, size: int, attrs: int) -> list[Mapping]:
    """The descriptors the hypervisor writes for one contiguous region: from the
    start, a 2 MiB block wherever IPA and PA are both 2 MiB aligned and 2 MiB
    remain, else a 4 KiB page. It never uses 1 GiB blocks."""
    check_region(ipa, pa, size)
    block = ENTRY_SIZE[2]
    planned = []
    offset = 0
    while offset < size:
        here_ipa, here_pa = ipa + offset, pa + offset
        if here_ipa % block == 0 and here_pa % block == 0 and size - offset >= block:
            step = block
        else:
            step = PAGE_SIZE
        planned.append(Mapping(here_ipa, here_pa, step, attrs))
        offset += step
    return planned


# --- comparing descriptor for descriptor ----------------------------------

_LEAF_NAMES = {PAGE_SIZE: "4 KiB page", ENTRY_SIZE[2]: "2 MiB block", ENTRY_SIZE[1]: "1 GiB block"}


def _leaf(m: Mapping | None, same_size: bool) -> str:
    if m is None:
        return "unmapped"
    what = f"PA {m.pa:#x} {describe_attrs(m.attrs)}"
    return what if same_size else f"a {_LEAF_NAMES[m.size]} at {what}"


def first_leaf_difference(expected: list[Mapping], actual: list[Mapping]) -> str | None:
    """None if both hold the same descriptors (level, output address and
    attributes), else a line about the lowest IPA where they differ, e.g.
    'IPA 0x40000000: expected a 2 MiB block at PA 0x42000000 normal-wb rw ish
    af, got a 4 KiB page at PA 0x42000000 normal-wb rw ish af'."""
    want, got = {m.ipa: m for m in expected}, {m.ipa: m for m in actual}
    for ipa in sorted(want.keys() | got.keys()):
        w, g = want.get(ipa), got.get(ipa)
        if w != g:
            same = w is None or g is None or w.size == g.size
            return f"IPA {ipa:#x}: expected {_leaf(w, same)}, got {_leaf(g, same)}"
    return None


def live_mappings(events: list[tuple[str, dict]]) -> list[Mapping]:
    """The descriptors a VM's s2-map and s2-unmap events leave, replayed as
    hypervisor/stage2.c writes them: a map writes plan_mappings of its region
    (a 2 MiB block replacing whatever table was there); an unmap clears a
    whole aligned 2 MiB block, or first breaks it into 512 pages."""
    block = ENTRY_SIZE[2]
    leaves: dict[int, Mapping] = {}
    for name, f in events:
        if name == "s2-map":
            for m in plan_mappings(f["ipa"], f["pa"], f["size"], f["attr"]):
                if m.size == block:
                    for ipa in range(m.ipa, m.end, PAGE_SIZE):
                        leaves.pop(ipa, None)
                leaves[m.ipa] = m
        elif name == "s2-unmap":
            at, end = f["ipa"], f["ipa"] + f["size"]
            while at < end:
                b = leaves.get(at // block * block)
                if b is not None and b.size == block:
                    del leaves[b.ipa]
                    if at == b.ipa and end - at >= block:
                        at += block
                        continue
                    for o in range(0, block, PAGE_SIZE):  # break_block
                        leaves[b.ipa + o] = Mapping(b.ipa + o, b.pa + o, PAGE_SIZE, b.attrs)
                leaves.pop(at, None)
                at += PAGE_SIZE
    return sorted(leaves.values(), key=lambda m: m.ipa)
