"""Runs on a physical board: power and load through the board's own
commands, the console through pyserial (the same Console as QEMU's pty and
TCP transports), and the checks that need nothing but the console."""

import subprocess
import tempfile
import time
from pathlib import Path

from .boards import SerialBoard
from .console import ConsoleClosed, open_serial
from .errors import HarnessError
from .runner import RunOptions, RunResult, _read_until_done, check_from_console, prepare
from .scenarios import Scenario

COMMAND_TIMEOUT_S = 120


def _run_command(board: SerialBoard, what: str, argv: tuple[str, ...], values: dict) -> None:
    if not argv:
        return
    cmd = [arg.format(**values) for arg in argv]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise HarnessError(f"{board.path}: {what}: {cmd[0]}: {e}") from None
    if done.returncode != 0:
        raise HarnessError(f"{board.path}: {what}: {cmd[0]} exited {done.returncode}: "
                           f"{(done.stderr or done.stdout).strip()}")


def run_on_serial_board(board: SerialBoard, scenario: Scenario, options: RunOptions) -> RunResult:
    image, guests, plan = prepare(board, scenario, options.images)
    timeout = float(options.timeout or scenario.timeout_s)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="zvm-hil-") as workdir:
        loaders = plan.loaders(Path(workdir)) if plan else ()
        values = {"hypervisor": str(image.path),
                  "loaders": ",".join(f"{path}@{addr:#x}" for path, addr in loaders)}
        result = RunResult(board, scenario, image, [a.format(**values) for a in board.power_on],
                           plan, options, guest_images=guests)
        _run_command(board, "power.off", board.power_off, values)
        _run_command(board, "load.command", board.load_command, values)
        _run_command(board, "power.on", board.power_on, values)
        try:
            console = open_serial(board.port, board.baud)
        except ConsoleClosed as e:
            _run_command(board, "power.off", board.power_off, values)
            raise HarnessError(f"{board.path}: serial.port: {e}") from None
        try:
            _read_until_done(console, None, result, timeout)
        finally:
            console.close()
            _run_command(board, "power.off", board.power_off, values)
    result.duration_s = time.monotonic() - started
    check_from_console(result)
    return result
