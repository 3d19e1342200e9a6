from harness.trace import Event, Unreadable, parse_line, parse_text


def test_event_with_hex_and_word_values():
    e = parse_line("@zvm panic kind=cur-spx-sync ec=0x25 far=0x100000000\r\n", 7)
    assert isinstance(e, Event)
    assert (e.name, e["kind"], e["ec"], e["far"], e.line_no) == ("panic", "cur-spx-sync",
                                                               0x25, 0x100000000, 7)
    assert str(e) == "@zvm panic kind=cur-spx-sync ec=0x25 far=0x100000000"


def test_free_text_is_not_an_event():
    assert parse_line("hello from vm0") is None
    assert parse_line("[vm0] @zvm boot el=0x2 version=0x1 build=0x1") is None


def test_unreadable_lines_say_why():
    cases = {
        "@zvm Boot el=0x2": "bad event name",
        "@zvm teleport x=0x1": "unknown event",
        "@zvm boot el=2 version=0x1 build=0x1": "integers are 0x hex",
        "@zvm boot el version=0x1 build=0x1": "bad field",
        "@zvm boot el=0x2 el=0x2 version=0x1 build=0x1": "repeated field",
        "@zvm boot el=0x2": "lacks build, version",
        "@zvm ": "bad event name",
    }
    for line, reason in cases.items():
        parsed = parse_line(line, 3)
        assert isinstance(parsed, Unreadable), line
        assert reason in parsed.reason and parsed.line_no == 3


def test_trace_collects_events_and_unreadable_lines():
    trace = parse_text("noise\n@zvm boot el=0x2 version=0x100 build=0xab\n"
                       "@zvm bogus\n@zvm poweroff reason=done\n")
    assert [e.name for e in trace.events] == ["boot", "poweroff"]
    assert trace.first("boot")["build"] == 0xAB
    assert trace.last_event.name == "poweroff"
    assert [u.line_no for u in trace.unreadable] == [3]
    assert len(trace.lines) == 4


def test_the_guest_events_documented_are_the_kinds_own():
    """docs/trace-protocol.md's guest table and the guest kinds' `events`
    name the same events with the same keys."""
    import re
    from pathlib import Path

    from harness.guests import guest_events

    doc = (Path(__file__).parents[2] / "docs" / "trace-protocol.md").read_text()
    rows = re.findall(r"^\| `([a-z0-9-]+)` \|([^|]*)\|", doc.split("## Guest events")[1], re.M)
    assert {name: frozenset(re.findall(r"`([a-z0-9-]+)`", keys)) for name, keys in rows} == \
        guest_events()
