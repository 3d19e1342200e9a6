"""zvm-hil against the anchors: the same boot-and-check of the hello firmware
as a one-test pytest run with zvm-hil's plugin, with labgrid's QEMUDriver
and with pytest-embedded-qemu, whole processes, interleaved, medians. The
anchors are pip-installed into a virtualenv of their own, for this only."""

import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import paths
from harness.build import build_hypervisor

HERE = Path(__file__).parent / "anchors"
VENV = paths.BUILD / "anchors"
PACKAGES = ["labgrid", "pytest-embedded", "pytest-embedded-qemu"]
QEMU_ARGS = "-M virt,gic-version=3,virtualization=on -cpu cortex-a57 -m 256M"


def _anchor_venv() -> Path:
    python = VENV / "bin" / "python"
    if not (VENV / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES], check=True)
        (VENV / ".installed").touch()
    return python


def _timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])}... failed:\n{done.stdout[-1500:]}")
    return elapsed


def measure(rounds: int = 7) -> list[dict]:
    anchor = _anchor_venv()
    elf = build_hypervisor().path
    env_yaml = VENV / "labgrid-env.yaml"
    env_yaml.write_text((HERE / "labgrid-env.yaml").read_text().replace("@ZVM_ELF@", str(elf)))
    # hypothesis's plugin is for this repository's own tests, not for users of
    # zvm-hil (it is not among the package's dependencies): it stays out.
    pytest_zvm = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                  "-p", "no:hypothesispytest", str(HERE / "test_zvm_hello.py")]
    pytest_anchor = [str(anchor), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    commands = {
        "bare": ["qemu-system-aarch64", *QEMU_ARGS.split(), "-nodefaults", "-display", "none",
                 "-serial", "stdio", "-kernel", str(elf)],
        "zvm-hil": pytest_zvm,
        "labgrid": pytest_anchor + ["--lg-env", str(env_yaml), "test_labgrid_hello.py"],
        "pytest-embedded": pytest_anchor + [
            "-p", "no:labgrid", "--embedded-services", "qemu",
            "--qemu-prog-path", str(HERE / "qemu-wrapper"), "--qemu-image-path", str(elf),
            f"--qemu-cli-args={QEMU_ARGS} -nographic -nic none -kernel {elf}",
            "test_embedded_hello.py"],
    }
    samples = {name: [] for name in commands}
    for _ in range(max(rounds // 2, 5)):
        for name, cmd in commands.items():
            samples[name].append(_timed(cmd, HERE if name not in ("zvm-hil",) else paths.REPO))
    med = {name: statistics.median(v) for name, v in samples.items()}
    rows = [{"name": f"hello in pytest: zvm-hil / {name}", "value": med["zvm-hil"] / med[name],
             "unit": "x", "target": 1.0,
             "note": f"{name} {med[name] / med['bare']:.1f}x bare qemu, "
                     f"zvm-hil {med['zvm-hil'] / med['bare']:.1f}x"}
            for name in ("labgrid", "pytest-embedded")]
    return rows
