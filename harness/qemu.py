"""QEMU: the command line built from a board, and the process's lifetime.

QEMU starts halted (-S) with -no-shutdown, so that the console is attached
before the first instruction and memory stays readable after power-off. QMP
runs over one end of a socketpair handed to QEMU as an fd, so there is no
socket file to poll for, clean up, or collide with in parallel runs. Every
QEMU started here is gone when QemuProcess.close() returns."""

import os
import re
import select
import signal
import socket
import subprocess
import time
from pathlib import Path

from .boards import QemuBoard
from .errors import QemuError

START_TIMEOUT_S = 30  # QEMU's own start-up, before the greeting
COMMAND_TIMEOUT_S = 30  # a QMP command (pmemsave of a table is the longest)


def serial_args(transport: str, tcp_port: int = 0) -> list[str]:
    """stdio: QEMU's stdout; pty: a pseudo-terminal QEMU names on stdout;
    tcp: a serial server on 127.0.0.1 that waits for the harness to connect."""
    if transport == "pty":
        return ["-serial", "pty"]
    if transport == "tcp":
        return ["-chardev", f"socket,id=serial0,host=127.0.0.1,port={tcp_port},server=on,wait=on",
                "-serial", "chardev:serial0"]
    return ["-serial", "stdio"]


def qemu_command(board: QemuBoard, kernel: Path, qmp_fd: int,
                 loaders: tuple[tuple[Path, int], ...] = (), icount: str | None = None,
                 disk: Path | None = None, rr: tuple[str, Path] | None = None,
                 gdb_port: int | None = None, tcp_port: int = 0, name: str = "zvm-hil") -> list[str]:
    """The argument list for one run; `loaders` places raw blobs at addresses,
    `disk` is the raw image behind QEMU's virtio-blk device (modern
    virtio-mmio, which the hypervisor drives); `rr` is ("record"|"replay",
    file) for QEMU's record/replay, `gdb_port` opens QEMU's gdb stub."""
    icount = board.icount if icount is None else icount
    cmd = [board.binary, "-name", name, "-M", board.machine_arg, "-cpu", cpu_arg(board, icount),
           "-m", f"{board.memory_mib}M", "-smp", str(board.cpus),
           "-nodefaults", "-display", "none", *serial_args(board.console, tcp_port),
           "-S", "-no-shutdown",
           "-chardev", f"socket,id=qmp,fd={qmp_fd}", "-mon", "chardev=qmp,mode=control",
           "-kernel", str(kernel)]
    for blob, addr in loaders:
        cmd += ["-device", f"loader,file={blob},addr={addr:#x},force-raw=on"]
    if disk is not None:
        cmd += ["-global", "virtio-mmio.force-legacy=false"]
        options = f",{board.disk_options}" if board.disk_options else ""
        if rr:  # the disk goes through the block-replay driver, so replays see the same I/O
            cmd += ["-drive", f"file={disk},if=none,format=raw,id=disk-direct{options}",
                    "-drive", "driver=blkreplay,if=none,image=disk-direct,id=disk0"]
        else:
            cmd += ["-drive", f"file={disk},if=none,format=raw,id=disk0{options}"]
        cmd += ["-device", "virtio-blk-device,drive=disk0"]
    if rr:
        icount = f"{icount or 'shift=auto'},rr={rr[0]},rrfile={rr[1]}"
    if icount:
        cmd += ["-icount", icount]
    if gdb_port is not None:
        cmd += ["-gdb", f"tcp:127.0.0.1:{gdb_port}"]
    return cmd + coverage_args(kernel) + list(board.extra_args)


COUNTED_CNTFRQ = 1_000_000_000


# make coverage (tools/line_coverage.py) sets this to a directory: there QEMU logs
# each block of code it translates in the hypervisor's address range, with
# the instructions' encodings (which tell the hypervisor's code from a
# guest's that runs at the same addresses), for the firmware's line coverage.
COVERAGE_DIR = "ZVM_HIL_COVERAGE_DIR"


def coverage_args(kernel: Path) -> list[str]:
    out = os.environ.get(COVERAGE_DIR)
    if not out:
        return []
    from .elf import code_range

    first, last = code_range(kernel)
    # %d: QEMU's pid; the image's directory names the ELF the addresses are of.
    return ["-d", "in_asm", "-dfilter", f"{first:#x}..{last - 1:#x}",
            "-D", str(Path(out) / f"{kernel.parent.name}.%d.log")]


def cpu_arg(board: QemuBoard, icount: str) -> str:
    """-cpu's value. In counted time the generic counter runs at 1 GHz, a
    tick per virtual nanosecond: at shift=0 a tick per instruction, so the
    hypervisor can hide the host disk's time from the guests to the
    instruction."""
    return board.cpu + (f",cntfrq={COUNTED_CNTFRQ}" if icount else "")


def free_port() -> int:
    """A TCP port on 127.0.0.1 free right now (parallel runs each get their own)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# If the harness is killed outright, QEMU goes with it. (setpriv instead of a
# preexec_fn: that would force a fork and block the harness until exec.)
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL", "--"]


class QemuProcess:
    def __init__(self, board: QemuBoard, kernel: Path, **command_args):
        self._qmp_sock, self._qemu_sock = socket.socketpair()
        self.cmd = qemu_command(board, kernel, self._qemu_sock.fileno(), **command_args)
        # In memory, and no tempfile module on the start-up path.
        self._stderr = open(os.memfd_create("qemu-stderr"), "w+b")
        self.proc: subprocess.Popen | None = None
        self._qmp = None
        self._loop = None
        self.shutdown_reason: str | None = None

    def start(self) -> int:
        """Starts QEMU halted; returns the fd of its console (stdout; what
        is written to its stdin, console_input(), is the console's input)."""
        try:
            self.proc = subprocess.Popen(
                DIE_WITH_PARENT + self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=self._stderr, pass_fds=[self._qemu_sock.fileno()],
                start_new_session=True)
        except OSError as e:
            raise QemuError(f"cannot start {self.cmd[0]}: {e.strerror}") from None
        finally:
            self._qemu_sock.close()
        return self.proc.stdout.fileno()

    def console_input(self) -> int:
        """The fd the console's input is written to (QEMU's stdin)."""
        return self.proc.stdin.fileno()

    def connect(self) -> None:
        """Connects QMP (waits for QEMU to finish initialising)."""
        from qemu.qmp.legacy import QEMUMonitorProtocol  # asyncio: import while QEMU starts

        # qemu.qmp's connect has no timeout: wait for the greeting here, so a
        # QEMU that hangs while starting is an error, not a hang of ours.
        if not select.select([self._qmp_sock], [], [], START_TIMEOUT_S)[0]:
            raise QemuError(self.failure_text(f"did not start within {START_TIMEOUT_S} s"))
        # An event loop of our own, closed with us: qemu.qmp would otherwise
        # leave one (and its two sockets) behind in every thread that runs QEMU.
        import asyncio

        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._qmp = QEMUMonitorProtocol(self._qmp_sock)
        self._qmp.settimeout(COMMAND_TIMEOUT_S)
        try:
            self._qmp.connect()
        except Exception:
            self._qmp = None
            raise QemuError(self.failure_text("exited while starting")) from None

    def cont(self) -> None:
        self._qmp.cmd("cont")

    def wait_shutdown(self, timeout: float) -> str | None:
        """Waits for QMP's SHUTDOWN event; returns its reason, or None."""
        deadline = time.monotonic() + timeout
        while self.shutdown_reason is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                event = self._qmp.pull_event(wait=remaining)
            except Exception:  # timeout or QEMU gone
                return None
            if event and event.get("event") == "SHUTDOWN":
                self.shutdown_reason = event.get("data", {}).get("reason", "unknown")
        return self.shutdown_reason

    def qmp(self, command: str, **args):
        return self._qmp.cmd(command, **args)

    def read_memory(self, addr: int, length: int) -> bytes:
        """Guest-physical memory (QMP pmemsave), readable after power-off too."""
        import tempfile

        with tempfile.NamedTemporaryFile(prefix="zvm-hil-mem-") as f:
            self._qmp.cmd("pmemsave", val=addr, size=length, filename=f.name)
            return f.read()

    def pty_path(self, timeout: float = 10.0) -> str:
        """With -serial pty, QEMU names the pty on stdout while it starts."""
        deadline, seen = time.monotonic() + timeout, b""
        fd = self.proc.stdout.fileno()
        while time.monotonic() < deadline:
            if select.select([fd], [], [], deadline - time.monotonic())[0]:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                seen += chunk
                if found := re.search(rb"char device redirected to (/dev/pts/\d+)", seen):
                    return found.group(1).decode()
        raise QemuError(self.failure_text("named no pty"))

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace").strip()

    def exit_description(self) -> str:
        code = self.proc.poll() if self.proc else None
        if code is None:
            return "still running"
        if code < 0:
            return f"killed by signal {signal.Signals(-code).name}"
        return f"exit status {code}"

    def failure_text(self, what: str) -> str:
        if self.proc:
            self._exited_within(2.0)
        stderr = self.stderr_text()
        return f"QEMU {what} ({self.exit_description()})" + (f": {stderr}" if stderr else "")

    def close(self) -> None:
        """Quits QEMU over QMP, or kills it; always reaps it."""
        if self._qmp is not None:
            try:
                if self.proc and self.proc.poll() is None:
                    self._qmp.settimeout(1.0)  # a stopped QEMU is killed below
                    self._qmp.cmd("quit")
            except Exception:
                pass
            try:
                self._qmp.close()
            except Exception:  # qemu.qmp raises EOFError when QEMU hangs up first
                pass
            self._qmp = None
        if self._loop is not None:
            import asyncio

            self._loop.close()
            asyncio.set_event_loop(None)
            self._loop = None
        self._qmp_sock.close()
        if self.proc is not None:
            if not self._exited_within(2.0):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.proc.stdout.close()
        self._stderr.close()

    def _exited_within(self, timeout: float) -> bool:
        """Waits on a pidfd: wakes the moment QEMU exits, unlike Popen.wait's
        sleep-and-poll loop."""
        if self.proc.poll() is not None:
            return True
        fd = os.pidfd_open(self.proc.pid)
        try:
            return bool(select.select([fd], [], [], timeout)[0])
        finally:
            os.close(fd)

    def __enter__(self) -> "QemuProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
