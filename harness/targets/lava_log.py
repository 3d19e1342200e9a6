"""A LAVA job's log as a target (`zvm-hil lava-check`): the console LAVA
recorded, in either of its forms (harness/lava/log.py), replayed line by
line; what LAVA itself found (its job result, failed cases) fails the run
too. What a log cannot give (memory, the disk) is skipped by the judge."""

from pathlib import Path

from ..console import ConsoleClosed
from ..lava import log
from .base import Target


class RecordedConsole:
    """The Console interface over lines already recorded."""

    def __init__(self, lines: list[str]):
        self.lines = iter(lines)

    def read_line(self, timeout: float) -> str | None:
        line = next(self.lines, None)
        if line is None:
            raise ConsoleClosed()
        return line

    def elapsed(self) -> float:
        return 0.0

    def close(self) -> None:
        pass


class LavaLogTarget(Target):
    def __init__(self, board, options, log_file: Path):
        super().__init__(board, options)
        self.log_file = log_file
        self.entries: list[dict] = []

    def will_run(self, scenario, hypervisor, plan) -> None:
        from ..lava.job import typed_at_shell

        self.typed = typed_at_shell(scenario)

    def start(self, image, loaders, disk, vms=0):
        self.entries = log.read_entries(self.log_file)
        return RecordedConsole(log.console_lines(self.entries))

    def console_closed(self, last_event) -> str:
        return (f"{self.log_file}: the log ends before the firmware finished; last trace event: "
                f"{last_event or 'none'}")

    def verdict(self) -> list[str]:
        return log.verdict(self.entries)

    def disk_after(self, disk):
        return None
