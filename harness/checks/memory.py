"""The VMs' memory, event for event, against the memory model (PAs replayed
in the trace's order of heap events), and each guest's own reports against
its guest kind's expectations."""

from ..expect import Mismatch, check, check_sequence
from ..memory_map import passthrough_page
from ..models import memblock
from ..models.heap import Heap
from ..models.swap import Swap

# The hypervisor's events about one VM that its guest kind predicts.
REPORTED_FOR_A_VM = frozenset({"fault", "blk-bad"})


def predict(plan, trace) -> memblock.Prediction:
    order = [e["vm"] for e in trace.events if e.name in memblock.HEAP_EVENTS and "vm" in e.fields]
    swap = Swap(plan.zpool_size, plan.heap_watermark) if plan.zpool_size else None
    return memblock.predict([vm_memory(plan, vm, trace) for vm in plan.vms],
                            Heap(plan.heap_base, plan.heap_size), order, swap)


def vm_memory(plan, vm, trace) -> memblock.VmMemory:
    dynamic = plan.variant == "dynamic"
    prefault = (vm.footprint, (vm.dtb_ipa, len(vm.dtb)))
    return memblock.VmMemory(vm.index, vm.ram_ipa, vm.spec.memory,
                             plan.block_size if dynamic else None, prefault,
                             tuple(_ops(plan, vm, trace)), vm.spec.resident_limit,
                             vm.kind.page_content(plan, vm), ((vm.dtb_ipa, vm.dtb),),
                             passthrough_page() if vm.spec.passthrough else None,
                             _cut(vm, trace))


def _cut(vm, trace) -> tuple[int, str | None] | None:
    """Where a VM stopped from outside was stopped: how many heap events it
    had made by then (how far it got is timing, and only the trace says),
    and why."""
    if vm.lifetime != "cut":
        return None
    deleted = trace.named("vm-exit", vm=vm.index, reason="delete")
    until = deleted[0].line_no if deleted else None
    made = sum(1 for e in trace.events if e.name in memblock.HEAP_EVENTS and e.get("vm") == vm.index
               and (until is None or e.line_no < until))
    return made, "delete" if deleted else None


def _ops(plan, vm, trace) -> list[memblock.Op]:
    """Its guest kind's operations; a VM the shell created but never ran
    only its creation, and its release if deleted (checks/shell.py)."""
    if vm.lifetime == "unrun":
        deleted = trace.named("vm-delete", vm=vm.index)
        return [memblock.Op("create")] + ([memblock.Op("exit", reason="delete")] if deleted else [])
    return vm.kind.memory_ops(plan, vm, trace)


def check_memory(plan, trace, prediction: memblock.Prediction) -> list[str]:
    failures = [f"memory model: {prediction.problem}"] if prediction.problem else []
    failures += check_counters(plan, trace, prediction)
    for vm in plan.vms:
        actual = [(e.name, e.fields) for e in trace.events
                  if e.name in memblock.MEMORY_EVENTS and e.get("vm") == vm.index]
        if difference := first_difference(prediction.events[vm.index], actual):
            failures.append(f"{vm.spec.name} memory {difference}")
        reported = _reports_of(trace, vm)
        reports = vm.kind.expectations(plan, vm, prediction, trace) if vm.lifetime != "unrun" else []
        if vm.lifetime == "cut":  # what it reported before it was stopped
            reports = reports[:len(reported)]
        failures += [str(m) for m in check_sequence(
            f"{vm.spec.name} report", [e for e in reports if not e.absent], reported)]
        failures += [str(m) for m in check(trace, [e for e in reports if e.absent])]
    return failures


def _reports_of(trace, vm) -> list:
    """What a VM reported, and what the hypervisor reported of it alone."""
    return [e for e in trace.events if e.vm == vm.spec.name
            or (e.vm is None and e.name in REPORTED_FOR_A_VM and e.get("vm") == vm.index)]


def check_counters(plan, trace, prediction: memblock.Prediction) -> list[str]:
    """A dynamic build counts, and reports once before power-off, its demand
    allocations, swap-outs and swap-ins (@zvm memstats; the ticks are timing;
    that it comes once, in its place: checks/boot.py)."""
    reported = trace.named("memstats")
    if plan.variant != "dynamic" or not reported:
        return []
    return [str(Mismatch(f"@zvm memstats {name}", want, reported[0].get(name, "nothing")))
            for name, want in prediction.counts.items() if reported[0].get(name) != want]


def first_difference(expected: list[tuple[str, dict]], actual: list[tuple[str, dict]]) -> str:
    for i, (want, got) in enumerate(zip(expected, actual)):
        if want != got:
            return f"event {i}: expected {_event_text(want)}, got {_event_text(got)}"
    if len(expected) != len(actual):
        i = min(len(expected), len(actual))
        want = _event_text(expected[i]) if i < len(expected) else "nothing more"
        got = _event_text(actual[i]) if i < len(actual) else "nothing more"
        return f"event {i}: expected {want}, got {got}"
    return ""


def _event_text(event: tuple[str, dict]) -> str:
    from ..trace import Event

    return str(Event(event[0], event[1]))
