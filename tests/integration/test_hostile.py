"""Hostile guests: every attack of guests/hostile.py (docs/reliability.md) next
to an honest memstress VM and an honest blkio VM. Each run checks the
attack's documented outcome, that the hypervisor went on to run the others
to their end, and (golden checks) that the honest VMs' memory and disk are
exactly what their models predict."""

import pytest

from harness.guests import hostile
from harness.guests.hostile import with_attack
from harness.scenarios import load_scenario

pytestmark = pytest.mark.qemu

HOSTILE, HONEST_MEM, HONEST_BLK = 0, 1, 2


def run_attack(zvm_run, attack):
    result = zvm_run(with_attack(load_scenario("hostile"), attack))
    assert result.passed, result.summary()
    return result


def position(trace, name, guest=None, **fields):
    """Where the first such event is in the trace (from `guest`, if given)."""
    return next(i for i, e in enumerate(trace.events) if e.name == name and
                (guest is None or e.vm == guest) and
                all(e.get(k) == v for k, v in fields.items()))


@pytest.mark.parametrize("attack", list(hostile.ATTACKS))
def test_attack_meets_its_documented_outcome_and_the_honest_vms_do_not_notice(zvm_run, attack):
    result = run_attack(zvm_run, attack)
    trace = result.trace
    for vm in (HONEST_MEM, HONEST_BLK):
        exit_event = trace.named("vm-exit", vm=vm)[0]
        assert (exit_event["code"], exit_event["reason"]) == (0, "exit")
    assert trace.first("poweroff")["reason"] == "done"
    if hostile.ATTACKS[attack].outcome in ("fault", "emulated"):
        # The attack came after the honest VM filled its memory and before it
        # verified it: a write that got through would have been seen.
        attacked = position(trace, "vm-exit", vm=HOSTILE)
        assert position(trace, "region", guest="honest-mem") > attacked
        assert position(trace, "memlist", vm=HONEST_MEM) < attacked  # its checkpoint after the fill


def test_a_notify_storm_is_held_to_a_queue_while_the_honest_vm_is_served(zvm_run):
    """The honest VM's requests all succeed (the golden checks); here: the
    hostile VM never holds more than its queue's worth in the scheduler, and
    what it posts beyond that is refused, not queued."""
    trace = run_attack(zvm_run, "notify-storm").trace
    taken, refused = trace.named("blk-req", vm=HOSTILE), trace.named("blk-bad", vm=HOSTILE)
    assert refused and all(e["reason"] == "queue-full" for e in refused)
    assert len(taken) + len(refused) == 2000
    in_flight, most = 0, 0
    for e in trace.events:
        if e.name in ("blk-req", "blk-done") and e["vm"] == HOSTILE:
            in_flight += 1 if e.name == "blk-req" else -1
            most = max(most, in_flight)
    assert most == hostile.QUEUE_NUM
    assert trace.named("blkio-done", guest="honest-blk")


def test_filling_the_zpool_skips_swap_and_leaves_the_blocks_resident(zvm_run):
    trace = run_attack(zvm_run, "zpool-full").trace
    assert trace.named("swap-out", vm=HOSTILE)
    assert trace.named("swap-skip", vm=HOSTILE, reason="zpool-full")


def test_a_wrong_outcome_fails_the_run(zvm_run, monkeypatch):
    """The expectation really is checked: a table claiming the UART store
    faults fails against what the hypervisor did (emulate it)."""
    import dataclasses

    wrong = dataclasses.replace(hostile.ATTACKS["uart-misaligned"], outcome="fault",
                                target="uart")
    monkeypatch.setitem(hostile.ATTACKS, "uart-misaligned", wrong)
    result = zvm_run(with_attack(load_scenario("hostile"), "uart-misaligned"))
    assert not result.passed
    assert any("@zvm fault" in f for f in result.failures)
