"""Reads a bundle back: its board and scenario as run, its images (checked
against their recorded hashes), the recorded trace and verdict, and the
evidence the judge needs to give that verdict again without the target."""

import json
from dataclasses import dataclass
from pathlib import Path

from ..build import Image
from ..errors import HarnessError
from ..trace import Event, Trace
from . import files


@dataclass
class Bundle:
    path: Path
    board: object
    scenario: object
    hypervisor: Image
    guests: dict[str, Image]
    changed_images: list[str]  # image files whose hash differs from the recorded one
    run: dict  # the run options as recorded
    result: dict  # the verdict as recorded

    def events(self) -> list[Event]:
        with open(self.path / files.TRACE) as f:
            return [Event(r["event"], r["fields"], r["line"], r["time"], r["vm"],
                          r.get("cpu"), r.get("ticks"))  # older bundles have neither
                    for r in map(json.loads, f)]

    def trace(self) -> Trace:
        """The console as recorded (every line, the events parsed again)."""
        trace = Trace()
        for line in (self.path / files.SERIAL_LOG).read_text().splitlines():
            time, text = files.parse_serial_line(line)
            trace.add_line(text, time)
        return trace

    def memory(self) -> dict[int, bytes] | None:
        dumps = self.path / files.MEMORY
        if not dumps.is_dir():
            return None
        return {int(p.stem, 16): p.read_bytes() for p in sorted(dumps.glob("*.bin"))}

    def registers(self) -> list[dict] | None:
        return self._json(files.REGISTERS)

    def commands(self) -> list[str] | None:
        return self._json(files.COMMANDS)

    def stage2_snapshots(self) -> list[dict] | None:
        return self._json(files.STAGE2_SNAPSHOTS)

    def _json(self, name: str):
        path = self.path / name
        return json.loads(path.read_text()) if path.exists() else None

    def schedule(self, interrupts: bool = False):
        """(schedule.Change list, how many the firmware's rings lost), or None;
        of the interrupt log if `interrupts`."""
        from ..schedule import Change

        recorded = self._json(files.SCHEDULE)
        if recorded is None or (interrupts and "interrupts" not in recorded):
            return None
        if interrupts:
            return [Change(*c) for c in recorded["interrupts"]], recorded["interrupts_lost"]
        return [Change(*c) for c in recorded["changes"]], recorded["lost"]

    def disk_after(self) -> bytes | None:
        disk = self.path / files.DISK_AFTER
        return disk.read_bytes() if disk.exists() else None


def read_bundle(path: str | Path) -> Bundle:
    from ..boards import load_board
    from ..scenarios import load_scenario

    path = Path(path)
    if not (path / files.TRACE).exists():
        raise HarnessError(f"{path}: not a zvm-hil bundle (no {files.TRACE})")
    hypervisor, guests, changed = _images(path)
    return Bundle(path, load_board(str(path / files.BOARD)),
                  load_scenario(str(path / files.SCENARIO)), hypervisor, guests, changed,
                  json.loads((path / files.RUN).read_text()),
                  json.loads((path / files.RESULT).read_text()))


def _images(bundle: Path) -> tuple[Image, dict[str, Image], list[str]]:
    index = json.loads((bundle / files.IMAGE_INDEX).read_text())
    hypervisor, guests, changed = None, {}, []
    for name, info in index.items():
        path = bundle / files.IMAGES / name
        if not path.exists():
            raise HarnessError(f"{path}: missing from the bundle")
        if files.sha256(path) != info["sha256"]:
            changed.append(name)
        image = Image(path, int(info["build_id"], 16), info["key"])
        if info["role"] == "hypervisor":
            hypervisor = image
        else:
            guests[info["guest"]] = image
    if hypervisor is None:
        raise HarnessError(f"{bundle / files.IMAGE_INDEX}: names no hypervisor image")
    return hypervisor, guests, changed
