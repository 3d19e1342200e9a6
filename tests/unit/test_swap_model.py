"""The swap model: CLOCK's second chance, the zpool's accounting, and the
fates of zero, incompressible and too-many blocks; python-lzo round trips of
memstress's three kinds of data."""

import lzo
import pytest

from harness.guests import memstress
from harness.models import memblock
from harness.models.heap import Heap
from harness.models.memblock import Op, VmMemory
from harness.models.swap import Swap

BASE, KIB, BLOCK = 0x4000_0000, 1024, 16 * 1024
TEXT_PAGE = (memstress.TEXT * 128)[:4096]


def predict(ops, content, *, limit=2, zpool=64 * KIB):
    vm = VmMemory(0, BASE, 256 * KIB, BLOCK, (), (Op("create"), *ops), limit, content)
    return memblock.predict([vm], Heap(0x4200_0000, 1 << 20), swap=Swap(zpool))


def writes(*blocks):
    return [Op("write", BASE + b * BLOCK + p * 4096) for b in blocks for p in range(4)]


def events(prediction, name):
    return [f for n, f in prediction.events[0] if n == name]


def test_clock_gives_referenced_blocks_a_second_chance():
    p = predict(writes(0, 1, 2, 3), lambda page: TEXT_PAGE)
    # Limit 2: block 2 needs room. Blocks 0 and 1 are both referenced: the hand
    # clears both, comes round and takes 0; for block 3 it takes 1.
    assert [e["ipa"] for e in events(p, "swap-out")] == [BASE, BASE + BLOCK]
    assert all(e["kind"] == "lzo" and e["clen"] == len(lzo.compress(TEXT_PAGE * 4, 1, False))
               for e in events(p, "swap-out"))


def test_a_touched_block_is_young_again():
    ops = writes(0, 1) + [Op("read", BASE + BLOCK)] + writes(2)
    p = predict(ops, lambda page: TEXT_PAGE)
    assert [e["ipa"] for e in events(p, "swap-out")] == [BASE]


def test_zero_blocks_are_markers_and_use_no_zpool():
    p = predict(writes(0, 1, 2) + [Op("checkpoint")], lambda page: bytes(4096))
    out = events(p, "swap-out")[0]
    assert (out["kind"], out["clen"], out["zoff"]) == ("zero", 0, 0)
    zpool = events(p, "zpool")[-1]
    assert (zpool["used"], zpool["stored"]) == (0, 1)


def test_incompressible_blocks_stay_and_are_never_tried_again():
    noise = memstress.region_bytes(7, 0, 64 * KIB)
    content = lambda page: noise[(page - BASE) % (64 * KIB):][:4096]  # noqa: E731
    p = predict(writes(0, 1, 2, 3), content)
    # Block 2 needs room: 0 and 1 are tried and marked; block 3: only 2 is left.
    skips = events(p, "swap-skip")
    assert [s["ipa"] for s in skips] == [BASE, BASE + BLOCK, BASE + 2 * BLOCK]
    assert {s["reason"] for s in skips} == {"incompressible"}
    assert not events(p, "swap-out")  # every block was noise: the limit is soft


def test_a_full_zpool_leaves_the_block_resident():
    p = predict(writes(0, 1, 2, 3), lambda page: TEXT_PAGE, zpool=160)
    assert [e["reason"] for e in events(p, "swap-skip")][:1] == ["zpool-full"]


def test_swap_in_restores_and_frees_zpool_space():
    p = predict(writes(0, 1, 2) + [Op("read", BASE), Op("checkpoint")], lambda page: TEXT_PAGE)
    swap_in = events(p, "swap-in")[0]
    assert swap_in["ipa"] == BASE and swap_in["kind"] == "lzo"
    zpool = events(p, "zpool")[-1]
    assert zpool["stored"] == 1  # block 0 back in, block 1 out to make room


@pytest.mark.parametrize("kind", [0, 1, 2])
def test_python_lzo_round_trips_each_data_kind(kind):
    data = memstress.region_bytes(3, kind, 64 * KIB, kind)
    packed = lzo.compress(data, 1, False)
    assert lzo.decompress(packed, False, len(data)) == data
    if kind < 2:
        assert len(packed) < len(data) // 8
    else:
        assert len(packed) > len(data) - len(data) // 8  # noise: incompressible
