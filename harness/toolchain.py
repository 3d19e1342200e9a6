"""Finding the programs and libraries the build and the runs need. A missing
one is reported with the Debian package that provides it."""

import shutil
from pathlib import Path

from . import paths
from .errors import ToolMissing

CROSS_GCC = "aarch64-linux-gnu-gcc"

# program -> Debian package
PACKAGES = {
    CROSS_GCC: "gcc-aarch64-linux-gnu",
    "qemu-system-aarch64": "qemu-system-arm",
    "dtc": "device-tree-compiler",
    "gdb-multiarch": "gdb-multiarch",
}

PICOLIBC_SPECS = Path("/usr/lib/picolibc/aarch64-linux-gnu/picolibc.specs")
ARM64_LIBDIR = "usr/lib/aarch64-linux-gnu"


def find_program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        package = PACKAGES.get(name)
        hint = f" (Debian package {package}: apt-get install {package}, or run `make deps`)" \
            if package else ""
        raise ToolMissing(f"{name} not found on PATH{hint}")
    return found


def picolibc_specs() -> Path:
    if not PICOLIBC_SPECS.exists():
        raise ToolMissing(f"{PICOLIBC_SPECS} not found (Debian package picolibc-aarch64-linux-gnu: "
                          "apt-get install picolibc-aarch64-linux-gnu, or run `make deps`)")
    return PICOLIBC_SPECS


def sysroot_library(name: str) -> Path:
    """An arm64 static library unpacked by `make deps` into the project sysroot."""
    lib = paths.SYSROOT / ARM64_LIBDIR / name
    if not lib.exists():
        raise ToolMissing(f"{lib} not found: run `make deps` (it unpacks Debian's arm64 "
                          "liblzo2-dev and libfdt-dev into the project sysroot)")
    return lib


def sysroot_include() -> Path:
    return paths.SYSROOT / "usr/include"
