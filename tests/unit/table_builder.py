"""Stage-2 tables written into a fake physical memory the way the
hypervisor's C code writes them: for the stage-2 walker's tests, and a worked
example of the encoding."""

from harness.errors import HarnessError
from harness.models.stage2 import (ADDRESS_MASK, DESC_TABLE, DESC_TYPE_MASK, DESC_VALID,
                                   ENTRY_SIZE, IPA_LIMIT, LEVEL_SHIFT, PAGE_SIZE, TABLE_SIZE,
                                   Mapping, block_descriptor,
                                   check_region, make_vttbr, page_descriptor, plan_mappings,
                                   table_descriptor, table_index)


class TableBuilder:
    """Stage-2 tables in a fake physical memory of 4 KiB pages, written the way
    the hypervisor's C code writes them: one 4 KiB level-1 table (entries 0..3
    used), then level-2 and level-3 tables allocated upward from `table_base`
    as entries first need them."""

    def __init__(self, table_base: int, memory: dict[int, bytearray] | None = None):
        if table_base % TABLE_SIZE:
            raise HarnessError(f"table base {table_base:#x} is not 4 KiB aligned")
        self.memory = {} if memory is None else memory
        self.next_table = table_base
        self.root = self._new_table()

    def _new_table(self) -> int:
        address = self.next_table
        if address in self.memory:
            raise HarnessError(f"table page {address:#x} is already in use")
        self.memory[address] = bytearray(TABLE_SIZE)  # all entries invalid
        self.next_table += TABLE_SIZE
        return address

    def _entry(self, table: int, index: int) -> int:
        return int.from_bytes(self.memory[table][index * 8:index * 8 + 8], "little")

    def _write(self, table: int, index: int, descriptor: int):
        self.memory[table][index * 8:index * 8 + 8] = descriptor.to_bytes(8, "little")

    def _table_for(self, level: int, ipa: int) -> int:
        """The level-`level` table covering `ipa`, linking in new tables above it as needed."""
        table = self.root
        for upper in range(1, level):
            index = table_index(upper, ipa)
            descriptor = self._entry(table, index)
            if not descriptor & DESC_VALID:
                descriptor = table_descriptor(self._new_table())
                self._write(table, index, descriptor)
            elif descriptor & DESC_TYPE_MASK != DESC_TABLE:
                raise HarnessError(f"stage-2 level {upper} table at {table:#x} entry {index}: "
                                   f"a block covers IPA {ipa:#x}, not a table")
            table = descriptor & ADDRESS_MASK
            if table not in self.memory:
                raise HarnessError(f"stage-2 level {upper} table at {table:#x} entry {index}: "
                                   f"points outside the builder's memory")
        return table

    def _write_leaf(self, level: int, ipa: int, descriptor: int):
        table, index = self._table_for(level, ipa), table_index(level, ipa)
        if self._entry(table, index) & DESC_VALID:
            raise HarnessError(f"stage-2 level {level} table at {table:#x} entry {index}: "
                               f"IPA {ipa:#x} is already mapped")
        self._write(table, index, descriptor)

    def map(self, m: Mapping):
        """A 2 MiB level-2 block if `m` is exactly one aligned 2 MiB, else 4 KiB pages."""
        check_region(m.ipa, m.pa, m.size)
        block = ENTRY_SIZE[2]
        if m.size == block and m.ipa % block == 0 and m.pa % block == 0:
            self._write_leaf(2, m.ipa, block_descriptor(2, m.pa, m.attrs))
            return
        for offset in range(0, m.size, PAGE_SIZE):
            self._write_leaf(3, m.ipa + offset, page_descriptor(m.pa + offset, m.attrs))

    def map_region(self, ipa: int, pa: int, size: int, attrs: int):
        """What the hypervisor does for one region."""
        for m in plan_mappings(ipa, pa, size, attrs):
            self.map(m)

    def set_raw(self, level: int, ipa: int, descriptor: int):
        """Overwrite the level-`level` entry covering `ipa` with any descriptor."""
        if level not in LEVEL_SHIFT or not 0 <= ipa < IPA_LIMIT:
            raise HarnessError(f"no level-{level} entry for IPA {ipa:#x}")
        self._write(self._table_for(level, ipa), table_index(level, ipa), descriptor)

    def vttbr(self, vmid: int = 0) -> int:
        return make_vttbr(self.root, vmid)

    def read(self, pa: int, length: int) -> bytes:
        """Physical memory reads for `walk`; memory outside the pages raises."""
        data = bytearray()
        while len(data) < length:
            page, offset = divmod(pa + len(data), PAGE_SIZE)
            if page * PAGE_SIZE not in self.memory:
                raise HarnessError(f"no memory at {page * PAGE_SIZE:#x}")
            chunk = self.memory[page * PAGE_SIZE][offset:offset + length - len(data)]
            data += chunk
        return bytes(data)
