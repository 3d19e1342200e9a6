"""Bundles of a run's evidence: everything needed to see what happened and
to run it again (`zvm-hil repro DIR`, harness/repro.py)."""

import hashlib
import json
import shlex
import subprocess
from dataclasses import asdict
from pathlib import Path

import tomli_w

from . import __version__, boards, paths, scenarios
from .runner import RunResult

IMAGES = "images"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _linux_assets(result) -> dict:
    """A Linux guest's kernel and busybox: which, by content."""
    from . import linux
    from .scenarios import LINUX_GUEST

    if not any(vm.guest == LINUX_GUEST for vm in result.scenario.vms):
        return {}
    a = linux.assets()
    return {"linux_kernel": a.version, "linux_assets_sha256": linux.fingerprint()}


def _command_output(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10,
                              cwd=paths.REPO).stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


def _write_images(out: Path, result: RunResult) -> None:
    images = out / IMAGES
    images.mkdir(exist_ok=True)
    index = {}
    for role, name, image in [("hypervisor", None, result.image),
                              *(("guest", g, img) for g, img in result.guest_images.items())]:
        (images / image.path.name).write_bytes(image.path.read_bytes())
        index[image.path.name] = {"role": role, "guest": name, "sha256": sha256(image.path),
                                  "build_id": f"0x{image.build_id:016x}", "key": image.key}
    (out / "images.json").write_text(json.dumps(index, indent=2) + "\n")


def _write_plan(out: Path, result: RunResult) -> None:
    plan = result.plan
    (out / "description.dts").write_text(plan.dts)
    (out / "description.dtb").write_bytes(plan.dtb)
    for vm in plan.vms:
        (out / f"{vm.spec.name}.dtb").write_bytes(vm.dtb)
        (out / IMAGES / f"{vm.spec.name}-image.bin").write_bytes(vm.image.data)
    if result.memory:
        from . import stage2

        dumps = out / "memory"
        dumps.mkdir(exist_ok=True)
        for addr, data in sorted(result.memory.items()):
            (dumps / f"{addr:#014x}.bin").write_bytes(data)
        memory = dict(result.memory)

        def read(addr: int, length: int) -> bytes:
            for base, data in memory.items():
                if base <= addr and addr + length <= base + len(data):
                    return data[addr - base:addr - base + length]
            raise KeyError(f"{addr:#x} was not read during the run")

        lines = []
        for event in result.trace.named("vm-create"):
            lines.append(f"vm {event['vm']} ({event['name']}) VTTBR_EL2 {event['vttbr']:#x}")
            try:
                lines += [f"  {m}" for m in stage2.merge(stage2.walk(read, event["vttbr"]))]
            except Exception as e:  # a bundle is written for failures too
                lines.append(f"  cannot walk: {e}")
        (out / "stage2.txt").write_text("\n".join(lines) + "\n")


def write_bundle(directory: str | Path, result: RunResult) -> Path:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    (out / "board.toml").write_text(tomli_w.dumps(boards.to_toml(result.board)))
    (out / "scenario.toml").write_text(tomli_w.dumps(scenarios.to_toml(result.scenario)))
    _write_images(out, result)
    if result.plan is not None:
        _write_plan(out, result)
    if result.disk_after is not None:
        (out / "disk-before.img").write_bytes(result.disk_before)
        (out / "disk-after.img").write_bytes(result.disk_after)
    options = result.options
    (out / "run.json").write_text(json.dumps({
        "timeout": options.timeout, "icount": options.icount,
        "record": str(options.record) if options.record else None,
        "replay": str(options.replay) if options.replay else None}, indent=2) + "\n")
    if options.record and Path(options.record).exists():
        (out / "replay.bin").write_bytes(Path(options.record).read_bytes())
    (out / "qemu-cmdline.txt").write_text(shlex.join(result.qemu_cmd) + "\n")
    (out / "serial.log").write_text("".join(f"[{t:9.6f}] {line}\n"
                                            for t, line in result.trace.lines))
    (out / "trace.jsonl").write_text("".join(
        json.dumps({"line": e.line_no, "time": round(e.time, 6), "event": e.name,
                    "vm": e.vm, "fields": e.fields}) + "\n" for e in result.trace.events))
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
        **_linux_assets(result),
    }, indent=2) + "\n")
    return out
