"""Faults of the environment: QEMU killed or hung mid-run, a console that
closes early, a disk image gone, a QEMU that will not start. Each ends in a
clear failure and a bundle, with no process, socket or temporary file left."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from harness.bundle.write import write_bundle
from harness.errors import QemuError
from harness.qemu import QemuProcess
from harness.runner import RunOptions, run_scenario
from harness.scenarios import load_scenario
from tests.conftest import INTEGRATION_SCENARIOS, alive, children_of, processes_running

pytestmark = pytest.mark.qemu

HANG = str(INTEGRATION_SCENARIOS / "el2-hang.toml")


def open_fds() -> set[str]:
    return {os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
            if os.path.exists(f"/proc/self/fd/{fd}")}


def run_and_hit(board, scenario, hit, timeout=20):
    """Runs in a thread; `hit(qemu_pid)` once QEMU is up. Returns (result, pid)."""
    out = {}
    worker = threading.Thread(target=lambda: out.setdefault(
        "result", run_scenario(board, load_scenario(scenario), options=RunOptions(timeout=timeout))))
    before = set(children_of(os.getpid()))
    worker.start()
    deadline, pid = time.monotonic() + 20, None
    while pid is None and time.monotonic() < deadline:
        new = [p for p in children_of(os.getpid()) if p not in before]
        pid = new[0] if new else None
        time.sleep(0.02)
    assert pid, "QEMU never started"
    time.sleep(0.5)
    hit(pid)
    worker.join(60)
    assert not worker.is_alive(), "the run did not end"
    return out["result"], pid


def assert_nothing_left(result, pid, fds_before):
    assert not alive(pid)
    assert not result.workdir or not Path(result.workdir).exists()  # a bare boot has none
    leaked = {fd for fd in open_fds() - fds_before if "socket" in fd or "zvm-hil" in fd}
    assert not leaked


def test_qemu_killed_mid_run(zvm_board, tmp_path):
    fds = open_fds()
    result, pid = run_and_hit(zvm_board, HANG, lambda pid: os.kill(pid, signal.SIGKILL))
    assert not result.passed
    assert result.failures[0].startswith("console closed before the firmware finished: QEMU "
                                         "exited (killed by signal SIGKILL)")
    assert f"last trace event: {result.trace.events[-1]}" in result.failures[0]
    assert result.trace.events[-1].name in ("cpu-up", "lzo-selftest")  # the start-up's end
    assert (write_bundle(tmp_path / "bundle", result) / "result.json").exists()
    assert_nothing_left(result, pid, fds)


def test_qemu_hung_mid_run(zvm_board, tmp_path):
    fds = open_fds()
    started = time.monotonic()
    result, pid = run_and_hit(zvm_board, HANG, lambda pid: os.kill(pid, signal.SIGSTOP),
                              timeout=3)
    assert result.timed_out and result.failures[0].startswith("timeout after 3 s")
    assert time.monotonic() - started < 15  # teardown does not wait on the stopped QEMU
    assert (write_bundle(tmp_path / "bundle", result) / "serial.log").exists()
    assert_nothing_left(result, pid, fds)


def test_the_disk_image_gone_before_qemu_opens_it(zvm_run, monkeypatch):
    real_start = QemuProcess.start

    def start_without_disk(self):
        for arg in self.cmd:
            if arg.startswith("file=") and "disk.img" in arg:
                Path(arg[5:].split(",")[0]).unlink()
        return real_start(self)

    monkeypatch.setattr(QemuProcess, "start", start_without_disk)
    with pytest.raises(QemuError, match=r"QEMU exited while starting .*disk\.img"):
        zvm_run("virtio-blk-one-vm")


def test_a_read_only_disk_fails_the_writes_and_loses_nothing(zvm_run, monkeypatch, tmp_path):
    """The disk image opened read-only (as a locked or read-only file would
    be): every write comes back IOERR to the guest, the run fails naming the
    statuses, and the image is as it was."""
    real_start = QemuProcess.start

    def start_read_only(self):
        self.cmd = [f"{arg},readonly=on" if arg.startswith("file=") and "disk.img" in arg
                    else arg for arg in self.cmd]
        return real_start(self)

    monkeypatch.setattr(QemuProcess, "start", start_read_only)
    result = zvm_run("virtio-blk-one-vm")
    assert not result.passed
    assert any(f.startswith("[vm0] @guest blk idx=0x0 status: expected 0x0, got 0x1")
               for f in result.failures), result.failures
    assert result.disk_after == result.disk_before
    assert (write_bundle(tmp_path / "bundle", result) / "disk-after.img").exists()
    assert processes_running(f"zvm-hil:{result.run_id}") == []
    assert not result.workdir or not Path(result.workdir).exists()  # a bare boot has none
