"""LAVA's logs read back: the YAML list a LAVA server stores, or lava-run's
stream (one mapping a line, on its stderr). The device's console lines are
the entries of level `target`, and also `feedback`: the line that ended a
monitor is often logged after the test action, as feedback."""

import json
from pathlib import Path

import yaml

from ..errors import HarnessError

CONSOLE_LEVELS = ("target", "feedback")


def parse_entry(line: str) -> dict | None:
    """One entry of lava-run's stream; None for a line that is not one."""
    try:
        entry = json.loads(line)
    except ValueError:
        try:
            entry = yaml.safe_load(line)
        except yaml.YAMLError:
            return None
    return entry if isinstance(entry, dict) and "lvl" in entry else None


def read_entries(log_file: Path) -> list[dict]:
    """The entries of a log in either form."""
    try:
        text = log_file.read_text()
    except OSError as e:
        raise HarnessError(f"{log_file}: not a LAVA job log: {e}") from None
    if text.lstrip().startswith("- "):
        try:
            entries = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise HarnessError(f"{log_file}: not a LAVA job log: {e}") from None
        if not isinstance(entries, list):
            raise HarnessError(f"{log_file}: not a LAVA job log: expected a list of entries")
        return [e for e in entries if isinstance(e, dict)]
    entries = [parse_entry(line) for line in text.splitlines() if line.strip()]
    if not entries or None in entries:
        bad = entries.index(None) + 1 if None in entries else 0
        raise HarnessError(f"{log_file}: not a LAVA job log: "
                           + (f"line {bad} is not a log entry" if bad else "no entries"))
    return entries


class ConsoleReader:
    """The device's lines out of log entries, fed one at a time. LAVA runs
    QEMU on a pty that echoes what LAVA types (an `input` entry) into the
    console's output wherever the device was in its line, ending it there:
    that echo is taken out and the line it cut is joined again."""

    def __init__(self):
        self.echoes: list[str] = []  # typed, not yet seen echoed
        self.cut = ""  # the start of a line an echo cut

    def feed(self, entry: dict) -> str | None:
        """The next whole console line, if `entry` completes one."""
        level, msg = entry.get("lvl"), entry.get("msg", "")
        if level == "input" and isinstance(msg, str):
            self.echoes += [text for text in msg.split("\n") if text]
            return None
        if level not in CONSOLE_LEVELS:
            return None
        line = self.cut + str(msg)
        self.cut = ""
        if self.echoes and line.endswith(self.echoes[0]):
            self.cut = line[:-len(self.echoes.pop(0))]
            return None
        return line


def console_lines(entries: list[dict]) -> list[str]:
    reader = ConsoleReader()
    return [line for e in entries if (line := reader.feed(e)) is not None]


def results(entries: list[dict]) -> list[dict]:
    return [e["msg"] for e in entries if e.get("lvl") == "results" and isinstance(e.get("msg"), dict)]


def verdict(entries: list[dict]) -> list[str]:
    """What LAVA itself found wrong: the job's result and each failed case
    of the job's tests ([] when it passed; a log without the job's result
    says so)."""
    found = results(entries)
    job = [r for r in found if r.get("definition") == "lava" and r.get("case") == "job"]
    out = [f"LAVA test case {r.get('definition')}/{r.get('case')}: {r.get('result')}"
           for r in found if r.get("definition") != "lava" and r.get("result") not in ("pass", "skip")]
    if not job:
        return out + ["LAVA's log has no result for the job (it did not finish)"]
    if job[-1].get("result") != "pass":
        error = job[-1].get("error_msg")
        out.append(f"LAVA job: {job[-1].get('result')}" + (f" ({error})" if error else ""))
    return out


def lava_log(lines: list[str]) -> str:
    """A console as a LAVA server stores it (for tests and for trying
    lava-check)."""
    entries = [{"dt": "2026-01-01T00:00:00", "lvl": "target", "msg": line} for line in lines]
    entries.append({"dt": "2026-01-01T00:00:00", "lvl": "results",
                    "msg": {"definition": "lava", "case": "job", "result": "pass"}})
    return yaml.safe_dump(entries)
