"""Under --deterministic a run repeats event for event: every shipped
scenario, Linux included, run twice side by side, gives the same trace
(timing fields aside) and the same verdict. Not a shell session: what is
typed arrives at host time (docs/determinism.md), though its runs must both
pass. VMs using the disk from several CPUs repeat too: the hypervisor
sleeps for the host disk with the other CPUs paused (docs/smp.md)."""

import pytest

from harness.repeat import repeat
from harness.runner import DETERMINISTIC_ICOUNT, RunOptions
from harness.scenarios import list_scenarios, load_scenario

pytestmark = pytest.mark.qemu


@pytest.mark.parametrize("name", [s.name for s in list_scenarios()])
def test_every_shipped_scenario_repeats_under_deterministic(zvm_board, name):
    scenario = load_scenario(name)
    repeated = repeat(zvm_board, scenario, 2, RunOptions(icount=DETERMINISTIC_ICOUNT))
    assert repeated.passed == 2, repeated.report()
    assert repeated.identical or scenario.shell, repeated.report()
