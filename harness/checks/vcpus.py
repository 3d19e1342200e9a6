"""Each VM's vCPUs as its guest turned them on and off (PSCI CPU_ON and
CPU_OFF; @zvm vcpu-on and vcpu-off), against what its guest kind says it
does (GuestKind.vcpu_power) and what the power states allow: a vCPU turned
on is one the VM has and is off (vCPU 0 starts on), at an entry in the VM's
RAM; one turned off is on; none after the VM's end; and the VM ends with
reason=cpus-off exactly when its last vCPU went off.

And where they ran (docs/smp.md): what a vCPU reports of itself (its
CPU_OFF, its fault) comes from the physical CPU it is placed on, and a VM's
own end from one of its vCPUs' CPUs (`cpu=`, against placement())."""

from collections import Counter


VCPU_EVENTS = frozenset({"vcpu-on", "vcpu-off"})


# vm-exit reasons a vCPU of the VM causes (not the shell's delete).
SELF_EXITS = frozenset({"exit", "psci-off", "psci-reset", "cpus-off", "fault", "oom", "done"})


def placement(specs, mode: str, cpus: int) -> dict[int, tuple[int, ...]]:
    """The physical CPU of each vCPU of the VMs created at boot (`specs`, in
    order; `mode` the scenario's placement), by VM index, as vm.c places
    them: its affinity; with balanced placement the next CPU round, VMs and
    vCPUs in order; else the boot CPU."""
    out, turn = {}, 0
    for index, spec in enumerate(specs):
        if spec.offered:
            continue
        if spec.affinity:
            out[index] = spec.affinity
        elif mode == "balanced":
            out[index] = tuple((turn + i) % cpus for i in range(spec.vcpus))
            turn += spec.vcpus
        else:
            out[index] = (0,) * spec.vcpus
    return out


def spread(places: dict[int, tuple[int, ...]], vms) -> bool:
    """Whether the vCPUs of VMs `vms` (indices) run on more than one CPU."""
    return len({cpu for i in vms for cpu in places.get(i, (0,))}) > 1


def check_vcpus(plan, trace, cpus: int) -> list[str]:
    failures, places = [], placement([vm.spec for vm in plan.vms], plan.placement, cpus)
    for vm in plan.vms:
        events = [e for e in trace.events if e.vm is None and e.get("vm") == vm.index]
        failures += _check_vm(vm, [e for e in events if e.name in VCPU_EVENTS or
                                   e.name == "vm-exit"])
        if vm.index in places:
            failures += _check_places(vm, events, places[vm.index])
    return failures


def _check_places(vm, events, cpus: tuple[int, ...]) -> list[str]:
    out = []
    for e in events:
        if e.cpu is None:  # a trace from before the protocol had it
            continue
        if e.name in ("vcpu-off", "fault") and "vcpu" in e.fields:
            want = {cpus[e["vcpu"]]} if e["vcpu"] < len(cpus) else set()
        elif e.name == "vm-exit" and e["reason"] in SELF_EXITS:
            want = set(cpus)
        else:
            continue
        if e.cpu not in want:
            out.append(f"{vm.spec.name}: {e} (line {e.line_no}) came from CPU {e.cpu}, "
                       f"not {' or '.join(map(str, sorted(want))) or 'any of its vCPUs'}")
    return out


def _check_vm(vm, events) -> list[str]:
    name, vcpus = vm.spec.name, vm.spec.vcpus
    on, seen, failures, ended = {0}, Counter(), [], False
    for e in events:
        if e.name == "vm-exit":
            ended = True
            if (e["reason"] == "cpus-off") != (not on):
                failures.append(f"{name}: vm-exit reason={e['reason']} with vCPUs "
                                f"{sorted(on)} on")
            continue
        index, what = e["vcpu"], e.name.removeprefix("vcpu-")
        where = f"{name}: {e} (line {e.line_no})"
        if ended:
            failures.append(f"{where}: after the VM's end")
        elif index >= vcpus:
            failures.append(f"{where}: it has {vcpus} vCPU{'s' if vcpus > 1 else ''}")
        elif (index in on) == (what == "on"):
            failures.append(f"{where}: vCPU {index} is {'on' if index in on else 'off'} already")
        elif what == "on" and not vm.ram_ipa <= e["entry"] < vm.ram_ipa + vm.spec.memory:
            failures.append(f"{where}: the entry is outside its RAM")
        else:
            (on.add if what == "on" else on.discard)(index)
        seen[what, index] += 1
    expected = vm.kind.vcpu_power(vm.spec)
    if expected is not None and vm.lifetime == "whole" and seen != expected:
        failures += [f"{name}: vCPU {index} turned {what} {seen[what, index]} times, expected "
                     f"{expected[what, index]}"
                     for what, index in sorted(set(seen) | set(expected))
                     if seen[what, index] != expected[what, index]]
    return failures
