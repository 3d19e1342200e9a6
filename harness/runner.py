"""One run of a scenario on a board: build, boot, read the console, check.

QEMU is started as early as possible; the heavier modules (pexpect,
qemu.qmp's asyncio, the models) are imported and the models' predictions made
while it initialises, on the other core: this hides most of the harness's
overhead over a bare QEMU."""

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import toolchain
from .boards import Board, QemuBoard, SerialBoard
from .build import Image, build_hypervisor
from .errors import EXIT_FAILED, EXIT_PASSED, EXIT_TIMEOUT, HarnessError
from .qemu import QemuProcess, free_port
from .scenarios import Scenario
from .trace import TERMINAL, Trace

# After the firmware's last word, how long QEMU may take to report power-off.
SHUTDOWN_GRACE_S = 5.0
DETERMINISTIC_ICOUNT = "shift=0,sleep=off"  # traces repeat event for event


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
    images: Images | None = None


@dataclass
class RunResult:
    board: Board
    scenario: Scenario
    image: Image
    qemu_cmd: list[str]
    plan: object = None  # describe.Plan, when the scenario has VMs
    options: RunOptions = field(default_factory=RunOptions)
    trace: Trace = field(default_factory=Trace)
    failures: list[str] = field(default_factory=list)
    timed_out: bool = False
    shutdown_reason: str | None = None
    duration_s: float = 0.0
    disk_before: bytes | None = None  # the virtio-blk disk image, as given and as left
    disk_after: bytes | None = None
    memory: dict[int, bytes] = field(default_factory=dict)  # guest-physical reads over QMP
    guest_images: dict[str, Image] = field(default_factory=dict)
    run_id: str = ""  # QEMU runs as `-name zvm-hil:<run_id>`: unique, for ps and for tests
    workdir: str = ""  # the run's temporary directory (gone when the run returns)

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


def run_scenario(board: Board, scenario: Scenario, *, timeout: float | None = None,
                 options: RunOptions | None = None) -> RunResult:
    options = options or RunOptions(timeout=timeout)
    if isinstance(board, SerialBoard):
        from .physical import run_on_serial_board

        return run_on_serial_board(board, scenario, options)
    toolchain.find_program(board.binary)  # a clear message, not a failed exec
    image, guests, plan = prepare(board, scenario, options.images)
    timeout = float(options.timeout if options.timeout is not None else
                    3600 if options.gdb_port else scenario.timeout_s)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="zvm-hil-") as workdir:
        loaders = plan.loaders(Path(workdir)) if plan else ()
        disk, disk_before = None, None
        if plan and plan.disk_size:
            from .models.virtio_blk import initial_disk

            disk_before = bytes(initial_disk(plan.disk_size, plan.disk_seed))
            disk = Path(workdir) / "disk.img"
            disk.write_bytes(disk_before)
        rr = ("record", options.record) if options.record else \
            ("replay", options.replay) if options.replay else None
        tcp_port = free_port() if board.console == "tcp" else 0
        run_id = os.urandom(6).hex()
        with QemuProcess(board, image.path, loaders=loaders, disk=disk, icount=options.icount,
                         rr=rr, gdb_port=options.gdb_port, tcp_port=tcp_port,
                         name=f"zvm-hil:{run_id}") as qemu:
            result = RunResult(board, scenario, image, qemu.cmd, plan, options,
                               guest_images=guests, run_id=run_id, workdir=workdir)
            console = _attach_console(board, qemu, tcp_port)
            # While QEMU initialises (~30 ms), do all that does not need it.
            from . import golden

            expected = golden.boot_expectations(board, image)
            if plan:
                expected += golden.vm_expectations(plan)
            try:
                qemu.connect()
                if options.gdb_port is None:
                    qemu.cont()
                _read_until_done(console, qemu, result, timeout)
                if plan and not result.failures and not result.trace.first("panic"):
                    result.failures += _check_vms(golden, plan, result, qemu)
            finally:
                console.close()
        if disk is not None:  # read once QEMU is gone: every write has landed
            from .golden_blk import check_virtio

            result.disk_before, result.disk_after = disk_before, disk.read_bytes()
            if not result.timed_out and not result.trace.first("panic"):
                result.failures += check_virtio(plan, result.trace, result.disk_after)
    result.duration_s = time.monotonic() - started
    _check(result, expected)
    return result


def prepare(board: Board, scenario: Scenario, images: Images | None = None):
    """The images (built, or a bundle's) and, with VMs, the plan: (hypervisor
    image, {guest: image}, describe.Plan or None)."""
    image = images.hypervisor if images else build_hypervisor(scenario.variant, scenario.defines)
    if not scenario.vms:
        return image, {}, None
    from . import describe
    from .build import build_guest
    from .scenarios import LINUX_GUEST

    guests = images.guests if images else {vm.guest: build_guest(vm.guest) for vm in scenario.vms
                                           if vm.guest != LINUX_GUEST}
    return image, guests, describe.plan(board, scenario, guests)


def check_from_console(result: RunResult) -> None:
    """The golden checks a console alone allows (no QMP to read stage 2
    with, no disk image): physical boards and LAVA logs."""
    from . import golden

    expected = golden.boot_expectations(result.board, result.image)
    if result.plan:
        expected += golden.vm_expectations(result.plan)
        if not result.failures and not result.trace.first("panic"):
            result.failures += golden.check_vms(result.plan, result.trace, read=None)
    _check(result, expected)


def _attach_console(board: QemuBoard, qemu: QemuProcess, tcp_port: int):
    from .console import Console, open_serial

    console_fd = qemu.start()
    if board.console == "pty":
        return open_serial(qemu.pty_path())
    if board.console == "tcp":  # QEMU waits for us before it finishes starting
        return open_serial(f"socket://127.0.0.1:{tcp_port}")
    return Console(console_fd)


def _check_vms(golden, plan, result: RunResult, qemu: QemuProcess) -> list[str]:
    def read(addr: int, length: int) -> bytes:
        data = qemu.read_memory(addr, length)
        result.memory[addr] = data  # for the bundle
        return data

    try:
        return golden.check_vms(plan, result.trace, read)
    except HarnessError as e:  # tables the walker cannot follow are a finding, not a crash
        return [f"stage-2 tables: {e}"]


def _read_until_done(console, qemu: QemuProcess | None, result: RunResult,
                     timeout: float) -> None:
    from .console import ConsoleClosed

    trace, deadline = result.trace, time.monotonic() + timeout
    try:
        while True:
            line = console.read_line(deadline - time.monotonic())
            if line is None:
                result.timed_out = True
                result.failures.append(f"timeout after {timeout:g} s; last trace event: "
                                       f"{trace.last_event or 'none'}")
                return
            event = trace.add_line(line, console.elapsed())
            if event is not None and event.name in TERMINAL:
                break
    except ConsoleClosed:
        closed = qemu.failure_text("exited") if qemu else "the board closed its console"
        result.failures.append(f"console closed before the firmware finished: {closed}; "
                               f"last trace event: {trace.last_event or 'none'}")
        return
    if event.name == "poweroff" and qemu is not None:
        grace = min(SHUTDOWN_GRACE_S, max(deadline - time.monotonic(), 0.1))
        result.shutdown_reason = qemu.wait_shutdown(grace)
        if result.shutdown_reason != "guest-shutdown":
            result.failures.append(f"QEMU reported no guest power-off after @zvm poweroff "
                                   f"(got {result.shutdown_reason})")


def _check(result: RunResult, expected) -> None:
    from . import crash, golden

    trace = result.trace
    for bad in trace.unreadable:
        result.failures.append(f"unreadable trace line {bad.line_no}: {bad.reason}: {bad.text!r}")
    panic = trace.first("panic")
    if panic is not None:
        result.failures.insert(0, crash.describe_panic(panic, result.image.path))
        return
    result.failures[:0] = crash.linux_crashes(trace)
    if result.timed_out or (result.failures and not result.plan):
        return
    result.failures += [str(m) for m in golden.check(trace, expected)]
    if result.failures:
        result.failures += crash.describe_faults(trace, result.plan, result.guest_images)
