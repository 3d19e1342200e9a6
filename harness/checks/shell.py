"""A shell session against what the hypervisor did (docs/shell.md): each
command's events in order, as models/shell.py predicts them from what was
typed, and the plan the rest of the judge checks, with the VMs the session
created in it (each from its template, under its own id and name)."""

from dataclasses import replace

from ..expect import Expected, check_sequence
from ..models import shell
from ..models.heap import Heap
from ..spec import partition_align

# The shell's own events; vm-create and vm-exit are its too for the VMs it
# creates and deletes (and the memory model's as well).
SHELL_EVENTS = frozenset({"shell-ready", "shell-error", "vm-run", "vm-pause", "vm-delete",
                          "vm-connect", "vm-disconnect"})


def session_plan(plan, trace, commands: list[str]):
    """(the plan with the session's VMs, the replayed session)."""
    templates = {vm.spec.name: vm for vm in plan.vms if vm.spec.offered}
    booted = tuple(vm for vm in plan.vms if not vm.spec.offered)
    exited = exited_before(trace)
    replay = shell.replay({name: vm.spec for name, vm in templates.items()}, len(booted),
                          commands, exited, _Memory(plan, booted, trace))
    created = tuple(
        replace(templates[i.template], index=i.id, vmid=i.id + 1,
                spec=replace(templates[i.template].spec, name=i.name, offered=False),
                lifetime="unrun" if not i.ran else "whole" if i.id in exited else "cut")
        for i in replay.instances)
    return replace(plan, vms=booted + created), replay


class _Memory:
    """Whether a new VM gets what its creation needs. Static mode: its
    partition, from the heap model as the VMs before it took and gave theirs
    back. Dynamic mode: the blocks it needs at once, from a heap the running
    VMs draw on as they go (timing), so from the trace: whether it ran out."""

    def __init__(self, plan, booted, trace):
        self.static, self.trace = plan.variant == "static", trace
        self.heap, self.held = Heap(plan.heap_base, plan.heap_size), {}
        for vm in booted if self.static else ():
            self._alloc(vm.index, vm.spec.memory)

    def _alloc(self, vm: int, size: int) -> bool:
        pa = self.heap.alloc(size, partition_align(size))
        if pa is not None:
            self.held[vm] = (pa, size)
        return pa is not None

    def take(self, vm: int, spec) -> bool:
        if self.static:
            return self._alloc(vm, spec.memory)
        events = self.trace.events  # an oom between its creation and the next prompt
        start = next((i for i, e in enumerate(events)
                      if e.name == "vm-create" and e["vm"] == vm), len(events))
        for e in events[start:]:
            if e.name == "shell-ready":
                return True
            if e.name == "oom" and e["vm"] == vm:
                return False
        return True

    def give_back(self, vm: int) -> None:
        if vm in self.held:
            self.heap.release(*self.held.pop(vm))


def exited_before(trace) -> dict[int, int]:
    """VM id -> the first command that came after it stopped by itself. A
    command runs whole between its prompt and the next, so a stop before the
    next prompt came before the command; but for `connect`, which holds the
    prompt until the VM's console is given back, a stop after its vm-connect
    came during it."""
    events = trace.events
    prompts = [(pos, e["n"]) for pos, e in enumerate(events) if e.name == "shell-ready"]
    out = {}
    for pos, e in enumerate(events):
        if e.name != "vm-exit" or e["reason"] == "delete" or e["vm"] in out:
            continue
        after = next(((at, n) for at, n in prompts if at > pos), None)
        if after is None:  # since the last prompt: before the command it waited for
            out[e["vm"]] = prompts[-1][1] if prompts else 0
            continue
        before = max((at for at, _ in prompts if at < pos), default=-1)
        during_connect = any(x.name == "vm-connect" for x in events[before + 1:pos])
        out[e["vm"]] = after[1] if during_connect else after[1] - 1
    return out


def check_shell(replay, trace) -> list[str]:
    """The session's events one for one: the shell's own, and from its
    first prompt on, each VM created and each stopped by `delete`."""
    first = trace.first("shell-ready")
    since = first.line_no if first else None
    actual = [e for e in trace.events if e.name in SHELL_EVENTS or (
        since is not None and e.line_no > since and (
            e.name == "vm-create" or (e.name == "vm-exit" and e["reason"] == "delete")))]
    expected = [Expected(name, fields) for name, fields in replay.events]
    return [str(m) for m in check_sequence("shell", expected, actual)]


# What only a VM that runs causes: its own lines, faults, notifies, demand
# allocations, swap-ins, hypercalls, and its requests' dispatch.
RUNNING_EVENTS = frozenset({"fault", "blk-req", "blk-dispatch", "block-alloc", "swap-in",
                            "guest-crc"})


def check_paused(trace) -> list[str]:
    """Nothing of a paused VM happens until it is run again or deleted: its
    vCPU does not run and its queued requests wait."""
    names = {e["name"]: e["vm"] for e in trace.named("vm-create")}
    paused, failures = {}, []
    for e in trace.events:
        vm = names.get(e.vm) if e.vm is not None else e.get("vm")
        if e.name == "vm-pause":
            paused[vm] = e
        elif e.name in ("vm-run", "vm-delete") or (e.name == "vm-exit" and e.vm is None):
            paused.pop(vm, None)
        elif vm in paused and (e.vm is not None or e.name in RUNNING_EVENTS):
            failures.append(f"trace line {e.line_no}: {e} while vm {vm} was paused "
                            f"(since line {paused[vm].line_no})")
            paused.pop(vm)
    return failures
