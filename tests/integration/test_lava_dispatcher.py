"""Scenarios through LAVA's own dispatcher: the job a farm would get, the
device dictionary rendered from LAVA's templates, lava-run as root in a
network namespace. LAVA must pass them (`job: pass`, every case a pass) and
so must lava-check on the log lava-run wrote; a firmware mutant fails both,
each naming the check."""

import os
import shutil
import subprocess
import sys

import pytest

from harness.boards import load_board
from harness.lava import log
from harness.lava.check import check_log
from harness.pytest_plugin import skip_unless_reachable
from harness.runner import RunOptions
from harness.scenarios import list_scenarios
from tests.conftest import processes_running

pytestmark = pytest.mark.qemu

LAVA = RunOptions(via="lava")
# The four, one of each kind of job: bare, VMs, the disk, Linux.
FIRST = ["hello", "two-vms-static", "virtio-blk-two-vms", "linux-virtio-blk"]


@pytest.fixture(autouse=True)
def lava_run_here():
    skip_unless_reachable("lava")


def results(result) -> list[dict]:
    return log.results([e for e in map(log.parse_entry,
                                       result.target_files["lava-run.log"].splitlines()) if e])


def check_in_lava_and_lava_check(result, tmp_path):
    assert result.passed, result.summary()
    found = results(result)
    assert {"definition": "lava", "case": "job", "result": "pass"} in found
    # The monitor's cases; with the shell, each line the job typed.
    suite = "0_zvm-shell" if result.scenario.shell else "zvm-hil"
    cases = [r for r in found if r["definition"] == suite]
    assert cases and all(r["result"] == "pass" for r in cases), cases
    if result.scenario.shell:
        assert len(cases) == len(result.scenario.shell_script) + 2  # the first prompt, power-off
    else:
        exits = {r["case"] for r in cases if r["case"].startswith("vm_exit")}
        assert exits == {f"vm_exit_vm_{vm:#x}" for vm in range(len(result.scenario.vms))}
    log_file = tmp_path / "lava-run.log"
    log_file.write_text(result.target_files["lava-run.log"])
    checked = check_log(result.board, result.scenario, log_file)
    assert checked.passed, checked.summary()
    assert processes_running(f"zvm-hil:{result.run_id}") == []


@pytest.mark.parametrize("scenario", FIRST)
def test_a_scenario_passes_in_lava_and_in_lava_check(zvm_run, tmp_path, scenario):
    check_in_lava_and_lava_check(zvm_run(scenario, options=LAVA), tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list_scenarios(), ids=lambda s: s.name)
def test_every_shipped_scenario_passes_in_lava_on_one_cpu(zvm_run, tmp_path, scenario):
    """On the one-CPU board: every scenario passes there too (docs/smp.md),
    as the default board's four run them everywhere else."""
    result = zvm_run(scenario, options=LAVA, board=load_board("qemu-virt-gicv3-1cpu"))
    check_in_lava_and_lava_check(result, tmp_path)
    assert not result.trace.named("cpu-up")


def test_a_mutant_fails_in_lava_and_in_lava_check(tmp_path):
    """liblzo2's other compressor (mutants/firmware.toml,
    lzo-wrong-compressor): LAVA's job fails on the lzo-selftest case, and
    lava-check on its log names the same check."""
    import tomllib

    from harness import paths

    mutant = next(m for m in tomllib.loads((paths.REPO / "mutants" / "firmware.toml")
                                           .read_text())["mutant"]
                  if m["name"] == "lzo-wrong-compressor")
    tree = tmp_path / "firmware"
    shutil.copytree(paths.FIRMWARE, tree, ignore=shutil.ignore_patterns("scenarios"))
    shutil.copytree(paths.SCENARIOS, tree / "scenarios")
    source = tree / mutant["file"]
    source.write_text(source.read_text().replace(mutant["old"], mutant["new"]))
    env = {**os.environ, "ZVM_HIL_FIRMWARE": str(tree)}
    zvm = [sys.executable, "-m", "harness"]
    bundle = tmp_path / "bundle"
    run = subprocess.run([*zvm, "run", "--scenario", "hello", "--via", "lava",
                          "--artifacts", str(bundle)], env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "LAVA job: fail (zvm-hil case lzo_selftest: expected" in run.stdout
    entries = log.read_entries(bundle / "lava-run.log")
    job = [r for r in log.results(entries) if r["case"] == "job"]
    assert job[0]["result"] == "fail" and "lzo_selftest" in job[0]["error_msg"]

    checked = subprocess.run([*zvm, "lava-check", "--scenario", "hello",
                              str(bundle / "lava-run.log")], env=env, capture_output=True,
                             text=True, timeout=300)
    assert checked.returncode == 1
    assert "@zvm lzo-selftest hash: expected" in checked.stdout, checked.stdout
    assert "LAVA job: fail (zvm-hil case lzo_selftest" in checked.stdout


def test_a_test_file_runs_unchanged_through_lava():
    """tests/integration/test_timers.py as it is, with --via lava: each of
    its zvm_run calls a job in lava-run."""
    from pathlib import Path

    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(Path(__file__).parent / "test_timers.py"), "--via", "lava"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout


def test_a_qemu_that_dies_under_lava_fails_the_run_saying_so(zvm_run, zvm_board):
    """QEMU refuses its command line inside the job: the run ends at once
    with LAVA's own verdict, and nothing is left running."""
    import dataclasses

    broken = dataclasses.replace(zvm_board, extra_args=("-no-such-option",))
    result = zvm_run("hello", options=LAVA, board=broken)
    assert result.failures == [
        "console closed before the firmware finished: lava-run ended (LAVA's verdict follows); "
        "last trace event: none", "LAVA job: fail (Connection closed)"]
    assert processes_running(f"zvm-hil:{result.run_id}") == []
