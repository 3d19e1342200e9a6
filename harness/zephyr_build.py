"""Zephyr applications built to run as VMs: with the user's $ZEPHYR_BASE when
it is set (Zephyr's own convention), otherwise with the pinned tree
(third_party.ZEPHYR); for the qemu_cortex_a53 board, moved by a devicetree
overlay to the VM's layout; cached by everything that goes into a build.
Needs cmake, ninja, gperf and the cross gcc (no Zephyr SDK, no west)."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import paths
from .errors import HarnessError
from .third_party import ZEPHYR, once, unpacked

BOARD = "qemu_cortex_a53"
# What every build for a VM needs: entry at EL1 with the GIC programmed for
# the non-secure world, and the timer's frequency read from CNTFRQ_EL0 (the
# board's: 62.5 MHz on host time, 1 GHz under counted time).
REQUIRED = {"CONFIG_ARMV8_A_NS": "y", "CONFIG_TIMER_READS_ITS_FREQUENCY_AT_RUNTIME": "y"}
_SKIPPED = {"build", ".git", "__pycache__"}


def zephyr_base() -> tuple[Path, str]:
    """The Zephyr tree and what identifies it for the cache."""
    if env := os.environ.get("ZEPHYR_BASE"):
        base = Path(env).resolve()
        if not (base / "VERSION").is_file():
            raise HarnessError(f"ZEPHYR_BASE={env} is not a Zephyr tree (it has no VERSION)")
        head = subprocess.run(["git", "-C", str(base), "rev-parse", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        return base, f"{base}:{(base / 'VERSION').read_text()}:{head}"
    return unpacked(ZEPHYR), ZEPHYR.sha256


def app_dir(app: str, base: Path) -> Path:
    """`app`: a directory in the Zephyr tree (samples/..., tests/...), or a
    user's own application, absolute or relative to the repository."""
    for candidate in (base / app, paths.REPO / app, Path(app)):
        if (candidate / "CMakeLists.txt").is_file():
            return candidate.resolve()
    raise HarnessError(f"Zephyr application {app!r}: no CMakeLists.txt in {base / app} "
                       f"or {paths.REPO / app}")


def _digest_tree(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and not _SKIPPED & set(path.relative_to(root).parts):
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def kconfig_value(value) -> str:
    if isinstance(value, bool):
        return "y" if value else "n"
    if isinstance(value, int):
        return str(value)
    return f'"{value}"'


def build(app: str, overlay: str, kconfig: dict) -> Path:
    """zephyr.elf of `app` with the devicetree `overlay` and the Kconfig
    options `kconfig` (name -> bool, int or str), built once."""
    base, identity = zephyr_base()
    source = app_dir(app, base)
    options = {**{k: kconfig_value(v) for k, v in kconfig.items()}, **REQUIRED}
    key = hashlib.sha256("\0".join([identity, str(source), _digest_tree(source), overlay,
                                    repr(sorted(options.items())), BOARD]).encode()).hexdigest()
    out = paths.BUILD / "zephyr-apps" / f"{source.name}-{key[:16]}"
    elf = out / "zephyr/zephyr.elf"  # where Zephyr's build leaves it
    once(out, elf, lambda: _build(base, source, overlay, options, out))
    return elf


def _build(base: Path, source: Path, overlay: str, options: dict, out: Path) -> None:
    work = out.with_name(out.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    (work / "vm.overlay").write_text(overlay)
    gcc = shutil.which("aarch64-linux-gnu-gcc")
    if not gcc:
        raise HarnessError("Zephyr: aarch64-linux-gnu-gcc is not installed (make deps)")
    env = {**os.environ, "ZEPHYR_BASE": str(base), "ZEPHYR_TOOLCHAIN_VARIANT": "cross-compile",
           "CROSS_COMPILE": gcc.removesuffix("gcc")}
    configure = ["cmake", "-GNinja", f"-DBOARD={BOARD}", "-DBUILD_VERSION=v3.6.99",
                 f"-DPython3_EXECUTABLE={sys.executable}",
                 f"-DDTC_OVERLAY_FILE={work / 'vm.overlay'}",
                 *(f"-D{name}={value}" for name, value in sorted(options.items())),
                 "-S", str(source), "-B", str(work)]
    for step in (configure, ["ninja", "-C", str(work)]):
        done = subprocess.run(step, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise HarnessError(f"Zephyr {source.name}: {step[0]} failed (in {work}): "
                               f"{(done.stdout + done.stderr).strip()[-800:]}")
    shutil.rmtree(out, ignore_errors=True)
    work.rename(out)
