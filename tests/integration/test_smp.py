"""Several physical CPUs (docs/smp.md): the default board's four are all
started, each reporting the MPIDR it reads once set up. Every shipped
scenario runs on the default board in test_determinism.py (twice, every
check) and on the one-CPU board through LAVA (test_lava_dispatcher.py)."""

import pytest

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
