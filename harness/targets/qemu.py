"""QEMU as a target: started halted with QMP (harness/qemu.py) so that no
console byte is lost, its memory readable over QMP after power-off."""

import os
from pathlib import Path

from .. import toolchain
from ..qemu import QemuProcess, free_port
from .base import Target as BaseTarget


class Target(BaseTarget):
    reads_memory = True

    def __init__(self, board, options):
        super().__init__(board, options)
        self.qemu: QemuProcess | None = None

    def start(self, image: Path, loaders, disk: Path | None):
        board, options = self.board, self.options
        toolchain.find_program(board.binary)  # a clear message, not a failed exec
        rr = ("record", options.record) if options.record else \
            ("replay", options.replay) if options.replay else None
        tcp_port = free_port() if board.console == "tcp" else 0
        self.run_id = os.urandom(6).hex()
        self.qemu = QemuProcess(board, image, loaders=loaders, disk=disk, icount=options.icount,
                                rr=rr, gdb_port=options.gdb_port, tcp_port=tcp_port,
                                name=f"zvm-hil:{self.run_id}")
        self.command = self.qemu.cmd
        self.console = self._attach_console(tcp_port)
        return self.console

    def _attach_console(self, tcp_port: int):
        from ..console import Console, open_serial

        console_fd = self.qemu.start()
        if self.board.console == "pty":
            return open_serial(self.qemu.pty_path())
        if self.board.console == "tcp":  # QEMU waits for us before it finishes starting
            return open_serial(f"socket://127.0.0.1:{tcp_port}")
        return Console(console_fd)

    def run(self) -> None:
        self.qemu.connect()
        if self.options.gdb_port is None:  # else gdb continues it
            self.qemu.cont()

    def closed_reason(self) -> str:
        return self.qemu.failure_text("exited")

    def after_poweroff(self, grace: float) -> str | None:
        self.shutdown_reason = self.qemu.wait_shutdown(grace)
        if self.shutdown_reason != "guest-shutdown":
            return (f"QEMU reported no guest power-off after @zvm poweroff "
                    f"(got {self.shutdown_reason})")
        return None

    def read_memory(self, addr: int, length: int) -> bytes:
        return self.qemu.read_memory(addr, length)

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            if self.qemu is not None:
                self.qemu.close()
