"""The memblock model: merges, splits, ordering and heap accounting, by hand
and as properties over random touch/release sequences."""

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.models import memblock
from harness.models.heap import Heap
from harness.models.memblock import Op, VmMemory

BASE, KIB = 0x4000_0000, 1024


def run(ops, *, size=256 * KIB, block=16 * KIB, heap=1 << 20, prefault=()):
    vm = VmMemory(0, BASE, size, block, prefault, (Op("create"), *ops))
    h = Heap(0x4200_0000, heap)
    return memblock.predict([vm], h), h


def names(prediction):
    return [name for name, _ in prediction.events[0]]


def test_adjacent_allocations_merge_and_dump():
    p, _ = run([Op("write", BASE), Op("write", BASE + 16 * KIB), Op("checkpoint")])
    assert names(p)[:5] == ["s2-map", "block-alloc", "s2-map", "block-alloc", "block-merge"]
    memlist = dict(p.events[0])["memlist"]
    assert memlist["count"] == 1 and memlist["blocks"] == "0x40000000:0x42000000:0x8000"


def test_out_of_order_touches_stay_sorted_and_merge_both_ways():
    p, _ = run([Op("write", BASE + 32 * KIB), Op("write", BASE), Op("write", BASE + 16 * KIB),
                Op("checkpoint")])
    # PAs come in touch order (+0x0, +0x4000, +0x8000 for IPAs +32K, +0, +16K):
    # the middle block continues the one before it (IPA and PA), not the one after.
    merges = [f for n, f in p.events[0] if n == "block-merge"]
    assert merges == [{"vm": 0, "ipa": BASE, "pa": 0x4200_4000, "size": 32 * KIB}]
    memlist = [f for n, f in p.events[0] if n == "memlist"][0]
    ipas = [int(b.split(":")[0], 16) for b in memlist["blocks"].split(",")]
    assert ipas == sorted(ipas)


def test_release_inside_a_block_splits_it_and_frees_the_middle():
    p, heap = run([Op("write", BASE), Op("release", BASE + 4 * KIB, 8 * KIB), Op("checkpoint")])
    events = p.events[0]
    assert [n for n, _ in events][2:6] == ["block-split", "block-split", "block-free", "s2-unmap"]
    assert dict(events)["block-free"] == {"vm": 0, "ipa": BASE + 4 * KIB, "pa": 0x4200_1000,
                                          "size": 8 * KIB}
    memlist = [f for n, f in events if n == "memlist"][0]
    assert memlist["count"] == 2


def test_release_not_owned_or_unaligned_is_refused():
    p, _ = run([Op("write", BASE), Op("release", BASE + 16 * KIB, 4 * KIB),
                Op("release", BASE + 1, 4 * KIB)])
    refused = [f["reason"] for n, f in p.events[0] if n == "release-refused"]
    assert refused == ["not-owned", "unaligned"]


def test_static_release_is_refused_and_exit_frees_the_partition():
    vm = VmMemory(0, BASE, 256 * KIB, None, (), (Op("create"), Op("release", BASE, 4096),
                                                  Op("exit")))
    heap = Heap(0x4200_0000, 1 << 20)
    p = memblock.predict([vm], heap)
    assert [n for n, _ in p.events[0]] == ["block-alloc", "s2-map", "release-refused", "vm-exit",
                                            "memlist", "block-free", "heap"]
    assert heap.free_bytes == 1 << 20


def test_oom_stops_the_vm_and_returns_its_blocks():
    p, heap = run([Op("write", BASE + i * 16 * KIB) for i in range(8)] + [Op("exit")],
                  heap=64 * KIB)
    assert 0 in p.stopped
    tail = [n for n, _ in p.events[0]][-8:]
    assert "oom" in names(p) and tail[-1] == "heap"
    assert ("vm-exit", {"vm": 0, "code": memblock.FAULT_CODE, "reason": "oom"}) in p.events[0]
    assert heap.free_bytes == 64 * KIB


def test_interleaving_follows_the_given_heap_order():
    a = VmMemory(0, BASE, 64 * KIB, 16 * KIB, (), (Op("create"), Op("write", BASE)))
    b = VmMemory(1, BASE, 64 * KIB, 16 * KIB, (), (Op("create"), Op("write", BASE)))
    p = memblock.predict([a, b], Heap(0x4200_0000, 1 << 20), heap_order=[1, 0])
    assert dict(p.events[1])["block-alloc"]["pa"] == 0x4200_0000
    assert dict(p.events[0])["block-alloc"]["pa"] == 0x4200_4000
    wrong = memblock.predict([a, b], Heap(0x4200_0000, 1 << 20), heap_order=[1, 1])
    assert "no further heap event" in wrong.problem


operations = st.lists(st.one_of(
    st.builds(lambda page: Op("write", BASE + page * 4096), st.integers(0, 63)),
    st.builds(lambda page, n: Op("release", BASE + page * 4096, n * 4096),
              st.integers(0, 63), st.integers(1, 16)),
), max_size=60)


@settings(max_examples=150, deadline=None)
@given(operations, st.sampled_from([4, 16, 64]), st.integers(4, 40))
def test_random_sequences_keep_the_list_sorted_disjoint_and_accounted(ops, block_kib, heap_pages):
    heap_size = heap_pages * 16 * KIB
    vm = VmMemory(0, BASE, 256 * KIB, block_kib * KIB, (), (Op("create"), *ops, Op("checkpoint")))
    heap = Heap(0x4200_0000, heap_size)
    model = memblock.VmModel(vm, memblock.Shared(heap, None))
    for name, _ in model.run():
        if name == "s2-map":  # reported between taking the memory and linking the block
            continue
        blocks = model.blocks
        for a, b in zip(blocks, blocks[1:]):
            assert a.end <= b.ipa  # sorted, never overlapping
            if name == "memlist":  # between operations, whatever could merge has
                assert not (a.end == b.ipa and a.pa + a.size == b.pa)
        held = sum(b.size for b in blocks)
        assert heap.free_bytes + held == heap_size  # every byte accounted for
        assert all(BASE <= b.ipa and b.end <= BASE + 256 * KIB for b in blocks)
