"""The Linux guest's images: Debian's arm64 cloud kernel and busybox-static
(unpacked by `make linux-assets` into .deps/linux), and an initramfs whose
/init runs the scenario's workload through Linux's own virtio_blk driver.

The workload is the VM's `requests`, in order: an OUT writes its seeded
pattern (the same bytes as blkio's) with dd and fsync, an IN reads with dd
and prints the MD5 of what it read, a FLUSH syncs. guests/linux.py predicts
every MD5 and the disk it leaves."""

import gzip
import hashlib
import io
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .. import paths
from ..elf import FlatImage
from ..errors import HarnessError
from ..models.virtio_blk import FLUSH, IN, OUT, SECTOR
from ..spec import BlkRequest, VmSpec
from .base import out_data

ASSETS = paths.REPO / ".deps" / "linux"
KERNEL_OFFSET = 0x20_0000  # the Image goes 2 MiB into RAM (arm64 boot protocol: 2 MiB aligned)
BOOTARGS = "console=ttyAMA0 quiet panic=-1 rdinit=/init"
# Loaded in this order: each needs the ones before it.
MODULES = ("virtio_ring", "virtio", "virtio_mmio", "virtio_blk")


@dataclass(frozen=True)
class Assets:
    image: Path  # the kernel's Image (arm64 boot protocol)
    busybox: Path
    modules: tuple[Path, ...]
    version: str


def assets() -> Assets:
    found = Assets(ASSETS / "vmlinuz", ASSETS / "busybox",
                   tuple(ASSETS / "modules" / f"{m}.ko" for m in MODULES),
                   (ASSETS / "version").read_text().strip() if (ASSETS / "version").exists()
                   else "")
    missing = [p for p in (found.image, found.busybox, *found.modules) if not p.exists()]
    if missing:
        raise HarnessError(f"the Linux guest's assets are missing ({missing[0]}): run "
                           "`make linux-assets`")
    return found


@cache
def kernel_image(path: Path) -> bytes:
    """The raw Image (Debian's vmlinuz may be gzip-compressed)."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def boot_images(spec: VmSpec, ram_ipa: int) -> tuple[FlatImage, bytes, int]:
    """The kernel as loaded into the VM's RAM, the initramfs, and where the
    initramfs goes (after everything the kernel's image_size covers)."""
    a = assets()
    image = kernel_image(a.image)
    text_offset, image_size = struct.unpack_from("<QQ", image, 8)
    load = ram_ipa + KERNEL_OFFSET + text_offset
    end = load + image_size
    return (FlatImage(load, image, load, end),
            initramfs(spec.requests, a, bool(spec.params.get("crash")),
                      bool(spec.params.get("console_shell"))),
            (end + KERNEL_OFFSET - 1) // KERNEL_OFFSET * KERNEL_OFFSET)


def init_script(requests: tuple[BlkRequest, ...], crash: bool = False,
                shell: bool = False) -> str:
    """/init: modules, then the workload. `crash`: panic the kernel first (the
    harness's own tests of how it reports a Linux crash); `shell`: a busybox
    shell on its console after the workload (the hypervisor's `connect`
    reaches it), until `exit`."""
    lines = ["#!/bin/busybox sh",
             "/bin/busybox --install -s /bin",
             "mount -t proc proc /proc",
             "mount -t devtmpfs dev /dev",
             # The CPUs online when init starts: every one the DTB lists, or
             # the kernel failed to bring one up.
             "printf '@guest linux-start kernel=linux-%s cpus=0x%x\\n' \"$(uname -r)\" "
             "\"$(grep -c ^processor /proc/cpuinfo)\""]
    if crash:
        lines.append("echo c > /proc/sysrq-trigger")
    lines += [f"insmod /lib/modules/{m}.ko || echo \"@guest linux-error step=insmod-{m}\""
              for m in MODULES]
    if requests:  # the driver probes the device in the background
        lines += ["n=0; while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n+1)); done",
                  '[ -b /dev/vda ] || echo "@guest linux-error step=no-vda"']
    for i, r in enumerate(requests):
        base = r.base_type
        if base == OUT:
            lines.append(f"dd if=/data/{i} of=/dev/vda bs={SECTOR} seek={r.sector} "
                         f"count={r.sectors} conv=notrunc,fsync 2>/dev/null; "
                         f"printf '@guest linux-out idx={i:#x} ok=0x%x\\n' $?")
        elif base == IN:
            lines.append(f"sum=$(dd if=/dev/vda bs={SECTOR} skip={r.sector} count={r.sectors} "
                         "2>/dev/null | md5sum); "
                         f'echo "@guest linux-in idx={i:#x} md5=0x${{sum%% *}}"')
        elif base == FLUSH:
            lines.append(f'sync; echo "@guest linux-sync idx={i:#x}"')
        else:
            raise HarnessError(f"request {i}: a Linux workload has in, out and flush only")
    lines.append('echo "@guest linux-done"')
    if shell:
        lines += ['echo "@guest linux-shell"',  # init's own stdin is no tty for it
                  "sh -i </dev/ttyAMA0 >/dev/ttyAMA0 2>&1"]
    lines.append("poweroff -f")
    return "\n".join(lines) + "\n"


def initramfs(requests: tuple[BlkRequest, ...], a: Assets | None = None,
              crash: bool = False, shell: bool = False) -> bytes:
    """An uncompressed newc cpio archive: busybox, the modules, /init, and
    each OUT request's data as /data/<index>."""
    a = a or assets()
    files: list[tuple[str, int, bytes]] = [
        ("bin", 0o40755, b""), ("bin/busybox", 0o100755, a.busybox.read_bytes()),
        ("dev", 0o40755, b""), ("proc", 0o40755, b""), ("lib", 0o40755, b""),
        ("lib/modules", 0o40755, b""), ("data", 0o40755, b""),
        ("init", 0o100755, init_script(requests, crash, shell).encode())]
    files += [(f"lib/modules/{m.name}", 0o100644, m.read_bytes()) for m in a.modules]
    files += [(f"data/{i}", 0o100644, out_data(r)) for i, r in enumerate(requests)
              if r.base_type == OUT]
    return newc(files)


def newc(files: list[tuple[str, int, bytes]]) -> bytes:
    """The cpio "newc" format the kernel unpacks: deterministic (no times,
    owners root), so equal inputs make equal archives."""
    out = io.BytesIO()

    def entry(ino: int, name: str, mode: int, data: bytes) -> None:
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0)
        out.write(b"070701" + b"".join(b"%08X" % f for f in fields) + name.encode() + b"\0")
        out.write(b"\0" * (-out.tell() % 4) + data + b"\0" * (-len(data) % 4))

    for ino, (name, mode, data) in enumerate(files, 1):
        entry(ino, name, mode, data)
    entry(0, "TRAILER!!!", 0, b"")
    return out.getvalue()


def fingerprint() -> str:
    """What the assets are, by content: the hash of the SHA256SUMS that
    tools/deps-linux.sh wrote when it unpacked them (for bundles)."""
    sums = ASSETS / "SHA256SUMS"
    return hashlib.sha256(sums.read_bytes()).hexdigest() if sums.exists() else "unknown"
