"""Under --deterministic a run repeats event for event: every shipped
scenario, Linux included, run twice side by side, gives the same trace
(timing fields aside) and the same verdict."""

import pytest

from harness.repeat import repeat
from harness.runner import DETERMINISTIC_ICOUNT, RunOptions
from harness.scenarios import list_scenarios, load_scenario

pytestmark = pytest.mark.qemu


@pytest.mark.parametrize("name", [s.name for s in list_scenarios()])
def test_every_shipped_scenario_repeats_under_deterministic(zvm_board, name):
    repeated = repeat(zvm_board, load_scenario(name), 2, RunOptions(icount=DETERMINISTIC_ICOUNT))
    assert repeated.identical and repeated.passed == 2, repeated.report()
