"""A real Linux guest: Debian's arm64 kernel under the hypervisor, its own
virtio_mmio and virtio_blk drivers as the front-end of the back-end."""

import dataclasses

import pytest

from harness.scenarios import load_scenario

pytestmark = [pytest.mark.qemu, pytest.mark.slow]


def test_linux_writes_and_reads_through_the_back_end(zvm_run):
    result = zvm_run("linux-virtio-blk")
    assert result.passed, result.summary()
    trace = result.trace
    assert trace.named("linux-done", guest="linux0")
    # Linux's own driver made the requests: ioprio and sizes of its choosing.
    assert {e["type"] for e in trace.named("blk-req", vm=0)} >= {0, 1, 4}
    # Its console reaches the serial output under the VM's name.
    assert any(text.startswith("[linux0] [") and "Power down" in text
               for _, text in trace.lines)
    exit_event = trace.named("vm-exit", vm=0)[0]
    assert (exit_event["code"], exit_event["reason"]) == (0, "psci-off")


def test_the_disk_check_fails_when_the_model_has_another_workload(zvm_run, monkeypatch):
    """The model is given a workload whose first write has another seed than
    the one Linux ran: the MD5 of the read back and the disk both differ."""
    from harness.guests import linux as linux_workload

    scenario = load_scenario("linux-virtio-blk")
    real = linux_workload.predict

    def other_workload(share, requests):
        changed = (dataclasses.replace(requests[0], seed=requests[0].seed + 1),) + requests[1:]
        return real(share, changed)

    monkeypatch.setattr(linux_workload, "predict", other_workload)
    result = zvm_run(scenario)
    assert not result.passed
    assert any(f.startswith("disk image: first difference at byte 0x1000 (sector 0x8, linux0's)")
               for f in result.failures), result.failures
    assert any(f.startswith("[linux0] @guest linux-in idx=0x1 md5") for f in result.failures)


def test_a_linux_panic_fails_the_run_with_its_first_lines(zvm_run):
    scenario = load_scenario("linux-virtio-blk")
    crashing = dataclasses.replace(scenario.vms[0], params={"crash": 1})
    result = zvm_run(dataclasses.replace(scenario, vms=(crashing,)))
    assert not result.passed
    assert result.failures[0].startswith("linux0: Linux crashed: Kernel panic - not syncing: "
                                         "sysrq triggered crash"), result.failures


def test_linux_next_to_memstress_in_dynamic_memory(zvm_run):
    result = zvm_run("linux-and-memstress")
    assert result.passed, result.summary()
    trace = result.trace
    assert trace.named("linux-done", guest="linux0")
    assert trace.named("memstress-done", guest="mem0")[0]["mismatches"] == 0
    # Linux's memory came on demand, next to mem0's: blocks beyond its
    # footprint, allocated once every VM was created (and so running).
    running = max(i for i, e in enumerate(trace.events) if e.name == "vm-create")
    assert any(e.name == "block-alloc" and e["vm"] == 0 for e in trace.events[running:])
