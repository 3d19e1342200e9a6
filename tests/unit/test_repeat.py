"""What `--repeat` reports, on real traces (tests/unit/fixtures/): runs that
part are named with the first event where they do, in repro's words, and
each failure is counted across the runs."""

import re
from types import SimpleNamespace

from harness.bundle.read import read_bundle
from harness.repeat import compare

from test_judge import edit_console, unpack


def run_of(name: str, tmp_path, build: str | None = None):
    """A recorded run, as --repeat sees one; `build`: as if its image had that build id."""
    path = unpack(name, tmp_path / name)
    if build:
        edit_console(path, lambda t: re.sub(r" build=0x[0-9a-f]+", f" build={build}", t))
    bundle = read_bundle(path)
    return SimpleNamespace(trace=bundle.trace(), failures=bundle.result["failures"],
                           passed=bundle.result["passed"], scenario=bundle.scenario,
                           board=bundle.board)


def test_the_first_diverging_event_of_each_differing_run_is_named(tmp_path):
    # The same run, and one whose firmware dispatched in submission order (a
    # mutant's, its build id made the same so that the runs part where it acts).
    good = run_of("blk-two-vms", tmp_path)
    bad = run_of("blk-ioprio-ignored", tmp_path, build=hex(good.trace.first("boot")["build"]))
    repeated = compare([good, good, bad, good])
    assert repeated.passed == 3 and repeated.failing_runs() == [3]
    assert list(repeated.divergences) == [3]
    report = repeated.report().splitlines()
    assert report[0] == "4 runs of blk-two-vms-zero-disk on qemu-virt-gicv3: 3 passed"
    assert report[1] == "traces: 3 of 4 as run 1"
    assert report[2] == ("  run 3: diverged at event 21: recorded @zvm blk-dispatch "
                         "seq=0x4 vm=0x1, now @zvm blk-dispatch seq=0x0 vm=0x0")
    assert report[3].startswith(f"failed in 1 of 4 runs (3): {bad.failures[0]}")


def test_identical_runs_say_so(tmp_path):
    good = run_of("lzo-swap", tmp_path)
    assert compare([good, good, good]).report().splitlines()[1] == \
        "traces: all 3 identical (timing fields aside)"
