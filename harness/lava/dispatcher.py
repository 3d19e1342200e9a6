"""lava-run, the program a LAVA worker runs for each job, run here as a
subprocess: no server, no worker daemon, in a network namespace of its own
(it needs no network: images are file:// URLs, and a one-line dispatcher
configuration gives it the address it would otherwise look up)."""

import os
import shutil
from pathlib import Path

from ..errors import ToolMissing

LAVA_RUN = "lava-run"


def check_can_run() -> None:
    """Raises ToolMissing naming why lava-run cannot run here."""
    if shutil.which(LAVA_RUN) is None:
        raise ToolMissing("lava-run not found (Debian package lava-dispatcher: `make deps`)")
    if os.geteuid() != 0:
        raise ToolMissing("lava-run runs only as root (it keeps its state in /var/lib/lava)")
    if shutil.which("unshare") is None:
        raise ToolMissing("unshare not found (Debian package util-linux)")


def command(workdir: Path, job_id: int, job: Path, device: Path) -> list[str]:
    """lava-run for `job` on `device`, its results under workdir/out."""
    config = workdir / "dispatcher.yaml"
    config.write_text("dispatcher_ip: 127.0.0.1\n")
    return ["unshare", "--net", "--", LAVA_RUN, "--job-id", str(job_id),
            "--output-dir", str(workdir / "out"), "--device", str(device),
            "--dispatcher", str(config), str(job)]
