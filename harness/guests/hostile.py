"""The hostile guest (firmware_builds/guests/hostile/): its attacks, what each
aims at, and the outcome the hypervisor must produce. docs/reliability.md is this table
in prose; tests/integration/test_hostile.py runs every row next to honest VMs.

An attack's outcome is one of:
- fault: the access stops the VM (@zvm fault at `target`, vm-exit reason=fault);
- emulated: the access is carried out on the emulated device, the VM goes on;
- chain: the back-end answers the chain without reaching the scheduler
  (@zvm blk-bad reason=...), with what the guest then sees in its rings;
- request: the chain is well formed and reaches the scheduler, which answers
  it as the virtio-blk model predicts (an error status, nothing written);
- the rest (queue, hypercall, swap) as their rows say."""

import struct
from dataclasses import dataclass, replace

from ..errors import ConfigError
from ..expect import Expected
from ..memory_map import GICD_BASE, GUEST_RAM_IPA, HEAP_BASE, HYPERVISOR_BASE, PAGE, UART_BASE, \
    VBLK_IPA
from ..models.memblock import FAULT_CODE, Op
from ..models.virtio_blk import IN, OUT, SECTOR, Request
from ..schema import Field
from ..spec import VmSpec
from .base import GuestKind

SCSI = 2
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
    reason: str = ""  # @zvm blk-bad reason
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
           "queue-full (IOERR); the other VMs' requests are all served", reason="queue-full",
           count=2000),
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
            "other-vm": other_pa or 0, "heap": HEAP_BASE, "hypervisor": HYPERVISOR_BASE,
            "gicd": GICD_BASE, "uart": UART_BASE, "virtio": VBLK_IPA,
            "virtio+2": VBLK_IPA + 2}[attack.target]


def attack_of(spec: VmSpec) -> Attack:
    return ATTACKS[spec.options["attack"]]


def page_content(page: int) -> bytes:
    """What zpool-full writes: every word of a page is the page's IPA."""
    return struct.pack("<Q", page) * (PAGE // 8)


def known_attack(name: str) -> str | None:
    return None if name in ATTACKS else f"unknown attack {name!r} (see docs/reliability.md)"


def with_attack(scenario, attack: str):
    """`scenario` with its hostile VM making `attack`, and the memory mode
    and swap settings that attack needs."""
    a = ATTACKS[attack]
    vms = tuple(replace(vm, options={**vm.options, "attack": attack},
                        resident_limit=a.resident_limit or vm.resident_limit)
                if vm.guest == "hostile" else vm for vm in scenario.vms)
    return replace(scenario, vms=vms, variant=a.variant,
                   zpool_size=a.zpool_kib << 10 or scenario.zpool_size)


class Hostile(GuestKind):
    name = "hostile"
    fields = {"attack": Field(str, check=known_attack,
                              doc="the attack (docs/reliability.md)")}
    events = {
        "hostile-start": frozenset({"attack", "target"}),
        "hostile-survived": frozenset({"value"}),
        "hostile-chain": frozenset({"used", "len", "status", "intact"}),
        "hostile-queue": frozenset({"used"}),
        "hostile-hvc": frozenset({"ret"}),
        "hostile-fill": frozenset({"blocks"}),
    }

    def validate(self, spec: VmSpec, path, where: str, static: bool) -> None:
        attack = attack_of(spec)
        if attack.outcome in NEEDS_DISK and not spec.disk_sectors:
            raise ConfigError(path, f"{where}.disk_sectors", f"attack {attack.name!r} needs a disk")
        if static != (attack.variant == "static"):
            raise ConfigError(path, f"{where}.attack", f"attack {attack.name!r} needs "
                              f"hypervisor.variant = \"{attack.variant}\"")

    def params(self, scenario, index: int, partitions: list) -> dict[str, int]:
        """The /chosen parameters (the scenario's own params win). Attacks on
        memory wait once first: the guest runs again only when no other VM
        can, that is once the honest VMs have filled their memory."""
        spec = scenario.vms[index]
        others = [pa for i, pa in enumerate(partitions) if i != index and pa is not None]
        a = attack_of(spec)
        return {"attack": a.code, "target": target(a, spec, others[0] if others else None),
                "wait": int(a.outcome in ("fault", "emulated")), "count": a.count,
                "block_size": scenario.block_size, **spec.params}

    def memory_ops(self, plan, vm, trace) -> list[Op]:
        a, spec = attack_of(vm.spec), vm.spec
        ops = [Op("create")]
        if a.outcome == "fault":
            return ops + [Op("exit", code=FAULT_CODE, reason="fault")]
        if a.name == "release-not-owned":
            ops.append(Op("release", vm.params["target"], 0x10000))
        if a.name == "zpool-full":
            block = plan.block_size
            start = (vm.image.end + block - 1) // block * block
            ops += [Op("write", page) for page in
                    range(start, start + spec.params.get("count", a.count) * block, PAGE)]
        return ops + [Op("exit")]

    def page_content(self, plan, vm):
        return page_content

    def disk_requests(self, plan, vm, trace) -> tuple[Request, ...]:
        """The requests of the attack that reach the scheduler. A storm's
        count depends on how fast rounds run, so it is taken from the trace."""
        length = BUFFER_SECTORS * SECTOR
        out = lambda sector: Request(OUT, 0, sector, length, bytes(length))  # noqa: E731
        scsi = Request(SCSI, 0, 0, 0)
        submitted = len(trace.named("blk-req", vm=vm.index))
        return {"in-readonly": (Request(IN, 0, 0, length, misdirected=True),),
                "sector-out-of-range": (out(vm.spec.disk_sectors - BUFFER_SECTORS + 1),),
                "sector-overflow": (out((1 << 64) - 1),),
                "avail-idx-beyond": (scsi,) * QUEUE_NUM,
                "notify-storm": (scsi,) * submitted}.get(attack_of(vm.spec).name, ())

    def expectations(self, plan, vm, prediction, trace) -> list[Expected]:
        """The attack's documented outcome. The memory model has the VM
        stopped by a fault or exiting; virtio requests that reach the
        scheduler are checked by checks/virtio.py. A storm's notifies that
        find the scheduler's share full are each a blk-bad: as many as did
        not reach it."""
        a, name = attack_of(vm.spec), vm.spec.name
        out = [Expected("hostile-start", {"attack": a.code, "target": vm.params["target"]},
                        vm=name)]
        if a.outcome == "fault":
            return out + [Expected("fault", {"ipa": vm.params["target"]}, {"vm": vm.index})]
        if a.outcome == "emulated":
            return out + [Expected("hostile-survived", {"value": a.value}, vm=name)]
        if a.reason:
            refused = 1
            if a.name == "notify-storm":
                refused = vm.params["count"] - len(self.disk_requests(plan, vm, trace))
            out += [Expected("blk-bad", {"reason": a.reason}, {"vm": vm.index})] * refused
        if a.outcome in ("chain", "request"):
            written = a.status != STATUS_UNTOUCHED
            out.append(Expected("hostile-chain", {"used": 1, "len": int(written),
                                                  "status": a.status, "intact": 1}, vm=name))
        if a.outcome == "queue":  # every chain the device took comes back
            taken = QUEUE_NUM if a.name == "avail-idx-beyond" else vm.params["count"]
            out.append(Expected("hostile-queue", {"used": taken}, vm=name))
        if a.outcome == "hypercall":
            out.append(Expected("hostile-hvc", {"ret": NOT_SUPPORTED}, vm=name))
        if a.outcome == "swap":
            out.append(Expected("hostile-fill", {"blocks": vm.params["count"]}, vm=name))
        return out


KIND = Hostile()
