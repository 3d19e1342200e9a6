"""Zephyr, ZVM's other guest kind, as VMs under the hypervisor: its ztest
verdicts read from its console, each a case of its own; a FAIL line fails
the run; a VM laid out otherwise than Zephyr's board boots all the same; its
shell answers a pytest session; and it runs beside Linux."""

import time

import pytest

from harness.guests.zephyr import cases

pytestmark = pytest.mark.qemu

INVERTED = "tests/integration/scenarios/zephyr-inverted.toml"


def test_kernel_common_passes_case_by_case_beside_memstress(zvm_run):
    result = zvm_run("zephyr-kernel-common")
    assert result.passed, result.summary()
    zephyr = result.plan.vms[0]
    outcomes = {kind for kind, _ in cases(result.trace, zephyr)}
    assert outcomes <= {"PASS", "SKIP"} and len(cases(result.trace, zephyr)) >= 40
    assert [r.outcome for r in zephyr.kind.payload_reports(result.trace, zephyr)].count(
        "passed") == sum(kind == "PASS" for kind, _ in cases(result.trace, zephyr))
    assert result.trace.named("vm-exit", vm=0)[-1]["reason"] == "done"


def test_an_inverted_assertion_fails_the_run(zvm_run):
    result = zvm_run(INVERTED, cases=False)
    assert not result.passed
    assert "zephyr: ztest FAIL - test_a_sleep_lasts_its_time" in result.failures
    assert "zephyr: PROJECT EXECUTION FAILED" in result.failures


def test_a_vm_laid_out_otherwise_than_the_board_boots(zvm_run):
    """RAM at 0x80000000, 2 MiB: the build follows the VM's layout."""
    result = zvm_run("zephyr-vm-checks")
    assert result.passed, result.summary()
    assert result.trace.first("vm-create")["ipa"] == 0x8000_0000
    assert {kind for kind, _ in cases(result.trace, result.plan.vms[0])} == {"PASS"}


def test_synchronization_beside_linux(zvm_run, zvm_board):
    result = zvm_run("zephyr-and-linux")
    assert result.passed, result.summary()
    exits = {e["vm"]: e["reason"] for e in result.trace.named("vm-exit")}
    assert exits == {0: "done", 1: "psci-off"}


def test_its_shell_answers_a_session(zvm_vm_console):
    zephyr = zvm_vm_console("zephyr-shell", "zephyr")
    zephyr.sendline("")
    zephyr.expect(r"uart:~\$ ", timeout=30)
    zephyr.sendline("kernel version")
    zephyr.expect(r"Zephyr version 3\.6\.99")
    zephyr.sendline("help")
    zephyr.expect(r"Available commands:")


def test_an_idle_zephyr_leaves_counted_time_usable(zvm_session):
    """An idle Zephyr sets its timer months ahead, again at each expiry.
    Under counted time QEMU moves its clock to the next deadline at once
    when every CPU sleeps, so the hypervisor wakes at least every second of
    the counter: otherwise three seconds of the host would take the clock
    past QEMU's range, and QEMU would hang."""
    from harness.runner import DETERMINISTIC_ICOUNT, RunOptions

    with zvm_session("zephyr-shell", RunOptions(icount=DETERMINISTIC_ICOUNT)) as shell:
        shell.run("new -t zephyr")
        shell.run("run -n 0")
        time.sleep(3)
        assert any("zephyr-0" in line and "running" in line for line in shell.run("info"))
    assert shell.result.passed, shell.result.summary()
