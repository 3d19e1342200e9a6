"""LAVA jobs for every shipped scenario validate against LAVA's own schema
(Debian's lava-common), and a broken one does not; LAVA's logs are read in
both of their forms, the device's lines whatever their level."""

import re
from pathlib import Path

import pytest
import yaml

from harness.boards import load_board
from harness.build import build_hypervisor
from harness.lava import cases, log
from harness.lava.check import check_log
from harness.lava.job import validate, write_job
from harness.scenarios import list_scenarios, load_scenario

FIXTURES = Path(__file__).parent / "fixtures" / "lava"


@pytest.mark.parametrize("scenario", list_scenarios(), ids=lambda s: s.name)
def test_every_shipped_scenario_gives_a_valid_job(tmp_path, scenario):
    job = write_job(load_board("qemu-virt-gicv3"), scenario, tmp_path, tmp_path.as_uri())
    assert validate(job) == []
    data = yaml.safe_load(job.read_text())
    images = data["actions"][0]["deploy"]["images"]
    assert images["kernel"]["image_arg"] == "-kernel {kernel}"
    assert (tmp_path / "zvm.elf").exists()
    # The server's qemu template adds -nographic: without a serial port
    # asked for, -nodefaults would leave QEMU with none.
    assert "-serial stdio" in data["context"]["extra_options"]
    # A scenario in counted time always is so in LAVA too, its counter at 1 GHz.
    counted = [o for o in data["context"]["extra_options"] if o.startswith("-icount ")]
    assert counted == ([f"-icount shift={scenario.icount_shift},sleep=off"]
                       if scenario.counted_time else [])
    assert data["context"]["cpu"].endswith(",cntfrq=1000000000") == scenario.counted_time
    if scenario.vms:
        assert "addr=0x41000000" in images["blob0"]["image_arg"]  # the description


def test_a_job_lava_would_refuse_is_reported(tmp_path):
    job = write_job(load_board("qemu-virt-gicv3"), list_scenarios()[0], tmp_path,
                    tmp_path.as_uri())
    data = yaml.safe_load(job.read_text())
    data["actions"][2]["test"]["monitors"][0]["name"] = "not a valid name!"
    job.write_text(yaml.safe_dump(data))
    assert validate(job)


def test_a_case_passes_only_with_every_predicted_field():
    """The monitor's pattern matches a case line that agrees, and its end
    pattern stops (without reading it) at one that does not, as LAVA's
    pexpect searches them."""
    from harness.expect import Expected

    expected = [Expected("vm-exit", {"code": 0, "reason": "exit"}, {"vm": 1})]
    monitor = cases.monitor("zvm-hil", expected)
    pattern, end = (re.compile(monitor[k], re.DOTALL) for k in ("pattern", "end"))
    good = "@zvm vm-exit vm=0x1 code=0x0 reason=exit\r\n"
    match = pattern.search(good)
    assert match and monitor["fixupdict"][match["result"]] == "pass"
    assert cases.case_name(expected[0]) == re.sub(r"\W+", "_", match["test_case_id"].lower())
    assert end.search(good) is None
    for bad in ("@zvm vm-exit vm=0x1 code=0x1 reason=exit\r\n",
                "@zvm vm-exit vm=0x1 code=0x0 reason=fault\r\n"):
        assert pattern.search(bad) is None
        stop = end.search(bad)
        assert stop is not None and stop.start() == 0 and stop.group() == ""
        failures = cases.verdict(expected)["script"][0]["failures"]
        assert re.search(failures[0]["message"], bad)
        assert "vm_exit_vm_0x1" in failures[0]["error"]
    assert pattern.search("@zvm vm-exit vm=0x10 code=0x0 reason=exit\r\n") is None
    assert end.search("@zvm vm-exit vm=0x10 code=0x0 reason=exit\r\n") is None
    # A line not yet whole is neither.
    assert pattern.search(good[:-5]) is None and end.search(good[:-5]) is None


def test_a_field_written_with_leading_zeros_agrees():
    """The firmware writes some integers zero-padded (the build id, a CRC):
    the value is what counts."""
    from harness.expect import Expected

    expected = [Expected("boot", {"el": 2, "build": 0x910AECE576B4C3}, {})]
    monitor = cases.monitor("zvm-hil", expected)
    pattern, end = (re.compile(monitor[k], re.DOTALL) for k in ("pattern", "end"))
    line = "@zvm boot el=0x2 version=0x100 build=0x00910aece576b4c3 midr=0x411fd070\r\n"
    assert pattern.search(line) and end.search(line) is None
    assert pattern.search(line.replace("0x00910a", "0x00910b")) is None


def test_both_forms_of_a_log_give_the_same_console(tmp_path):
    stream = FIXTURES / "hello-feedback-ending.log"
    entries = log.read_entries(stream)
    server = tmp_path / "server.yaml"
    server.write_text(yaml.safe_dump(entries))
    assert log.console_lines(log.read_entries(server)) == log.console_lines(entries)
    assert log.verdict(entries) == []


def test_a_real_log_whose_last_line_is_feedback_passes_lava_check(tmp_path):
    """A real lava-run log (hello) in which the line that ended the monitor
    was logged at level feedback. Its boot line names the build it ran; the
    hypervisor built here now has another id, put in its place so that only
    the log's levels are on trial. It ran on one CPU."""
    text = (FIXTURES / "hello-feedback-ending.log").read_text()
    entries = [log.parse_entry(line) for line in text.splitlines()]
    assert [e["lvl"] for e in entries if str(e["msg"]).startswith("@zvm poweroff")] == ["feedback"]
    board, scenario = load_board("qemu-virt-gicv3-1cpu"), load_scenario("hello")
    build = build_hypervisor(scenario.variant, scenario.defines).build_id
    current = tmp_path / "job.log"
    current.write_text(re.sub(r"build=0x[0-9a-f]+", f"build={build:#x}", text))
    for _ in range(20):
        result = check_log(board, scenario, current)
        assert result.passed, result.summary()

    without = tmp_path / "target-only.log"
    without.write_text("".join(line + "\n" for line in current.read_text().splitlines()
                               if '"lvl": "feedback"' not in line))
    assert "the log ends before the firmware finished" in check_log(board, scenario,
                                                                    without).failures[0]


def test_a_log_that_is_not_one_is_named(tmp_path):
    bad = tmp_path / "bad.log"
    bad.write_text('{"dt": "x", "lvl": "info", "msg": "ok"}\nnot an entry: [\n')
    with pytest.raises(Exception, match=r"bad.log: not a LAVA job log: line 2"):
        log.read_entries(bad)
