"""A session with the hypervisor's shell (docs/shell.md): a run of a
scenario that has it, on any target, driven from Python and pytest
(the zvm_session fixture), and judged when it powers off.

    with Session.open(board, "shell-session") as shell:
        shell.run("new -t mem")            # its output lines; ShellError on a refusal
        shell.run("run -n 0")
        shell.wait_for("memstress-done", guest="mem-0")
        with shell.vm(0) as vm:            # its console, until Ctrl-]
            vm.sendline("...")
    shell.result.passed                    # judged once the shell powered off
"""

from .errors import HarnessError
from .runner import LiveRun, RunResult
from .shell_console import COMMAND_TIMEOUT_S, ShellConsole, ShellError, VmConsole

__all__ = ["Session", "ShellError", "VmConsole"]


class Session(ShellConsole):
    def __init__(self, live: LiveRun, timeout: float = COMMAND_TIMEOUT_S):
        self.live = live
        self.result: RunResult | None = None
        self.on_result = []  # called with the result once judged (the pytest plugin's)
        super().__init__(live.console, live.result.trace, timeout)

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

    def poweroff(self, timeout: float = 30.0) -> RunResult:
        """The session's end: `poweroff`, then the run read to its last word
        and judged."""
        self.send_poweroff()
        self.result = self.live.finish(timeout, commands=list(self.commands))
        for call in self.on_result:
            call(self.result)
        return self.result

    def close(self) -> None:
        """Stops the run unjudged, if it has not ended (nothing left running)."""
        if self.result is None:
            self.live.__exit__(None, None, None)
