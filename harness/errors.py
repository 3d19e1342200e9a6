"""Errors a user can act on. Their text is the whole message: one line,
naming the file and field or the tool that was wrong. The CLI and the pytest
plugin print them as they are, never as a traceback."""

from pathlib import Path

# Exit codes of `zvm-hil run`, one meaning each.
EXIT_PASSED = 0        # every check passed
EXIT_FAILED = 1        # a check failed, or the firmware panicked
EXIT_SETUP = 2         # the set-up is broken: bad board or scenario, missing tool, QEMU won't start
EXIT_TIMEOUT = 3       # the firmware did not finish in time
EXIT_INTERRUPTED = 130 # Ctrl-C or SIGTERM; QEMU was torn down


class HarnessError(Exception):
    """Anything that stops a run for a reason the user can fix."""


class ConfigError(HarnessError):
    """A board or scenario file that is unreadable or invalid."""

    def __init__(self, path: Path | str, field: str, problem: str):
        self.path, self.field, self.problem = str(path), field, problem
        super().__init__(f"{path}: {field}: {problem}")


class ToolMissing(HarnessError):
    """A program or library the harness needs is not installed."""


class QemuError(HarnessError):
    """QEMU could not be started or died in a way that is not the firmware's doing."""
