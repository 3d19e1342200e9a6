"""The physical-board path end to end: a serial board whose power and load
commands drive a stand-in (QEMU serving its console over TCP), the console
read through pyserial, the checks that need only the console."""

import sys
from pathlib import Path

import pytest

from harness.boards import load_board
from tests.conftest import processes_running

pytestmark = pytest.mark.qemu

FAKE = Path(__file__).parent.parent / "fake_board.py"


def board_port() -> int:
    """A port for the stand-in board's console, free now and outside the
    kernel's ephemeral range: the board holds it only while powered on, and
    in between a port from bind(0) (another run's gdb stub, a connection)
    could take it, leaving the console to whatever listens there."""
    import random
    import socket

    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    while True:
        port = random.randrange(max(1024, low - 12000), low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def serial_board(tmp_path, port):
    pidfile = tmp_path / "board.pid"
    control = f'"{sys.executable}", "{FAKE}"'
    path = tmp_path / "lab-board.toml"
    path.write_text(f"""
[board]
name = "lab-board"
kind = "serial"
[serial]
port = "socket://127.0.0.1:{port}"
[power]
on = [{control}, "start", "--pidfile", "{pidfile}", "--port", "{port}",
      "--hypervisor", "{{hypervisor}}", "--loaders", "{{loaders}}"]
off = [{control}, "stop", "--pidfile", "{pidfile}"]
""")
    return load_board(str(path))


@pytest.mark.parametrize("scenario", ["hello", "two-vms-static", "shell-session"])
def test_a_scenario_runs_on_a_serial_board(zvm_run, tmp_path, scenario):
    port = board_port()
    result = zvm_run(scenario, board=serial_board(tmp_path, port))
    assert result.passed, result.summary()
    assert result.trace.first("boot")["build"] == result.image.build_id
    assert processes_running(f"port={port},") == []  # powered off


def test_a_power_command_that_fails_is_named(zvm_run, tmp_path):
    board = serial_board(tmp_path, board_port())
    import dataclasses

    broken = dataclasses.replace(board, power_on=("false",))
    with pytest.raises(Exception, match=r"lab-board.toml: power.on: false exited 1"):
        zvm_run("hello", board=broken)


def test_a_console_that_closes_early_fails_the_run_and_powers_off(zvm_run, tmp_path,
                                                                  test_scenario):
    """The board's console goes away mid-run (here: the board dies): the run
    ends at once with the reason, and the board is powered off."""
    import os
    import signal
    import threading
    import time

    port = board_port()
    board, pidfile = serial_board(tmp_path, port), tmp_path / "board.pid"

    def pull_the_plug():
        deadline = time.monotonic() + 20
        while not pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        os.killpg(int(pidfile.read_text()), signal.SIGKILL)

    threading.Thread(target=pull_the_plug, daemon=True).start()
    started = time.monotonic()
    result = zvm_run(test_scenario("el2-hang"), board=board, timeout=30)
    assert not result.passed and not result.timed_out
    assert time.monotonic() - started < 20
    assert result.failures[0].startswith("console closed before the firmware finished"), \
        result.failures
    assert processes_running(f"port={port},") == []


def test_the_shell_tests_run_unchanged_on_a_serial_board(tmp_path):
    """tests/integration/test_shell.py as it is, with --board naming the
    stand-in serial board: a session's send and expect go through pyserial
    as on a physical board's tty."""
    import subprocess

    board = serial_board(tmp_path, board_port())
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:randomly", str(Path(__file__).parent / "test_shell.py"),
                           "--board", str(board.path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
