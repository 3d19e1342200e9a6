"""The virtio-blk model: the scheduler's order (priorities, FIFO, barriers
per VM), each VM's range of the disk, statuses; and the back-end's chain
checks on hand-built rings."""

import struct
import zlib

import pytest

from harness.models import virtio_blk as vb
from harness.models.virtqueue import (F_INDIRECT, F_NEXT, F_WRITE, Bad, Chain, directions_ok,
                                      take_chain)
from harness.guests.base import blk_request
from harness.spec import BARRIER, BlkRequest


def req(type_=1, ioprio=0, sector=0, sectors=1, barrier=False, seed=1):
    return blk_request(BlkRequest(type_ | (BARRIER if barrier else 0), ioprio, sector, sectors,
                                  0, seed))


def queued(*specs):
    return [vb.Queued(vm, i, seq, r) for seq, (vm, i, r) in enumerate(specs)]


def order(queue):
    return [q.seq for q in vb.dispatch_order(queue)]


def test_more_urgent_first_fifo_within_a_priority():
    q = queued((0, 0, req(ioprio=1)), (1, 0, req(ioprio=5)), (0, 1, req(ioprio=5)),
               (1, 1, req(ioprio=1)))
    assert order(q) == [1, 2, 0, 3]


def test_nothing_crosses_a_barrier_of_the_same_vm():
    q = queued((0, 0, req(ioprio=1)), (0, 1, req(ioprio=0, barrier=True)),
               (0, 2, req(ioprio=9)), (1, 0, req(ioprio=3)))
    # vm0's urgent request waits for its barrier, the barrier for what came
    # before it; vm1's request is not held up by vm0's barrier.
    assert order(q) == [3, 0, 1, 2]


def test_statuses_and_ranges():
    vm = vb.VmDisk("vm0", base=4, sectors=16, requests=())
    disk = bytearray(32 * 512)
    assert vb.execute(disk, vm, req(1, sector=15, sectors=1))[0] == vb.OK
    assert disk[19 * 512:20 * 512] == req(1, sector=15, sectors=1).data  # base + 15
    assert vb.execute(disk, vm, req(0, sector=15, sectors=2))[0] == vb.IOERR
    assert vb.execute(disk, vm, req(0, sector=1 << 63, sectors=1))[0] == vb.IOERR
    assert vb.execute(disk, vm, req(2))[0] == vb.UNSUPP
    assert vb.execute(disk, vm, req(0x77))[0] == vb.UNSUPP
    assert vb.execute(disk, vm, req(4))[0] == vb.OK
    status, data = vb.execute(disk, vm, req(8))
    assert status == vb.OK and data == b"zvm-hil:vm0".ljust(20, b"\0")


def test_predict_follows_the_trace_order_and_rounds():
    vms = [vb.VmDisk("a", 0, 8, (req(1, ioprio=1, seed=7), req(0, ioprio=1))),
           vb.VmDisk("b", 8, 8, (req(1, ioprio=2, seed=8),))]
    events = [("blk-req", {"vm": 1, "seq": 0}), ("blk-req", {"vm": 0, "seq": 1}),
              ("blk-round", {"n": 0}), ("blk-req", {"vm": 0, "seq": 2}), ("blk-round", {"n": 1})]
    p = vb.predict(vms, bytearray(16 * 512), events)
    assert p.rounds == [[(1, 0), (0, 1)], [(0, 2)]]
    assert p.crc[(0, 1)] == zlib.crc32(req(1, ioprio=1, seed=7).data)
    assert not p.problems
    assert "more requests" in vb.predict(vms, bytearray(16 * 512),
                                         events + [("blk-req", {"vm": 1, "seq": 3})]).problems[0]


def test_first_difference():
    assert vb.first_difference(b"abc", b"abc") is None
    assert vb.first_difference(b"abcd", b"abXd") == 2
    assert vb.first_difference(b"ab", b"abc") == 2


# -- hand-built rings ------------------------------------------------------
RAM = (0x4000_0000, 0x10000)
DESC_TABLE = 0x4000_0000


class Ring:
    def __init__(self):
        self.memory = bytearray(RAM[1])

    def desc(self, i, addr, length, flags, nxt=0):
        struct.pack_into("<QIHH", self.memory, 16 * i, addr, length, flags, nxt)

    def header(self, ipa, type_=1, ioprio=3, sector=9):
        struct.pack_into("<IIQ", self.memory, ipa - RAM[0], type_, ioprio, sector)

    def read(self, ipa, length):
        return bytes(self.memory[ipa - RAM[0]:ipa - RAM[0] + length])

    def take(self, head=0, queue_num=8):
        return take_chain(self.read, RAM, DESC_TABLE, queue_num, head)


H, D, S = 0x4000_1000, 0x4000_2000, 0x4000_3000  # header, data, status


def good_ring(data_flags=0):
    ring = Ring()
    ring.header(H)
    ring.desc(0, H, 16, F_NEXT, 1)
    ring.desc(1, D, 512, F_NEXT | data_flags, 2)
    ring.desc(2, S, 1, F_WRITE)
    return ring


def test_a_good_chain():
    chain = good_ring().take()
    assert chain == Chain(1, 3, 9, ((D, 512, False),), S) and directions_ok(chain)


@pytest.mark.parametrize("mutate,reason", [
    (lambda r: r.desc(2, S, 1, 0), "status"),                       # status device-readable
    (lambda r: r.desc(1, D, 512, 0), "status"),                     # status missing
    (lambda r: r.desc(0, H, 8, F_NEXT, 1), "header"),               # header too short
    (lambda r: r.desc(0, H, 16, F_NEXT | F_WRITE, 1), "header"),    # header device-writable
    (lambda r: r.desc(1, 0x5000_0000, 512, F_NEXT, 2), "buffer-range"),  # outside its RAM
    (lambda r: r.desc(1, RAM[0] + RAM[1] - 4, 512, F_NEXT, 2), "buffer-range"),  # straddles
    (lambda r: r.desc(1, D, 512, F_NEXT, 1), "chain-length"),       # a loop
    (lambda r: r.desc(1, D, 512, F_NEXT, 99), "next-range"),
    (lambda r: r.desc(1, D, 512, F_NEXT | F_INDIRECT, 2), "indirect"),
])
def test_bad_chains_say_why(mutate, reason):
    ring = good_ring()
    mutate(ring)
    result = ring.take()
    assert isinstance(result, Bad) and result.reason == reason


def test_head_beyond_the_queue_and_wrong_directions():
    assert good_ring().take(head=8).reason == "head-range"
    ring = good_ring(data_flags=F_WRITE)  # OUT into device-writable data
    assert not directions_ok(ring.take())
