"""Reproducing bugs: deterministic traces under icount, bundles that repro
rerun exactly, a changed image found out, record and replay, gdb, and the
same scenario over every console transport."""

import dataclasses
import json
import shlex
import subprocess
import sys

import pytest

from harness.boards import load_board
from harness.bundle.write import write_bundle
from harness.errors import ConfigError
from harness.repro import comparable, repro
from harness.runner import DETERMINISTIC_ICOUNT, RunOptions, run_scenario
from harness.scenarios import load_scenario
from tests.conftest import run_a_failing_test

pytestmark = pytest.mark.qemu


def events(result):
    return [comparable(e.name, e.vm, e.fields) for e in result.trace.events]


def test_two_runs_under_icount_give_identical_traces(zvm_board):
    scenario = load_scenario("dynamic-oom")  # three VMs interleaving on the heap
    options = RunOptions(icount=DETERMINISTIC_ICOUNT)
    first, second = (run_scenario(zvm_board, scenario, options=options) for _ in range(2))
    assert first.passed and second.passed
    assert [str(e) for e in first.trace.events] == [str(e) for e in second.trace.events]


# smp-memstress: two VMs of two vCPUs each on four physical CPUs.
@pytest.mark.parametrize("name", ["two-vms-static", "smp-memstress"])
def test_a_bundle_reproduces(zvm_board, tmp_path, name):
    result = run_scenario(zvm_board, load_scenario(name),
                          options=RunOptions(icount=DETERMINISTIC_ICOUNT))
    bundle = write_bundle(tmp_path / "bundle", result)
    outcome = repro(bundle)
    assert outcome.reproduced, outcome.message
    assert outcome.message == f"reproduced: {len(result.trace.events)} events, passing again"
    assert not outcome.changed_images


def test_a_changed_image_reports_the_divergence(zvm_board, tmp_path):
    result = run_scenario(zvm_board, load_scenario("hello"))
    bundle = write_bundle(tmp_path / "bundle", result)
    elf = bundle / "images" / result.image.path.name
    data = elf.read_bytes()
    elf.write_bytes(data.replace(b"zvm-hil lzo selftest ", b"zvm-hil LZO selftest "))
    outcome = repro(bundle)
    assert not outcome.reproduced
    assert outcome.changed_images == [elf.name]
    assert outcome.message.startswith("diverged at event 2: recorded @zvm lzo-selftest")


def test_record_then_replay_gives_the_same_trace(zvm_board, tmp_path):
    """On one CPU: QEMU 7.2 records and replays no more (the next test)."""
    scenario, board = load_scenario("virtio-blk-two-vms"), load_board("qemu-virt-gicv3-1cpu")
    rr = tmp_path / "replay.bin"
    recorded = run_scenario(board, scenario, options=RunOptions(record=rr))
    replayed = run_scenario(board, scenario, options=RunOptions(replay=rr))
    assert recorded.passed and replayed.passed, replayed.summary()
    # Replay is exact: even the counter readings (timing fields) repeat.
    assert [str(e) for e in recorded.trace.events] == [str(e) for e in replayed.trace.events]
    assert replayed.disk_after == recorded.disk_after


def test_recording_on_several_cpus_is_refused_saying_why(zvm_board, tmp_path):
    four = dataclasses.replace(zvm_board, cpus=4)
    with pytest.raises(ConfigError, match=r"qemu.cpus: QEMU's record runs one CPU only"):
        run_scenario(four, load_scenario("hello"), options=RunOptions(record=tmp_path / "rr"))


@pytest.mark.parametrize("transport", ["stdio", "pty", "tcp"])
def test_the_same_scenario_over_every_console(zvm_run, zvm_board, transport):
    board = dataclasses.replace(zvm_board, console=transport)
    result = zvm_run("two-vms-static", board=board)
    assert result.passed, result.summary()
    assert len(result.trace.events) == 114 + zvm_board.cpus - 1  # every CPU's start too


def test_gdb_attaches_and_stops_at_a_hypervisor_function(tmp_path):
    run = subprocess.Popen([sys.executable, "-m", "harness", "run", "--scenario", "hello",
                            "--gdb"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        command = shlex.split(run.stdout.readline())
        assert command[0].endswith("gdb-multiarch"), command
        gdb = subprocess.run(command + ["-batch", "-ex", "break lzo_selftest", "-ex", "continue",
                                        "-ex", "bt 1", "-ex", "detach"],
                             capture_output=True, text=True, timeout=60)
        assert "Breakpoint 1, lzo_selftest () at" in gdb.stdout, gdb.stdout + gdb.stderr
        assert "lzo_selftest.c" in gdb.stdout
        rest = run.communicate(timeout=60)[0]
        assert run.returncode == 0 and "PASS: hello" in rest
    finally:
        run.kill()
        run.wait()


def test_a_failing_test_leaves_a_bundle_that_repro_reproduces(tmp_path):
    artifacts = tmp_path / "artifacts"
    done = run_a_failing_test(tmp_path, f"--artifacts={artifacts}")
    assert done.returncode == 1, done.stdout
    bundles = list(artifacts.glob("*/0-guest-crash"))
    assert len(bundles) == 1 and str(bundles[0]) in done.stdout  # the failure names it
    assert json.loads((bundles[0] / "result.json").read_text())["passed"] is False
    cli = subprocess.run([sys.executable, "-m", "harness", "repro", str(bundles[0])],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert cli.stdout.strip().endswith("events, the same failure")
