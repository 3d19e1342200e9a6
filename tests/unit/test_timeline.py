"""timeline.json (harness/report/timeline.py) from report data, against
the trace-event format's rules (tests/trace_event_format.py), which must
themselves catch a broken timeline."""

from harness.report.data import HYPERVISOR, Mark, ReportData, Request, Slice
from harness.report.timeline import trace_events
from tests.trace_event_format import problems


def _data() -> ReportData:
    return ReportData(
        scenario="s", board="b", passed=False, failures=["vm0 fault: EC 0x24"],
        vms=["vm0", "vm1"], cpus=2, end=2.0,
        slices=[Slice(0, 0.1, 0.5, "vm0", 0), Slice(1, 0.2, 0.9, "vm1", 0),
                Slice(0, 0.5, 1.5, "vm1", 1)],
        marks=[Mark(0.0, HYPERVISOR, "boot"), Mark(0.3, "vm0", "block-alloc", {"size": 4096}),
               Mark(0.4, HYPERVISOR, "blk-round", {"n": 0}, duration=0.1),
               Mark(1.2, "vm0", "fault", {"esr": 0x93800006}, failure=True),
               Mark(2.0, HYPERVISOR, "failure", {"what": "vm0 fault"}, failure=True)],
        requests=[Request("vm1", 0, 1, 8, 512, 0.35, 0.45, 0),
                  Request("vm1", 1, 0, 9, 512, 0.6, None, None)])


def test_a_timeline_keeps_the_format_and_shows_everything():
    doc = trace_events(_data())
    assert problems(doc) == []
    events = doc["traceEvents"]
    names = {e["args"]["name"] for e in events if e["ph"] == "M"}
    assert {"CPU 0", "CPU 1", "vm0", "vm1", HYPERVISOR} <= names
    runs = [e for e in events if e.get("cat") == "run"]
    assert [(e["tid"], e["name"], e["ts"], e["dur"]) for e in runs] == [
        (0, "vm0", 100000.0, 400000.0), (1, "vm1", 200000.0, 700000.0),
        (0, "vm1", 500000.0, 1000000.0)]
    failures = [e for e in events if e.get("cat") == "failure"]
    assert len(failures) == 2 and all(e["ph"] == "i" and e["s"] == "g" for e in failures)
    ends = [e for e in events if e["ph"] == "e"]
    assert ends[-1]["ts"] == 2e6 and ends[-1]["args"]["status"] == "never completed"


def test_the_format_rules_catch_a_broken_timeline():
    events = trace_events(_data())["traceEvents"]
    timed = [e for e in events if e["ph"] != "M"]
    begin = next(e for e in timed if e["ph"] == "b")
    assert problems({"traceEvents": [e for e in events if e["ph"] != "e"]})  # begun, never ended
    assert problems({"traceEvents": list(reversed(timed))})  # time going back on a track
    assert problems({"traceEvents": [{k: v for k, v in begin.items() if k != "ts"}]})
    assert problems({"traceEvents": [{**timed[0], "ph": "X", "dur": -1}]})
    assert problems({"traceEvents": [{**timed[0], "ph": "E"}]})  # an end with no begin
    assert problems([]) == ["not an object with a traceEvents list"]
