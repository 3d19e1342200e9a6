"""The Linux guest: Debian's kernel with an initramfs whose /init runs the
VM's workload (guests/linux_initramfs.py) through Linux's own virtio_blk
driver. Linux decides how the requests reach the device (merged, split,
cached) and which memory it touches, so those are taken from the trace; what
the bytes on the disk and every MD5 must be is predicted here."""

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

from .. import dts
from ..errors import ConfigError
from ..expect import Expected
from ..memory_map import VBLK_IPA, VGICD_IPA, VGICR_FRAME, VGICR_IPA
from ..models import memblock
from ..models.virtio_blk import FLUSH, IN, MAX_BYTES, OUT, SECTOR, Request, initial_disk
from ..spec import VmSpec
from . import linux_initramfs
from .base import Boot, GuestKind, out_data

# A Linux console line (after the kernel's time stamp) that starts a panic,
# an oops or a BUG report.
_CRASH = re.compile(r"(?:\[\s*\d+\.\d+\] )?(Kernel panic - not syncing|Internal error: Oops|"
                    r"Unable to handle kernel|BUG: |kernel BUG at )")
_KERNEL_STAMP = re.compile(r"^\[\s*\d+\.\d+\] ")
CRASH_LINES = 4  # how much of the report a failure quotes


@dataclass
class Prediction:
    share: bytearray  # the VM's sectors of the disk, after the workload
    md5: dict[int, str] = field(default_factory=dict)  # request index -> MD5 of its IN


def predict(share: bytes, requests) -> Prediction:
    """What the workload leaves on the VM's share and what each IN reads:
    every OUT writes its seeded pattern, every IN reads what is there by then."""
    p = Prediction(bytearray(share))
    for i, r in enumerate(requests):
        start, length = r.sector * SECTOR, r.sectors * SECTOR
        if r.base_type == OUT:  # blkio's bytes: a Linux request is at most 128 sectors too
            p.share[start:start + length] = out_data(r)
        elif r.base_type == IN:
            p.md5[i] = hashlib.md5(bytes(p.share[start:start + length])).hexdigest()
    return p


def linux_dts(spec: VmSpec, initrd_ipa: int, initrd_size: int,
              bootargs: str = linux_initramfs.BOOTARGS) -> str:
    """What Linux needs to know of its VM: its CPUs, brought up by PSCI over
    HVC, RAM, the GICv3 distributor and a redistributor per CPU, the virtual timer, the
    PL011 console with its clocks, the virtio-blk device, the initramfs. (A
    virt board as QEMU describes it: kvm-unit-tests reads the same.)"""
    # The back-end raises an edge for each completion; Linux needs telling.
    virtio = dts.virtio_node(VBLK_IPA, "0x1", "\t\tdma-coherent;\n") if spec.disk_sectors else ""
    cpus = "".join(f"""\t\tcpu@{i} {{
\t\t\tdevice_type = "cpu";
\t\t\tcompatible = "arm,cortex-a57";
\t\t\treg = <{i}>;
\t\t\tenable-method = "psci";
\t\t}};
""" for i in range(spec.vcpus))
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
{cpus}\t}};
{dts.memory_node(spec)}\tgic: interrupt-controller@8000000 {{
\t\tcompatible = "arm,gic-v3";
\t\t#interrupt-cells = <3>;
\t\tinterrupt-controller;
\t\treg = <0x0 {VGICD_IPA:#x} 0x0 0x10000>, <0x0 {VGICR_IPA:#x} 0x0 {VGICR_FRAME * spec.vcpus:#x}>;
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
\t\tbootargs = "{bootargs}";
\t\tstdout-path = "/pl011@9000000";
\t\tlinux,initrd-start = <{dts.cells(initrd_ipa)}>;
\t\tlinux,initrd-end = <{dts.cells(initrd_ipa + initrd_size)}>;
\t\tzvm,vm-name = "{spec.name}";
\t}};
}};
"""



def traced_memory_ops(plan, vm, trace, reason: str = "psci-off") -> list[memblock.Op]:
    """A guest that runs its own programs (Linux, kvm-unit-tests, Zephyr): in
    dynamic mode its demand allocations are taken from the trace (as the
    scheduler's interleaving is) and the model predicts all they cause: PAs,
    merges, stage-2 mappings, heap figures. It ends for `reason` (Linux
    powers itself off by PSCI)."""
    ops = [memblock.Op("create")]
    if plan.variant == "dynamic":
        backed = [(vm.footprint[0], vm.footprint[0] + vm.footprint[1]),
                  (vm.dtb_ipa, vm.dtb_ipa + len(vm.dtb))]
        block = plan.block_size
        ops += [memblock.Op("write", e["ipa"]) for e in trace.named("block-alloc", vm=vm.index)
                if not any(lo // block * block <= e["ipa"] < hi for lo, hi in backed)]
    return ops + [memblock.Op("exit", reason=reason)]


def share(vm) -> tuple[int, int]:
    """The VM's share of the disk, in bytes: (start, end)."""
    return vm.disk_base * SECTOR, (vm.disk_base + vm.spec.disk_sectors) * SECTOR


def prediction(plan, vm) -> Prediction:
    start, end = share(vm)
    return predict(bytes(initial_disk(plan.disk_size, plan.disk_seed)[start:end]),
                   vm.spec.requests)


class Linux(GuestKind):
    name = "linux"
    own_os = True
    events = {
        "linux-start": frozenset({"kernel", "cpus"}),
        "linux-out": frozenset({"idx", "ok"}),
        "linux-in": frozenset({"idx", "md5"}),
        "linux-sync": frozenset({"idx"}),
        "linux-done": frozenset(),
        "linux-shell": frozenset(),
        "linux-error": frozenset({"step"}),
    }

    def validate(self, spec: VmSpec, path, where: str, static: bool) -> None:
        """Its requests are dd and sync steps on its share of the disk."""
        for k, r in enumerate(spec.requests):
            if r.base_type not in (IN, OUT, FLUSH):
                raise ConfigError(path, f"{where}.requests[{k}].type",
                                  "a Linux workload has in, out and flush only")
            if r.base_type != FLUSH and r.sector + r.sectors > spec.disk_sectors:
                raise ConfigError(path, f"{where}.requests[{k}].sector",
                                  f"sectors {r.sector}..{r.sector + r.sectors - 1} are not all "
                                  f"in the VM's {spec.disk_sectors} (disk_sectors)")

    def build(self):
        return None

    def boot(self, spec: VmSpec, image, ram_ipa: int) -> Boot:
        return Boot(*linux_initramfs.boot_images(spec, ram_ipa))

    def device_tree(self, spec: VmSpec, boot: Boot, params: dict[str, int],
                    dma_offset: int) -> str:
        return linux_dts(spec, boot.initrd_ipa, len(boot.initrd))

    def vcpu_power(self, spec: VmSpec) -> Counter:
        """Linux brings every CPU its DTB lists online at boot, and powers
        off with them on."""
        return Counter(("on", i) for i in range(1, spec.vcpus))

    def memory_ops(self, plan, vm, trace) -> list[memblock.Op]:
        return traced_memory_ops(plan, vm, trace)

    def disk_requests(self, plan, vm, trace) -> tuple[Request, ...]:
        """Whatever its driver made of the workload, from the trace; the
        bytes it wrote are predicted by disk_share. The back-end offers
        SEG_MAX and SIZE_MAX so that no request of Linux's can be longer
        than its bounce buffer: one that is (a device offering more) is
        expected at that length, and to succeed."""
        return tuple(Request(e["type"], e["ioprio"], e["sector"], min(e["len"], MAX_BYTES))
                     for e in trace.named("blk-req", vm=vm.index))

    def disk_share(self, plan, vm) -> bytes:
        return bytes(prediction(plan, vm).share)

    def expectations(self, plan, vm, prediction_, trace) -> list[Expected]:
        """The workload's every step, each IN's MD5 from what the workload
        leaves on the disk by then."""
        md5, name = prediction(plan, vm).md5, vm.spec.name
        version = linux_initramfs.assets().version
        out = [Expected("linux-start", {"kernel": f"linux-{version}", "cpus": vm.spec.vcpus},
                        vm=name)]
        for i, r in enumerate(vm.spec.requests):
            if r.base_type == OUT:
                out.append(Expected("linux-out", {"ok": 0}, {"idx": i}, vm=name))
            elif r.base_type == IN:
                out.append(Expected("linux-in", {"md5": int(md5[i], 16)}, {"idx": i}, vm=name))
            else:
                out.append(Expected("linux-sync", {}, {"idx": i}, vm=name))
        out.append(Expected("linux-done", {}, vm=name))
        if vm.spec.params.get("console_shell"):  # its console's shell from then on
            out.append(Expected("linux-shell", {}, vm=name))
        return out

    def console_failures(self, trace, vm) -> list[str]:
        """A panic or an oops: its first lines, from the VM's console."""
        prefix = f"[{vm.spec.name}] "
        lines = [text[len(prefix):] for _, text in trace.lines if text.startswith(prefix)]
        for i, text in enumerate(lines):
            if _CRASH.match(text):
                report = [_KERNEL_STAMP.sub("", t) for t in lines[i:i + CRASH_LINES]]
                return [f"{vm.spec.name}: Linux crashed: " + " | ".join(report)]
        return []

    def bundle_info(self) -> dict[str, str]:
        return {"linux_kernel": linux_initramfs.assets().version,
                "linux_assets_sha256": linux_initramfs.fingerprint()}


KIND = Linux()
