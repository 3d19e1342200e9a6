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
