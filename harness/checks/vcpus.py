"""Each VM's vCPUs as its guest turned them on and off (PSCI CPU_ON and
CPU_OFF; @zvm vcpu-on and vcpu-off), against what its guest kind says it
does (GuestKind.vcpu_power) and what the power states allow: a vCPU turned
on is one the VM has and is off (vCPU 0 starts on), at an entry in the VM's
RAM; one turned off is on; none after the VM's end; and the VM ends with
reason=cpus-off exactly when its last vCPU went off."""

from collections import Counter

from ..memory_map import GUEST_RAM_IPA

VCPU_EVENTS = frozenset({"vcpu-on", "vcpu-off"})


def check_vcpus(plan, trace) -> list[str]:
    failures = []
    for vm in plan.vms:
        events = [e for e in trace.events if e.vm is None and e.get("vm") == vm.index
                  and (e.name in VCPU_EVENTS or e.name == "vm-exit")]
        failures += _check_vm(vm, events)
    return failures


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
        where = f"{name}: @zvm {e} (line {e.line_no})"
        if ended:
            failures.append(f"{where}: after the VM's end")
        elif index >= vcpus:
            failures.append(f"{where}: it has {vcpus} vCPU{'s' if vcpus > 1 else ''}")
        elif (index in on) == (what == "on"):
            failures.append(f"{where}: vCPU {index} is {'on' if index in on else 'off'} already")
        elif what == "on" and not GUEST_RAM_IPA <= e["entry"] < GUEST_RAM_IPA + vm.spec.memory:
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
