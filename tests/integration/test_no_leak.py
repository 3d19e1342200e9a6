"""No data crosses from one VM to another through host memory: blocks a VM
is given, new or swapped back in, hold nothing of the VM that had that
memory before. (The golden checks verify every region; these tests make
sure the run really reused the earlier VM's memory and really swapped.)"""

import pytest

pytestmark = pytest.mark.qemu

FIRST, SECOND = 0, 1


def ranges(events):
    return [(e["pa"], e["pa"] + e["size"]) for e in events]


def test_blocks_from_an_exited_vm_come_zeroed_and_swap_back_intact(zvm_run):
    result = zvm_run("no-leak")
    assert result.passed, result.summary()
    trace = result.trace
    gone = next(i for i, e in enumerate(trace.events) if e.name == "vm-exit" and e["vm"] == FIRST)
    freed = ranges(trace.named("block-free", vm=FIRST))
    given_later = ranges(e for e in trace.events[gone:]
                         if e.name == "block-alloc" and e["vm"] == SECOND)
    reused = [b for b in given_later if any(f0 < b[1] and b[0] < f1 for f0, f1 in freed)]
    assert reused, "the second VM never got memory the first one had: nothing was tested"
    fresh = trace.named("fresh", guest="second")
    assert fresh and all(e["nonzero"] == 0 for e in fresh)
    swapped_in = trace.named("swap-in", vm=SECOND)
    assert {e["kind"] for e in swapped_in} >= {"zero", "lzo"}
    assert trace.named("memstress-done", guest="second")[0]["mismatches"] == 0
