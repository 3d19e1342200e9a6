"""Talking to the system (docs/shell.md): the hypervisor's shell over
whatever console the target gives (QEMU's stdio, a pty, TCP, a board's
tty). Everything read goes into the run's trace and everything typed into
its command log, from which the models predict what each command does.

    with Session.open(board, "shell-session") as shell:
        shell.run("new -t mem")            # its output lines; ShellError on a refusal
        shell.run("run -n 0")
        shell.wait_for("memstress-done", guest="mem")
    shell.result.passed                    # judged once the shell powered off
"""

import re
import time

import pexpect

from .errors import HarnessError
from .runner import LiveRun, RunResult
from .trace import Event

PROMPT = "zvm> "
COMMAND_TIMEOUT_S = 10.0


class ShellError(HarnessError):
    """The shell refused a command: its `error:` line."""


class Session:
    def __init__(self, live: LiveRun, timeout: float = COMMAND_TIMEOUT_S):
        self.live = live
        self.trace = live.result.trace
        self.commands: list[str] = []  # every line typed, in order
        self.result: RunResult | None = None
        self.on_result = []  # called with the result once judged (the pytest plugin's)
        self._read_until(lambda e: e.name == "shell-ready", timeout, "the shell's first prompt")

    @classmethod
    def open(cls, board, scenario, options=None) -> "Session":
        """A session on a run of `scenario` (a name, a path or a Scenario)
        that has the shell; use it as a context manager."""
        from .scenarios import load_scenario

        if isinstance(scenario, str):
            scenario = load_scenario(scenario)
        if not scenario.shell:
            raise HarnessError(f"scenario {scenario.name} has no shell "
                               f"(hypervisor.shell = true)")
        live = LiveRun(board, scenario, options=options).__enter__()
        try:
            return cls(live)
        except BaseException:
            live.__exit__(None, None, None)
            raise

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None and self.result is None:
            self.poweroff()
        else:
            self.live.__exit__(exc_type, exc, tb)

    def run(self, command: str, timeout: float = COMMAND_TIMEOUT_S) -> list[str]:
        """Types `command` and waits for the next prompt: the lines it
        printed (not trace events, not the VMs' lines). Raises ShellError,
        with the shell's own words, when it refused the command."""
        self.commands.append(command)
        self.live.console.send(command + "\r")
        n = len(self.commands)
        lines = self._read_until(lambda e: e.name == "shell-ready" and e["n"] == n, timeout,
                                 f"the prompt after {command!r}")
        output = [line for line in lines if not line.startswith((PROMPT, "["))]
        errors = [line for line in output if line.startswith("error: ")]
        if errors:
            raise ShellError(f"{command}: {errors[0].removeprefix('error: ')}")
        return output

    def vm(self, vm_id: int, timeout: float = COMMAND_TIMEOUT_S) -> "VmConsole":
        """`connect -n vm_id`: the VM's console, until closed (Ctrl-])."""
        self.commands.append(f"connect -n {vm_id}")
        self.live.console.send(f"connect -n {vm_id}\r")
        n = len(self.commands)
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

    def poweroff(self, timeout: float = 30.0) -> RunResult:
        """The session's end: `poweroff`, then the run read to its last word
        and judged."""
        self.commands.append("poweroff")
        self.live.console.send("poweroff\r")
        self.result = self.live.finish(timeout, commands=list(self.commands))
        for call in self.on_result:
            call(self.result)
        return self.result

    def close(self) -> None:
        """Stops the run unjudged, if it has not ended (nothing left running)."""
        if self.result is None:
            self.live.__exit__(None, None, None)

    def _read_until(self, done, timeout: float, what: str) -> list[str]:
        """Reads console lines into the trace until an event `done` accepts;
        the lines that were not events. A timeout or a closed console is a
        HarnessError naming what was awaited."""
        from .console import ConsoleClosed

        console, deadline, lines = self.live.console, time.monotonic() + timeout, []
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
                    raise HarnessError(f"the hypervisor ended the run (@zvm {event}) "
                                       f"while waiting for {what}")
        except ConsoleClosed:
            raise HarnessError(f"the console closed while waiting for {what}") from None


class VmConsole:
    """A VM's console through the shell's `connect`: what it prints comes
    unprefixed (and goes into the run's trace as console text), what is sent
    goes to its UART. As a context manager, closed (Ctrl-]) at the end."""

    EXIT_KEY = "\x1d"

    def __init__(self, session: Session, vm_id: int, command: int):
        self.session, self.vm_id, self._command = session, vm_id, command
        self._expecter = session.live.console.expecter

    def __enter__(self) -> "VmConsole":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def sendline(self, text: str) -> None:
        self.session.live.console.send(text + "\n")

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
        self.session.live.console.send(self.EXIT_KEY)
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
                                        self.session.live.console.elapsed())
