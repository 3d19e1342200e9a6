"""kvm-unit-tests, a peer's conformance suite, as VMs under the hypervisor
(firmware_builds/kvm-unit-tests.toml): each test's verdict is read from its
own console, its report lines and its exit status."""

import dataclasses

import pytest

from harness.guests.kvm_unit_tests import exit_status, reports
from harness.scenarios import catalogued_scenarios, load_scenario

pytestmark = pytest.mark.qemu


@pytest.mark.parametrize("name", sorted(n for n in catalogued_scenarios() if n.startswith("kut-")))
def test_a_catalogued_test_ends_as_expected(zvm_run, name):
    result = zvm_run(name)
    assert result.passed, result.summary()
    vm = result.plan.vms[0]
    kinds = {kind for kind, _ in reports(result.trace, vm)}
    expect = vm.spec.options["expect"]
    assert exit_status(result.trace, vm) == {"pass": 1, "skip": 77, "abort": 127}[expect]
    if expect == "pass":
        assert "PASS" in kinds and "FAIL" not in kinds
    if expect == "skip":
        assert kinds == {"SKIP"}


def test_a_fail_line_of_the_payload_fails_the_run(zvm_run):
    """selftest setup told to expect 32 MiB in a 64 MiB VM: the test itself
    reports FAIL, and the run fails quoting it."""
    scenario = load_scenario("kut-selftest-setup")
    vm = scenario.vms[0]
    wrong = dataclasses.replace(vm, options={**vm.options, "args": "setup smp=1 mem=32"})
    result = zvm_run(dataclasses.replace(scenario, vms=(wrong,)), cases=False)
    assert not result.passed
    assert result.failures[0] == ("kut: FAIL: selftest: setup: mem: memory size matches "
                                  "expectation")
    assert result.failures[1].startswith("kut: kvm-unit-tests selftest exited with STATUS=")


def test_a_kvm_unit_tests_vm_beside_memstress_in_dynamic_memory(zvm_run):
    """Both golden-checked (result.passed): the test's verdict from its
    console, and memstress's memory, blocks and reports against the models,
    with the kvm-unit-tests VM's demand allocations in the same heap."""
    result = zvm_run("kut-beside-memstress")
    assert result.passed, result.summary()
    kut = result.plan.vms[0]
    assert exit_status(result.trace, kut) == 1
    assert {kind for kind, _ in reports(result.trace, kut)} == {"PASS"}
    assert result.trace.named("memstress-done", guest="mem0")[0]["mismatches"] == 0
    assert result.trace.named("block-alloc", vm=0) and result.trace.named("block-alloc", vm=1)
