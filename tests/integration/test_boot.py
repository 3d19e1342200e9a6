"""The hypervisor on QEMU: EL2 boot, self-checks against the models, clean
power-off, panics and hangs reported, and no QEMU left behind."""

import dataclasses
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import QemuError
from harness.models import selftest
from tests.conftest import alive, children_of, processes_running

pytestmark = pytest.mark.qemu


def test_hello_boots_at_el2_and_matches_the_models(zvm_run):
    result = zvm_run("hello")
    assert result.passed, result.summary()
    boot = result.trace.first("boot")
    assert boot["el"] == 2 and boot["build"] == result.image.build_id
    lzo = result.trace.first("lzo-selftest")
    assert {k: lzo[k] for k in ("len", "clen", "hash", "ok")} == selftest.lzo_selftest()
    assert result.shutdown_reason == "guest-shutdown"
    assert processes_running(f"zvm-hil:{result.run_id}") == []


def test_a_wrong_model_fails_the_golden_check(zvm_run, monkeypatch):
    truth = selftest.lzo_selftest()
    monkeypatch.setattr(selftest, "lzo_selftest", lambda: {**truth, "clen": truth["clen"] + 1})
    result = zvm_run("hello")
    assert not result.passed
    assert result.failures == [
        f"@zvm lzo-selftest clen: expected {truth['clen'] + 1:#x}, got {truth['clen']:#x}"]


def test_el2_panic_is_decoded_and_fails_the_run(zvm_run, test_scenario):
    result = zvm_run(test_scenario("el2-panic"))
    assert not result.passed and result.exit_code == 1
    message = result.failures[0]
    assert message.startswith("hypervisor panic: EC 0x25 (data abort without a change in EL): "
                              "translation fault, level 1, read")
    assert "far=0x100000000" in message and "vector cur-spx-sync" in message
    assert processes_running(f"zvm-hil:{result.run_id}") == []


def test_hang_becomes_a_timeout_naming_the_last_event(zvm_run, test_scenario):
    result = zvm_run(test_scenario("el2-hang"), timeout=1.5)
    assert result.timed_out and result.exit_code == 3
    last = result.trace.events[-1]  # the start-up's last: the last CPU up, or the LZO self-test
    assert last.name == ("cpu-up" if result.board.cpus > 1 else "lzo-selftest")
    assert result.failures[0] == f"timeout after 1.5 s; last trace event: {last}"
    assert processes_running(f"zvm-hil:{result.run_id}") == []


def test_qemu_that_cannot_start_is_a_setup_error_with_its_stderr(zvm_run, zvm_board):
    broken = dataclasses.replace(zvm_board, extra_args=("-no-such-option",))
    with pytest.raises(QemuError, match="QEMU exited while starting .*no-such-option"):
        zvm_run("hello", board=broken)


def test_cli_run_exits_zero_and_prints_a_summary(capsys):
    assert main(["run", "--board", "qemu-virt-gicv3", "--scenario", "hello"]) == 0
    assert capsys.readouterr().out.startswith("PASS: hello on qemu-virt-gicv3")


def test_ctrl_c_tears_qemu_down(test_scenario):
    from harness.build import build_hypervisor
    from harness.scenarios import load_scenario

    hang = load_scenario(test_scenario("el2-hang"))
    build_hypervisor(hang.variant, hang.defines)  # so that the run below starts QEMU at once
    proc = subprocess.Popen([sys.executable, "-m", "harness", "run", "--scenario",
                             test_scenario("el2-hang"), "--timeout", "60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline, qemu = time.monotonic() + 20, []
    while not qemu and time.monotonic() < deadline:
        qemu = [pid for pid in children_of(proc.pid)
                if "zvm-hil:" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]
        time.sleep(0.02)
    assert qemu, "QEMU never started"
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err.decode()
    assert err.decode().strip() == "zvm-hil: interrupted"
    assert not any(alive(pid) for pid in qemu)


def test_output_piped_into_head_ends_quietly():
    """`zvm-hil run ... | head -1`: the reader closes the pipe; no traceback."""
    done = subprocess.run(f"{sys.executable} -m harness run --scenario lzo-swap -v | head -1",
                          shell=True, capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("@zvm boot ") and done.stdout.count("\n") == 1
    assert done.stderr == ""
