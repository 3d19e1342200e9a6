"""Others' software the project builds as guests, pinned: where its source
comes from (a local mirror directory, otherwise upstream at the pinned
commit), the SHA256 it must have, and its build, cached by that hash.

The mirror: $ZVM_HIL_THIRD_PARTY, or `../shared/third_party` beside the
repository (where CI has it). A download goes to build/third_party/."""

import fcntl
import hashlib
import os
import shutil
import subprocess
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .errors import HarnessError


@dataclass(frozen=True)
class Pin:
    name: str
    archive: str  # the file name, in the mirror and once downloaded
    sha256: str
    url: str  # upstream's archive of the pinned commit


KVM_UNIT_TESTS = Pin(
    "kvm-unit-tests source", "kvm-unit-tests-1da1819e.tar.gz",
    "2cdc35844f3ef39e9feb51e79682a1b5412d00c5f7f1c443090e5dcab95c051b",
    "https://gitlab.com/kvm-unit-tests/kvm-unit-tests/-/archive/"
    "1da1819e49fc4938985edca67df669099b4c87a7/kvm-unit-tests-1da1819e.tar.gz")


ZEPHYR = Pin(
    "Zephyr source (trimmed)", "zephyr-3.6.99-trimmed.tar.gz",
    "27ffb3435a0a060398b2278f6d4d99c56480a865f365b759d9cad0b303bc0bd4",
    "")  # no upstream archive of this snapshot: the mirror, or $ZEPHYR_BASE


def mirror() -> Path:
    return Path(os.environ.get("ZVM_HIL_THIRD_PARTY", paths.REPO.parent / "shared" / "third_party"))


def archive(pin: Pin) -> Path:
    """The pinned archive, checked: from the mirror if it has it, otherwise
    downloaded once into build/third_party/."""
    path = mirror() / pin.archive
    if not path.exists():
        path = paths.BUILD / "third_party" / pin.archive
        if not path.exists():
            _download(pin, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != pin.sha256:
        raise HarnessError(f"{path}: SHA256 {digest}, not the pinned {pin.sha256} of {pin.name}")
    return path


def _download(pin: Pin, path: Path) -> None:
    if not pin.url:
        raise HarnessError(f"{pin.name}: {pin.archive} is not in {mirror()} "
                           f"(set ZVM_HIL_THIRD_PARTY to the directory that holds it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    try:
        with urllib.request.urlopen(pin.url, timeout=60) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out)
    except OSError as e:
        partial.unlink(missing_ok=True)
        raise HarnessError(f"{pin.name}: not in {mirror()} and not downloadable from {pin.url}: "
                           f"{e}") from None
    partial.replace(path)


def once(out: Path, done: Path, make) -> None:
    """make() unless `done` (which make leaves) exists: one process at a
    time, as pytest's workers may want the same build at once."""
    if done.exists():
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.with_name(out.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():  # the other may have made it meanwhile
            make()


def _unpack(source: Path, out: Path, build=None) -> None:
    """The archive's tree into `out`, through a scratch directory, after
    build(tree) if given (it raises on failure, leaving `out` as it was)."""
    shutil.rmtree(out, ignore_errors=True)
    work = out.with_name(out.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    with tarfile.open(source) as tar:
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(work, **safe)
    (tree,) = [p for p in work.iterdir() if p.is_dir()]
    if build:
        build(tree)
    tree.rename(out)
    shutil.rmtree(work)


def unpacked(pin: Pin) -> Path:
    """The pinned archive's tree, unpacked once into build/third_party/."""
    source = archive(pin)
    out = paths.BUILD / "third_party" / f"{pin.archive.split('.tar')[0]}-{pin.sha256[:16]}"
    done = out / ".unpacked"

    def make():
        _unpack(source, out)
        done.touch()

    once(out, done, make)
    return out


def build_kvm_unit_tests() -> Path:
    """kvm-unit-tests' arm64 tests built with the cross toolchain: the
    directory of their `.flat` images (build/third_party/<sha>/arm/)."""
    source = archive(KVM_UNIT_TESTS)
    out = paths.BUILD / "third_party" / f"kvm-unit-tests-{KVM_UNIT_TESTS.sha256[:16]}"
    done = out / ".built"

    def make():
        _unpack(source, out, _build_kvm_unit_tests)
        done.touch()

    once(out, done, make)
    return out / "arm"


def _build_kvm_unit_tests(tree: Path) -> None:
    for step in (["./configure", "--arch=arm64", "--cross-prefix=aarch64-linux-gnu-"],
                 ["make", f"-j{os.cpu_count() or 1}"]):
        done_step = subprocess.run(step, cwd=tree, capture_output=True, text=True)
        if done_step.returncode != 0:
            raise HarnessError(f"kvm-unit-tests: {' '.join(step)} failed: "
                               f"{(done_step.stdout + done_step.stderr).strip()[-500:]}")
