"""Crashes in words: the syndrome of a hypervisor panic or a guest fault,
and where it happened as `function (file:line)` from the ELF's symbols and
DWARF (guests by IPA: they run with their MMU off). A guest kind's own
console failures (a Linux panic) are its module's."""

from .. import esr
from ..expect import show


def describe_panic(event, hypervisor_elf=None) -> str:
    if "esr" not in event.fields:
        return f"hypervisor panic: {event.get('reason', 'no reason given')} ({event})"
    where = _symbol(hypervisor_elf, event.get("elr"))
    return (f"hypervisor panic: {esr.describe(event['esr'])} in {where} at "
            f"elr={show(event.get('elr'))} far={show(event.get('far'))} "
            f"(vector {event.get('kind', '?')}; {event})")


def describe_faults(trace, plan, guest_images) -> list[str]:
    """Each guest fault: the syndrome, and where in the guest's program."""
    out = []
    for event in trace.named("fault"):
        vm = plan.vms[event["vm"]] if plan and event["vm"] < len(plan.vms) else None
        image = guest_images.get(vm.spec.guest) if vm else None
        where = _symbol(image.path if image else None, event.get("elr"))
        name = vm.spec.name if vm else f"vm {event['vm']}"
        out.append(f"{name} fault: {esr.describe(event['esr'])} in {where} at "
                   f"elr={show(event.get('elr'))} ipa={show(event['ipa'])}")
    return out


def _symbol(elf_path, addr) -> str:
    if elf_path is None or not isinstance(addr, int):
        return "an unknown function"
    from ..elf import symbolize

    try:
        return symbolize(elf_path, addr)
    except (OSError, ValueError, KeyError) as e:
        return f"{addr:#x} (no symbols: {e})"
