"""Writes a bundle of a run's evidence: everything needed to see what
happened, to judge it again and to run it again (`zvm-hil repro DIR`)."""

import json
import shlex
import subprocess
from dataclasses import asdict
from pathlib import Path

import tomli_w

from .. import __version__, boards, paths, scenarios
from . import files


def _guest_info(result) -> dict:
    """What each guest kind records of itself (a Linux kernel's version)."""
    from ..guests import kind

    info = {}
    for name in sorted({vm.guest for vm in result.scenario.vms}):
        info.update(kind(name).bundle_info())
    return info


def command_output(cmd: list[str]) -> str:
    """The first line a command prints (a tool's version), or "unknown"."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10,
                              cwd=paths.REPO).stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


def _write_images(out: Path, result) -> None:
    images = out / files.IMAGES
    images.mkdir(exist_ok=True)
    index = {}
    for role, name, image in [("hypervisor", None, result.image),
                              *(("guest", g, img) for g, img in result.guest_images.items())]:
        (images / image.path.name).write_bytes(image.path.read_bytes())
        index[image.path.name] = {"role": role, "guest": name, "sha256": files.sha256(image.path),
                                  "build_id": f"0x{image.build_id:016x}", "key": image.key}
    (out / files.IMAGE_INDEX).write_text(json.dumps(index, indent=2) + "\n")


def _write_plan(out: Path, result) -> None:
    plan = result.plan
    (out / files.DESCRIPTION_DTS).write_text(plan.dts)
    (out / files.DESCRIPTION_DTB).write_bytes(plan.dtb)
    for vm in plan.vms:
        (out / f"{vm.spec.name}.dtb").write_bytes(vm.dtb)
        (out / files.IMAGES / f"{vm.spec.name}-image.bin").write_bytes(vm.image.data)
    if result.memory is not None:  # the target reads memory: its reads, even none
        from ..checks.stage2 import snapshot_reader
        from ..models import stage2

        dumps = out / files.MEMORY
        dumps.mkdir(exist_ok=True)
        for addr, data in sorted(result.memory.items()):
            (dumps / files.memory_dump(addr)).write_bytes(data)
        read = snapshot_reader(dict(result.memory))
        lines = []
        for event in result.trace.named("vm-create"):
            lines.append(f"vm {event['vm']} ({event['name']}) VTTBR_EL2 {event['vttbr']:#x}")
            try:
                lines += [f"  {m}" for m in stage2.merge(stage2.walk(read, event["vttbr"]))]
            except Exception as e:  # a bundle is written for failures too
                lines.append(f"  cannot walk: {e}")
        (out / files.STAGE2).write_text("\n".join(lines) + "\n")


def write_bundle(directory: str | Path, result) -> Path:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    (out / files.BOARD).write_text(tomli_w.dumps(boards.to_toml(result.board)))
    (out / files.SCENARIO).write_text(tomli_w.dumps(scenarios.to_toml(result.scenario)))
    _write_images(out, result)
    if result.plan is not None:
        _write_plan(out, result)
    if result.commands is not None:
        (out / files.COMMANDS).write_text(json.dumps(result.commands, indent=1) + "\n")
    if result.registers is not None:
        (out / files.REGISTERS).write_text(json.dumps(result.registers, indent=1) + "\n")
    if result.schedule is not None:
        from ..schedule import decode

        (changes, lost), (interrupts, irqs_lost) = map(decode, result.schedule)
        (out / files.SCHEDULE).write_text(json.dumps({
            "lost": lost, "changes": [[c.cpu, c.ticks, c.vm, c.vcpu] for c in changes],
            "interrupts_lost": irqs_lost,
            "interrupts": [[c.cpu, c.ticks, c.vm, c.vcpu, c.intid] for c in interrupts]}) + "\n")
    if result.stage2_snapshots is not None:
        (out / files.STAGE2_SNAPSHOTS).write_text(json.dumps(result.stage2_snapshots) + "\n")
    if result.disk_after is not None:
        (out / files.DISK_BEFORE).write_bytes(result.disk_before)
        (out / files.DISK_AFTER).write_bytes(result.disk_after)
    options = result.options
    (out / files.RUN).write_text(json.dumps({
        "timeout": options.timeout, "icount": options.icount,
        "record": str(options.record) if options.record else None,
        "replay": str(options.replay) if options.replay else None}, indent=2) + "\n")
    if options.record and Path(options.record).exists():
        (out / files.REPLAY).write_bytes(Path(options.record).read_bytes())
    for name, text in result.target_files.items():
        (out / name).write_text(text)
    (out / files.QEMU_COMMAND).write_text(shlex.join(result.qemu_cmd) + "\n")
    (out / files.SERIAL_LOG).write_text("".join(files.serial_line(t, line) + "\n"
                                            for t, line in result.trace.lines))
    (out / files.TRACE).write_text("".join(
        json.dumps({"line": e.line_no, "time": round(e.time, 6), "event": e.name,
                    "vm": e.vm, "cpu": e.cpu, "ticks": e.ticks, "fields": e.fields}) + "\n"
        for e in result.trace.events))
    (out / files.RESULT).write_text(json.dumps({
        "passed": result.passed, "exit_code": result.exit_code, "failures": result.failures,
        "timed_out": result.timed_out, "shutdown_reason": result.shutdown_reason,
        "reading": result.reading,
        "duration_s": round(result.duration_s, 3),
        "unreadable": [asdict(u) for u in result.trace.unreadable]}, indent=2) + "\n")
    (out / files.VERSIONS).write_text(json.dumps({
        "harness": __version__,
        "qemu": command_output([result.qemu_cmd[0], "--version"]),
        "compiler": command_output(["aarch64-linux-gnu-gcc", "--version"]),
        "git_commit": command_output(["git", "rev-parse", "HEAD"]),
        **_guest_info(result),
    }, indent=2) + "\n")
    _write_report(out)
    return out


def _write_report(out: Path) -> None:
    """The bundle's report.html and timeline.json, from what was just written.
    A report that cannot be drawn says why in report-error.txt: the bundle
    is the evidence, and it is whole without them."""
    import traceback

    from ..report import write_report

    try:
        write_report(out)
    except Exception:
        (out / "report-error.txt").write_text(traceback.format_exc())
