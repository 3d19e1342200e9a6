"""The judge: the one place a run's verdict is assembled, from evidence
alone (the trace, and the memory and disk the target could give), so a
verdict can be given again from a bundle. Checks a target cannot feed are
skipped here, and only here.

The failures come in this order: a hypervisor panic first (then nothing but
what ended the reading and unreadable lines); a guest kind's own console
failures (a Linux panic); what ended the reading early (timeout, console
closed, no power-off); the memory model and the guests' reports; the
stage-2 tables; the EL2 registers read from the CPU; virtio-blk and the
disk; unreadable trace lines; the run's frame (boot, VM creation, end);
when anything failed, each guest fault in words; and what the target's own
judge found (a LAVA job's result)."""

from dataclasses import dataclass

from ..errors import HarnessError
from . import boot


@dataclass
class Evidence:
    trace: object  # trace.Trace
    reading: list[str]  # what ended the reading early, or went wrong after the firmware's end
    timed_out: bool = False
    memory: dict[int, bytes] | None = None  # guest-physical reads; None: the target has none
    disk: bytes | None = None  # the disk as left; None: no disk, or the target cannot give it
    registers: list[dict] | None = None  # EL2 registers read after switches; None: not read
    counted_time: bool = False  # under -icount: guest time is instructions, not the host's
    stage2_snapshots: list[dict] | None = None  # the tables after the first unmaps; None: not read
    commands: list[str] | None = None  # what a session typed at the shell; None: no shell
    # What the target's own judge found (a LAVA job's result and cases): last.
    target_verdict: tuple[str, ...] = ()


def warm_up(board, image, plan) -> None:
    """The models' slow parts, done while the target starts."""
    boot.boot_expectations(board, image)
    for vm in plan.vms if plan else ():
        vm.kind.warm_up(vm)


def judge(board, image, plan, guest_images: dict, evidence: Evidence) -> list[str]:
    """Every failure of the run, in the module's stable order; [] when it passed."""
    return _judge(board, image, plan, guest_images, evidence) + list(evidence.target_verdict)


def _judge(board, image, plan, guest_images: dict, evidence: Evidence) -> list[str]:
    trace = evidence.trace
    failures = list(evidence.reading)
    panic = trace.first("panic")
    frame_plan = plan
    if plan and evidence.commands is not None:  # the VMs are the session's too
        from .shell import check_paused, check_shell, session_plan

        plan, replay = session_plan(plan, trace, evidence.commands)
        if not panic:
            failures += check_shell(replay, trace) + check_paused(trace)
    if plan and not failures and not panic:
        failures += _memory_checks(plan, trace, evidence.memory, evidence.stage2_snapshots)
        if evidence.registers is not None:
            from .registers import check_registers

            failures += check_registers(plan, trace, evidence.registers)
        from .vcpus import check_vcpus

        failures += check_vcpus(plan, trace, board.cpus)
    if plan and not evidence.timed_out and not panic:
        from .virtio import check_virtio

        failures += check_virtio(plan, trace, evidence.disk, evidence.counted_time, board.cpus)
    failures += [f"unreadable trace line {bad.line_no}: {bad.reason}: {bad.text!r}"
                 for bad in trace.unreadable]
    if panic is not None:
        from .crash import describe_panic

        return [describe_panic(panic, image.path)] + failures
    failures = [f for vm in (plan.vms if plan else ())
                for f in vm.kind.console_failures(trace, vm)] + failures
    if evidence.timed_out or (failures and not plan):
        return failures
    failures += boot.check_frame(board, image, frame_plan, trace,
                                 powered_off=not evidence.reading)
    if failures:
        from .crash import describe_faults

        failures += describe_faults(trace, plan, guest_images)
    return failures


def _memory_checks(plan, trace, memory: dict[int, bytes] | None,
                   snapshots: list[dict] | None) -> list[str]:
    from . import memory as memory_checks, stage2

    prediction = memory_checks.predict(plan, trace)
    failures = memory_checks.check_memory(plan, trace, prediction)
    if snapshots is not None and not failures:
        failures += stage2.check_changes(plan, trace, snapshots, prediction)
    if memory is None:  # a physical board or a log: no memory to read the tables from
        return failures
    try:
        return failures + stage2.check_stage2(plan, trace, stage2.snapshot_reader(memory),
                                              prediction)
    except HarnessError as e:  # tables the walker cannot follow are a finding, not a crash
        return failures + [f"stage-2 tables: {e}"]
