"""One run of a scenario on a target, and the only pipeline there is:
prepare (build the images, plan the memory) -> start the target -> read the
trace from its console -> gather what the target can give (memory, disk)
-> stop -> judge (harness/checks/judge.py).

The target starts as early as possible; qemu.qmp (and asyncio with it) is
imported while QEMU initialises, and the judge and the models' slow parts
while the firmware boots, on the other core: this hides most of the
harness's overhead over a bare QEMU."""

import contextlib
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from .build import Image, build_hypervisor
from .errors import EXIT_FAILED, EXIT_PASSED, EXIT_TIMEOUT, ConfigError
from .models.shell import MAX_PLACES
from .spec import Scenario
from .trace import TERMINAL, Trace

# After the firmware's last word, how long QEMU may take to report power-off.
SHUTDOWN_GRACE_S = 5.0
# Counted time in which traces repeat event for event: -icount with the
# scenario's shift (Scenario.icount_shift), sleep=off (RunOptions.for_scenario).
DETERMINISTIC_ICOUNT = "deterministic"


@dataclass(frozen=True)
class Images:
    """Prebuilt images (a bundle's), instead of building."""
    hypervisor: Image
    guests: dict[str, Image]


@dataclass(frozen=True)
class RunOptions:
    timeout: float | None = None  # default: the scenario's timeout_s
    icount: str | None = None  # default: the board's
    record: Path | None = None  # QEMU record/replay file to write
    replay: Path | None = None  # ... or to replay
    gdb_port: int | None = None  # QEMU halts with its gdb stub here; gdb continues it
    probe_registers: bool = True  # sample the EL2 registers each VM runs with (QEMU)
    via: str = ""  # "lava": through LAVA's dispatcher (targets/lava.py); "": the board's own way

    def icount_on(self, board) -> str:
        """QEMU's -icount for this run on `board`: this run's, or the board's."""
        return self.icount if self.icount is not None else getattr(board, "icount", "")

    def counted_time(self, board) -> bool:
        """Whether guest time is counted in instructions (-icount), so that
        when things happen in it does not depend on the host."""
        return bool(self.icount_on(board))

    def for_scenario(self, scenario: Scenario) -> "RunOptions":
        """These options with DETERMINISTIC_ICOUNT made QEMU's -icount for
        `scenario`; so too no -icount asked for, if the scenario runs in
        counted time always."""
        wanted = DETERMINISTIC_ICOUNT if scenario.counted_time and self.icount is None \
            else self.icount
        if wanted != DETERMINISTIC_ICOUNT:
            return self
        return replace(self, icount=f"shift={scenario.icount_shift},sleep=off")
    images: Images | None = None


@dataclass
class RunResult:
    board: object  # boards.Board
    scenario: Scenario
    image: Image
    qemu_cmd: list[str]  # what the target ran (QEMU's command line, a board's power-on)
    plan: object = None  # plan.Plan, when the scenario has VMs
    options: RunOptions = field(default_factory=RunOptions)
    trace: Trace = field(default_factory=Trace)
    failures: list[str] = field(default_factory=list)
    reading: list[str] = field(default_factory=list)  # what ended the reading early (evidence)
    timed_out: bool = False
    shutdown_reason: str | None = None
    duration_s: float = 0.0
    disk_before: bytes | None = None  # the virtio-blk disk image, as given and as left
    disk_after: bytes | None = None
    memory: dict[int, bytes] | None = None  # guest-physical reads; None: the target has none
    registers: list[dict] | None = None  # EL2 registers read from the CPU; None: not read
    stage2_snapshots: list[dict] | None = None  # the tables after the first unmaps
    schedule: list[bytes] | None = None  # the firmware's schedule and interrupt logs (schedule.py)
    guest_images: dict[str, Image] = field(default_factory=dict)
    commands: list[str] | None = None  # what a session typed at the shell (session.py)
    run_id: str = ""  # QEMU runs as `-name zvm-hil:<run_id>`: unique, for ps and for tests
    workdir: str = ""  # the run's temporary directory, if it needed one (gone when it returns)
    target_files: dict[str, str] = field(default_factory=dict)  # Target.files(), for the bundle

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        if self.timed_out:
            return EXIT_TIMEOUT
        return EXIT_PASSED if self.passed else EXIT_FAILED

    def summary(self) -> str:
        verdict = "PASS" if self.passed else ("TIMEOUT" if self.timed_out else "FAIL")
        lines = [f"{verdict}: {self.scenario.name} on {self.board.name} "
                 f"({len(self.trace.events)} events, {self.duration_s:.2f} s)"]
        lines += [f"  - {f}" for f in self.failures]
        return "\n".join(lines)


def run_scenario(board, scenario: Scenario, *, timeout: float | None = None,
                 options: RunOptions | None = None, target=None) -> RunResult:
    """Runs `scenario` on `board` (through `target`, by default the one for
    the board's kind) and judges it."""
    with LiveRun(board, scenario, timeout=timeout, options=options, target=target) as live:
        if not scenario.shell:
            return live.finish()
        if live.target.typed is not None:  # the target types the script itself
            return live.finish(commands=live.target.typed)
        from .shell_console import ShellConsole

        if not scenario.shell_script:
            raise ConfigError(scenario.path, "shell.script", "a scenario with the shell runs "
                              "from a session (harness/session.py), or from a script here")
        shell = ShellConsole(live.console, live.result.trace)
        shell.play(list(scenario.shell_script))
        shell.send_poweroff()
        return live.finish(commands=shell.commands)


class LiveRun:
    """The pipeline in two halves, for a caller that talks to the system in
    between (harness/session.py): entered, the target runs the firmware and
    `console` and `result.trace` are live; finish() reads to the firmware's
    last word, stops the target and judges. Leaving it unfinished stops the
    target all the same."""

    def __init__(self, board, scenario: Scenario, *, timeout: float | None = None,
                 options: RunOptions | None = None, target=None):
        from .targets import target_for

        self.board, self.scenario = board, scenario
        self.options = (options or RunOptions(timeout=timeout)).for_scenario(scenario)
        self.target = target or target_for(board, self.options)
        self.image, self.guests, self.plan = prepare(board, scenario, self.options.images,
                                                   self.options.counted_time(board))
        self.target.will_run(scenario, self.image, self.plan)
        self.timeout = float(self.options.timeout if self.options.timeout is not None else
                             3600 if self.options.gdb_port else scenario.timeout_s)
        self.console = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> "LiveRun":
        self.started = time.monotonic()
        with contextlib.ExitStack() as stack:
            workdir = stack.enter_context(_workdir(self.plan))
            plan, target = self.plan, self.target
            loaders = plan.loaders(Path(workdir)) if plan else ()
            self.disk, self.disk_before = None, None
            if plan and plan.disk_size:
                from .models.virtio_blk import initial_disk

                self.disk_before = bytes(initial_disk(plan.disk_size, plan.disk_seed))
                self.disk = Path(workdir) / "disk.img"
                self.disk.write_bytes(self.disk_before)
            self.result = RunResult(self.board, self.scenario, self.image, [], plan,
                                    self.options, guest_images=self.guests, workdir=workdir,
                                    memory={} if target.reads_memory else None)
            stack.callback(target.stop)
            self.console = target.start(self.image.path, loaders, self.disk,
                                        _vms_to_probe(self.scenario, plan))
            self.result.qemu_cmd, self.result.run_id = target.command, target.run_id
            target.run()
            from .checks import judge  # while the firmware boots (its output waits in the pipe)

            judge.warm_up(self.board, self.image, plan)
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def finish(self, timeout: float | None = None,
               commands: list[str] | None = None) -> RunResult:
        """`timeout`: for the rest of the run (default: what is left of the
        run's own); `commands`: what was typed at the shell meanwhile."""
        from .checks import judge

        result, target = self.result, self.target
        result.commands = commands
        since = self.started if timeout is None else None  # the run's own counts from its start
        timeout = self.timeout if timeout is None else timeout
        with self._stack:  # the target stopped (again: it may be), then the workdir removed
            try:
                reading = read_until_done(self.console, target, result.trace, timeout, since)
                if (self.plan and not reading.failures and not result.trace.first("panic")
                        and target.reads_memory):
                    _capture_memory(target, result)
                result.registers = target.registers()
                result.stage2_snapshots = target.stage2_snapshots()
                if not reading.failures:  # QEMU answering (a hung one would not)
                    result.schedule = _read_schedule(target, self.image.path)
            finally:
                target.stop()
            result.shutdown_reason, result.timed_out = target.shutdown_reason, reading.timed_out
            result.reading = reading.failures
            result.disk_before, result.disk_after = self.disk_before, target.disk_after(self.disk)
            result.target_files, verdict = target.files(), target.verdict()
        result.duration_s = time.monotonic() - self.started
        result.failures = judge.judge(self.board, self.image, self.plan, self.guests,
                                      judge.Evidence(
            result.trace, reading.failures, reading.timed_out, result.memory,
            result.disk_after, result.registers, self.options.counted_time(self.board),
            result.stage2_snapshots, commands, tuple(verdict)))
        return result


def _vms_to_probe(scenario: Scenario, plan) -> int:
    """How many VMs the register probe waits to see: with the shell, as
    many as the hypervisor has places for (a session makes them as it
    goes; the probe gives up at its limit of stops, and says so)."""
    if plan is None:
        return 0
    return MAX_PLACES if scenario.shell else len(plan.vms)


def _workdir(plan):
    """The run's temporary directory, for the plan's blobs and the disk; a
    bare boot needs none."""
    if plan is None:
        return contextlib.nullcontext("")
    import tempfile

    return tempfile.TemporaryDirectory(prefix="zvm-hil-")


def prepare(board, scenario: Scenario, images: Images | None = None,
            counted_time: bool = False):
    """The images (built, or a bundle's) and, with VMs, the plan: (hypervisor
    image, {guest: image}, plan.Plan or None); `counted_time` as plan() has it."""
    image = images.hypervisor if images else build_hypervisor(scenario.variant, scenario.defines)
    if not scenario.vms:
        return image, {}, None
    from .guests import kind
    from .plan import plan

    guests = images.guests if images else {}
    if not images:
        for vm in scenario.vms:
            if vm.guest not in guests and (built := kind(vm.guest).build()) is not None:
                guests[vm.guest] = built
    return image, guests, plan(board, scenario, guests, counted_time)


@dataclass(frozen=True)
class Reading:
    """How reading the console ended: what went wrong (a timeout, the
    console closing early, no power-off), if anything."""
    failures: list[str]
    timed_out: bool = False


def read_until_done(console, target, trace: Trace, timeout: float,
                    since: float | None = None) -> Reading:
    """Reads the console into `trace` until the firmware's last word, for
    `timeout` seconds from `since` (default: now)."""
    from .console import ConsoleClosed

    deadline = (time.monotonic() if since is None else since) + timeout
    try:
        while True:
            line = console.read_line(deadline - time.monotonic())
            if line is None:
                return Reading([f"timeout after {timeout:g} s; last trace event: "
                                f"{trace.last_event or 'none'}"], timed_out=True)
            event = trace.add_line(line, console.elapsed())
            if event is not None and event.name in TERMINAL:
                break
    except ConsoleClosed:
        return Reading([target.console_closed(trace.last_event)])
    if event.name == "poweroff":
        problem = target.after_poweroff(min(SHUTDOWN_GRACE_S,
                                            max(deadline - time.monotonic(), 0.1)))
        return Reading([problem] if problem else [])
    return Reading([])


def _read_schedule(target, image: Path) -> list[bytes] | None:
    """The schedule log, for the run's timeline; a target that cannot give it
    (gone, or no memory reads) leaves the run without one, nothing worse."""
    from . import schedule

    try:
        return schedule.read(target, image)
    except Exception:  # QMP's errors, QEMU gone: the log is for pictures only
        return None


def _capture_memory(target, result: RunResult) -> None:
    """What the judge will read of guest memory, read while the target is up."""
    from .checks.stage2 import capture

    def read(addr: int, length: int) -> bytes:
        data = target.read_memory(addr, length)
        result.memory[addr] = data
        return data

    capture(result.trace, read)
