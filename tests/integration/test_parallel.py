"""Several runs at once on one machine: each has its own QMP socket pair,
console port, QEMU name and temporary directory, and none disturbs another."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.qemu


def test_concurrent_cli_runs_do_not_interfere(tmp_path):
    scenarios = ["two-vms-static", "dynamic-oom", "virtio-blk-two-vms", "lzo-swap"]
    runs = [subprocess.Popen([sys.executable, "-m", "harness", "run", "--scenario", name,
                              "--artifacts", str(tmp_path / name)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for name in scenarios]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    for name, run, out in zip(scenarios, runs, outputs):
        assert run.returncode == 0, out
        assert out.startswith(f"PASS: {name} ")
    names = {(tmp_path / name / "qemu-cmdline.txt").read_text().split("-name ")[1].split()[0]
             for name in scenarios}
    assert len(names) == len(scenarios)  # every QEMU had its own identity
