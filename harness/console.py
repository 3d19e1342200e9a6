"""Consoles: where the firmware's output is read, a line at a time.

The QEMU console is pexpect over QEMU's stdout (``-serial stdio``). Physical
boards and QEMU's pty/TCP serial ports will share the same read_line API."""

import time

import pexpect
import pexpect.fdpexpect


class ConsoleClosed(Exception):
    """The other end closed the console (QEMU exited, the cable went away)."""


class StdioConsole:
    def __init__(self, fd: int):
        self._child = pexpect.fdpexpect.fdspawn(fd, timeout=None)
        self._child.delayafterread = None  # pexpect sleeps after each read by default
        self._start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self._start

    def read_line(self, timeout: float) -> str | None:
        """The next line without its end, or None after `timeout` seconds.
        Raises ConsoleClosed at end of file (after returning any last,
        unterminated line)."""
        index = self._child.expect([b"\n", pexpect.EOF, pexpect.TIMEOUT],
                                   timeout=max(timeout, 0))
        if index == 0:
            return self._child.before.decode(errors="replace").rstrip("\r")
        if index == 2:
            return None
        rest = self._child.before
        self._child.before = b""
        if rest:
            return rest.decode(errors="replace").rstrip("\r")
        raise ConsoleClosed()
