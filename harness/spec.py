"""What a scenario asks for, as plain values: the scenario, its VMs and their
virtio-blk requests. A leaf: it imports nothing of the project, so models,
guests and checks can all use it (harness/scenarios.py reads it from TOML)."""

from dataclasses import dataclass, field
from pathlib import Path

VARIANTS = ("static", "dynamic")  # CONFIG_VM_DYNAMIC_MEMORY off / on
REQUEST_TYPES = {"in": 0, "out": 1, "scsi": 2, "flush": 4, "get-id": 8}  # Linux virtio
BARRIER = 0x8000_0000
GRANULE = 4096


@dataclass(frozen=True)
class BlkRequest:
    type: int  # with the barrier flag
    ioprio: int
    sector: int
    sectors: int
    batch: int
    seed: int

    @property
    def base_type(self) -> int:
        return self.type & ~BARRIER


MAX_VCPUS = 4  # a VM's: firmware_builds/hypervisor/vgic.h VGIC_MAX_VCPUS


@dataclass(frozen=True)
class VmSpec:
    name: str
    guest: str  # a guest kind (harness/guests/)
    memory: int  # bytes
    params: dict[str, int]
    resident_limit: int = 0
    disk_sectors: int = 0
    requests: tuple[BlkRequest, ...] = ()
    passthrough: bool = False
    options: dict[str, object] = field(default_factory=dict)  # its guest kind's own fields
    on_fault: str = "stop"  # a fault of its own: "stop" the VM, or "inject" it into the guest
    offered: bool = False  # created by the shell's `new`, not at boot
    vcpus: int = 1  # vCPU 0 starts at the entry; the guest turns the others on (PSCI)
    affinity: tuple[int, ...] = ()  # each vCPU's physical CPU; (): the scenario's placement


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
    icount_shift: int = 0  # in counted time, an instruction is 2**shift ns of guest time
    shell: bool = False  # the hypervisor's shell on its console; the run ends at `poweroff`
    shell_script: tuple[str, ...] = ()  # what a run without a session types there
    placement: str = "boot-cpu"  # vCPUs without affinity: "boot-cpu", or "balanced" round the CPUs
    counted_time: bool = False  # runs in counted time even without --deterministic


def partition_align(size: int) -> int:
    """How the hypervisor aligns a VM's partition (vm_mem_static.c): 2 MiB once it is
    that large, so that stage 2 can map it with blocks."""
    return 2 << 20 if size >= 2 << 20 else 4096
