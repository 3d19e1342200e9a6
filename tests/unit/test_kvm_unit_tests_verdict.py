"""kvm-unit-tests' verdict read from its console (guests/kvm_unit_tests.py):
report lines as cases, and its SUMMARY held against the lines seen."""

from types import SimpleNamespace

from harness.guests.kvm_unit_tests import KIND
from harness.trace import parse_text

VM = SimpleNamespace(spec=SimpleNamespace(name="kut", options={"expect": "pass", "test": "timer"}))


def console(*lines: str):
    return parse_text("".join(f"[kut] {line}\n" for line in lines))


def test_each_report_line_is_a_case_with_its_outcome():
    trace = console("PASS: a: one", "SKIP: a: two", "FAIL: a: three", "XFAIL: a: four",
                    "XPASS: a: five", "INFO: not a case",
                    "SUMMARY: 5 tests, 2 unexpected failures, 1 expected failures, 1 skipped",
                    "EXIT: STATUS=3")
    cases = [(c.name, c.outcome) for c in KIND.payload_reports(trace, VM)]
    assert cases == [("a: one", "passed"), ("a: two", "skipped"), ("a: three", "failed"),
                     ("a: four", "passed"), ("a: five", "failed")]


def test_a_summary_that_agrees_with_the_lines_adds_nothing():
    trace = console("PASS: a", "SKIP: b", "SUMMARY: 3 tests, 1 skipped", "EXIT: STATUS=1")
    assert KIND.console_failures(trace, VM) == []


def test_a_report_line_lost_on_the_console_fails_the_run():
    """The test counted a failure its console never showed (the line lost
    between the guest and the log): the verdict says so, whatever STATUS."""
    trace = console("PASS: a", "SUMMARY: 2 tests, 1 unexpected failures", "EXIT: STATUS=1")
    assert KIND.console_failures(trace, VM) == [
        "kut: SUMMARY counts 1 unexpected failures, the console shows 0 FAIL/XPASS lines"]
    trace = console("PASS: a", "PASS: b", "SUMMARY: 1 tests", "EXIT: STATUS=1")
    assert KIND.console_failures(trace, VM) == [
        "kut: SUMMARY counts 1 tests, the console shows 2 report lines"]
