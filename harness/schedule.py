"""The firmware's schedule log (hypervisor/sched_log.h): what each physical
CPU ran and from when, read from the hypervisor's memory after a run on a
target that reads memory (QEMU). Nothing checks it; a run's timeline draws
it (harness/report/)."""

import struct
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile

from .elf import symbol

SYMBOL = "sched_log"
MAX_CPUS, RECORDS = 8, 4096  # cpus.h MAX_CPUS, sched_log.h SCHED_LOG_RECORDS
RECORD = struct.Struct("<QHHI")  # ticks, vm, vcpu, reserved
LOG_SIZE = 8 + RECORDS * RECORD.size
IDLE = 0xFFFF


@dataclass(frozen=True)
class Change:
    """From `ticks` on, CPU `cpu` ran vCPU `vcpu` of VM id `vm` (None: idled)."""
    cpu: int
    ticks: int
    vm: int | None
    vcpu: int


def address(image: Path) -> int | None:
    """Where the image keeps its log; None for an image without one."""
    with open(image, "rb") as f:
        try:
            return symbol(ELFFile(f), SYMBOL)
        except KeyError:
            return None


def decode(data: bytes) -> tuple[list[Change], int]:
    """The changes of every CPU, oldest first, and how many the rings lost."""
    changes, lost = [], 0
    for cpu in range(len(data) // LOG_SIZE):
        log = data[cpu * LOG_SIZE:(cpu + 1) * LOG_SIZE]
        count = int.from_bytes(log[:8], "little")
        kept = min(count, RECORDS)
        lost += count - kept
        for n in range(count - kept, count):
            ticks, vm, vcpu, _ = RECORD.unpack_from(log, 8 + (n % RECORDS) * RECORD.size)
            changes.append(Change(cpu, ticks, None if vm == IDLE else vm, vcpu))
    return sorted(changes, key=lambda c: (c.ticks, c.cpu)), lost


def read(target, image: Path) -> bytes | None:
    """The raw log from a target that reads memory, or None."""
    at = address(image)
    if at is None or not target.reads_memory:
        return None
    return target.read_memory(at, MAX_CPUS * LOG_SIZE)
