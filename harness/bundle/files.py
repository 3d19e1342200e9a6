"""The names of a bundle's files, and how the two of them that are not
plain JSON or TOML are written: the writer and the reader share them."""

import hashlib
from pathlib import Path

BOARD = "board.toml"
SCENARIO = "scenario.toml"
IMAGES = "images"  # directory: every image, by its file name
IMAGE_INDEX = "images.json"  # file name -> role, guest, sha256, build id, key
DESCRIPTION_DTS = "description.dts"
DESCRIPTION_DTB = "description.dtb"
MEMORY = "memory"  # directory: guest-physical reads, <address>.bin
STAGE2 = "stage2.txt"
DISK_BEFORE = "disk-before.img"
DISK_AFTER = "disk-after.img"
COMMANDS = "commands.json"  # what a session typed at the shell, in order (session.py)
REGISTERS = "registers.json"  # the EL2 registers read from the CPU (targets/register_probe.py)
STAGE2_SNAPSHOTS = "stage2-snapshots.json"  # the tables after the first unmaps (the same)
SCHEDULE = "schedule.json"  # the firmware's schedule log, decoded (harness/schedule.py)
RUN = "run.json"  # the run options
REPLAY = "replay.bin"
QEMU_COMMAND = "qemu-cmdline.txt"
SERIAL_LOG = "serial.log"
TRACE = "trace.jsonl"
RESULT = "result.json"
VERSIONS = "versions.json"


def memory_dump(addr: int) -> str:
    return f"{addr:#014x}.bin"


def sha256(path: Path) -> str:
    """An image's hash as IMAGE_INDEX records it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def serial_line(time: float, text: str) -> str:
    """One SERIAL_LOG line: the console line with its time stamp."""
    return f"[{time:9.6f}] {text}"


def parse_serial_line(line: str) -> tuple[float, str]:
    stamp, _, text = line.partition("] ")
    return float(stamp.lstrip("[")), text
