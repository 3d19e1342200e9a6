"""Scenario -> plan: where every blob goes in host memory, each VM's boot
images, DTB and share of the disk, and the heap model's prediction of each
static partition (docs/memory-map.md). The DTS text is harness/dts.py's; what
each guest kind needs is its own (harness/guests/)."""

from dataclasses import dataclass, field
from pathlib import Path

from . import dts
from .build import Image
from .elf import FlatImage
from .errors import ConfigError
from .guests import kind
from .memory_map import (DESCRIPTION_ADDR, DESCRIPTION_MAX, GUEST_DTB_RESERVE,
                         HEAP_ALIGN, HEAP_BASE, RAM_BASE, STAGING_BASE, page_up)
from .models.heap import Heap
from .spec import Scenario, VmSpec, partition_align


@dataclass(frozen=True)
class VmPlan:
    index: int
    spec: VmSpec
    vmid: int
    image: FlatImage
    image_pa: int
    dtb: bytes
    dtb_pa: int
    partition_pa: int | None  # static mode, as the heap model predicts it
    disk_base: int = 0  # first sector of the VM's range of the disk
    params: dict[str, int] = field(default_factory=dict)  # its DTB's /chosen parameters
    initrd: bytes = b""  # a Linux VM's initramfs
    initrd_pa: int = 0
    initrd_ipa: int = 0
    # How a VM the shell created lived (checks/shell.py): "whole" (created
    # and run to its own end, as a VM created at boot), "unrun" (created,
    # never run), "cut" (stopped from outside while it could run).
    lifetime: str = "whole"

    @property
    def kind(self):
        return kind(self.spec.guest)

    @property
    def footprint(self) -> tuple[int, int]:
        """(IPA, size) backed at creation: the image with its bss and stack,
        and a Linux VM's initramfs after it."""
        end = self.initrd_ipa + len(self.initrd) if self.initrd else self.image.end
        return self.image.load_addr, end - self.image.load_addr

    @property
    def ram_ipa(self) -> int:
        return self.kind.ram_ipa(self.spec)

    @property
    def dtb_ipa(self) -> int:
        return self.ram_ipa + self.spec.memory - GUEST_DTB_RESERVE


@dataclass(frozen=True)
class Plan:
    heap_base: int
    heap_size: int
    vms: tuple[VmPlan, ...]
    dts: str
    dtb: bytes
    variant: str = "static"
    block_size: int = 64 << 10
    zpool_size: int = 0
    heap_watermark: int = 0
    disk_size: int = 0
    disk_seed: int = 0
    placement: str = "boot-cpu"  # the scenario's, for vCPUs without affinity

    def loaders(self, directory: Path) -> tuple[tuple[Path, int], ...]:
        """Writes the blobs into `directory`; returns (file, address) pairs."""
        blobs = [("description.dtb", self.dtb, DESCRIPTION_ADDR)]
        for vm in self.vms:
            blobs += [(f"{vm.spec.name}-image.bin", vm.image.data, vm.image_pa),
                      (f"{vm.spec.name}.dtb", vm.dtb, vm.dtb_pa)]
            if vm.initrd:
                blobs.append((f"{vm.spec.name}-initrd.cpio", vm.initrd, vm.initrd_pa))
        out = []
        for name, data, addr in blobs:
            (directory / name).write_bytes(data)
            out.append((directory / name, addr))
        return tuple(out)


def plan(board, scenario: Scenario, guest_images: dict[str, Image] | None = None,
         counted_time: bool = False) -> Plan:
    """`counted_time`: the run's time is QEMU's instruction count (-icount),
    which the hypervisor is told (its host disk waits differ there)."""
    ram = [kind(spec.guest).ram_ipa(spec) for spec in scenario.vms]
    boots = [kind(spec.guest).boot(spec, (guest_images or {}).get(spec.guest), ram[i])
             for i, spec in enumerate(scenario.vms)]
    # A kernel is large: in static mode on zeroed RAM it is loaded where the
    # VM's partition will be, and need not be copied (vm_mem_copy.c skips what is in
    # place already).
    in_place = scenario.variant == "static" and board.kind == "qemu"
    heap_base = _heap_base([(b.image, b.initrd) for b in boots if not (b.initrd and in_place)])
    ram_end = RAM_BASE + (board.memory_mib << 20)
    if heap_base + scenario.heap_size > ram_end:
        raise ConfigError(scenario.path, "hypervisor.heap_mib",
                          f"{scenario.heap_size >> 20} MiB of heap from {heap_base:#x} does not "
                          f"fit in {board.name}'s {board.memory_mib} MiB of RAM")
    for i, spec in enumerate(scenario.vms):
        if spec.affinity and max(spec.affinity) >= board.cpus:
            raise ConfigError(scenario.path, f"vm[{i}].affinity",
                              f"CPU {max(spec.affinity)} is not one of {board.name}'s "
                              f"{board.cpus} (its cpus)")
    heap, staged, vms = Heap(heap_base, scenario.heap_size), STAGING_BASE, []
    partitions = [heap.alloc(spec.memory, partition_align(spec.memory))
                  if scenario.variant == "static" and not spec.offered else None
                  for spec in scenario.vms]
    disk_base = 0
    for i, (spec, boot) in enumerate(zip(scenario.vms, boots)):
        flat, initrd = boot.image, boot.initrd
        top = (boot.initrd_ipa + len(initrd)) if initrd else flat.end
        if top + GUEST_DTB_RESERVE > ram[i] + spec.memory:
            raise ConfigError(scenario.path, f"vm[{i}].memory_kib",
                              f"{spec.memory >> 10} KiB cannot hold the {spec.guest} image "
                              f"({(top - ram[i]) >> 10} KiB) and its DTB")
        guest = kind(spec.guest)
        partition, params = partitions[i], guest.params(scenario, i, partitions)
        dtb = dts.compile_dts(guest.device_tree(spec, boot, params,
                                                (partition or 0) - ram[i]))
        if initrd and in_place:
            image_pa = partition + flat.load_addr - ram[i]
            initrd_pa = partition + boot.initrd_ipa - ram[i]
            dtb_pa = staged
            staged = page_up(dtb_pa + len(dtb))
        else:
            image_pa = staged
            dtb_pa = page_up(image_pa + len(flat.data))
            initrd_pa = page_up(dtb_pa + len(dtb))
            staged = page_up(initrd_pa + len(initrd))
        vms.append(VmPlan(i, spec, i + 1, flat, image_pa, dtb, dtb_pa, partition, disk_base,
                          params, initrd, initrd_pa if initrd else 0, boot.initrd_ipa))
        disk_base += spec.disk_sectors
    if staged > heap_base:
        raise ConfigError(scenario.path, "vm", f"the guest images need "
                          f"{staged - DESCRIPTION_ADDR:#x} bytes of staging, more than "
                          f"{heap_base - DESCRIPTION_ADDR:#x}")
    description = dts.description_dts(scenario, heap_base, tuple(vms), board.kind == "qemu",
                                       counted_time)
    dtb = dts.compile_dts(description)
    if len(dtb) > DESCRIPTION_MAX:
        raise ConfigError(scenario.path, "vm", "the description is larger than 64 KiB")
    return Plan(heap_base, scenario.heap_size, tuple(vms), description, dtb, scenario.variant,
                scenario.block_size, scenario.zpool_size, scenario.heap_watermark,
                scenario.disk_size, scenario.disk_seed, placement=scenario.placement)


def _heap_base(staged: list[tuple[FlatImage, bytes]]) -> int:
    """HEAP_BASE, or higher when the staged images need more room (a Linux
    kernel): 2 MiB aligned past them, each guest DTB counted at its most."""
    need = STAGING_BASE + sum(page_up(len(flat.data)) + GUEST_DTB_RESERVE + page_up(len(initrd))
                              for flat, initrd in staged)
    return max(HEAP_BASE, (need + HEAP_ALIGN - 1) // HEAP_ALIGN * HEAP_ALIGN)
