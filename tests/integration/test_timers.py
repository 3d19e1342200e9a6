"""The VMs' EL1 timers: level-sensitive interrupt lines the hypervisor
samples, and each timer switched with its VM (hypervisor/vm_timer.c).
kvm-unit-tests' own timer test is in test_kvm_unit_tests.py."""

import pytest

pytestmark = pytest.mark.qemu


def _ticks(result) -> tuple[int, int]:
    ticks = result.trace.named("ticks", guest="ticker")[0]
    return ticks["virtual"], ticks["physical"]


def test_timer_interrupts_rearmed_by_the_guest_come_without_a_scheduler_tick(zvm_run):
    """The ticker re-arms its timers from their handlers, with no trap
    between: all 50 interrupts of each come within its 400 ms, the
    scheduler's tick being a second away, only if the hypervisor samples a
    line again when the guest deactivates its interrupt."""
    result = zvm_run("timer-ticks")
    assert result.passed, result.summary()
    assert _ticks(result) == (50, 50)


def test_two_vms_with_timers_each_get_their_own(zvm_run):
    """kvm-unit-tests' timer test passes while the ticker, in WFI between
    its ticks, is woken for each while the other VM runs."""
    result = zvm_run("timers-two-vms")
    assert result.passed, result.summary()
    assert _ticks(result) == (50, 50)
