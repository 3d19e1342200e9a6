"""A scenario as a LAVA job: QEMU's device type, the images deployed with
their loader addresses, and a test that a farm reads case by case (a
monitor of the console, cases.py; for the shell, a script LAVA types)."""

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from ..checks.memory import predict
from ..errors import ToolMissing
from ..qemu import cpu_arg
from ..trace import Trace
from . import cases

DEBIAN_PYTHON = "/usr/bin/python3"  # lava-common is a Debian package for Debian's Python
SUITE = "zvm-hil"
SHELL_READY = "@zvm shell-ready n={n:#x}\\s[^\\n]*\\n"  # the whole line


def _minutes(seconds: float) -> dict:
    return {"minutes": max(1, int(seconds + 59) // 60)}


def context(board, icount: str = "") -> dict:
    """What a LAVA server renders the device dictionary with, for a run in
    counted time if `icount` (QEMU's -icount) is given. The qemu template
    adds -nographic; with -nodefaults QEMU then has no serial port unless
    it is asked for one."""
    counted = [f"-icount {icount}"] if icount else []
    return {"arch": "arm64", "machine": board.machine_arg, "cpu": cpu_arg(board, icount),
            "memory": board.memory_mib,
            "extra_options": ["-nodefaults", "-serial stdio", f"-smp {board.cpus}", *counted,
                              *board.extra_args]}


def images(image: Path, loaders, disk: Path | None, url) -> dict:
    """The deploy action's images; `url(path)`: where the farm fetches a file."""
    out = {"kernel": {"image_arg": "-kernel {kernel}", "url": url(image)}}
    for n, (path, addr) in enumerate(loaders):
        out[f"blob{n}"] = {"image_arg": f"-device loader,file={{blob{n}}},addr={addr:#x},"
                                        "force-raw=on", "url": url(path)}
    if disk is not None:
        out["disk"] = {"image_arg": "-global virtio-mmio.force-legacy=false "
                                    "-drive file={disk},if=none,format=raw,id=disk0 "
                                    "-device virtio-blk-device,drive=disk0",
                       "url": url(disk)}
    return out


def definition(board, scenario, hypervisor, plan, images_: dict, icount: str = "") -> dict:
    """The job, for the hypervisor image `hypervisor` (build.Image), in
    counted time if `icount` is given."""
    timeout = _minutes(scenario.timeout_s)
    if scenario.shell:
        tests = [{"timeout": timeout, "interactive": [shell_script(scenario.shell_script)]}]
    else:
        prediction = predict(plan, Trace()) if plan else None
        expected = cases.expectations(board, hypervisor, plan, prediction)
        tests = [{"timeout": timeout, "monitors": [cases.monitor(SUITE, expected)]},
                 {"timeout": _minutes(60), "interactive": [cases.verdict(expected)]}]
    return {
        "device_type": "qemu",
        "job_name": f"zvm-hil {scenario.name} on {board.name}",
        "priority": "medium",
        "visibility": "public",
        # The connection's timeout outlasts the test's: the test's raises
        # (the job fails), a monitor's connection timeout would not.
        "timeouts": {"job": _minutes(2 * scenario.timeout_s + 180), "action": _minutes(120),
                     "connection": _minutes(scenario.timeout_s + 60)},
        "context": context(board, icount),
        "actions": [
            {"deploy": {"to": "tmpfs", "images": images_, "timeout": _minutes(60)}},
            {"boot": {"method": "qemu", "media": "tmpfs", "timeout": _minutes(60)}},
            *({"test": test} for test in tests),
        ],
    }


def typed_at_shell(scenario) -> list[str] | None:
    """What the job types at the shell, its power-off included; None
    without the shell."""
    if not scenario.shell:
        return None
    return [line for line in scenario.shell_script or () if line.split()[:1] != ["wait"]] \
        + ["poweroff"]


def shell_script(script) -> dict:
    """The shell scenario's script as LAVA's interactive test: each line
    typed, then its prompt awaited (the `n` of @zvm shell-ready counts the
    lines typed); each `wait` line's event awaited; a panic fails the step
    and ends the job. Nothing is typed before the first prompt: LAVA's pty
    echoes what it types into the console wherever the firmware is."""
    steps = [{"name": "00-prompt", "command": None,
              "successes": [{"message": SHELL_READY.format(n=0)}]}]
    typed = 0
    for line in script:
        words = line.split()
        if words[0] == "wait":
            fields = dict(w.split("=", 1) for w in words[2:])
            guest = fields.pop("guest", None)
            head = f"[{guest}] @guest {words[1]}" if guest else f"@zvm {words[1]}"
            # The whole line: what is typed next must not cut into it.
            event = re.escape(head) + "".join(
                cases.field_on_line(k, int(v, 0)) for k, v in fields.items()) + r"[^\n]*\n"
            steps.append({"name": _step_name(len(steps), line), "command": None,
                          "successes": [{"message": event}]})
            continue
        typed += 1
        steps.append({"name": _step_name(len(steps), line), "command": line,
                      "successes": [{"message": SHELL_READY.format(n=typed)}]})
    steps.append({"name": _step_name(len(steps), "poweroff"), "command": "poweroff",
                  "successes": [{"message": cases.END}]})
    for step in steps:
        step["wait_for_prompt"] = False
        step["failures"] = [{"message": cases.PANIC, "exception": "TestError",
                             "error": "the hypervisor panicked"}]
    return {"name": "zvm-shell", "prompts": [cases.PANIC], "script": steps}


def _step_name(index: int, line: str) -> str:
    return f"{index:02d}-" + re.sub(r"[^-_a-zA-Z0-9.]+", "-", line).strip("-")


def write_job(board, scenario, out: Path, base_url: str) -> Path:
    """Writes job.yaml and the images it deploys into `out`, for a farm
    that serves `out` at `base_url`."""
    from ..runner import RunOptions, prepare

    out.mkdir(parents=True, exist_ok=True)
    options = RunOptions().for_scenario(scenario)
    hypervisor, _, plan = prepare(board, scenario, counted_time=options.counted_time(board))
    shutil.copyfile(hypervisor.path, out / "zvm.elf")
    loaders = plan.loaders(out) if plan else ()
    disk = None
    if plan and plan.disk_size:
        from ..models.virtio_blk import initial_disk

        disk = out / "disk.img"
        disk.write_bytes(initial_disk(plan.disk_size, plan.disk_seed))
    deployed = images(out / "zvm.elf", loaders, disk, lambda path: f"{base_url}/{path.name}")
    path = out / "job.yaml"
    path.write_text(yaml.safe_dump(definition(board, scenario, hypervisor, plan, deployed,
                                              options.icount_on(board)),
                                   sort_keys=False))
    return path


def validate(job_file: Path) -> list[str]:
    """LAVA's schema (lava_common.schemas.validate), run by Debian's Python."""
    script = ("import sys, yaml\n"
              "from lava_common.schemas import validate\n"
              "try:\n"
              "    validate(yaml.safe_load(open(sys.argv[1])), strict=True)\n"
              "except Exception as e:\n"
              "    print(str(e)); sys.exit(1)\n")
    if not Path(DEBIAN_PYTHON).exists():
        raise ToolMissing(f"{DEBIAN_PYTHON} not found (LAVA's validator runs on Debian's Python)")
    done = subprocess.run([DEBIAN_PYTHON, "-c", script, str(job_file)], capture_output=True,
                          text=True, timeout=60)
    if "No module named 'lava_common'" in done.stderr:
        raise ToolMissing("lava_common not found (Debian package lava-common: "
                          "apt-get install lava-common, or run `make deps`)")
    if done.returncode != 0:
        return [(done.stdout or done.stderr).strip()]
    return []
