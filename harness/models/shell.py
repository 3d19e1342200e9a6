"""The hypervisor's shell (hypervisor/shell.c), as the harness predicts it
from what was typed: each command's outcome and the events it reports, and
the VMs it creates. A VM's id is the next in creation order (never used
again in a run), its name its template's with `-<id>`, its VMID id + 1.

One thing only the trace can say is when a guest stopped by itself (its
own vm-exit): a command on that VM depends on whether it came before. A
command runs whole between two prompts (@zvm shell-ready n=k, n=k+1), so a
VM had stopped before command k exactly when its exit precedes the prompt
after it."""

from dataclasses import dataclass, field

MAX_PLACES = 8  # hypervisor/description.h MAX_VMS
MAX_VMID = 0xFF
PAUSABLE, RUNNABLE = {"running"}, {"created", "paused"}


@dataclass
class Instance:
    """A VM the shell created: from `template` (the offered VmSpec's name)."""
    id: int
    name: str
    template: str
    ran: bool = False  # a `run` took


@dataclass
class Replay:
    events: list[tuple[str, dict]] = field(default_factory=list)  # the shell's, in order
    instances: list[Instance] = field(default_factory=list)


def replay(templates: dict[str, object], boot_vms: int, commands: list[str],
           exited_before: dict[int, int], memory) -> Replay:
    """`templates`: offered name -> VmSpec; `boot_vms`: how many VMs boot
    created (ids 0..boot_vms-1, running); `exited_before`: VM id -> index
    of the first command that found it stopped by itself; `memory`: the
    heap's say, take(vm, spec) -> whether a new VM gets what its creation
    needs, and give_back(vm) when it stops."""
    out, states, next_id = Replay(), {i: "running" for i in range(boot_vms)}, boot_vms
    out.events.append(("shell-ready", {"n": 0}))  # the first prompt
    for k, line in enumerate(commands):
        for vm, first in exited_before.items():
            if first == k and states.get(vm) in ("running", "paused", "created"):
                states[vm] = "exited"
                memory.give_back(vm)
        words = line.split()
        if words[:1] == ["zvm"]:
            words = words[1:]
        if words[:1] == ["poweroff"]:
            break
        events = _command(words, states, templates, next_id, out, memory) if words else []
        if events and events[0][0] == "vm-create":
            next_id += 1
        out.events += events + [("shell-ready", {"n": k + 1})]
    return out


def _refused(reason: str) -> list:
    return [("shell-error", {"reason": reason})]


def _command(words, states, templates, next_id, out, memory) -> list:
    """The events a command reports, its effect on `states` and `out`."""
    name, args = words[0], words[1:]
    if name == "new":
        if len(args) != 2 or args[0] != "-t":
            return _refused("bad-argument")
        if args[1] not in templates:
            return _refused("no-such-template")
        if sum(s != "deleted" for s in states.values()) >= MAX_PLACES or next_id + 1 > MAX_VMID:
            return _refused("no-memory")
        spec = templates[args[1]]
        vm_name = f"{args[1]}-{next_id}"
        created = ("vm-create", {"vm": next_id, "name": vm_name, "vmid": next_id + 1,
                                 "size": spec.memory})
        if not memory.take(next_id, spec):  # its vm-exit (oom) is the memory model's
            out.instances.append(Instance(next_id, vm_name, args[1]))
            return [created, ("vm-delete", {"vm": next_id})] + _refused("no-memory")
        states[next_id] = "created"
        out.instances.append(Instance(next_id, vm_name, args[1]))
        return [created]
    if name == "info":
        return _refused("bad-argument") if args else []
    if name in ("run", "pause", "delete", "connect"):
        if len(args) != 2 or args[0] != "-n":
            return _refused("bad-argument")
        vm = _number(args[1])
        if vm is None or states.get(vm, "deleted") == "deleted":
            return _refused("no-such-vm")
        state = states[vm]
        if name == "run":
            if state not in RUNNABLE:
                return _refused("wrong-state")
            states[vm] = "running"
            for instance in out.instances:  # (a VM created at boot is none of them)
                instance.ran |= instance.id == vm
            return [("vm-run", {"vm": vm})]
        if name == "connect":  # until Ctrl-] or its end: the next prompt then
            if state == "exited":
                return _refused("wrong-state")
            return [("vm-connect", {"vm": vm}), ("vm-disconnect", {"vm": vm})]
        if name == "pause":
            if state not in PAUSABLE:
                return _refused("wrong-state")
            states[vm] = "paused"
            return [("vm-pause", {"vm": vm})]
        states[vm] = "deleted"
        if state == "exited":  # stopped already, its memory given back then
            return [("vm-delete", {"vm": vm})]
        memory.give_back(vm)
        return [("vm-exit", {"vm": vm, "code": 0, "reason": "delete"}), ("vm-delete", {"vm": vm})]
    return _refused("unknown-command")


def _number(text: str) -> int | None:
    try:
        return int(text, 0)
    except ValueError:
        return None
