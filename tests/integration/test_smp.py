"""Several physical CPUs (docs/smp.md): the default board's four are all
started, each reporting the MPIDR it reads once set up. Every shipped
scenario runs on the default board in test_determinism.py (twice, every
check) and on the one-CPU board through LAVA (test_lava_dispatcher.py)."""

import pytest

from harness.boards import load_board

pytestmark = pytest.mark.qemu


def test_every_cpu_of_the_board_is_started(zvm_run, zvm_board):
    result = zvm_run("hello")
    assert result.passed, result.summary()
    ups = result.trace.named("cpu-up")
    assert [(e["index"], e["mpidr"]) for e in ups] == [(cpu, 1 << 31 | cpu)
                                                    for cpu in range(1, zvm_board.cpus)]


def test_vcpus_of_one_vm_on_several_cpus_swap_each_others_blocks(zvm_run):
    """smp-memstress: two 2-vCPU VMs on four CPUs, every event as the models
    predict; blocks come back from swap through faults taken on CPUs other
    than the one whose fault swapped them out."""
    result = zvm_run("smp-memstress")
    assert result.passed, result.summary()
    swapped_by, crossed = {}, 0
    for e in result.trace.events:
        if e.name == "swap-out":
            swapped_by[e["vm"], e["ipa"]] = e.cpu
        elif e.name == "swap-in":
            crossed += swapped_by.pop((e["vm"], e["ipa"])) != e.cpu
    assert crossed > 10


def test_vms_on_two_cpus_notify_the_back_end_side_by_side(zvm_run):
    """smp-virtio: each VM's requests come from the CPU it is placed on;
    every round in ioprio order with its barriers, the disk byte for byte."""
    result = zvm_run("smp-virtio")
    assert result.passed, result.summary()
    assert {(e["vm"], e.cpu) for e in result.trace.named("blk-req")} == {(0, 0), (1, 1)}


@pytest.mark.parametrize("name", ["smp-memstress", "smp-virtio", "kut-psci"])
def test_on_parallel_tcg_the_checks_that_do_not_depend_on_interleaving_pass(zvm_run, name):
    """The same scenarios with each CPU a host thread of its own, as a
    multi-core board runs them: no counted time, no fixed interleaving."""
    result = zvm_run(name, board=load_board("qemu-virt-gicv3-parallel"))
    assert result.passed, result.summary()


def test_linux_with_its_vcpus_on_two_cpus(zvm_run):
    """linux-smp, its vCPUs on CPUs 0 and 1 (memstress on CPU 2): both
    online, the disk workload byte for byte, every check on."""
    result = zvm_run("linux-smp")
    assert result.passed, result.summary()
    assert {e.cpu for e in result.trace.named("blk-req")} <= {0, 1}
    # mem0's blocks: those backed at its creation on the boot CPU, the rest
    # on demand from its own CPU
    assert {e.cpu for e in result.trace.named("block-alloc", vm=1)} == {0, 2}
