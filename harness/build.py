"""Builds the firmware with a content-hash cache.

An image's key is the hash of everything that goes into it: the compiler's
identity, the flags, every source and header, the linker script and the
libraries. A build whose key exists is a no-op; otherwise only the objects
whose own key changed are recompiled (one object per source file, cached
under build/obj/). Outputs are written under a temporary name and renamed, so
concurrent builds never see half a file."""

import os
import re
import subprocess
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from . import paths, toolchain
from .errors import HarnessError

HYPERVISOR_DIR = paths.FIRMWARE / "hypervisor"
COMMON_DIR = paths.FIRMWARE / "common"
GUESTS_DIR = paths.FIRMWARE / "guests"
GUEST_LIB_DIR = GUESTS_DIR / "lib"

CFLAGS = (
    "-O2", "-g", "-std=gnu11", "-ffreestanding", "-fno-common", "-fno-stack-protector", "-fno-pie",
    "-mgeneral-regs-only", "-Wall", "-Wextra", "-Werror",
)
VARIANT_DEFINES = {"static": (), "dynamic": ("CONFIG_VM_DYNAMIC_MEMORY=1",)}
RACY_S = 2.0  # inputs changed this recently are hashed again at the next build
_DEFINE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(=[^\s]*)?")


@dataclass(frozen=True)
class Image:
    path: Path
    build_id: int  # what the firmware reports in `@zvm boot build=..`
    key: str


@dataclass(frozen=True)
class Program:
    name: str
    source_dirs: tuple[Path, ...]  # every .c and .S in these is compiled
    linker_script: Path
    include_dirs: tuple[Path, ...]
    libraries: tuple[Path, ...]
    defines: tuple[str, ...]

    def sources(self) -> list[Path]:
        return sorted(p for d in self.source_dirs for p in d.iterdir()
                      if p.suffix in (".c", ".S"))

    def headers(self) -> list[Path]:
        return sorted(p for d in (*self.source_dirs, *self.include_dirs) if d.is_dir()
                      for p in d.rglob("*.h"))


def _stat_id(path: Path, st: os.stat_result | None = None) -> str:
    st = st or path.stat()
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def _hash(*parts: bytes) -> str:
    import hashlib  # OpenSSL takes ~7 ms to load: only real builds need it

    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def check_defines(defines: tuple[str, ...]) -> None:
    for d in defines:
        if not _DEFINE.fullmatch(d):
            raise HarnessError(f"build define {d!r} is not NAME or NAME=VALUE")


class Builder:
    def __init__(self, build_dir: Path | None = None):
        self.build_dir = build_dir or paths.BUILD
        self.gcc = Path(toolchain.find_program(toolchain.CROSS_GCC))
        self.specs = toolchain.picolibc_specs()
        self.toolchain_id = _stat_id(self.gcc) + _stat_id(self.specs)

    def build(self, program: Program) -> Image:
        check_defines(program.defines)
        # Every run builds first, before its target starts: when no input's
        # size or modification time changed, the key hashed last time holds
        # (one memo per program and flags).
        cflags = self._cflags(program)
        flags = " ".join(cflags)
        memo = self.build_dir / "keys" / f"{program.name}-{zlib.crc32(flags.encode()):08x}"
        looked = time.time()  # the inputs' stats are as of now
        inputs = [(p, p.stat()) for p in (*program.headers(), *program.sources(),
                                         program.linker_script, *program.libraries)]
        signature = "\n".join([self.toolchain_id, flags, *(_stat_id(p, st) for p, st in inputs)])
        if memo.exists():
            remembered, _, key = memo.read_text().rpartition("\n")
            image = self._image(program, key)
            if remembered == signature and image.path.exists():
                return image
        image = self._build(program, cflags)
        # A file changed twice within one tick of the file system's clock
        # keeps its time stamp: remember only inputs that were older than
        # that when their stats were taken (a change during a long build
        # would otherwise be remembered as the stats from before it).
        if max(st.st_mtime for _, st in inputs) < looked - RACY_S:
            memo.parent.mkdir(parents=True, exist_ok=True)
            tmp = _temp_name(memo)
            tmp.write_text(f"{signature}\n{image.key}")
            os.replace(tmp, memo)
        return image

    def _image(self, program: Program, key: str) -> Image:
        out = self.build_dir / "images" / f"{program.name}-{key[:16]}" / f"{program.name}.elf"
        return Image(out, int(key[:16], 16), key)

    def _build(self, program: Program, flags: list[str]) -> Image:
        # Any header may reach any object: they are all part of every object's key.
        common = _hash(self.toolchain_id.encode(), " ".join(flags).encode(),
                       *(p.name.encode() + p.read_bytes() for p in program.headers())).encode()
        objects = {src: _hash(common, src.name.encode(), src.read_bytes())
                   for src in program.sources()}
        libs = "".join(_stat_id(lib) for lib in program.libraries).encode()
        key = _hash(program.name.encode(), *(k.encode() for k in objects.values()),
                    program.linker_script.read_bytes(), libs)
        image = self._image(program, key)
        if not image.path.exists():
            self._compile_and_link(program, flags, objects, image.build_id, image.path)
        return image

    def _cflags(self, program: Program) -> list[str]:
        # Source paths in the images' debug information relative to the
        # repository (the firmware tree, if another, as firmware_builds):
        # bundles carry images, and no machine's directories belong in them.
        relative = [f"-ffile-prefix-map={paths.FIRMWARE}=firmware_builds",
                    f"-ffile-prefix-map={self.build_dir}=build", f"-ffile-prefix-map={paths.REPO}=."]
        flags = [f"--specs={self.specs}", *CFLAGS, *relative,
                 *(f"-I{d}" for d in (*program.source_dirs, *program.include_dirs))]
        return flags + [f"-D{d}" for d in program.defines]

    def _compile_and_link(self, program, flags, objects, build_id, out: Path) -> None:
        obj_dir = self.build_dir / "obj"
        obj_dir.mkdir(parents=True, exist_ok=True)
        obj_paths = [obj_dir / f"{key}.o" for key in objects.values()]
        pending = []
        for src, obj in zip(objects, obj_paths):
            if not obj.exists():
                tmp = _temp_name(obj)
                proc = _spawn([str(self.gcc), *flags, "-c", str(src), "-o", str(tmp)])
                pending.append((proc, f"compiling {_shown(src)}", tmp, obj))
        errors = []
        for job in pending:  # wait for every compiler, so none leaves a temporary behind
            try:
                _wait(*job)
            except HarnessError as e:
                errors.append(e)
        if errors:
            raise errors[0]
        # The build id reaches the firmware through one tiny object of its own.
        out.parent.mkdir(parents=True, exist_ok=True)
        id_src = out.parent / "buildid.c"
        id_src.write_text(f"const unsigned long zvm_build_id = 0x{build_id:016x}UL;\n")
        tmp = _temp_name(out)
        _wait(_spawn([str(self.gcc), *flags, "-nostartfiles", "-static", "-no-pie",
                      f"-T{program.linker_script}",
                      "-Wl,--no-warn-rwx-segments", "-Wl,--gc-sections", "-o", str(tmp),
                      *map(str, obj_paths), str(id_src), *map(str, program.libraries)]),
              f"linking {program.name}", tmp, out)


def _shown(path: Path) -> str:
    return str(path.relative_to(paths.REPO)) if path.is_relative_to(paths.REPO) else str(path)


def _temp_name(dest: Path) -> Path:
    """Unique to this process and thread: runs may build side by side."""
    return dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def _spawn(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _wait(proc: subprocess.Popen, what: str, tmp: Path, dest: Path) -> None:
    output = proc.communicate()[0].decode(errors="replace")
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise HarnessError(f"{what} failed:\n{output.strip()}")
    os.replace(tmp, dest)


def hypervisor_program(variant: str = "static", defines: tuple[str, ...] = ()) -> Program:
    if variant not in VARIANT_DEFINES:
        raise HarnessError(f"unknown hypervisor variant {variant!r} "
                           f"(known: {', '.join(VARIANT_DEFINES)})")
    libs = (toolchain.sysroot_library("liblzo2.a"), toolchain.sysroot_library("libfdt.a"))
    return Program("zvm", (HYPERVISOR_DIR,), HYPERVISOR_DIR / "link.ld",
                   (COMMON_DIR, toolchain.sysroot_include()), libs,
                   VARIANT_DEFINES[variant] + tuple(defines))


def guest_names() -> list[str]:
    return sorted(p.name for p in GUESTS_DIR.iterdir() if p.is_dir() and p != GUEST_LIB_DIR)


def guest_program(name: str) -> Program:
    """A guest: its own directory plus the shared guest runtime, linked at
    the start of guest RAM (IPA 0x40000000)."""
    if name not in guest_names():
        raise HarnessError(f"unknown guest {name!r} (known: {', '.join(guest_names())})")
    return Program(f"guest-{name}", (GUESTS_DIR / name, GUEST_LIB_DIR),
                   GUEST_LIB_DIR / "link.ld", (COMMON_DIR, toolchain.sysroot_include()),
                   (toolchain.sysroot_library("libfdt.a"),), ())


def build_guest(name: str, build_dir: Path | None = None) -> Image:
    return Builder(build_dir).build(guest_program(name))


def build_hypervisor(variant: str = "static", defines: tuple[str, ...] = (),
                     build_dir: Path | None = None) -> Image:
    return Builder(build_dir).build(hypervisor_program(variant, defines))
