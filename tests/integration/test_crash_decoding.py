"""A panicking hypervisor and a crashing guest: the failure says what
happened in words and where, function and line, from the ELF's DWARF."""

import re

import pytest

from harness.bundle.write import write_bundle
from tests.conftest import processes_running

pytestmark = pytest.mark.qemu


def test_hypervisor_panic_names_function_and_line(zvm_run, test_scenario, tmp_path):
    result = zvm_run(test_scenario("el2-panic"))
    message = result.failures[0]
    assert re.search(r"translation fault, level 1, read in (hyp_main|selftest_panic) "
                     r"\(main\.c:\d+\) at elr=0x4020", message), message
    assert (write_bundle(tmp_path / "bundle", result) / "serial.log").exists()
    assert processes_running(f"zvm-hil:{result.run_id}") == []


def test_guest_fault_names_function_and_line(zvm_run, test_scenario):
    result = zvm_run(test_scenario("guest-crash"))
    assert not result.passed
    decoded = [f for f in result.failures if f.startswith("vm0 fault:")]
    assert decoded and re.search(r"EC 0x24 \(data abort from a lower EL\): translation fault, "
                                 r"level \d, read in guest_main \(main\.c:\d+\) at elr=0x4000",
                                 decoded[0]), result.failures
    assert "ipa=0x50000000" in decoded[0]
