"""Scenario -> the hypervisor's description (a DTB) and each guest's own DTB.

Host memory layout (docs/memory-map.md): the description at
DESCRIPTION_ADDR, the guests' images and DTBs staged after it, 4 KiB
aligned, below HEAP_BASE; the heap from HEAP_BASE. The plan also carries the
models' prediction of where the heap puts each VM's partition."""

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import toolchain
from .boards import QemuBoard
from .build import Image, build_guest
from .elf import FlatImage, flatten
from .errors import ConfigError, HarnessError
from .models.heap import Heap
from .scenarios import Scenario, VmSpec, partition_align

DESCRIPTION_ADDR = 0x4100_0000
DESCRIPTION_MAX = 0x1_0000
HEAP_BASE = 0x4200_0000
HEAP_ALIGN = 0x20_0000  # 2 MiB: partitions map with blocks
RAM_BASE = 0x4000_0000
GUEST_RAM_IPA = 0x4000_0000
GUEST_DTB_RESERVE = 0x1_0000  # the guest DTB sits in the top 64 KiB of its RAM
VIRTIO_IPA = 0x0A00_0000  # the back-end's device, in every VM
QEMU_VIRTIO_BLK = 0x0A00_3E00  # QEMU's virtio-blk device: virtio-mmio slot 31
PAGE = 4096


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

    @property
    def footprint(self) -> tuple[int, int]:
        """(IPA, size) backed at creation: the image with its bss and stack,
        and a Linux VM's initramfs after it."""
        end = self.initrd_ipa + len(self.initrd) if self.initrd else self.image.end
        return self.image.load_addr, end - self.image.load_addr

    @property
    def dtb_ipa(self) -> int:
        return GUEST_RAM_IPA + self.spec.memory - GUEST_DTB_RESERVE


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
    guest_ram_ipa: int = GUEST_RAM_IPA

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


def compile_dts(dts: str) -> bytes:
    done = subprocess.run([toolchain.find_program("dtc"), "-q", "-I", "dts", "-O", "dtb"],
                          input=dts.encode(), capture_output=True)
    if done.returncode != 0:
        raise HarnessError(f"dtc failed: {done.stderr.decode().strip()}")
    return done.stdout


def _cells(value: int) -> str:
    return f"0x{value >> 32:x} 0x{value & 0xFFFFFFFF:x}"


def _memory_node(spec: VmSpec) -> str:
    return f"""\tmemory@{GUEST_RAM_IPA:x} {{
\t\tdevice_type = "memory";
\t\treg = <{_cells(GUEST_RAM_IPA)} {_cells(spec.memory)}>;
\t}};
"""


def _virtio_node(device: int, trigger: str, extra: str = "") -> str:
    """The virtio-mmio transport at `device`, on SPI 16 (`trigger`: its
    interrupt's flags, 0x1 edge or 0x4 level)."""
    return f"""\tvirtio_mmio@{device:x} {{
\t\tcompatible = "virtio,mmio";
\t\treg = <{_cells(device)} 0x0 0x200>;
\t\tinterrupts = <0x0 0x10 {trigger}>;
{extra}\t}};
"""


def linux_dts(spec: VmSpec, initrd_ipa: int, initrd_size: int) -> str:
    """What Linux needs to know of its VM: one CPU brought up by PSCI over
    HVC, RAM, the GICv3 distributor and redistributor, the virtual timer, the
    PL011 console with its clocks, the virtio-blk device, the initramfs."""
    from .linux import BOOTARGS

    # The back-end raises an edge for each completion; Linux needs telling.
    virtio = _virtio_node(VIRTIO_IPA, "0x1", "\t\tdma-coherent;\n") if spec.disk_sectors else ""
    return f"""/dts-v1/;
/ {{
\tcompatible = "linux,dummy-virt";
\t#address-cells = <2>;
\t#size-cells = <2>;
\tinterrupt-parent = <&gic>;
\tpsci {{
\t\tcompatible = "arm,psci-1.0", "arm,psci-0.2";
\t\tmethod = "hvc";
\t}};
\tcpus {{
\t\t#address-cells = <1>;
\t\t#size-cells = <0>;
\t\tcpu@0 {{
\t\t\tdevice_type = "cpu";
\t\t\tcompatible = "arm,cortex-a57";
\t\t\treg = <0>;
\t\t\tenable-method = "psci";
\t\t}};
\t}};
{_memory_node(spec)}\tgic: interrupt-controller@8000000 {{
\t\tcompatible = "arm,gic-v3";
\t\t#interrupt-cells = <3>;
\t\tinterrupt-controller;
\t\treg = <0x0 0x8000000 0x0 0x10000>, <0x0 0x80a0000 0x0 0x20000>;
\t}};
\ttimer {{
\t\tcompatible = "arm,armv8-timer";
\t\tinterrupts = <0x1 0xd 0x4>, <0x1 0xe 0x4>, <0x1 0xb 0x4>, <0x1 0xa 0x4>;
\t\talways-on;
\t}};
\tapb_pclk: clock {{
\t\tcompatible = "fixed-clock";
\t\t#clock-cells = <0>;
\t\tclock-frequency = <24000000>;
\t}};
\tpl011@9000000 {{
\t\tcompatible = "arm,pl011", "arm,primecell";
\t\treg = <0x0 0x9000000 0x0 0x1000>;
\t\tinterrupts = <0x0 0x1 0x4>;
\t\tclocks = <&apb_pclk>, <&apb_pclk>;
\t\tclock-names = "uartclk", "apb_pclk";
\t}};
{virtio}\tchosen {{
\t\tbootargs = "{BOOTARGS}";
\t\tstdout-path = "/pl011@9000000";
\t\tlinux,initrd-start = <{_cells(initrd_ipa)}>;
\t\tlinux,initrd-end = <{_cells(initrd_ipa + initrd_size)}>;
\t\tzvm,vm-name = "{spec.name}";
\t}};
}};
"""


def guest_dts(spec: VmSpec, dma_offset: int = 0, params: dict[str, int] | None = None) -> str:
    """The guest's DTB source; `params` (spec.params if not given) go into /chosen."""
    params = "".join(f"\t\tzvm,{key.replace('_', '-')} = /bits/ 64 <0x{value:x}>;\n"
                     for key, value in sorted((spec.params if params is None else params).items()))
    if spec.requests:
        cells = " ".join(f"0x{c:x}" for r in spec.requests
                         for c in (r.type, r.ioprio, r.sector >> 32, r.sector & 0xFFFFFFFF,
                                   r.sectors, r.batch, r.seed))
        params += f"\t\tzvm,requests = <{cells}>;\n"
    device = QEMU_VIRTIO_BLK if spec.passthrough else VIRTIO_IPA
    if spec.passthrough:  # no IOMMU: the device needs host addresses
        params += (f"\t\tzvm,virtio-base = /bits/ 64 <{device:#x}>;\n"
                   f"\t\tzvm,dma-offset = /bits/ 64 <{dma_offset:#x}>;\n")
    virtio = _virtio_node(device, "0x4") if spec.disk_sectors or spec.passthrough else ""
    return f"""/dts-v1/;
/ {{
\tcompatible = "zvm-hil,guest";
\t#address-cells = <2>;
\t#size-cells = <2>;
{_memory_node(spec)}\tpl011@9000000 {{
\t\tcompatible = "arm,pl011", "arm,primecell";
\t\treg = <0x0 0x9000000 0x0 0x1000>;
\t}};
{virtio}\tchosen {{
\t\tzvm,vm-name = "{spec.name}";
\t\tzvm,guest = "{spec.guest}";
{params}\t}};
}};
"""


def passthrough_page() -> tuple[int, int]:
    """The page of QEMU's virtio-blk device a passthrough VM gets mapped as is."""
    return QEMU_VIRTIO_BLK & ~0xFFF, 0x1000


def _passthrough(vm: VmPlan) -> str:
    if not vm.spec.passthrough:
        return ""
    page, size = passthrough_page()
    return f"\t\tpassthrough = <{_cells(page)} {_cells(size)}>;\n"


def _linux(vm: VmPlan) -> str:
    if not vm.initrd:
        return ""
    return (f"\t\tkind = \"linux\";\n"
            f"\t\tinitrd = <{_cells(vm.initrd_pa)} {_cells(len(vm.initrd))}>;\n"
            f"\t\tinitrd-ipa = <{_cells(vm.initrd_ipa)}>;\n")


def description_dts(scenario: Scenario, heap_base: int, vms: tuple[VmPlan, ...],
                    zeroed: bool = False) -> str:
    """`zeroed`: the board's RAM reads as zero at boot (QEMU's does), so the
    hypervisor need not clear memory no VM has had yet."""
    heap_zeroed = "\t\theap-zeroed;" if zeroed else ""
    nodes = "".join(f"""\tvm@{vm.index} {{
\t\tvm-name = "{vm.spec.name}";
\t\tguest = "{vm.spec.guest}";
\t\tvmid = <{vm.vmid}>;
\t\tmemory = <{_cells(GUEST_RAM_IPA)} {_cells(vm.spec.memory)}>;
\t\timage = <{_cells(vm.image_pa)} {_cells(len(vm.image.data))}>;
\t\timage-ipa = <{_cells(vm.image.load_addr)}>;
\t\tentry = <{_cells(vm.image.entry)}>;
\t\tfootprint = <{_cells(vm.footprint[0])} {_cells(vm.footprint[1])}>;
\t\tdtb = <{_cells(vm.dtb_pa)} {_cells(len(vm.dtb))}>;
\t\tdtb-ipa = <{_cells(vm.dtb_ipa)}>;
\t\tresident-limit = <{_cells(vm.spec.resident_limit)}>;
\t\tdisk = <{_cells(vm.disk_base)} {_cells(0 if vm.spec.passthrough else vm.spec.disk_sectors)}>;
{_passthrough(vm)}{_linux(vm)}
\t}};
""" for vm in vms)
    return f"""/dts-v1/;
/ {{
\tcompatible = "zvm-hil,description-v1";
\thypervisor {{
\t\tmemory-mode = "{scenario.variant}";
\t\theap = <{_cells(heap_base)} {_cells(scenario.heap_size)}>;
{heap_zeroed}
\t\ttimeslice-us = <{scenario.timeslice_us}>;
\t\tblock-size = <{_cells(scenario.block_size)}>;
\t\tzpool-size = <{_cells(scenario.zpool_size)}>;
\t\theap-watermark = <{_cells(scenario.heap_watermark)}>;
\t}};
{nodes}}};
"""


def plan(board: QemuBoard, scenario: Scenario,
         guest_images: dict[str, Image] | None = None) -> Plan:
    images = [_boot_images(spec, guest_images or {}) for spec in scenario.vms]
    # A kernel is large: in static mode on zeroed RAM it is loaded where the
    # VM's partition will be, and need not be copied (vm.c skips what is in
    # place already).
    in_place = scenario.variant == "static" and board.kind == "qemu"
    heap_base = _heap_base([(flat, initrd) for flat, initrd, _ in images
                            if not (initrd and in_place)])
    ram_end = RAM_BASE + (board.memory_mib << 20)
    if heap_base + scenario.heap_size > ram_end:
        raise ConfigError(scenario.path, "hypervisor.heap_mib",
                          f"{scenario.heap_size >> 20} MiB of heap from {heap_base:#x} does not "
                          f"fit in {board.name}'s {board.memory_mib} MiB of RAM")
    heap, staged, vms = Heap(heap_base, scenario.heap_size), DESCRIPTION_ADDR + DESCRIPTION_MAX, []
    partitions = [heap.alloc(spec.memory, partition_align(spec.memory))
                  if scenario.variant == "static" else None for spec in scenario.vms]
    disk_base = 0
    for i, (spec, (flat, initrd, initrd_ipa)) in enumerate(zip(scenario.vms, images)):
        top = (initrd_ipa + len(initrd)) if initrd else flat.end
        if top + GUEST_DTB_RESERVE > GUEST_RAM_IPA + spec.memory:
            raise ConfigError(scenario.path, f"vm[{i}].memory_kib",
                              f"{spec.memory >> 10} KiB cannot hold the {spec.guest} image "
                              f"({(top - GUEST_RAM_IPA) >> 10} KiB) and its DTB")
        partition, params = partitions[i], guest_params(scenario, i, partitions)
        dts = (linux_dts(spec, initrd_ipa, len(initrd)) if initrd else
               guest_dts(spec, (partition or 0) - GUEST_RAM_IPA, params))
        dtb = compile_dts(dts)
        if initrd and in_place:
            image_pa = partition + flat.load_addr - GUEST_RAM_IPA
            initrd_pa = partition + initrd_ipa - GUEST_RAM_IPA
            dtb_pa = staged
            staged = _page_up(dtb_pa + len(dtb))
        else:
            image_pa = staged
            dtb_pa = _page_up(image_pa + len(flat.data))
            initrd_pa = _page_up(dtb_pa + len(dtb))
            staged = _page_up(initrd_pa + len(initrd))
        vms.append(VmPlan(i, spec, i + 1, flat, image_pa, dtb, dtb_pa, partition, disk_base,
                          params, initrd, initrd_pa if initrd else 0, initrd_ipa))
        disk_base += spec.disk_sectors
    if staged > heap_base:
        raise ConfigError(scenario.path, "vm", f"the guest images need {staged - DESCRIPTION_ADDR:#x}"
                          f" bytes of staging, more than {heap_base - DESCRIPTION_ADDR:#x}")
    dts = description_dts(scenario, heap_base, tuple(vms), board.kind == "qemu")
    dtb = compile_dts(dts)
    if len(dtb) > DESCRIPTION_MAX:
        raise ConfigError(scenario.path, "vm", "the description is larger than 64 KiB")
    return Plan(heap_base, scenario.heap_size, tuple(vms), dts, dtb, scenario.variant,
                scenario.block_size, scenario.zpool_size, scenario.heap_watermark,
                scenario.disk_size, scenario.disk_seed)


def _boot_images(spec: VmSpec, guest_images: dict[str, Image]) -> tuple[FlatImage, bytes, int]:
    """(the image as loaded, an initramfs or b"", where the initramfs goes)."""
    from . import linux

    if spec.guest == linux.GUEST:
        return linux.boot_images(spec, GUEST_RAM_IPA)
    return flatten((guest_images.get(spec.guest) or build_guest(spec.guest)).path), b"", 0


def _heap_base(staged: list[tuple[FlatImage, bytes]]) -> int:
    """HEAP_BASE, or higher when the staged images need more room (a Linux
    kernel): 2 MiB aligned past them, each guest DTB counted at its most."""
    need = DESCRIPTION_ADDR + DESCRIPTION_MAX + sum(
        _page_up(len(flat.data)) + GUEST_DTB_RESERVE + _page_up(len(initrd))
        for flat, initrd in staged)
    return max(HEAP_BASE, (need + HEAP_ALIGN - 1) // HEAP_ALIGN * HEAP_ALIGN)


def guest_params(scenario: Scenario, index: int, partitions: list[int | None]) -> dict[str, int]:
    """A VM's /chosen parameters: the scenario's, or a hostile guest's attack."""
    spec = scenario.vms[index]
    if not spec.attack:
        return spec.params
    from .models import hostile

    others = [pa for i, pa in enumerate(partitions) if i != index and pa is not None]
    return hostile.guest_params(spec, others[0] if others else None, scenario.block_size)


def _page_up(value: int) -> int:
    return (value + PAGE - 1) // PAGE * PAGE
