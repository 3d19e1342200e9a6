"""The Linux guest: Debian's kernel booting to its /init under the
hypervisor against the same kernel and initramfs on QEMU directly, and
Linux's dd through the back-end against QEMU's virtio-blk device directly.
Times are from QEMU's start to the guest's @guest lines, medians of rounds
run alternately."""

import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from harness.guests import linux_initramfs as linux
from harness.boards import DEFAULT_BOARD, load_board
from harness.runner import run_scenario
from harness.scenarios import load_scenario

SCENARIOS = Path(__file__).parent / "scenarios"
FIRST, LAST = "linux-out idx=0x0 ", "linux-in idx=0x3f "  # the dd workload's ends


def _under_hypervisor(board, name: str) -> dict[str, float]:
    result = run_scenario(board, load_scenario(str(SCENARIOS / f"{name}.toml")))
    if not result.passed:
        raise SystemExit(f"{name} failed: {result.summary()}")
    return {text.split("@guest ", 1)[1]: t for t, text in result.trace.lines if "@guest" in text}


def guest_lines_on_qemu(board, scenario) -> dict[str, float]:
    """The scenario's first VM, a Linux one: the same kernel, initramfs and
    command line on QEMU's own virt board (its own DTB), with a virtio-blk
    disk when the scenario has one; when each @guest line came."""
    vm = scenario.vms[0]
    with tempfile.TemporaryDirectory() as tmp:
        image, initrd, disk = Path(tmp, "Image"), Path(tmp, "initrd"), Path(tmp, "disk.img")
        image.write_bytes(linux.kernel_image(linux.assets().image))
        initrd.write_bytes(linux.initramfs(vm.requests))
        disk.write_bytes(bytes(scenario.disk_size))
        cmd = [board.binary, "-M", "virt,gic-version=3", "-cpu", board.cpu, "-m", "256M",
               "-nographic", "-nodefaults", "-serial", "stdio", "-no-reboot", "-kernel",
               str(image), "-initrd", str(initrd), "-append", linux.BOOTARGS]
        if scenario.disk_size:
            cmd += ["-drive", f"file={disk},if=none,format=raw,id=d0",
                    "-device", "virtio-blk-device,drive=d0"]
        started, seen = time.monotonic(), {}
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              text=True, errors="replace") as qemu:
            for line in qemu.stdout:
                if "@guest " in line:
                    seen[line.split("@guest ", 1)[1].strip()] = time.monotonic() - started
            qemu.wait(30)
    return seen


def _on_qemu(board, name: str) -> dict[str, float]:
    return guest_lines_on_qemu(board, load_scenario(str(SCENARIOS / f"{name}.toml")))


def at(lines: dict[str, float], prefix: str) -> float:
    return next(t for text, t in lines.items() if text.startswith(prefix))


def measure(rounds: int = 3) -> list[dict]:
    board = load_board(DEFAULT_BOARD)
    boot, dd = [], []
    for _ in range(max(rounds // 5, 3)):
        hyp, bare = _under_hypervisor(board, "linux-boot"), _on_qemu(board, "linux-boot")
        boot.append(at(hyp, "linux-start") / at(bare, "linux-start"))
        hyp, bare = _under_hypervisor(board, "linux-dd"), _on_qemu(board, "linux-dd")
        dd.append((at(bare, LAST) - at(bare, FIRST)) / (at(hyp, LAST) - at(hyp, FIRST)))
    return [{"name": "Linux boot to /init, under the hypervisor / QEMU directly",
             "value": statistics.median(boot), "unit": "x", "target": 1.5},
            {"name": "Linux dd throughput, back-end / QEMU's device directly",
             "value": statistics.median(dd), "unit": "x", "target": None,
             "note": "2 MiB out and in, 64 KiB requests"}]
