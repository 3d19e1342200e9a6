"""The Zephyr guest kind (guests/zephyr.py): ztest's verdict read from its
console, the overlay written from the VM's layout, and the layouts refused."""

from types import SimpleNamespace

import pytest

from harness.errors import ConfigError
from harness.guests.zephyr import KIND, overlay
from harness.memory_map import VGICD_IPA, VGICR_FRAME, VGICR_IPA, VUART_IPA
from harness.spec import VmSpec
from harness.trace import parse_text

ZTEST = {"ztest": True, "stop_after": "", "stop_count": 1, "ram_ipa": 0x4000_0000,
         "app": "tests/kernel/common", "kconfig": {}}
VM = SimpleNamespace(spec=SimpleNamespace(name="zephyr", options=ZTEST))


def console(*lines: str):
    return parse_text("".join(f"[zephyr] {line}\n" for line in lines))


def test_each_case_line_is_a_case_with_its_outcome():
    trace = console("START - test_a", " PASS - test_a in 0.001 seconds",
                    " SKIP - test_b in 0.000 seconds", " FAIL - test_c in 0.002 seconds",
                    " - PASS - [s.test_a] duration = 0.001 seconds", "PROJECT EXECUTION FAILED")
    cases = [(c.name, c.outcome) for c in KIND.payload_reports(trace, VM)]
    assert cases == [("test_a", "passed"), ("test_b", "skipped"), ("test_c", "failed")]


def test_a_successful_project_adds_nothing():
    trace = console(" PASS - test_a in 0.001 seconds",
                    "SUITE PASS - 100.00% [s]: pass = 1, fail = 0, skip = 0, total = 1",
                    "PROJECT EXECUTION SUCCESSFUL")
    assert KIND.console_failures(trace, VM) == []


def test_a_fail_a_failed_suite_and_the_projects_end_each_fail_the_run():
    trace = console(" FAIL - test_c in 0.002 seconds",
                    "SUITE FAIL -  50.00% [s]: pass = 1, fail = 1, skip = 0, total = 2",
                    "PROJECT EXECUTION FAILED")
    assert KIND.console_failures(trace, VM) == [
        "zephyr: ztest FAIL - test_c",
        "zephyr: SUITE FAIL -  50.00% [s]: pass = 1, fail = 1, skip = 0, total = 2",
        "zephyr: PROJECT EXECUTION FAILED"]


def test_a_case_that_never_ends_fails_the_run():
    trace = console("START - test_a", " PASS - test_a in 0.001 seconds", "START - test_b",
                    "PROJECT EXECUTION SUCCESSFUL")
    assert KIND.console_failures(trace, VM) == [
        "zephyr: ztest case test_b started and never ended"]


def test_no_final_line_fails_the_run():
    assert KIND.console_failures(console(" PASS - test_a in 0.001 seconds"), VM) == [
        "zephyr: Zephyr printed no PROJECT EXECUTION line"]


def test_an_application_without_ztest_ends_at_its_own_line():
    spec = VmSpec("z", "zephyr", 4 << 20, {}, options={**ZTEST, "ztest": False,
                                                       "stop_after": "thread_b", "stop_count": 3})
    assert KIND.stop_line(spec) == ("thread_b", 3)
    assert KIND.stop_line(VmSpec("z", "zephyr", 4 << 20, {}, options=ZTEST)) == (
        "PROJECT EXECUTION ", 1)
    assert KIND.console_failures(console("anything"), SimpleNamespace(spec=spec)) == []


@pytest.mark.parametrize("ram, vcpus", [(0x8000_0000, 1), (0x4000_0000, 2)])
def test_the_overlay_places_ram_gic_and_uart_where_the_vm_has_them(ram, vcpus):
    spec = VmSpec("z", "zephyr", 2 << 20, {}, options={**ZTEST, "ram_ipa": ram}, vcpus=vcpus)
    text = overlay(spec, ram)
    assert f"reg = <0x0 {ram:#x} 0x0 {2 << 20:#x}>;" in text
    assert (f"reg = <0x0 {VGICD_IPA:#x} 0x0 0x10000>, "
            f"<0x0 {VGICR_IPA:#x} 0x0 {VGICR_FRAME * vcpus:#x}>;") in text
    assert f"reg = <0x0 {VUART_IPA:#x} 0x0 0x1000>;" in text
    assert KIND.ram_ipa(spec) == ram


@pytest.mark.parametrize("ram, why", [(0x4010_0000, "aligned"), (0x0800_0000, "above"),
                                      (0xFFE0_0000, "end by")])
def test_ram_where_it_cannot_be_is_refused(ram, why):
    spec = VmSpec("z", "zephyr", 4 << 20, {}, options={**ZTEST, "ram_ipa": ram})
    with pytest.raises(ConfigError, match=why):
        KIND.validate(spec, "s.toml", "vm[0]", True)


def test_more_than_one_vcpu_is_refused():
    spec = VmSpec("z", "zephyr", 4 << 20, {}, options=ZTEST, vcpus=2)
    with pytest.raises(ConfigError, match="one vCPU"):
        KIND.validate(spec, "s.toml", "vm[0]", True)
