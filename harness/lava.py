"""Board farms: a LAVA job definition for a scenario (QEMU device type, the
images deployed with their loader addresses, a monitor test whose patterns
are the @zvm trace lines), validated with LAVA's own schema, and a LAVA job
log judged by the run pipeline through targets/lava_log.py (the checks that
need only the console, as for a physical board). zvm-hil grows no scheduler
of its own."""

import shutil
import subprocess
from pathlib import Path

import yaml

from .boards import QemuBoard
from .errors import ToolMissing
from .runner import RunOptions, RunResult, prepare, run_scenario
from .spec import Scenario

DEBIAN_PYTHON = "/usr/bin/python3"  # lava-common is a Debian package for Debian's Python


def _minutes(seconds: int) -> dict:
    return {"minutes": max(1, (seconds + 59) // 60)}


def write_job(board: QemuBoard, scenario: Scenario, out: Path, base_url: str) -> Path:
    """Writes job.yaml and the images it deploys into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    hypervisor, _, plan = prepare(board, scenario)
    shutil.copyfile(hypervisor.path, out / "zvm.elf")
    images = {"kernel": {"image_arg": "-kernel {kernel}", "url": f"{base_url}/zvm.elf"}}
    if plan:
        for n, (path, addr) in enumerate(plan.loaders(out)):
            key = f"blob{n}"
            images[key] = {"image_arg": f"-device loader,file={{{key}}},addr={addr:#x},force-raw=on",
                           "url": f"{base_url}/{path.name}"}
        if plan.disk_size:
            from .models.virtio_blk import initial_disk

            (out / "disk.img").write_bytes(initial_disk(plan.disk_size, plan.disk_seed))
            images["disk"] = {"image_arg": "-global virtio-mmio.force-legacy=false "
                                           "-drive file={disk},if=none,format=raw,id=disk0 "
                                           "-device virtio-blk-device,drive=disk0",
                              "url": f"{base_url}/disk.img"}
    job = {
        "device_type": "qemu",
        "job_name": f"zvm-hil {scenario.name} on {board.name}",
        "priority": "medium",
        "visibility": "public",
        "timeouts": {"job": _minutes(scenario.timeout_s + 300), "action": _minutes(120),
                     "connection": _minutes(60)},
        "context": {"arch": "arm64", "machine": board.machine_arg, "cpu": board.cpu,
                    "memory": board.memory_mib, "extra_options": ["-nodefaults", *board.extra_args]},
        "actions": [
            {"deploy": {"to": "tmpfs", "images": images, "timeout": _minutes(60)}},
            {"boot": {"method": "qemu", "media": "tmpfs", "timeout": _minutes(60)}},
            {"test": {"timeout": _minutes(scenario.timeout_s), "monitors": [{
                "name": "zvm-hil",
                "start": "@zvm boot",
                "end": "@zvm poweroff",
                "pattern": r"@zvm (?P<test_case_id>lzo-selftest|vm-exit)\S* .*?"
                           r"(ok|code)=(?P<result>0x[0-9a-f]+)",
                "fixupdict": {"0x1": "pass", "0x0": "pass"},
            }]}},
        ],
    }
    path = out / "job.yaml"
    path.write_text(yaml.safe_dump(job, sort_keys=False))
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


def check_log(board: QemuBoard, scenario: Scenario, log_file: Path) -> RunResult:
    """The golden checks a console alone allows, on what LAVA recorded."""
    from .targets.lava_log import LavaLogTarget

    options = RunOptions()
    return run_scenario(board, scenario, options=options,
                        target=LavaLogTarget(board, options, log_file))


def lava_log(lines: list[str]) -> str:
    """A console as LAVA logs it (for tests and for trying check_log)."""
    return yaml.safe_dump([{"dt": "2026-01-01T00:00:00", "lvl": "target", "msg": line}
                           for line in lines])


