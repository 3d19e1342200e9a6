"""Scenarios: what to build and run, one TOML file each under
firmware_builds/scenarios/ (or anywhere, given as a path), read into the
types of harness/spec.py and checked field by field. A guest kind adds its
own [[vm]] fields (harness/guests/)."""

import re
from dataclasses import replace
from pathlib import Path

from . import paths
from .errors import ConfigError
from .schema import Field, Table, in_range, load_toml, non_empty, one_of, resolve, validate
from .spec import BARRIER, GRANULE, MAX_VCPUS, REQUEST_TYPES, VARIANTS, BlkRequest, Scenario, \
    VmSpec, partition_align


def power_of_two_kib(v: int) -> str | None:
    ok = 4 <= v <= 1 << 20 and v & (v - 1) == 0
    return None if ok else f"expected a power of two from 4 KiB, got {v}"

SCENARIO_SPEC = {
    "scenario": Table({
        "name": Field(str, check=non_empty),
        "summary": Field(str, required=False, default=""),
        "timeout_s": Field(int, required=False, default=30, check=in_range(1, 3600, " s")),
        "icount_shift": Field(int, required=False, default=0, check=in_range(0, 10, ""),
                              doc="counted time (--deterministic): each instruction is 2**shift "
                                  "ns of guest time; more for guests that busy-wait seconds"),
        "counted_time": Field(bool, required=False, default=False,
                              doc="always run in counted time (-icount shift=icount_shift,"
                                  "sleep=off), not only with --deterministic: for guests that "
                                  "measure latencies in their own time, which a loaded host "
                                  "would stretch"),
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
        "shell": Field(bool, required=False, default=False,
                       doc="the hypervisor's shell on its console (docs/shell.md): the run "
                           "ends at its `poweroff`"),
        "placement": Field(str, required=False, default="boot-cpu",
                           check=one_of("boot-cpu", "balanced"),
                           doc="the physical CPUs of vCPUs with no affinity: all the boot "
                               "CPU's, or each the next CPU round (docs/smp.md)"),
    }, required=False),
    "vm": Table({
        "name": Field(str, doc="lowercase letters, digits, - and _; starts with a letter"),
        "guest": Field(str, doc="a guest kind: a module of harness/guests/"),
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
        "on_fault": Field(str, required=False, default="stop", check=one_of("stop", "inject"),
                          doc="an access outside its RAM and devices, or a system register "
                              "not emulated: stop the VM, or inject an abort or UNDEF"),
        "offered": Field(bool, required=False, default=False,
                         doc="not created at boot: the shell's `new -t <name>` creates it"),
        "vcpus": Field(int, required=False, default=1, check=in_range(1, MAX_VCPUS),
                       doc="its vCPUs: the first starts at the entry, the guest turns the "
                           "others on with PSCI CPU_ON"),
        "affinity": Field(list, required=False, default=[], item=int,
                          doc="the physical CPU each vCPU runs on (the board's CPU index), "
                              "one for each; none: hypervisor.placement"),
    }, required=False, array=True),
    "shell": Table({
        "script": Field(list, required=False, default=[], item=str,
                        doc="what a run without a session types at the shell, a line each; "
                            "`wait EVENT [guest=NAME] [KEY=VALUE...]` waits for an event"),
    }, required=False),
    "disk": Table({
        "size_kib": Field(int, required=False, default=0, check=in_range(0, 1 << 22, " KiB")),
        "seed": Field(int, required=False, default=0, check=in_range(0, 0xFFFFFFFF),
                      doc="initial content: 0 zeros, else xorshift32 words from this seed"),
    }, required=False),
}

REQUEST_FIELDS = {"type": (str, int), "ioprio": int, "sector": int, "sectors": int, "batch": int,
                  "barrier": bool, "seed": int}

_NAME = re.compile(r"[a-z][a-z0-9_-]{0,30}")
_PARAM = re.compile(r"[a-z][a-z0-9_]*")


def _with_guest_fields(spec: dict) -> dict:
    """SCENARIO_SPEC with every guest kind's own [[vm]] fields (loaded only
    when a scenario has VMs: a bare boot needs no guest module)."""
    from .guests import kinds

    extra = {name: replace(f, required=False) for k in kinds().values()
             for name, f in k.fields.items()}
    return {**spec, "vm": replace(spec["vm"], fields={**spec["vm"].fields, **extra})}


def _check_vms(path: Path, vms: list[dict], raw: list, heap_size: int,
               static: bool, shell: bool) -> tuple[VmSpec, ...]:
    if not vms:
        return ()
    from .guests import kinds  # only scenarios with VMs pay for the guest modules
    from .models.heap import Heap

    known, seen, heap = kinds(), set(), Heap(0, heap_size)
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
        kind = known[vm["guest"]]
        options = _guest_fields(path, where, kind, raw[i], vm)
        if (vm["memory_kib"] << 10) % GRANULE:
            raise ConfigError(path, f"{where}.memory_kib",
                              f"{vm['memory_kib']} KiB is not a multiple of the 4 KiB granule")
        for key, value in vm["params"].items():
            if not _PARAM.fullmatch(key) or not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(path, f"{where}.params.{key}",
                                  f"expected an integer parameter, got {value!r}")
        memory = vm["memory_kib"] << 10
        if vm["affinity"] and (len(vm["affinity"]) != vm["vcpus"] or min(vm["affinity"]) < 0):
            raise ConfigError(path, f"{where}.affinity", f"expected a CPU index for each of its "
                              f"{vm['vcpus']} vCPUs, got {vm['affinity']}")
        if vm["offered"] and not shell:
            raise ConfigError(path, f"{where}.offered", "only the shell creates an offered VM: "
                              "set hypervisor.shell = true")
        if not vm["offered"] and any(s.offered for s in specs):
            raise ConfigError(path, f"{where}.offered", "the VMs created at boot come first, "
                              "the offered ones after them")
        # Static partitions are taken at creation: they must fit. Dynamic VMs
        # take memory as they touch it; running out is a tested outcome (oom),
        # as is a `new` the heap cannot hold.
        if static and not vm["offered"] and heap.alloc(memory, partition_align(memory)) is None:
            raise ConfigError(path, f"{where}.memory_kib",
                              f"does not fit in the heap (hypervisor.heap_mib = "
                              f"{heap_size >> 20}; {heap.free_bytes >> 10} KiB left)")
        requests = tuple(_request(path, f"{where}.requests[{k}]", r)
                         for k, r in enumerate(vm["requests"]))
        passthrough = vm["virtio"] == "passthrough"
        if passthrough and (not static or len(vms) != 1):
            raise ConfigError(path, f"{where}.virtio", "passthrough needs variant = \"static\" "
                              "(DMA sees host addresses) and a single VM")
        spec = VmSpec(vm["name"], vm["guest"], memory, dict(vm["params"]), vm["resident_limit"],
                      vm["disk_sectors"], requests, passthrough, options, vm["on_fault"],
                      vm["offered"], vm["vcpus"], tuple(vm["affinity"]))
        kind.validate(spec, path, where, static)
        specs.append(spec)
    return tuple(specs)


def _guest_fields(path: Path, where: str, kind, raw: dict, vm: dict) -> dict:
    """The VM's guest kind's own fields; another kind's are refused."""
    from .guests import kinds

    for other in kinds().values():
        for name in other.fields:
            if name in raw and name not in kind.fields:
                raise ConfigError(path, f"{where}.{name}",
                                  f"the {kind.name} guest takes no {name} (the {other.name} "
                                  "guest does)")
    for name, f in kind.fields.items():
        if f.required and name not in raw:
            raise ConfigError(path, f"{where}.{name}",
                              f"the {kind.name} guest needs {name}: {f.doc}")
    return {name: vm[name] for name in kind.fields}


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
    try:
        path = resolve(name_or_path, paths.SCENARIOS, "scenario")
    except ConfigError as missing:  # not a file: perhaps a guest kind's catalogued one
        if name_or_path.endswith(".toml") or "/" in name_or_path:
            raise
        catalogue = catalogued_scenarios()  # (only then are the guest kinds imported)
        if name_or_path not in catalogue:
            known = sorted([p.stem for p in paths.SCENARIOS.glob("*.toml")] + list(catalogue))
            raise ConfigError(missing.path, "scenario", f"no scenario named {name_or_path!r} "
                              f"(known: {', '.join(known)})") from None
        return _scenario(*catalogue[name_or_path])
    return _scenario(path, load_toml(path))  # a file that is no TOML is named as such


def _scenario(path: Path, data: dict) -> Scenario:
    """A scenario's TOML document, checked field by field."""
    raw_vms = data.get("vm") if isinstance(data.get("vm"), list) else []
    v = validate(data, _with_guest_fields(SCENARIO_SPEC) if raw_vms else SCENARIO_SPEC, path)
    s, h = v["scenario"], v["hypervisor"]
    heap_size = h["heap_mib"] << 20
    _check_swap(path, h, heap_size)
    vms = _check_vms(path, v["vm"], raw_vms, heap_size, h["variant"] == "static", h["shell"])
    _check_disk(path, v["disk"], vms)
    return Scenario(path, s["name"], s["summary"], s["timeout_s"], h["variant"],
                    tuple(h["defines"]), heap_size, h["timeslice_us"], vms,
                    h["block_kib"] << 10, h["zpool_kib"] << 10, h["heap_watermark_kib"] << 10,
                    v["disk"]["size_kib"] << 10, v["disk"]["seed"], s["icount_shift"], h["shell"],
                    tuple(v["shell"]["script"]), h["placement"], s["counted_time"])


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


def list_scenarios() -> list[Scenario]:
    return ([load_scenario(str(p)) for p in sorted(paths.SCENARIOS.glob("*.toml"))]
            + [_scenario(path, data) for path, data in catalogued_scenarios().values()])


def catalogued_scenarios() -> dict[str, tuple[Path, dict]]:
    """Scenarios the guest kinds bring as data (a conformance suite's
    catalogue): name -> (the file that describes it, its TOML document)."""
    from .guests import kinds

    return {name: found for kind in kinds().values()
            for name, found in kind.scenarios().items()}


DEFAULT_SCENARIO = "hello"


def to_toml(s: Scenario) -> dict:
    """The scenario as a TOML document that loads back to the same Scenario
    (bundles keep the scenario as run, overrides included)."""
    names = {v: k for k, v in REQUEST_TYPES.items()}
    vms = [{"name": vm.name, "guest": vm.guest, "memory_kib": vm.memory >> 10,
            "params": dict(vm.params), "resident_limit": vm.resident_limit,
            "disk_sectors": vm.disk_sectors,
            "virtio": "passthrough" if vm.passthrough else "emulated", "on_fault": vm.on_fault,
            "offered": vm.offered, "vcpus": vm.vcpus, "affinity": list(vm.affinity),
            **vm.options,
            "requests": [{"type": names.get(r.base_type, r.base_type), "ioprio": r.ioprio,
                          "sector": r.sector, "sectors": r.sectors, "batch": r.batch,
                          "barrier": bool(r.type & BARRIER), "seed": r.seed}
                         for r in vm.requests]} for vm in s.vms]
    return {"scenario": {"name": s.name, "summary": s.summary, "timeout_s": s.timeout_s,
                         "icount_shift": s.icount_shift},
            "hypervisor": {"variant": s.variant, "defines": list(s.defines),
                           "heap_mib": s.heap_size >> 20, "timeslice_us": s.timeslice_us,
                           "block_kib": s.block_size >> 10, "zpool_kib": s.zpool_size >> 10,
                           "heap_watermark_kib": s.heap_watermark >> 10, "shell": s.shell,
                           "placement": s.placement},
            "disk": {"size_kib": s.disk_size >> 10, "seed": s.disk_seed},
            "shell": {"script": list(s.shell_script)},
            "vm": vms}
