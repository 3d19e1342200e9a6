"""Device-tree source text: the hypervisor's description of a scenario and
a guest's own DTB (the Linux guest's is in guests/linux.py, from the same
nodes), compiled with dtc. The layout itself is harness/plan.py's."""

import subprocess

from . import toolchain
from .errors import HarnessError
from .memory_map import GUEST_RAM_IPA, QEMU_VIRTIO_BLK, VBLK_IPA, passthrough_page


def compile_dts(dts: str) -> bytes:
    done = subprocess.run([toolchain.find_program("dtc"), "-q", "-I", "dts", "-O", "dtb"],
                          input=dts.encode(), capture_output=True)
    if done.returncode != 0:
        raise HarnessError(f"dtc failed: {done.stderr.decode().strip()}")
    return done.stdout


def cells(value: int) -> str:
    return f"0x{value >> 32:x} 0x{value & 0xFFFFFFFF:x}"


def memory_node(spec, ram_ipa: int = GUEST_RAM_IPA) -> str:
    return f"""\tmemory@{ram_ipa:x} {{
\t\tdevice_type = "memory";
\t\treg = <{cells(ram_ipa)} {cells(spec.memory)}>;
\t}};
"""


def virtio_node(device: int, trigger: str, extra: str = "") -> str:
    """The virtio-mmio transport at `device`, on SPI 16 (`trigger`: its
    interrupt's flags, 0x1 edge or 0x4 level)."""
    return f"""\tvirtio_mmio@{device:x} {{
\t\tcompatible = "virtio,mmio";
\t\treg = <{cells(device)} 0x0 0x200>;
\t\tinterrupts = <0x0 0x10 {trigger}>;
{extra}\t}};
"""


def guest_dts(spec, dma_offset: int = 0, params: dict[str, int] | None = None) -> str:
    """The guest's DTB source; `params` (spec.params if not given) go into /chosen."""
    params = "".join(f"\t\tzvm,{key.replace('_', '-')} = /bits/ 64 <0x{value:x}>;\n"
                     for key, value in sorted((spec.params if params is None else params).items()))
    if spec.requests:
        cells = " ".join(f"0x{c:x}" for r in spec.requests
                         for c in (r.type, r.ioprio, r.sector >> 32, r.sector & 0xFFFFFFFF,
                                   r.sectors, r.batch, r.seed))
        params += f"\t\tzvm,requests = <{cells}>;\n"
    device = QEMU_VIRTIO_BLK if spec.passthrough else VBLK_IPA
    if spec.passthrough:  # no IOMMU: the device needs host addresses
        params += (f"\t\tzvm,virtio-base = /bits/ 64 <{device:#x}>;\n"
                   f"\t\tzvm,dma-offset = /bits/ 64 <{dma_offset:#x}>;\n")
    virtio = virtio_node(device, "0x4") if spec.disk_sectors or spec.passthrough else ""
    return f"""/dts-v1/;
/ {{
\tcompatible = "zvm-hil,guest";
\t#address-cells = <2>;
\t#size-cells = <2>;
{memory_node(spec)}\tpl011@9000000 {{
\t\tcompatible = "arm,pl011", "arm,primecell";
\t\treg = <0x0 0x9000000 0x0 0x1000>;
\t}};
{virtio}\tchosen {{
\t\tzvm,vm-name = "{spec.name}";
\t\tzvm,guest = "{spec.guest}";
{params}\t}};
}};
"""


def _passthrough(vm) -> str:
    if not vm.spec.passthrough:
        return ""
    page, size = passthrough_page()
    return f"\t\tpassthrough = <{cells(page)} {cells(size)}>;\n"


def _os(vm) -> str:
    """An OS guest's kind, initramfs and the line that ends it, if any."""
    guest = vm.kind
    out = "\t\tkind = \"os\";\n" if guest.own_os else ""
    if vm.initrd:
        out += (f"\t\tinitrd = <{cells(vm.initrd_pa)} {cells(len(vm.initrd))}>;\n"
                f"\t\tinitrd-ipa = <{cells(vm.initrd_ipa)}>;\n")
    if stop := guest.stop_line(vm.spec):
        out += f"\t\tstop-after = \"{stop[0]}\";\n\t\tstop-count = <{stop[1]}>;\n"
    return out


def _affinity(vm) -> str:
    if not vm.spec.affinity:
        return ""
    return f"\t\taffinity = <{' '.join(str(cpu) for cpu in vm.spec.affinity)}>;\n"


def _offered(vm) -> str:
    return "\t\toffered;\n" if vm.spec.offered else ""


def description_dts(scenario, heap_base: int, vms: tuple,
                    zeroed: bool = False, counted_time: bool = False) -> str:
    """`zeroed`: the board's RAM reads as zero at boot (QEMU's does), so the
    hypervisor need not clear memory no VM has had yet. `counted_time`: the
    board's time is its instruction count (QEMU -icount): the hypervisor
    sleeps for its host disk with the other CPUs paused (cpu_pause.h), so
    that how long the host takes changes nothing in the run."""
    heap_zeroed = "\t\theap-zeroed;" if zeroed else ""
    counted = "\t\tcounted-time;\n" if counted_time else ""
    shell = "\t\tshell;" if scenario.shell else ""
    nodes = "".join(f"""\tvm@{vm.index} {{
\t\tvm-name = "{vm.spec.name}";
\t\tguest = "{vm.spec.guest}";
\t\tvmid = <{vm.vmid}>;
\t\tvcpus = <{vm.spec.vcpus}>;
{_affinity(vm)}\t\tmemory = <{cells(vm.ram_ipa)} {cells(vm.spec.memory)}>;
\t\timage = <{cells(vm.image_pa)} {cells(len(vm.image.data))}>;
\t\timage-ipa = <{cells(vm.image.load_addr)}>;
\t\tentry = <{cells(vm.image.entry)}>;
\t\tfootprint = <{cells(vm.footprint[0])} {cells(vm.footprint[1])}>;
\t\tdtb = <{cells(vm.dtb_pa)} {cells(len(vm.dtb))}>;
\t\tdtb-ipa = <{cells(vm.dtb_ipa)}>;
\t\tresident-limit = <{cells(vm.spec.resident_limit)}>;
\t\tdisk = <{cells(vm.disk_base)} {cells(0 if vm.spec.passthrough else vm.spec.disk_sectors)}>;
\t\ton-fault = "{vm.spec.on_fault}";
{_passthrough(vm)}{_os(vm)}{_offered(vm)}
\t}};
""" for vm in vms)
    return f"""/dts-v1/;
/ {{
\tcompatible = "zvm-hil,description-v1";
\thypervisor {{
\t\tmemory-mode = "{scenario.variant}";
\t\theap = <{cells(heap_base)} {cells(scenario.heap_size)}>;
{heap_zeroed}{shell}
{counted}\t\tplacement = "{scenario.placement}";
\t\ttimeslice-us = <{scenario.timeslice_us}>;
\t\tblock-size = <{cells(scenario.block_size)}>;
\t\tzpool-size = <{cells(scenario.zpool_size)}>;
\t\theap-watermark = <{cells(scenario.heap_watermark)}>;
\t}};
{nodes}}};
"""
