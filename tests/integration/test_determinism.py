"""Under --deterministic a run repeats event for event: every shipped
scenario, Linux included, run twice side by side, gives the same trace
(timing fields aside) and the same verdict. Not a shell session: what is
typed arrives at host time (docs/determinism.md), though its runs must both
pass. VMs using the disk from several CPUs repeat too: the hypervisor
sleeps for the host disk with the other CPUs paused (docs/smp.md).

The first run's bundle also gets its report (harness/report/), and its
timeline.json must keep the trace-event format's rules, as must the one of
the same bundle judged again with its power-off taken out: a passing and a
failing run of every shipped scenario."""

import json
import shutil
from dataclasses import replace

import pytest

from harness.bundle.write import write_bundle
from harness.repeat import compare, repeat
from harness.report import REPORT, TIMELINE, write_report
from harness.repro import rejudge
from harness.runner import DETERMINISTIC_ICOUNT, RunOptions, run_scenario
from harness.scenarios import list_scenarios, load_scenario
from tests.trace_event_format import problems

pytestmark = pytest.mark.qemu


@pytest.mark.parametrize("name", [s.name for s in list_scenarios()])
def test_every_shipped_scenario_repeats_under_deterministic(zvm_board, name, tmp_path):
    scenario = load_scenario(name)
    repeated = repeat(zvm_board, scenario, 2, RunOptions(icount=DETERMINISTIC_ICOUNT))
    assert repeated.passed == 2, repeated.report()
    assert repeated.identical or scenario.shell, repeated.report()
    passing = write_bundle(tmp_path / "passing", repeated.results[0])
    assert _timeline_problems(passing) == []
    assert (passing / REPORT).stat().st_size < 2 << 20  # Linux's too
    failing = _without_poweroff(passing, tmp_path / "failing")
    assert _timeline_problems(failing) == []
    timeline = json.loads((failing / TIMELINE).read_text())["traceEvents"]
    assert any(e.get("cat") == "failure" for e in timeline)


def _timeline_problems(bundle) -> list[str]:
    assert not (bundle / "report-error.txt").exists(), (bundle / "report-error.txt").read_text()
    return problems(json.loads((bundle / TIMELINE).read_text()))


def _without_poweroff(bundle, out):
    """A copy of `bundle` whose firmware never said it powered off, judged
    again (a failure), its report written again."""
    shutil.copytree(bundle, out)
    for name, kept in (("serial.log", lambda line: "@zvm poweroff" not in line),
                       ("trace.jsonl", lambda line: '"event": "poweroff"' not in line)):
        lines = (out / name).read_text().splitlines(keepends=True)
        (out / name).write_text("".join(filter(kept, lines)))
    failures, _ = rejudge(out)
    assert failures
    result = json.loads((out / "result.json").read_text())
    (out / "result.json").write_text(json.dumps({**result, "passed": False,
                                                 "failures": failures}))
    write_report(out)
    return out


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
