"""Scenarios: what to build and run, one TOML file each under
firmware_builds/scenarios/ (or anywhere, given as a path)."""

import re
from dataclasses import dataclass, replace
from pathlib import Path

from . import paths
from .errors import ConfigError
from .models.heap import Heap
from .schema import Field, Table, in_range, load_toml, non_empty, one_of, resolve, validate

VARIANTS = ("static", "dynamic")


def power_of_two_kib(v: int) -> str | None:
    ok = 4 <= v <= 1 << 20 and v & (v - 1) == 0
    return None if ok else f"expected a power of two from 4 KiB, got {v}"

def known_attack(v: str) -> str | None:
    if not v:
        return None
    from .models.hostile import ATTACKS  # only hostile scenarios pay for the table

    return None if v in ATTACKS else f"unknown attack {v!r} (see docs/reliability.md)"


SCENARIO_SPEC = {
    "scenario": Table({
        "name": Field(str, check=non_empty),
        "summary": Field(str, required=False, default=""),
        "timeout_s": Field(int, required=False, default=30, check=in_range(1, 3600, " s")),
    }),
    "hypervisor": Table({
        "variant": Field(str, required=False, default="static", check=one_of(*VARIANTS),
                         doc="static: CONFIG_VM_DYNAMIC_MEMORY off; dynamic: on"),
        "defines": Field(list, required=False, default=[], item=str,
                         doc="extra C macros for the hypervisor build (fault injection)"),
        "heap_mib": Field(int, required=False, default=64, check=in_range(1, 3072, " MiB"),
                          doc="the heap VM memory comes from"),
        "timeslice_us": Field(int, required=False, default=1000,
                              check=in_range(100, 1000000, " us")),
        "block_kib": Field(int, required=False, default=64, check=power_of_two_kib,
                           doc="dynamic mode: the vm_mem_block allocation unit"),
        "zpool_kib": Field(int, required=False, default=0, check=in_range(0, 1048576, " KiB"),
                           doc="compressed swap: the zpool's size (0: no swap)"),
        "heap_watermark_kib": Field(int, required=False, default=0,
                                    check=in_range(0, 1048576, " KiB"),
                                    doc="swap: pressure when free heap falls below this"),
    }, required=False),
    "vm": Table({
        "name": Field(str, doc="lowercase letters, digits, - and _; starts with a letter"),
        "guest": Field(str, doc="a directory of firmware_builds/guests/"),
        "memory_kib": Field(int, check=in_range(64, 1048576, " KiB")),
        "params": Field(dict, required=False, default={},
                        doc="workload parameters: integers, into the guest DTB's /chosen"),
        "resident_limit": Field(int, required=False, default=0, check=in_range(0, 1 << 20),
                                doc="swap: blocks resident before pressure (0: no limit)"),
        "disk_sectors": Field(int, required=False, default=0, check=in_range(0, 1 << 32),
                              doc="virtio-blk: the VM's share of the disk, in 512-byte sectors"),
        "requests": Field(list, required=False, default=[], item=dict,
                          doc="blkio: the virtio-blk requests, in order (docs/virtio-blk.md)"),
        "virtio": Field(str, required=False, default="emulated",
                        check=one_of("emulated", "passthrough"),
                        doc="passthrough: QEMU's device handed to the VM as is (benchmarks)"),
        "attack": Field(str, required=False, default="", check=known_attack,
                        doc="hostile guest: the attack (docs/reliability.md)"),
    }, required=False, array=True),
    "disk": Table({
        "size_kib": Field(int, required=False, default=0, check=in_range(0, 1 << 22, " KiB")),
        "seed": Field(int, required=False, default=0, check=in_range(0, 0xFFFFFFFF),
                      doc="initial content: 0 zeros, else xorshift32 words from this seed"),
    }, required=False),
}

REQUEST_TYPES = {"in": 0, "out": 1, "scsi": 2, "flush": 4, "get-id": 8}
BARRIER = 0x8000_0000
REQUEST_FIELDS = {"type": (str, int), "ioprio": int, "sector": int, "sectors": int, "batch": int,
                  "barrier": bool, "seed": int}

GRANULE_KIB = 4
LINUX_GUEST = "linux"  # Debian's kernel and busybox (harness/linux.py), not a guests/ directory

_NAME = re.compile(r"[a-z][a-z0-9_-]{0,30}")
_PARAM = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class BlkRequest:
    type: int  # with the barrier flag
    ioprio: int
    sector: int
    sectors: int
    batch: int
    seed: int
    misdirected: bool = False  # buffers the wrong way round (only a hostile guest's)
    opaque: bool = False  # data the model does not know (a Linux VM's, taken from the trace)

    @property
    def base_type(self) -> int:
        return self.type & ~BARRIER


@dataclass(frozen=True)
class VmSpec:
    name: str
    guest: str
    memory: int  # bytes
    params: dict[str, int]
    resident_limit: int = 0
    disk_sectors: int = 0
    requests: tuple[BlkRequest, ...] = ()
    passthrough: bool = False
    attack: str = ""  # the hostile guest's (models/hostile.py)


@dataclass(frozen=True)
class Scenario:
    path: Path
    name: str
    summary: str
    timeout_s: int
    variant: str
    defines: tuple[str, ...]
    heap_size: int = 64 << 20
    timeslice_us: int = 1000
    vms: tuple[VmSpec, ...] = ()
    block_size: int = 64 << 10
    zpool_size: int = 0
    heap_watermark: int = 0
    disk_size: int = 0
    disk_seed: int = 0


def partition_align(size: int) -> int:
    """How the hypervisor aligns a VM's partition (vm.c): 2 MiB once it is
    that large, so that stage 2 can map it with blocks."""
    return 2 << 20 if size >= 2 << 20 else 4096


def _check_vms(path: Path, vms: list[dict], heap_size: int, static: bool) -> tuple[VmSpec, ...]:
    from .build import guest_names

    known, seen, heap = guest_names() + [LINUX_GUEST], set(), Heap(0, heap_size)
    specs = []
    for i, vm in enumerate(vms):
        where = f"vm[{i}]"
        if not _NAME.fullmatch(vm["name"]):
            raise ConfigError(path, f"{where}.name", f"{vm['name']!r} is not a lowercase name")
        if vm["name"] in seen:
            raise ConfigError(path, f"{where}.name", f"{vm['name']!r} is used by another VM")
        seen.add(vm["name"])
        if vm["guest"] not in known:
            raise ConfigError(path, f"{where}.guest",
                              f"unknown guest {vm['guest']!r} (known: {', '.join(known)})")
        if vm["memory_kib"] % GRANULE_KIB:
            raise ConfigError(path, f"{where}.memory_kib",
                              f"{vm['memory_kib']} KiB is not a multiple of the 4 KiB granule")
        for key, value in vm["params"].items():
            if not _PARAM.fullmatch(key) or not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(path, f"{where}.params.{key}",
                                  f"expected an integer parameter, got {value!r}")
        memory = vm["memory_kib"] << 10
        # Static partitions are taken at creation: they must fit. Dynamic VMs
        # take memory as they touch it; running out is a tested outcome (oom).
        if static and heap.alloc(memory, partition_align(memory)) is None:
            raise ConfigError(path, f"{where}.memory_kib",
                              f"does not fit in the heap (hypervisor.heap_mib = "
                              f"{heap_size >> 20}; {heap.free_bytes >> 10} KiB left)")
        requests = tuple(_request(path, f"{where}.requests[{k}]", r)
                         for k, r in enumerate(vm["requests"]))
        passthrough = vm["virtio"] == "passthrough"
        if passthrough and (not static or len(vms) != 1):
            raise ConfigError(path, f"{where}.virtio", "passthrough needs variant = \"static\" "
                              "(DMA sees host addresses) and a single VM")
        _check_attack(path, where, vm, static)
        if vm["guest"] == LINUX_GUEST:
            _check_linux_workload(path, where, vm["disk_sectors"], requests)
        specs.append(VmSpec(vm["name"], vm["guest"], memory, dict(vm["params"]),
                            vm["resident_limit"], vm["disk_sectors"], requests, passthrough,
                            vm["attack"]))
    return tuple(specs)


def _check_attack(path: Path, where: str, vm: dict, static: bool) -> None:
    if (vm["guest"] == "hostile") != bool(vm["attack"]):
        raise ConfigError(path, f"{where}.attack", "the hostile guest needs an attack, and only "
                          "it takes one")
    if not vm["attack"]:
        return
    from .models.hostile import ATTACKS, NEEDS_DISK

    attack = ATTACKS[vm["attack"]]
    if attack.outcome in NEEDS_DISK and not vm["disk_sectors"]:
        raise ConfigError(path, f"{where}.disk_sectors", f"attack {attack.name!r} needs a disk")
    if static != (attack.variant == "static"):
        raise ConfigError(path, f"{where}.attack", f"attack {attack.name!r} needs "
                          f"hypervisor.variant = \"{attack.variant}\"")


def _check_linux_workload(path: Path, where: str, disk_sectors: int,
                          requests: tuple[BlkRequest, ...]) -> None:
    """A Linux VM's requests are dd and sync steps on its share of the disk."""
    for k, r in enumerate(requests):
        if r.base_type not in (REQUEST_TYPES["in"], REQUEST_TYPES["out"], REQUEST_TYPES["flush"]):
            raise ConfigError(path, f"{where}.requests[{k}].type",
                              "a Linux workload has in, out and flush only")
        if r.base_type != REQUEST_TYPES["flush"] and r.sector + r.sectors > disk_sectors:
            raise ConfigError(path, f"{where}.requests[{k}].sector",
                              f"sectors {r.sector}..{r.sector + r.sectors - 1} are not all in the "
                              f"VM's {disk_sectors} (disk_sectors)")


def _request(path: Path, where: str, r: dict) -> BlkRequest:
    unknown = sorted(set(r) - set(REQUEST_FIELDS))
    if unknown:
        raise ConfigError(path, f"{where}.{unknown[0]}",
                          f"unknown field (known: {', '.join(REQUEST_FIELDS)})")
    for key, types in REQUEST_FIELDS.items():
        value = r.get(key)
        if value is not None and (not isinstance(value, types) or
                                  (types is int and isinstance(value, bool))):
            raise ConfigError(path, f"{where}.{key}", f"unexpected value {value!r}")
    kind = r.get("type", "in")
    if isinstance(kind, str) and kind not in REQUEST_TYPES:
        raise ConfigError(path, f"{where}.type",
                          f"expected one of {', '.join(REQUEST_TYPES)} or an integer; got {kind!r}")
    type_ = REQUEST_TYPES[kind] if isinstance(kind, str) else kind
    for key, top in (("ioprio", 0xFFFFFFFF), ("sector", (1 << 64) - 1), ("sectors", 128),
                     ("batch", 0xFFFFFFFF), ("seed", 0xFFFFFFFF)):
        if not 0 <= r.get(key, 0) <= top:
            raise ConfigError(path, f"{where}.{key}", f"expected 0..{top}, got {r[key]}")
    if not 0 <= type_ < BARRIER:
        raise ConfigError(path, f"{where}.type", f"expected a type below 0x80000000, got {type_}")
    return BlkRequest(type_ | (BARRIER if r.get("barrier") else 0), r.get("ioprio", 0),
                      r.get("sector", 0), r.get("sectors", 1), r.get("batch", 0),
                      r.get("seed", 1))


def _check_disk(path: Path, disk: dict, vms: tuple[VmSpec, ...]) -> None:
    wanted = sum(vm.disk_sectors for vm in vms) * 512
    if wanted > disk["size_kib"] << 10:
        raise ConfigError(path, "disk.size_kib",
                          f"the VMs' disk_sectors need {wanted >> 10} KiB, the disk has "
                          f"{disk['size_kib']}")


def load_scenario(name_or_path: str) -> Scenario:
    path = resolve(name_or_path, paths.SCENARIOS, "scenario")
    v = validate(load_toml(path), SCENARIO_SPEC, path)
    s, h = v["scenario"], v["hypervisor"]
    heap_size = h["heap_mib"] << 20
    _check_swap(path, h, heap_size)
    vms = _check_vms(path, v["vm"], heap_size, h["variant"] == "static")
    _check_disk(path, v["disk"], vms)
    return Scenario(path, s["name"], s["summary"], s["timeout_s"], h["variant"],
                    tuple(h["defines"]), heap_size, h["timeslice_us"], vms,
                    h["block_kib"] << 10, h["zpool_kib"] << 10, h["heap_watermark_kib"] << 10,
                    v["disk"]["size_kib"] << 10, v["disk"]["seed"])


SWAP_MAX_BLOCK_KIB = 64  # hypervisor/description.h SWAP_MAX_BLOCK


def _check_swap(path: Path, h: dict, heap_size: int) -> None:
    if not h["zpool_kib"]:
        return
    if h["variant"] != "dynamic":
        raise ConfigError(path, "hypervisor.zpool_kib",
                          "compressed swap needs variant = \"dynamic\"")
    if h["block_kib"] > SWAP_MAX_BLOCK_KIB:
        raise ConfigError(path, "hypervisor.block_kib",
                          f"swap compresses blocks of at most {SWAP_MAX_BLOCK_KIB} KiB")
    if h["zpool_kib"] << 10 >= heap_size:
        raise ConfigError(path, "hypervisor.zpool_kib", "the zpool must be smaller than the heap")


def with_attack(scenario: Scenario, attack: str) -> Scenario:
    """`scenario` with its hostile VM making `attack`, and the memory mode
    and swap settings that attack needs."""
    from .models.hostile import ATTACKS

    a = ATTACKS[attack]
    vms = tuple(replace(vm, attack=attack, resident_limit=a.resident_limit or vm.resident_limit)
                if vm.attack else vm for vm in scenario.vms)
    return replace(scenario, vms=vms, variant=a.variant,
                   zpool_size=a.zpool_kib << 10 or scenario.zpool_size)


def list_scenarios() -> list[Scenario]:
    return [load_scenario(str(p)) for p in sorted(paths.SCENARIOS.glob("*.toml"))]


DEFAULT_SCENARIO = "hello"


def to_toml(s: Scenario) -> dict:
    """The scenario as a TOML document that loads back to the same Scenario
    (bundles keep the scenario as run, overrides included)."""
    names = {v: k for k, v in REQUEST_TYPES.items()}
    vms = [{"name": vm.name, "guest": vm.guest, "memory_kib": vm.memory >> 10,
            "params": dict(vm.params), "resident_limit": vm.resident_limit,
            "disk_sectors": vm.disk_sectors,
            "virtio": "passthrough" if vm.passthrough else "emulated", "attack": vm.attack,
            "requests": [{"type": names.get(r.base_type, r.base_type), "ioprio": r.ioprio,
                          "sector": r.sector, "sectors": r.sectors, "batch": r.batch,
                          "barrier": bool(r.type & BARRIER), "seed": r.seed}
                         for r in vm.requests]} for vm in s.vms]
    return {"scenario": {"name": s.name, "summary": s.summary, "timeout_s": s.timeout_s},
            "hypervisor": {"variant": s.variant, "defines": list(s.defines),
                           "heap_mib": s.heap_size >> 20, "timeslice_us": s.timeslice_us,
                           "block_kib": s.block_size >> 10, "zpool_kib": s.zpool_size >> 10,
                           "heap_watermark_kib": s.heap_watermark >> 10},
            "disk": {"size_kib": s.disk_size >> 10, "seed": s.disk_seed},
            "vm": vms}
