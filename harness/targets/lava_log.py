"""A LAVA job's log as a target: the console LAVA recorded (YAML entries;
the device's lines have level 'target'), replayed line by line. What a log
cannot give (memory, the disk) is skipped by the judge."""

from pathlib import Path

import yaml

from ..console import ConsoleClosed
from ..errors import HarnessError
from .base import Target


def console_lines(log_file: Path) -> list[str]:
    try:
        entries = yaml.safe_load(log_file.read_text())
    except (OSError, yaml.YAMLError) as e:
        raise HarnessError(f"{log_file}: not a LAVA job log: {e}") from None
    if not isinstance(entries, list):
        raise HarnessError(f"{log_file}: not a LAVA job log: expected a list of entries")
    return [str(e.get("msg", "")) for e in entries
            if isinstance(e, dict) and e.get("lvl") == "target"]


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

    def start(self, image, loaders, disk, vms=0):
        return RecordedConsole(console_lines(self.log_file))

    def console_closed(self, last_event) -> str:
        return (f"{self.log_file}: the log ends before the firmware finished; last trace event: "
                f"{last_event or 'none'}")

    def disk_after(self, disk):
        return None
