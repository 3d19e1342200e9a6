"""Consoles: where the firmware's output is read, a line at a time, through
pexpect, and its input written. On QEMU's stdio the fds are QEMU's stdout
and stdin; on a pty or a physical board's tty pyserial opens the port, on a
TCP serial server a socket is connected, and pexpect reads and writes its
fd: the code path a physical board uses is the one CI runs on QEMU."""

import os
import socket
import time

import pexpect
import pexpect.fdpexpect


class ConsoleClosed(Exception):
    """The other end closed the console (QEMU exited, the cable went away)."""


class Console:
    def __init__(self, fd: int, owner=None, input_fd: int | None = None):
        """`input_fd`: where input goes, if not to `fd` itself (a port's)."""
        self._child = pexpect.fdpexpect.fdspawn(fd, timeout=None)
        self._child.delayafterread = None  # pexpect sleeps after each read by default
        self._owner = owner  # what keeps the fd open (a pyserial port)
        self._input_fd = fd if input_fd is None else input_fd
        self._start = time.monotonic()

    @property
    def expecter(self) -> pexpect.fdpexpect.fdspawn:
        """The pexpect reader, for expect() on what is not yet a whole line
        (a prompt); read_line reads through the same buffer."""
        return self._child

    def send(self, text: str) -> None:
        data = text.encode()
        while data:
            data = data[os.write(self._input_fd, data):]

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
            if url.startswith("socket://"):
                # A plain connection: pyserial's socket:// open discards what
                # has arrived already, and a board that starts on connect
                # (QEMU's wait=on) may have sent its first line by then.
                host, _, port_no = url.removeprefix("socket://").rpartition(":")
                sock = socket.create_connection((host, int(port_no)), timeout=timeout)
                sock.setblocking(True)  # read when select says so
                return Console(sock.fileno(), owner=sock)
            port = serial.serial_for_url(url, baudrate=baud, timeout=0)
            return Console(port.fileno(), owner=port)
        except (serial.SerialException, OSError, ValueError) as e:
            if time.monotonic() >= deadline:
                raise ConsoleClosed(f"cannot open {url}: {e}") from None
            time.sleep(0.01)
