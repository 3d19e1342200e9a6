"""Bundles of a run's evidence: everything needed to see what happened and
to run it again."""

import hashlib
import json
import shlex
import shutil
import subprocess
from dataclasses import asdict
from pathlib import Path

from . import __version__, paths
from .runner import RunResult


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _command_output(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10,
                              cwd=paths.REPO).stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


def write_bundle(directory: str | Path, result: RunResult) -> Path:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(result.board.path, out / "board.toml")
    shutil.copyfile(result.scenario.path, out / "scenario.toml")
    images = out / "images"
    images.mkdir(exist_ok=True)
    shutil.copyfile(result.image.path, images / result.image.path.name)
    (out / "images.json").write_text(json.dumps({
        result.image.path.name: {"sha256": _sha256(result.image.path),
                                 "build_id": f"0x{result.image.build_id:016x}"}}, indent=2) + "\n")
    if result.plan is not None:
        (out / "description.dts").write_text(result.plan.dts)
        (out / "description.dtb").write_bytes(result.plan.dtb)
        for vm in result.plan.vms:
            (out / f"{vm.spec.name}.dtb").write_bytes(vm.dtb)
            (images / f"{vm.spec.name}-image.bin").write_bytes(vm.image.data)
    if result.disk_after is not None:
        (out / "disk-before.img").write_bytes(result.disk_before)
        (out / "disk-after.img").write_bytes(result.disk_after)
    (out / "qemu-cmdline.txt").write_text(shlex.join(result.qemu_cmd) + "\n")
    (out / "serial.log").write_text("".join(f"[{t:9.6f}] {line}\n" for t, line in result.trace.lines))
    (out / "trace.jsonl").write_text("".join(
        json.dumps({"line": e.line_no, "time": round(e.time, 6), "event": e.name,
                    "fields": e.fields}) + "\n" for e in result.trace.events))
    (out / "result.json").write_text(json.dumps({
        "passed": result.passed, "exit_code": result.exit_code, "failures": result.failures,
        "timed_out": result.timed_out, "shutdown_reason": result.shutdown_reason,
        "duration_s": round(result.duration_s, 3),
        "unreadable": [asdict(u) for u in result.trace.unreadable]}, indent=2) + "\n")
    (out / "versions.json").write_text(json.dumps({
        "harness": __version__,
        "qemu": _command_output([result.qemu_cmd[0], "--version"]),
        "compiler": _command_output(["aarch64-linux-gnu-gcc", "--version"]),
        "git_commit": _command_output(["git", "rev-parse", "HEAD"]),
    }, indent=2) + "\n")
    return out
