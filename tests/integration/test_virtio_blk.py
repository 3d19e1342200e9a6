"""virtio-blk on QEMU: the guest's front-end, the hypervisor's back-end and
host I/O scheduler, QEMU's real disk; statuses, reads, dispatch order and
the disk image against the model, in both memory variants."""

import dataclasses
import zlib

import pytest

from harness.checks.virtio import check_virtio
from harness.models import virtio_blk
from harness.models.patterns import xorshift32_bytes
from harness.runner import DETERMINISTIC_ICOUNT, RunOptions
from harness.scenarios import load_scenario

pytestmark = pytest.mark.qemu
# Several VMs' rounds are predicted from their batches in counted time only
# (checks/virtio.py): there no slow host lets the scheduler's tick run one early.
COUNTED = RunOptions(icount=DETERMINISTIC_ICOUNT)


def guest_results(result, vm="vm0"):
    return {e["idx"]: (e["status"], e["crc"]) for e in result.trace.named("blk", guest=vm)}


def test_one_vm_out_in_flush_get_id_and_error_answers(zvm_run):
    result = zvm_run("virtio-blk-one-vm")
    assert result.passed, result.summary()
    written = xorshift32_bytes(101, 8 * 512)[0]
    got = guest_results(result)
    assert got[0] == (0, 0)  # OUT
    assert got[1] == (0, zlib.crc32(written))  # IN reads back what OUT wrote
    assert got[3] == (0, 0)  # FLUSH
    assert got[4] == (0, zlib.crc32(b"zvm-hil:vm0".ljust(20, b"\0")))  # GET_ID
    assert [got[i][0] for i in (5, 6, 7)] == [2, 1, 2]  # SCSI_CMD, out of range, unknown
    assert result.disk_after[8 * 512:16 * 512] == written
    assert result.trace.first("blkio-done")["interrupts"] >= 1


@pytest.mark.parametrize("variant", ["static", "dynamic"])
def test_two_vms_dispatch_by_ioprio_and_barriers(zvm_run, variant):
    scenario = dataclasses.replace(load_scenario("virtio-blk-two-vms"), variant=variant)
    result = zvm_run(scenario, options=COUNTED)
    assert result.passed, result.summary()
    first_round = []
    for e in result.trace.events:
        if e.name == "blk-round" and first_round:
            break
        if e.name == "blk-dispatch":
            first_round.append(e["vm"])
    assert set(first_round) == {0, 1}  # both VMs' batches met in one round


def test_the_disk_check_fails_on_one_wrong_byte(zvm_run):
    result = zvm_run("virtio-blk-one-vm")
    assert result.passed, result.summary()
    corrupted = bytearray(result.disk_after)
    corrupted[8 * 512 + 3] ^= 0x01
    failures = check_virtio(result.plan, result.trace, bytes(corrupted))
    assert failures == [f"disk image: first difference at byte {8 * 512 + 3:#x} (sector 0x8, "
                        f"vm0's): expected {result.disk_after[8 * 512 + 3]:#x}, "
                        f"got {corrupted[8 * 512 + 3]:#x}"]


def test_the_order_check_fails_on_a_swapped_pair(zvm_run, monkeypatch):
    real = virtio_blk.dispatch_order

    def swapped(queue):
        order = real(queue)
        if len(order) >= 2:
            order[0], order[1] = order[1], order[0]
        return order

    monkeypatch.setattr(virtio_blk, "dispatch_order", swapped)
    result = zvm_run("virtio-blk-two-vms", options=COUNTED)
    assert not result.passed
    assert any(f.startswith("blk scheduler event 1: expected @zvm blk-dispatch")
               for f in result.failures), result.failures


def test_barriers_on_every_request_type_hold_back_their_vm_only(zvm_run):
    """A barrier IN, FLUSH, GET_ID and unknown type each keep their VM's later,
    more urgent requests behind them, while the other VM's go first; every
    answer, the dispatch order and the disk are the model's (result.passed)."""
    result = zvm_run("virtio-blk-barriers", options=COUNTED)
    assert result.passed, result.summary()
    order = [(e["vm"], e["seq"]) for e in result.trace.named("blk-dispatch")]
    kinds = {(e["vm"], e["seq"]): e["type"] for e in result.trace.named("blk-req")}
    barriers = {key: t & 0x7FFF_FFFF for key, t in kinds.items() if t & 0x8000_0000}
    assert set(barriers.values()) == {0, 4, 8, 77}  # IN, FLUSH, GET_ID, unknown
    for vm, seq in barriers:  # nothing of its VM submitted after it went before it
        later = [s for v, s in order[:order.index((vm, seq))] if v == vm and s > seq]
        assert later == []
    assert {v for v, _ in order[:4]} == {0, 1}  # the rounds mix both VMs
    assert guest_results(result)[7][0] == virtio_blk.UNSUPP


def test_a_passthrough_vm_gets_qemus_device_as_device_memory(zvm_run):
    """QEMU's own virtio-blk page handed to a VM (the benchmarks' baseline):
    the VM's requests reach the disk as the model says, and stage 2 maps
    the page Device-nGnRE, never executable (the stage-2 check, exactly)."""
    from pathlib import Path

    scenario = Path(__file__).parents[2] / "bench" / "scenarios" / "virtio-passthrough.toml"
    result = zvm_run(str(scenario))
    assert result.passed, result.summary()
    device = [e for e in result.trace.named("s2-map", vm=0) if e["ipa"] < 0x4000_0000]
    assert [(e["ipa"], e["attr"] >> 54 & 1) for e in device] == [(0x0A00_3000, 1)]


def test_a_reset_device_and_a_vm_gone_with_requests_queued(zvm_run):
    """vm0 resets its device and negotiates again, and its later batches are
    served from its new rings; vm1 exits right after notifying its last
    batch, which is dropped: never dispatched, nothing of it on the disk.
    Everything else, rounds included, is the model's (result.passed)."""
    result = zvm_run("virtio-blk-lifecycle", options=COUNTED)
    assert result.passed, result.summary()
    assert result.trace.named("blkio-reset", guest="vm0")[0]["init"] == 0
    assert len(result.trace.named("blk", guest="vm0")) == 5
    submitted = {e["seq"] for e in result.trace.named("blk-req", vm=1)}
    dispatched = {e["seq"] for e in result.trace.named("blk-dispatch", vm=1)}
    assert len(submitted) == 3 and len(dispatched) == 1
