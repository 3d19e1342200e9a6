"""QEMU as a target: started halted with QMP (harness/qemu.py) so that no
console byte is lost, its memory readable over QMP after power-off."""

import os
import tempfile
from pathlib import Path

from .. import toolchain
from ..errors import ConfigError, HarnessError
from ..qemu import QemuProcess, free_port
from .base import Target as BaseTarget
from .register_probe import RegisterProbe


class Target(BaseTarget):
    reads_memory = True

    def __init__(self, board, options):
        super().__init__(board, options)
        self.qemu: QemuProcess | None = None
        self.probe: RegisterProbe | None = None

    def start(self, image: Path, loaders, disk: Path | None, vms: int = 0):
        board, options = self.board, self.options
        toolchain.find_program(board.binary)  # a clear message, not a failed exec
        rr = ("record", options.record) if options.record else \
            ("replay", options.replay) if options.replay else None
        if rr and board.cpus > 1:
            raise ConfigError(board.path, "qemu.cpus", f"QEMU's {rr[0]} runs one CPU only "
                              "(QEMU 7.2: 'Record/replay feature is not supported for smp'): "
                              "use a one-CPU board (qemu-virt-gicv3-1cpu), or --deterministic, "
                              "whose runs repeat without a recording")
        tcp_port = free_port() if board.console == "tcp" else 0
        # The register probe takes the gdb stub, unless the user has it (--gdb).
        # Not under -icount (record/replay included): there QEMU 7.2's stub
        # does not resume from a breakpoint's step-over.
        probe = (vms and options.probe_registers and options.gdb_port is None and rr is None
                 and not options.counted_time(board))
        gdb_port = free_port() if probe else options.gdb_port
        self.run_id = os.urandom(6).hex()
        self.qemu = QemuProcess(board, image, loaders=loaders, disk=disk, icount=options.icount,
                                rr=rr, gdb_port=gdb_port, tcp_port=tcp_port,
                                name=f"zvm-hil:{self.run_id}")
        self.command = self.qemu.cmd
        self.console = self._attach_console(tcp_port)
        self.qemu.connect()  # QMP before anything runs: its SHUTDOWN event must not be missed
        if probe:
            self.probe_out = Path(tempfile.mkstemp(prefix="zvm-hil-registers-")[1])
            self.probe = RegisterProbe(image, gdb_port, vms, self.probe_out)
            try:
                self.probe.wait_ready()  # then gdb lets QEMU run
            except HarnessError:
                if self.qemu.proc.poll() is None:
                    raise
                self.probe = None  # QEMU is gone: its own failure says why
        return self.console

    def _attach_console(self, tcp_port: int):
        from ..console import Console, open_serial

        console_fd = self.qemu.start()
        if self.board.console == "pty":
            return open_serial(self.qemu.pty_path())
        if self.board.console == "tcp":  # QEMU waits for us before it finishes starting
            return open_serial(f"socket://127.0.0.1:{tcp_port}")
        return Console(console_fd, input_fd=self.qemu.console_input())

    def run(self) -> None:
        if self.options.gdb_port is None and self.probe is None:  # else gdb continues it
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

    def registers(self) -> list[dict] | None:
        return self.probe.samples() if self.probe else None

    def stage2_snapshots(self) -> list[dict] | None:
        return self.probe.snapshots() if self.probe else None

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            if self.qemu is not None:
                self.qemu.close()
            if self.probe is not None:
                self.probe.stop()
                self.probe_out.unlink(missing_ok=True)
