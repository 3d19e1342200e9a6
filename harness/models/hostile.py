"""The hostile guest (guests/hostile/main.c): its attacks, what each aims at,
and the outcome the hypervisor must produce. docs/reliability.md is this table
in prose; tests/integration/test_hostile.py runs every row next to honest VMs.

An attack's outcome is one of:
- fault: the access stops the VM (@zvm fault at `target`, vm-exit reason=fault);
- emulated: the access is carried out on the emulated device, the VM goes on;
- chain: the back-end answers the chain without reaching the scheduler
  (@zvm blk-bad reason=...), with what the guest then sees in its rings;
- request: the chain is well formed and reaches the scheduler, which answers
  it as the virtio-blk model predicts (an error status, nothing written);
- the rest (queue, hypercall, swap) as their rows say."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # scenarios imports this table to check its attack fields: keep it light
    from ..scenarios import BlkRequest, VmSpec
    from .memblock import Op

PAGE = 4096

GUEST_RAM_IPA = 0x4000_0000  # describe.GUEST_RAM_IPA (no import: describe needs pyelftools)
HEAP_BASE = 0x4200_0000  # describe.HEAP_BASE
HYPERVISOR_PA = 0x4020_0000  # where zvm.elf's text starts (docs/memory-map.md)
GICD = 0x0800_0000
UART = 0x0900_0000
VIRTIO = 0x0A00_0000
QUEUE_NUM = 64  # guests/lib/virtio_blk.h VBLK_QUEUE: what the guest's driver asks for
BUFFER_SECTORS = 8  # the guest's one 4 KiB data buffer
STATUS_UNTOUCHED = 0xFF  # the guest's status byte before the device writes it
NOT_SUPPORTED = (1 << 64) - 1  # a refused hypercall's x0


@dataclass(frozen=True)
class Attack:
    name: str
    code: int  # zvm,attack (the guest's enum attack)
    does: str
    outcome: str  # fault | emulated | chain | request | queue | hypercall | swap
    expect: str  # the documented outcome, for docs/reliability.md
    target: str = ""  # what zvm,target is: see target()
    reason: str = ""  # chain: @zvm blk-bad reason
    status: int = STATUS_UNTOUCHED  # chain, request: the status byte the guest sees
    value: int = 0  # emulated: what the access returns
    variant: str = "static"
    count: int = 1
    zpool_kib: int = 0  # swap: the zpool it needs filled, and its VM's resident limit
    resident_limit: int = 0


# Outcomes several attacks share (docs/reliability.md shows them in full).
STOPPED = "@zvm fault at that IPA; the VM is stopped"
NO_SYNDROME = "no syndrome to emulate it with (ISV=0): @zvm fault, the VM is stopped"
WORDS_ONLY = "virtio registers are aligned 32-bit words only: @zvm fault, the VM is stopped"
BUFFER_RANGE = "blk-bad buffer-range; the chain comes back used with length 0, no status written"
BAD_HEADER = "blk-bad header; status IOERR written, used with length 1"
BAD_STATUS = "blk-bad status; used with length 0, nothing written"
IOERR_NOTHING_WRITTEN = "IOERR; no sector of the disk changes"

_ATTACKS = [
    Attack("oob-read", 1, "reads the first IPA past its RAM", "fault",
           STOPPED, "ram-end"),
    Attack("oob-write", 2, "writes the first IPA past its RAM", "fault",
           STOPPED, "ram-end"),
    Attack("other-vm", 3, "writes the IPA equal to the host PA of the next VM's memory",
           "fault", STOPPED, "other-vm"),
    Attack("heap-guess", 4, "writes the IPA equal to the hypervisor heap's base PA", "fault",
           STOPPED, "heap"),
    Attack("hypervisor-image", 5, "writes the IPA equal to the hypervisor's own text", "fault",
           STOPPED, "hypervisor"),
    Attack("unmapped-mmio", 6, "writes the GIC distributor (not given to guests)", "fault",
           STOPPED, "gicd"),
    Attack("uart-misaligned", 7, "a 32-bit store at UART + 1", "emulated",
           "emulated as a write to an unknown register: ignored, the VM goes on"),
    Attack("uart-wide", 35, "a 64-bit store to the UART's data register", "emulated",
           "emulated: its low byte is transmitted, the VM goes on"),
    Attack("uart-pair", 8, "stp of two registers to the UART", "fault",
           NO_SYNDROME, "uart"),
    Attack("uart-exclusive", 9, "ldxr from the UART", "fault",
           NO_SYNDROME, "uart"),
    Attack("virtio-misaligned", 10, "a 32-bit load at virtio-mmio + 2", "fault",
           WORDS_ONLY,
           "virtio+2"),
    Attack("virtio-byte", 11, "an 8-bit load of the magic register", "fault",
           WORDS_ONLY,
           "virtio"),
    Attack("virtio-wide", 12, "a 64-bit load of the magic register", "fault",
           WORDS_ONLY,
           "virtio"),
    Attack("virtio-pair", 13, "ldp from virtio-mmio", "fault",
           NO_SYNDROME, "virtio"),
    Attack("virtio-exclusive", 14, "ldxr from virtio-mmio", "fault",
           NO_SYNDROME, "virtio"),
    Attack("desc-outside-ram", 15, "a data descriptor at the first IPA past its RAM", "chain",
           BUFFER_RANGE,
           "ram-end", "buffer-range"),
    Attack("desc-at-hypervisor", 16, "a data descriptor at the hypervisor's text PA", "chain",
           BUFFER_RANGE,
           "hypervisor", "buffer-range"),
    Attack("desc-at-other-vm", 17, "a data descriptor at the next VM's host PA", "chain",
           BUFFER_RANGE,
           "other-vm", "buffer-range"),
    Attack("desc-loop", 18, "a chain whose last descriptor leads back to the first", "chain",
           "blk-bad chain-length; used with length 0, no status written", "", "chain-length"),
    Attack("header-writable", 19, "a device-writable header", "chain",
           BAD_HEADER, "", "header", 1),
    Attack("header-short", 20, "an 8-byte header", "chain",
           BAD_HEADER, "", "header", 1),
    Attack("status-readable", 21, "a device-readable status byte", "chain",
           BAD_STATUS, "", "status"),
    Attack("status-missing", 22, "a chain of header and data, no status", "chain",
           BAD_STATUS, "", "status"),
    Attack("in-readonly", 23, "an IN request into a device-readable buffer", "request",
           "reaches the scheduler and is answered IOERR; the buffer is not written", "", "", 1),
    Attack("sector-out-of-range", 24, "an OUT whose last sector is one past its share",
           "request", IOERR_NOTHING_WRITTEN, "", "", 1),
    Attack("sector-overflow", 25, "an OUT at sector 2^64-1 (sector + length wraps)", "request",
           IOERR_NOTHING_WRITTEN, "", "", 1),
    Attack("avail-idx-beyond", 26, "moves the avail index 71 entries ahead of a 64-entry ring",
           "queue", "blk-bad avail-idx; only a ring's worth (64) of chains is taken", "",
           "avail-idx"),
    Attack("head-range", 27, "posts head 0x4000 in a 64-entry ring", "chain",
           "blk-bad head-range; used with length 0", "", "head-range"),
    Attack("next-range", 28, "a descriptor whose next is 0x4000", "chain",
           "blk-bad next-range; used with length 0", "", "next-range"),
    Attack("indirect", 29, "an indirect descriptor (not offered)", "chain",
           "blk-bad indirect; used with length 0", "", "indirect"),
    Attack("ring-range", 30, "a descriptor table at the first IPA past its RAM", "chain",
           "blk-bad ring-range; used with length 0", "ram-end", "ring-range"),
    Attack("notify-storm", 31, "posts one chain and notifies 2000 times, never reaping",
           "queue", "at most a ring's worth in the scheduler at once, the rest blk-bad "
           "queue-full (IOERR); the other VMs' requests are all served", count=2000),
    Attack("release-not-owned", 32, "asks to release 64 KiB straddling the end of its RAM",
           "hypercall", "release-refused not-owned; x0 = -1, the VM goes on", "ram-end-half",
           variant="dynamic"),
    Attack("unknown-hvc", 33, "an hvc with a function the hypervisor does not know",
           "hypercall", "x0 = -1 (NOT_SUPPORTED), the VM goes on"),
    Attack("zpool-full", 34, "fills 8 blocks of compressible data, resident limit 2",
           "swap", "swap-out until the zpool is full, then swap-skip zpool-full: the blocks stay "
           "resident, the VM goes on", variant="dynamic", count=8, zpool_kib=2, resident_limit=2),
]
ATTACKS: dict[str, Attack] = {a.name: a for a in _ATTACKS}
NEEDS_DISK = frozenset({"chain", "request", "queue"})


def target(attack: Attack, spec: VmSpec, other_pa: int | None) -> int:
    """zvm,target: the address the attack aims at."""
    ram_end = GUEST_RAM_IPA + spec.memory
    return {"": 0, "ram-end": ram_end, "ram-end-half": ram_end - 0x8000,
            "other-vm": other_pa or 0, "heap": HEAP_BASE, "hypervisor": HYPERVISOR_PA,
            "gicd": GICD, "uart": UART, "virtio": VIRTIO, "virtio+2": VIRTIO + 2}[attack.target]


def guest_params(spec: VmSpec, other_pa: int | None, block_size: int) -> dict[str, int]:
    """The hostile guest's /chosen parameters (the scenario's own params win).
    Attacks on memory wait once first: the guest runs again only when no
    other VM can, that is once the honest VMs have filled their memory."""
    a = ATTACKS[spec.attack]
    return {"attack": a.code, "target": target(a, spec, other_pa),
            "wait": int(a.outcome in ("fault", "emulated")), "count": a.count,
            "block_size": block_size, **spec.params}


def memory_ops(spec: VmSpec, image_end: int, block_size: int, target_: int) -> list[Op]:
    from .memblock import FAULT_CODE, Op

    a = ATTACKS[spec.attack]
    ops = [Op("create")]
    if a.outcome == "fault":
        return ops + [Op("exit", code=FAULT_CODE, reason="fault")]
    if a.name == "release-not-owned":
        ops.append(Op("release", target_, 0x10000))
    if a.name == "zpool-full":
        start = (image_end + block_size - 1) // block_size * block_size
        ops += [Op("write", page) for page in
                range(start, start + spec.params.get("count", a.count) * block_size, PAGE)]
    return ops + [Op("exit")]


def page_content(page: int) -> bytes:
    """What zpool-full writes: every word of a page is the page's IPA."""
    return struct.pack("<Q", page) * (PAGE // 8)


def disk_requests(spec: VmSpec, capacity: int, submitted: int) -> tuple[BlkRequest, ...]:
    """The requests of the attack that reach the scheduler. A storm's count
    depends on how fast rounds run, so it is taken from the trace."""
    from ..scenarios import REQUEST_TYPES, BlkRequest

    name, kind = spec.attack, REQUEST_TYPES
    out = lambda sector: BlkRequest(kind["out"], 0, sector, BUFFER_SECTORS, 0, 0)  # noqa: E731
    scsi = BlkRequest(kind["scsi"], 0, 0, 0, 0, 0)
    return {"in-readonly": (BlkRequest(kind["in"], 0, 0, BUFFER_SECTORS, 0, 0, misdirected=True),),
            "sector-out-of-range": (out(capacity - BUFFER_SECTORS + 1),),
            "sector-overflow": (out((1 << 64) - 1),),
            "avail-idx-beyond": (scsi,) * QUEUE_NUM,
            "notify-storm": (scsi,) * submitted}.get(name, ())
