import pytest
from hypothesis import given, settings, strategies as st

from harness.errors import HarnessError
from harness.models.stage2 import (
    ATTR_MASK, GiB, MiB, KiB, S2_DEVICE_RW, S2_NORMAL_RW, Mapping,
    block_descriptor, describe_attrs, first_leaf_difference, live_mappings,
    merge, page_descriptor, pages,
    plan_mappings, table_descriptor, vttbr_root, vttbr_vmid, walk, walk_tables,
)

from table_builder import TableBuilder

TABLES = 0x4800_0000  # where the fake hypervisor keeps its tables


def counting(read):
    """`read`, counting its calls in `.calls`."""
    def counted(pa, length):
        counted.calls.append((pa, length))
        return read(pa, length)
    counted.calls = []
    return counted


def guest_tables():
    """RAM at IPA 0x4000_0000 (blocks then a page tail), an unaligned-PA region
    (pages only) and a device page, as the hypervisor would map them."""
    regions = [
        (0x4000_0000, 0x6000_0000, 4 * MiB + 12 * KiB, S2_NORMAL_RW),
        (0x8000_0000, 0x7000_1000, 2 * MiB + 8 * KiB, S2_NORMAL_RW),
        (0x0900_0000, 0x0900_0000, 4 * KiB, S2_DEVICE_RW),
    ]
    builder = TableBuilder(TABLES)
    expected = []
    for region in regions:
        builder.map_region(*region)
        expected += plan_mappings(*region)
    return builder, expected


def test_attribute_constants_and_names():
    assert S2_NORMAL_RW & ~ATTR_MASK == 0 and S2_DEVICE_RW & ~ATTR_MASK == 0
    assert describe_attrs(S2_NORMAL_RW) == "normal-wb rw ish af"
    assert describe_attrs(S2_DEVICE_RW) == "device-ngnre rw af xn"
    assert describe_attrs(0x07C) == "normal-wb ro nsh"  # S2AP 0b01: read only
    assert describe_attrs(S2_NORMAL_RW & ~(0xF << 2) | (0b1101 << 2)) == \
        "normal-owb-inc rw ish af"


def test_hand_built_tables_walk_back_to_the_plan():
    builder, expected = guest_tables()
    read = counting(builder.read)
    result = walk_tables(read, builder.vttbr(vmid=7))
    assert merge(result.mappings) == merge(expected)
    assert result.mappings == sorted(result.mappings, key=lambda m: m.ipa)
    assert {m.size for m in result.mappings} == {4 * KiB, 2 * MiB}
    assert first_leaf_difference(expected, result.mappings) is None
    # root + one level-2 table per GiB used + one level-3 table per 2 MiB with pages
    assert len(read.calls) == len(result.tables_read) == 1 + 3 + 4
    assert read.calls[0] == (TABLES, 32)  # the root's 4 entries, nothing more
    assert all(length == 4096 for _, length in read.calls[1:])
    assert result.reserved == []


def test_vttbr_fields():
    builder = TableBuilder(TABLES)
    vttbr = builder.vttbr(vmid=0xBEEF)
    assert vttbr == 0xBEEF_0000_4800_0000
    assert (vttbr_vmid(vttbr), vttbr_root(vttbr)) == (0xBEEF, TABLES)
    assert vttbr_root(vttbr | 1) == TABLES  # CnP is not part of the address
    assert walk_tables(builder.read, vttbr).vmid == 0xBEEF
    with pytest.raises(HarnessError, match="VMID"):
        builder.vttbr(vmid=0x10000)


def test_level1_block_is_one_gib():
    builder = TableBuilder(TABLES)
    builder.set_raw(1, 0x4000_0000, block_descriptor(1, 0x8000_0000, S2_NORMAL_RW))
    assert walk(builder.read, builder.vttbr()) == [
        Mapping(0x4000_0000, 0x8000_0000, GiB, S2_NORMAL_RW)]


def test_invalid_and_reserved_descriptors_are_not_mappings():
    builder = TableBuilder(TABLES)
    builder.map_region(0x4000_0000, 0x4000_0000, 16 * KiB, S2_NORMAL_RW)
    builder.set_raw(3, 0x4000_1000, page_descriptor(0x4000_1000, S2_NORMAL_RW) & ~1)
    reserved = page_descriptor(0x4000_2000, S2_NORMAL_RW) & ~0b10  # 0b01 at level 3
    builder.set_raw(3, 0x4000_2000, reserved)
    result = walk_tables(builder.read, builder.vttbr())
    assert [m.ipa for m in result.mappings] == [0x4000_0000, 0x4000_3000]
    [entry] = result.reserved
    assert (entry.level, entry.index, entry.ipa, entry.descriptor) == (3, 2, 0x4000_2000, reserved)


def test_difference_inside_a_page_mapped_2mib_region():
    builder = TableBuilder(TABLES)
    expected = plan_mappings(0x4020_0000, 0x4220_0000 + 4 * KiB, 2 * MiB, S2_NORMAL_RW)
    for m in expected:
        builder.map(m)
    builder.set_raw(3, 0x4020_1000, 0)
    builder.set_raw(3, 0x4030_0000, page_descriptor(0x0900_0000, S2_DEVICE_RW))
    assert first_leaf_difference(expected, walk(builder.read, builder.vttbr())) == \
        "IPA 0x40201000: expected PA 0x42202000 normal-wb rw ish af, got unmapped"


def test_difference_inside_a_moved_block():
    builder = TableBuilder(TABLES)
    builder.map_region(0x4000_0000, 0x4000_0000, 4 * MiB, S2_NORMAL_RW)
    builder.set_raw(2, 0x4020_0000, block_descriptor(2, 0x5000_0000, S2_NORMAL_RW))
    actual = walk(builder.read, builder.vttbr())
    expected = plan_mappings(0x4000_0000, 0x4000_0000, 4 * MiB, S2_NORMAL_RW)
    assert first_leaf_difference(expected, actual) == \
        "IPA 0x40200000: expected PA 0x40200000 normal-wb rw ish af, " \
        "got PA 0x50000000 normal-wb rw ish af"


def test_difference_in_attributes_and_extra_mappings():
    block = Mapping(0x4000_0000, 0x4000_0000, 2 * MiB, S2_NORMAL_RW)
    same_as_pages = [Mapping(0x4000_0000 + o, 0x4000_0000 + o, 4 * KiB, S2_NORMAL_RW)
                     for o in range(0, 2 * MiB, 4 * KiB)]
    assert first_leaf_difference([], []) is None
    device_page = Mapping(0x4010_0000, 0x4010_0000, 4 * KiB, S2_DEVICE_RW)
    assert first_leaf_difference(same_as_pages, same_as_pages[:256] + [device_page]
                                 + same_as_pages[257:]) \
        == "IPA 0x40100000: expected PA 0x40100000 normal-wb rw ish af, " \
           "got PA 0x40100000 device-ngnre rw af xn"
    extra = Mapping(0x0900_0000, 0x0900_0000, 4 * KiB, S2_DEVICE_RW)
    assert first_leaf_difference([block], [extra, block]) == \
        "IPA 0x9000000: expected unmapped, got PA 0x9000000 device-ngnre rw af xn"
    assert first_leaf_difference([block, extra], [extra]) == \
        "IPA 0x40000000: expected PA 0x40000000 normal-wb rw ish af, got unmapped"


def test_overlapping_mappings_are_refused():
    a = Mapping(0x4000_0000, 0x4000_0000, 8 * KiB, S2_NORMAL_RW)
    b = Mapping(0x4000_1000, 0x5000_0000, 4 * KiB, S2_NORMAL_RW)
    with pytest.raises(HarnessError, match="mapped twice"):
        pages([a, b])


def test_table_descriptor_to_unreadable_memory():
    builder = TableBuilder(TABLES)
    builder.map_region(0x4000_0000, 0x4000_0000, 4 * KiB, S2_NORMAL_RW)
    builder.set_raw(1, 0x8000_0000, table_descriptor(0x7FFF_0000))
    with pytest.raises(HarnessError) as raised:
        walk(builder.read, builder.vttbr())
    message = str(raised.value)
    assert message == ("stage-2 level 2 table at 0x7fff0000 (level 1 entry 2 of table "
                       "0x48000000): unreadable: no memory at 0x7fff0000")
    assert "\n" not in message


def test_short_reads_and_bad_roots():
    builder = TableBuilder(TABLES)
    builder.map_region(0x4000_0000, 0x4000_0000, 4 * KiB, S2_NORMAL_RW)
    short = lambda pa, length: builder.read(pa, length)[:length // 2]  # noqa: E731
    with pytest.raises(HarnessError, match=r"level 1 table at 0x48000000 \(VTTBR 0x48000000\): "
                                           r"unreadable: got 16 of 32 bytes"):
        walk(short, builder.vttbr())
    with pytest.raises(HarnessError, match="level 1 table at 0x48000010 .*not aligned"):
        walk(builder.read, builder.vttbr() + 0x10)


def test_block_with_unaligned_output_address_is_malformed():
    builder = TableBuilder(TABLES)
    builder.set_raw(2, 0x4000_0000, 0x4010_0000 | S2_NORMAL_RW | 0b01)
    with pytest.raises(HarnessError, match="level 2 table at 0x48001000 entry 0: block "
                                           "descriptor .* output address 0x40100000 not aligned"):
        walk(builder.read, builder.vttbr())


def test_shared_tables_are_read_once():
    builder = TableBuilder(TABLES)
    builder.map_region(0x4000_0000, 0x4000_0000, 4 * KiB, S2_NORMAL_RW)
    level2 = TABLES + 0x1000
    builder.set_raw(1, 0xC000_0000, table_descriptor(level2))  # the same level-2 table twice
    read = counting(builder.read)
    assert [m.ipa for m in walk(read, builder.vttbr())] == [0x4000_0000, 0xC000_0000]
    assert len(read.calls) == 3


def test_builder_refuses_to_map_twice():
    builder = TableBuilder(TABLES)
    builder.map_region(0x4000_0000, 0x4000_0000, 2 * MiB, S2_NORMAL_RW)
    with pytest.raises(HarnessError, match="a block covers IPA 0x40001000"):
        builder.map(Mapping(0x4000_1000, 0x4000_1000, 4 * KiB, S2_NORMAL_RW))
    with pytest.raises(HarnessError, match="already mapped"):
        builder.map_region(0x4000_0000, 0x5000_0000, 2 * MiB, S2_NORMAL_RW)


def test_plan_uses_blocks_only_where_both_addresses_align():
    plan = plan_mappings(0x4000_0000, 0x4000_1000, 4 * MiB, S2_NORMAL_RW)
    assert {m.size for m in plan} == {4 * KiB} and len(plan) == 1024
    assert merge(plan) == [Mapping(0x4000_0000, 0x4000_1000, 4 * MiB, S2_NORMAL_RW)]


def test_plan_leads_and_tails_with_pages():
    plan = plan_mappings(0x401F_F000, 0x601F_F000, 4 * KiB + 2 * MiB + 8 * KiB, S2_DEVICE_RW)
    assert [(m.ipa, m.pa, m.size) for m in plan] == [
        (0x401F_F000, 0x601F_F000, 4 * KiB),
        (0x4020_0000, 0x6020_0000, 2 * MiB),
        (0x4040_0000, 0x6040_0000, 4 * KiB),
        (0x4040_1000, 0x6040_1000, 4 * KiB),
    ]
    assert {m.attrs for m in plan} == {S2_DEVICE_RW}
    # Less than 2 MiB left at an aligned address: pages.
    assert {m.size for m in plan_mappings(0x4000_0000, 0x4000_0000, 2 * MiB - 4 * KiB, 0)} \
        == {4 * KiB}


@pytest.mark.parametrize("ipa, pa, size, problem", [
    (0x4000_0800, 0x4000_0000, 4 * KiB, "multiple of 4 KiB"),
    (0x4000_0000, 0x4000_0010, 4 * KiB, "multiple of 4 KiB"),
    (0x4000_0000, 0x4000_0000, 6 * KiB, "multiple of 4 KiB"),
    (0x4000_0000, 0x4000_0000, 0, "size positive"),
    (0xFFFF_F000, 0x4000_0000, 8 * KiB, "32-bit IPA space"),
    (0x4000_0000, 0xFFFF_FFFF_F000, 8 * KiB, "48-bit PA space"),
])
def test_plan_refuses_bad_regions(ipa, pa, size, problem):
    with pytest.raises(HarnessError, match=problem):
        plan_mappings(ipa, pa, size, S2_NORMAL_RW)


def test_plan_reaches_the_top_of_the_ipa_space():
    plan = plan_mappings(0xFFE0_0000, 0xFFE0_0000, 2 * MiB, S2_NORMAL_RW)
    assert plan == [Mapping(0xFFE0_0000, 0xFFE0_0000, 2 * MiB, S2_NORMAL_RW)]
    builder = TableBuilder(TABLES)
    builder.map(plan[0])
    assert walk(builder.read, builder.vttbr()) == plan


# A region: pages from its 2 MiB-aligned slot, a PA that may or may not share
# the IPA's alignment, and a length in pages that crosses 2 MiB now and then.
regions = st.lists(
    st.tuples(st.integers(0, 1023),                   # 2 MiB slot in the 2 GiB below 0x8000_0000
              st.integers(0, 511),                    # first page within the slot
              st.integers(1, 1100),                   # pages
              st.booleans(),                          # PA keeps the IPA's offset in 2 MiB
              st.sampled_from([S2_NORMAL_RW, S2_DEVICE_RW])),
    min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(regions)
def test_built_tables_walk_back_to_the_same_pages(drawn):
    builder = TableBuilder(TABLES)
    expected, used = [], set()
    for slot, first, count, same_offset, attrs in drawn:
        ipa = slot * 2 * MiB + first * 4 * KiB
        if any(s in used for s in range(slot, slot + (first + count + 511) // 512 + 1)):
            continue  # keep regions (and their neighbours' 2 MiB slots) apart
        used.update(range(slot, slot + (first + count + 511) // 512 + 1))
        pa = 0x1_0000_0000 + ipa + (0 if same_offset else 4 * KiB)
        builder.map_region(ipa, pa, count * 4 * KiB, attrs)
        expected += plan_mappings(ipa, pa, count * 4 * KiB, attrs)
    actual = walk(builder.read, builder.vttbr())
    assert pages(actual) == pages(expected)
    assert merge(actual) == merge(expected)
    assert first_leaf_difference(expected, actual) is None


def test_live_mappings_replay_maps_and_unmaps_as_the_hypervisor_writes_them():
    """A 4 MiB region maps as two 2 MiB blocks; unmapping one page breaks its
    block into pages (the other stays a block); unmapping a whole aligned
    block clears it; a block mapped again over a broken one is a block."""
    base, pa = 0x4000_0000, 0x4200_0000
    events = [("s2-map", {"ipa": base, "pa": pa, "size": 4 * MiB, "attr": S2_NORMAL_RW}),
              ("s2-unmap", {"ipa": base + 0x1000, "size": 0x1000})]
    leaves = live_mappings(events)
    assert [m.size for m in leaves].count(2 * MiB) == 1 and len(leaves) == 1 + 511
    assert Mapping(base + 0x1000, pa + 0x1000, 4 * KiB, S2_NORMAL_RW) not in leaves
    assert live_mappings(events + [("s2-unmap", {"ipa": base + 2 * MiB, "size": 2 * MiB})]) == \
        [m for m in leaves if m.ipa < base + 2 * MiB]
    again = events + [("s2-unmap", {"ipa": base, "size": 2 * MiB}),
                      ("s2-map", {"ipa": base, "pa": pa, "size": 2 * MiB, "attr": S2_NORMAL_RW})]
    assert live_mappings(again) == [Mapping(base, pa, 2 * MiB, S2_NORMAL_RW),
                                    Mapping(base + 2 * MiB, pa + 2 * MiB, 2 * MiB, S2_NORMAL_RW)]


def test_a_block_against_pages_is_named_with_its_level():
    block = [Mapping(0x4000_0000, 0x4200_0000, 2 * MiB, S2_NORMAL_RW)]
    pages = [Mapping(0x4000_0000 + o, 0x4200_0000 + o, 4 * KiB, S2_NORMAL_RW)
             for o in range(0, 2 * MiB, 4 * KiB)]
    assert first_leaf_difference(block, block) is None
    assert first_leaf_difference(block, pages) == (
        "IPA 0x40000000: expected a 2 MiB block at PA 0x42000000 normal-wb rw ish af, "
        "got a 4 KiB page at PA 0x42000000 normal-wb rw ish af")
