"""The hypervisor's shell over a console (docs/shell.md): commands typed
and their prompts awaited, events awaited, a VM's console reached with
`connect`; everything read goes into the run's trace, everything typed
into the command log the models predict from. No run of its own: a
session (session.py) or a scripted run (runner.py) gives it the console."""

import re
import time

import pexpect

from .errors import HarnessError
from .trace import Event

PROMPT = "zvm> "
COMMAND_TIMEOUT_S = 10.0


class ShellError(HarnessError):
    """The shell refused a command: its `error:` line."""


class ShellConsole:
    def __init__(self, console, trace, timeout: float = COMMAND_TIMEOUT_S):
        self.console, self.trace = console, trace
        self.commands: list[str] = []  # every line typed, in order
        self._read_until(lambda e: e.name == "shell-ready", timeout, "the shell's first prompt")

    def run(self, command: str, timeout: float = COMMAND_TIMEOUT_S) -> list[str]:
        """Types `command` and waits for the next prompt: the lines it
        printed (not trace events, not the VMs' lines). Raises ShellError,
        with the shell's own words, when it refused the command."""
        n = self._type(command)
        lines = self._read_until(lambda e: e.name == "shell-ready" and e["n"] == n, timeout,
                                 f"the prompt after {command!r}")
        output = [line for line in lines if not line.startswith((PROMPT, "["))]
        errors = [line for line in output if line.startswith("error: ")]
        if errors:
            raise ShellError(f"{command}: {errors[0].removeprefix('error: ')}")
        return output

    def vm(self, vm_id: int, timeout: float = COMMAND_TIMEOUT_S) -> "VmConsole":
        """`connect -n vm_id`: the VM's console, until closed (Ctrl-])."""
        n = self._type(f"connect -n {vm_id}")
        self._read_until(lambda e: (e.name == "vm-connect" and e["vm"] == vm_id)
                         or (e.name == "shell-ready" and e["n"] == n), timeout,
                         f"the console of vm {vm_id}")
        if self.trace.events[-1].name == "shell-ready":
            raise ShellError(f"connect -n {vm_id}: refused")
        return VmConsole(self, vm_id, n)

    def wait_for(self, name: str, timeout: float = 30.0, guest: str | None = None,
                 **match) -> Event:
        """Reads on until an event `name` (a guest's, with `guest`) whose
        fields include `match`, and returns it."""
        def wanted(e: Event) -> bool:
            return (e.name == name and e.vm == guest
                    and all(e.fields.get(k) == v for k, v in match.items()))

        found = next((e for e in self.trace.events if wanted(e)), None)
        if found is None:
            self._read_until(wanted, timeout, f"@{'guest' if guest else 'zvm'} {name}")
            found = self.trace.events[-1]
        return found

    def play(self, script: list[str]) -> None:
        """Types each line of a scenario's script; `wait EVENT [guest=NAME]
        [KEY=VALUE...]` lines wait for an event instead. A refused command
        is no error here: what the shell should say is the judge's."""
        for line in script:
            words = line.split()
            if words[:1] == ["wait"]:
                fields = dict(w.split("=", 1) for w in words[2:])
                guest = fields.pop("guest", None)
                self.wait_for(words[1], guest=guest,
                              **{k: int(v, 0) for k, v in fields.items()})
                continue
            try:
                self.run(line)
            except ShellError:
                pass

    def send_poweroff(self) -> None:
        self._type("poweroff")

    def _type(self, line: str) -> int:
        """Types `line` and logs it: how many lines are typed now (the n of
        the @zvm shell-ready after it)."""
        self.commands.append(line)
        self.console.send(line + "\r")
        return len(self.commands)

    def _read_until(self, done, timeout: float, what: str) -> list[str]:
        """Reads console lines into the trace until an event `done` accepts;
        the lines that were not events. A timeout or a closed console is a
        HarnessError naming what was awaited."""
        from .console import ConsoleClosed

        console, deadline, lines = self.console, time.monotonic() + timeout, []
        try:
            while True:
                line = console.read_line(deadline - time.monotonic())
                if line is None:
                    raise HarnessError(f"no {what} within {timeout:g} s; last trace event: "
                                       f"{self.trace.last_event or 'none'}")
                event = self.trace.add_line(line, console.elapsed())
                if event is None:
                    lines.append(line)
                elif done(event):
                    return lines
                elif event.name in ("panic", "poweroff"):
                    raise HarnessError(f"the hypervisor ended the run ({event}) "
                                       f"while waiting for {what}")
        except ConsoleClosed:
            raise HarnessError(f"the console closed while waiting for {what}") from None


class VmConsole:
    """A VM's console through the shell's `connect`: what it prints comes
    unprefixed (and goes into the run's trace as console text), what is sent
    goes to its UART. As a context manager, closed (Ctrl-]) at the end."""

    EXIT_KEY = "\x1d"

    def __init__(self, session: ShellConsole, vm_id: int, command: int):
        self.session, self.vm_id, self._command = session, vm_id, command
        self._expecter = session.console.expecter

    def __enter__(self) -> "VmConsole":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def sendline(self, text: str) -> None:
        self.session.console.send(text + "\n")

    def expect(self, pattern: str, timeout: float = COMMAND_TIMEOUT_S) -> re.Match:
        """Reads until `pattern` (a regular expression) matches what the VM
        printed; every whole line read goes into the trace."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        try:
            self._expecter.expect(rx, timeout=timeout)
        except pexpect.TIMEOUT:
            raise HarnessError(f"vm {self.vm_id}: no {pattern!r} within {timeout:g} s") from None
        except pexpect.EOF:
            raise HarnessError(f"vm {self.vm_id}: the console closed while waiting for "
                               f"{pattern!r}") from None
        self._keep(self._expecter.before + self._expecter.after)
        return self._expecter.match

    def shell(self, command: str, timeout: float = COMMAND_TIMEOUT_S) -> tuple[str, int]:
        """A command in the VM's shell (a Linux VM's busybox): its output and
        exit status. Its output is told from the echo of what was typed (which
        line editing may wrap) by a line the shell prints before it."""
        marker = f"__zvm_{len(self.session.trace.lines)}"
        self.sendline(f"echo {marker}_start; {command}; echo {marker}=$?")
        found = self.expect(rf"\r?\n{marker}=(\d+)\r?\n", timeout)
        lines = [text for _, text in self.session.trace.lines]
        end = max(i for i, text in enumerate(lines) if text.startswith(f"{marker}="))
        start = max(i for i, text in enumerate(lines[:end]) if text == f"{marker}_start")
        output = [text for text in lines[start + 1:end] if not text.startswith(("@zvm ", "["))]
        return "\n".join(output), int(found.group(1))

    def close(self, timeout: float = COMMAND_TIMEOUT_S) -> None:
        """Ctrl-]: the console back to the shell, and its prompt."""
        if self._command is None:
            return
        self.session.console.send(self.EXIT_KEY)
        n, self._command = self._command, None
        self.session._read_until(lambda e: e.name == "shell-ready" and e["n"] == n, timeout,
                                 f"the prompt after vm {self.vm_id}'s console")

    def _keep(self, data: bytes) -> None:
        """What expect() consumed, into the trace line by line (a last,
        unfinished line waits for the next)."""
        self._pending = getattr(self, "_pending", b"") + data
        *whole, self._pending = self._pending.split(b"\n")
        for line in whole:
            self.session.trace.add_line(line.decode(errors="replace").rstrip("\r"),
                                        self.session.console.elapsed())
