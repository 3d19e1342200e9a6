"""The firmware's schedule and interrupt logs (hypervisor/sched_log.h):
what each physical CPU ran and from when, and each interrupt raised for a
vCPU, read from the hypervisor's memory after a run on a target that reads
memory (QEMU). Nothing checks them; a run's timeline draws them
(harness/report/)."""

import struct
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile

from .elf import symbol

SYMBOLS = ("sched_log", "irq_log")
MAX_CPUS, RECORDS = 8, 4096  # cpus.h MAX_CPUS, sched_log.h SCHED_LOG_RECORDS
RECORD = struct.Struct("<QHHI")  # ticks, vm, vcpu, intid
LOG_SIZE = 8 + RECORDS * RECORD.size
IDLE = 0xFFFF


@dataclass(frozen=True)
class Change:
    """From `ticks` on, CPU `cpu` ran vCPU `vcpu` of VM id `vm` (None: idled);
    in the interrupt log, CPU `cpu` raised `intid` for that vCPU then."""
    cpu: int
    ticks: int
    vm: int | None
    vcpu: int
    intid: int = 0


def addresses(image: Path) -> list[int] | None:
    """Where the image keeps its logs; None for an image without them."""
    with open(image, "rb") as f:
        try:
            return [symbol(ELFFile(f), name) for name in SYMBOLS]
        except KeyError:
            return None


def decode(data: bytes) -> tuple[list[Change], int]:
    """A log's records of every CPU, oldest first, and how many its rings lost."""
    changes, lost = [], 0
    for cpu in range(len(data) // LOG_SIZE):
        log = data[cpu * LOG_SIZE:(cpu + 1) * LOG_SIZE]
        count = int.from_bytes(log[:8], "little")
        kept = min(count, RECORDS)
        lost += count - kept
        for n in range(count - kept, count):
            ticks, vm, vcpu, intid = RECORD.unpack_from(log, 8 + (n % RECORDS) * RECORD.size)
            changes.append(Change(cpu, ticks, None if vm == IDLE else vm, vcpu, intid))
    return sorted(changes, key=lambda c: (c.ticks, c.cpu)), lost


def read(target, image: Path) -> list[bytes] | None:
    """The raw logs (schedule, interrupts) from a target that reads memory,
    or None."""
    at = addresses(image)
    if at is None or not target.reads_memory:
        return None
    return [target.read_memory(a, MAX_CPUS * LOG_SIZE) for a in at]
