"""A physical board as a target: power and load through the board's own
commands, the console through pyserial (the same Console as QEMU's pty and
TCP transports). No memory to read, no disk to hand back."""

import subprocess

from ..console import ConsoleClosed, open_serial
from ..errors import HarnessError
from .base import Target as BaseTarget

COMMAND_TIMEOUT_S = 120


class Target(BaseTarget):
    def __init__(self, board, options):
        super().__init__(board, options)
        self.values: dict[str, str] | None = None  # the commands' {hypervisor} and {loaders}

    def start(self, image, loaders, disk, vms=0):
        board = self.board
        self.values = {"hypervisor": str(image),
                       "loaders": ",".join(f"{path}@{addr:#x}" for path, addr in loaders)}
        self.command = [a.format(**self.values) for a in board.power_on]
        self._run_command("power.off", board.power_off)
        self._run_command("load.command", board.load_command)
        self._run_command("power.on", board.power_on)
        try:
            self.console = open_serial(board.port, board.baud)
        except ConsoleClosed as e:
            raise HarnessError(f"{board.path}: serial.port: {e}") from None
        return self.console

    def disk_after(self, disk):
        return None

    def stop(self) -> None:
        if self.values is None:
            return
        try:
            super().stop()
        finally:
            self._run_command("power.off", self.board.power_off)
            self.values = None

    def _run_command(self, what: str, argv: tuple[str, ...]) -> None:
        if not argv:
            return
        cmd = [arg.format(**self.values) for arg in argv]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise HarnessError(f"{self.board.path}: {what}: {cmd[0]}: {e}") from None
        if done.returncode != 0:
            raise HarnessError(f"{self.board.path}: {what}: {cmd[0]} exited {done.returncode}: "
                               f"{(done.stderr or done.stdout).strip()}")
