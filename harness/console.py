"""Consoles: where the firmware's output is read, a line at a time, through
pexpect. On QEMU's stdio the fd is QEMU's stdout; on a pty, a TCP serial
server or a physical board's tty, pyserial opens the port and pexpect reads
its fd: the code path a physical board uses is the one CI runs on QEMU."""

import time

import pexpect
import pexpect.fdpexpect


class ConsoleClosed(Exception):
    """The other end closed the console (QEMU exited, the cable went away)."""


class Console:
    def __init__(self, fd: int, owner=None):
        self._child = pexpect.fdpexpect.fdspawn(fd, timeout=None)
        self._child.delayafterread = None  # pexpect sleeps after each read by default
        self._owner = owner  # what keeps the fd open (a pyserial port)
        self._start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self._start

    def read_line(self, timeout: float) -> str | None:
        """The next line without its end, or None after `timeout` seconds.
        Raises ConsoleClosed at end of file (after returning any last,
        unterminated line)."""
        try:
            index = self._child.expect([b"\n", pexpect.EOF, pexpect.TIMEOUT],
                                       timeout=max(timeout, 0))
        except OSError:  # a pty whose other side has gone: EIO
            index = 1
        if index == 0:
            return self._child.before.decode(errors="replace").rstrip("\r")
        if index == 2:
            return None
        rest = self._child.before
        self._child.before = b""
        if rest:
            return rest.decode(errors="replace").rstrip("\r")
        raise ConsoleClosed()

    def close(self) -> None:
        if self._owner is not None:
            self._owner.close()


def open_serial(url: str, baud: int = 115200, timeout: float = 10.0) -> Console:
    """A pyserial port: a tty or pty path, or a URL such as socket://host:port
    (retried until `timeout`, for a server that is still starting)."""
    import serial

    deadline = time.monotonic() + timeout
    while True:
        try:
            port = serial.serial_for_url(url, baudrate=baud, timeout=0)
            return Console(port.fileno(), owner=port)
        except (serial.SerialException, OSError) as e:
            if time.monotonic() >= deadline:
                raise ConsoleClosed(f"cannot open {url}: {e}") from None
            time.sleep(0.01)
