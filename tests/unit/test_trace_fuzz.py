"""A garbled console never crashes the parser: it reports what it could not
read and keeps every event it could. Fuzzed with hypothesis."""

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.trace import Event, Trace, Unreadable, parse_line, parse_text

GOOD = "@zvm vm-exit vm=0x1 code=0x0 reason=exit"


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_any_text_parses_to_an_event_an_unreadable_line_or_free_text(line):
    assert isinstance(parse_line(line), (Event, Unreadable, type(None)))


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_binary_noise_as_the_console_decodes_it(data):
    trace = parse_text(data.decode(errors="replace"))
    assert all(isinstance(e, Event) for e in trace.events)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=len(GOOD) - 1), st.text(max_size=40))
def test_a_trace_line_cut_in_half_by_other_output(cut, noise):
    trace = Trace()
    trace.add_line(GOOD[:cut] + noise)  # the rest of the line never came
    trace.add_line(GOOD)
    assert trace.events[-1].fields == {"vm": 1, "code": 0, "reason": "exit"}
    assert len(trace.events) <= 2


def test_interleaved_guest_output_stays_free_text():
    trace = parse_text("[vm0] hello @zvm boot el=0x2\n[vm1] @zvm vm-exit vm=0x0 code=0x0 "
                       "reason=exit\n" + GOOD + "\n")
    assert [e.name for e in trace.events] == ["vm-exit"] and trace.events[0]["vm"] == 1
    assert not trace.unreadable


def test_cut_lines_are_reported_not_dropped():
    trace = parse_text("@zvm vm-exit vm=0x1 co\n@zvm blk-done vm=0x0 seq=0x1 status=\n")
    assert [u.line_no for u in trace.unreadable] == [1, 2]
    assert [u.reason for u in trace.unreadable] == ["bad field 'co'", "bad field 'status='"]
