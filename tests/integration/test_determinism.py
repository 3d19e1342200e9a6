"""Under --deterministic a run repeats event for event: every shipped
scenario, Linux included, run twice side by side, gives the same trace
(timing fields aside) and the same verdict. Not a shell session: what is
typed arrives at host time (docs/determinism.md), though its runs must both
pass. VMs using the disk from several CPUs repeat too: the hypervisor
sleeps for the host disk with the other CPUs paused (docs/smp.md)."""

from dataclasses import replace

import pytest

from harness.repeat import compare, repeat
from harness.runner import DETERMINISTIC_ICOUNT, RunOptions, run_scenario
from harness.scenarios import list_scenarios, load_scenario

pytestmark = pytest.mark.qemu


@pytest.mark.parametrize("name", [s.name for s in list_scenarios()])
def test_every_shipped_scenario_repeats_under_deterministic(zvm_board, name):
    scenario = load_scenario(name)
    repeated = repeat(zvm_board, scenario, 2, RunOptions(icount=DETERMINISTIC_ICOUNT))
    assert repeated.passed == 2, repeated.report()
    assert repeated.identical or scenario.shell, repeated.report()


def test_a_slow_host_disk_changes_nothing_under_deterministic(zvm_board):
    """The same run with QEMU's disk throttled (each request held for host
    milliseconds): under counted time the hypervisor sleeps for the host
    with the other CPUs paused, so how long the host takes reaches no guest,
    even with VMs notifying from two CPUs."""
    if zvm_board.cpus < 2:
        pytest.skip("needs VMs on two CPUs")
    slow = replace(zvm_board, disk_options="throttling.iops-total=50")
    options = RunOptions(icount=DETERMINISTIC_ICOUNT)
    scenario = load_scenario("smp-virtio")
    runs = [run_scenario(board, scenario, options=options) for board in (zvm_board, slow)]
    repeated = compare(runs)
    assert repeated.passed == 2 and repeated.identical, repeated.report()
