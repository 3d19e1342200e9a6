"""The LAVA test cases of a job: one per check that the console alone
settles and the models predict before the run (the boot self-checks, each
VM created as planned, each VM's end: an exit, or the stop a hostile or
out-of-memory VM is expected to get).

LAVA's monitor reads the console through a 4000-character window, one
pattern for every case (one `test_case_id` and one `result` group) and an
end pattern. So:

- the pattern matches a case's line only when every predicted field is on
  it (a lookahead a field); its result is the space after the case's name,
  which the fixupdict maps to pass;
- a case's line that disagrees ends the monitor there (a zero-width
  alternative of the end pattern, so the line stays unread), and the test
  after it (`verdict`) fails the job on it with an error that names the
  case and what was expected; on a run that agreed, that test finds the
  rest of the firmware's last line and passes."""

import re

from ..checks.boot import boot_expectations, vm_expectations
from ..expect import Expected, show, show_fields

END = "@zvm poweroff"
REST_OF_END = r" reason=done ticks="  # what the monitor leaves of the last line
PANIC = "@zvm panic"
START = "(?=@zvm boot)"  # zero-width: the boot line is a case too
PASSED = " "  # the result group: the space after the case's name


def expectations(board, image, plan, prediction) -> list[Expected]:
    """The cases' expectations; `prediction`: the memory model's, made
    before the run (memblock.Prediction), for the VMs' ends."""
    out = boot_expectations(board, image) + (vm_expectations(plan) if plan else [])
    for vm in plan.vms if plan and prediction else ():
        for name, fields in prediction.events.get(vm.index, ()):
            if name == "vm-exit":
                out.append(Expected("vm-exit", {"code": fields["code"], "reason": fields["reason"]},
                                    {"vm": vm.index}))
    # The zpool at boot has no key of its own: the same event follows each
    # VM's checkpoint, with a `vm`.
    return [e for e in out if e.fields and e.event != "zpool"]


def _key(e: Expected) -> tuple[str, str]:
    """The text before the case's name on its line, and the name's text."""
    label = e.label()
    return ("[", label[1:]) if e.vm else ("@zvm ", label.removeprefix("@zvm "))


def field_on_line(key: str, value) -> str:
    """A lookahead: `key=value` (value as the trace writes it: an integer
    in hex, with any leading zeros) further on the line."""
    text = f"0x0*{value:x}" if isinstance(value, int) and not isinstance(value, bool) \
        else re.escape(show(value))
    return rf"(?=[^\n]* {re.escape(key)}={text}\s)"


def _agrees(e: Expected) -> str:
    """Lookaheads: each predicted field on the line."""
    return "".join(field_on_line(k, v) for k, v in e.fields.items())


def _disagrees(e: Expected) -> str:
    """A whole line of the case on which some predicted field differs."""
    lead, name = _key(e)
    return rf"(?<![^\n]){re.escape(lead + name)}(?=\s)(?!{_agrees(e)})(?=[^\n]*\n)"


def case_name(e: Expected) -> str:
    """The case's name as LAVA makes it from test_case_id."""
    return re.sub(r"\W+", "_", _key(e)[1].lower())


def monitor(name: str, expected: list[Expected]) -> dict:
    """A LAVA test monitor with one case per expectation."""
    keys = [_key(e) for e in expected]
    lead = "|".join(sorted({re.escape(lead) for lead, _ in keys}))
    case = "|".join(re.escape(text) for _, text in keys)
    agree = "|".join(f"(?<={re.escape(lead + text)}){_agrees(e)}"
                     for (lead, text), e in zip(keys, expected))
    # The lead stays outside test_case_id: cases read vm_exit_vm_0x1, boot...
    pattern = (rf"(?<![^\n])(?:{lead})(?P<test_case_id>{case})"
               rf"(?:{agree})(?P<result>\s)[^\n]*\n")
    disagree = "|".join(_disagrees(e) for e in expected)
    return {"name": name, "start": START, "end": rf"{re.escape(END)}|(?=(?:{disagree}))",
            "pattern": pattern, "fixupdict": {PASSED: "pass"}}


def verdict(expected: list[Expected]) -> dict:
    """The interactive test after the monitor: the job fails on the case
    line the monitor stopped at, naming it, or passes on the rest of the
    firmware's last line."""
    failures = [{"message": _disagrees(e), "exception": "TestError",
                 "error": f"zvm-hil case {case_name(e)}: expected {show_fields(e.fields)}"}
                for e in expected]
    failures.append({"message": re.escape(END), "exception": "TestError",
                     "error": "the monitor ended before the firmware's last line"})
    # Unnamed, the step's failure is the job's; the prompt (a panic) only
    # ends the step, as a failure.
    return {"name": "zvm-hil-verdict", "prompts": [PANIC], "script": [{
        "command": None, "wait_for_prompt": False,
        "successes": [{"message": REST_OF_END}], "failures": failures}]}
