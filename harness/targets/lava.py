"""A QEMU board through LAVA's own dispatcher (`--via lava`): the run's job
written as a farm would get it (harness/lava/job.py), the device dictionary
rendered from LAVA's templates, lava-run started on them, and the console
read from lava-run's log as it streams. LAVA types a shell scenario's
script itself. Memory and the disk stay LAVA's (it removes its copy), so
the judge skips what needs them, as for a physical board; what LAVA found
(its job result, failed cases) fails the run too."""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

from ..console import Console, ConsoleClosed
from ..errors import HarnessError
from ..lava import device, dispatcher, job, log
from .base import Target as BaseTarget

STOP_GRACE_S = 10.0


class LavaConsole:
    """The device's lines out of lava-run's log stream (stderr), every
    entry kept for the verdict and the bundle."""

    def __init__(self, fd: int):
        self._stream = Console(fd)
        self._reader = log.ConsoleReader()
        self.entries: list[dict] = []
        self.raw: list[str] = []
        self.other: list[str] = []

    def read_line(self, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        while True:
            raw = self._stream.read_line(deadline - time.monotonic())
            if raw is None:
                return None
            self.raw.append(raw)
            entry = log.parse_entry(raw)
            if entry is None:  # lava-run's own words outside its log (a traceback)
                self.other.append(raw)
                continue
            self.entries.append(entry)
            line = self._reader.feed(entry)
            if line is not None:
                return line

    def drain(self, timeout: float) -> bool:
        """Reads the rest of the log until lava-run closes it; False if it
        did not within `timeout`."""
        deadline = time.monotonic() + timeout
        try:
            while self.read_line(deadline - time.monotonic()) is not None:
                pass
        except ConsoleClosed:
            return True
        return False

    def send(self, text: str) -> None:
        raise HarnessError("a LAVA job's console takes no input from the harness: "
                           "the job's own test types (harness/lava/job.py)")

    def elapsed(self) -> float:
        return self._stream.elapsed()

    def close(self) -> None:
        self._stream.close()


class Target(BaseTarget):
    def __init__(self, board, options):
        super().__init__(board, options)
        if board.kind != "qemu":
            raise HarnessError(f"{board.path}: --via lava runs QEMU boards (LAVA's qemu "
                               f"device type); this board is of kind {board.kind}")
        self.proc: subprocess.Popen | None = None
        self.workdir: Path | None = None
        self.lava_console: LavaConsole | None = None
        self.job_text = self.device_text = ""

    def will_run(self, scenario, hypervisor, plan) -> None:
        self.scenario, self.hypervisor, self.plan = scenario, hypervisor, plan
        self.typed = job.typed_at_shell(scenario)

    def start(self, image, loaders, disk, vms=0):
        dispatcher.check_can_run()
        self.run_id = os.urandom(6).hex()
        self.workdir = Path(tempfile.mkdtemp(prefix="zvm-hil-lava-"))
        images = job.images(image, loaders, disk, lambda path: Path(path).resolve().as_uri())
        definition = job.definition(self.board, self.scenario, self.hypervisor, self.plan, images,
                                    self.options.icount_on(self.board))
        # The run's name on QEMU's command line: what stop() looks for.
        definition["context"]["extra_options"].append(f"-name zvm-hil:{self.run_id}")
        self.job_text = yaml.safe_dump(definition, sort_keys=False)
        self.device_text = device.render("qemu", definition["context"])
        job_file, device_file = self.workdir / "job.yaml", self.workdir / "device.yaml"
        job_file.write_text(self.job_text)
        device_file.write_text(self.device_text)
        self.command = dispatcher.command(self.workdir, int(self.run_id[:7], 16), job_file,
                                          device_file)
        self.proc = subprocess.Popen(self.command, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
        self.lava_console = self.console = LavaConsole(self.proc.stderr.fileno())
        return self.console

    def closed_reason(self) -> str:
        said = self.lava_console.other if self.lava_console else []
        return "lava-run ended" + (f" saying {said[-1].strip()!r}" if said else "") + \
            " (LAVA's verdict follows)"

    def after_poweroff(self, grace: float) -> str | None:
        if not self.lava_console.drain(max(grace, STOP_GRACE_S)):
            return "lava-run did not end after @zvm poweroff"
        self.shutdown_reason = "lava-run ended"
        return None

    def verdict(self) -> list[str]:
        return log.verdict(self.lava_console.entries) if self.lava_console else []

    def disk_after(self, disk):
        return None

    def files(self) -> dict[str, str]:
        """The job, its device dictionary, and lava-run's log as it wrote it."""
        raw = self.lava_console.raw if self.lava_console else []
        return {"lava-job.yaml": self.job_text, "lava-device.yaml": self.device_text,
                "lava-run.log": "".join(line + "\n" for line in raw)}

    def stop(self) -> None:
        try:
            if self.proc is not None and self.proc.poll() is None:
                # lava-run cancels its job on SIGTERM, QEMU included.
                os.killpg(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait()
            if self.run_id:
                subprocess.run(["pkill", "-KILL", "-f", f"zvm-hil:{self.run_id}"],
                               capture_output=True)
            super().stop()
        finally:
            if self.proc is not None and self.proc.stderr:
                self.proc.stderr.close()
            self.proc = None
            if self.workdir is not None:
                shutil.rmtree(self.workdir, ignore_errors=True)
                self.workdir = None
