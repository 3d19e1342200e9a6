"""Crashes in words: the syndrome of a hypervisor panic or a guest fault,
and where it happened as `function (file:line)` from the ELF's symbols and
DWARF (guests by IPA: they run with their MMU off)."""

import re

from . import esr
from .golden import _show
from .trace import Event, Trace

# A Linux guest's console line (after the VM's name and the kernel's time
# stamp) that starts a panic, an oops or a BUG report.
_LINUX_CRASH = re.compile(r"^\[([a-z][a-z0-9_-]*)\] (?:\[\s*\d+\.\d+\] )?"
                          r"(Kernel panic - not syncing|Internal error: Oops|"
                          r"Unable to handle kernel|BUG: |kernel BUG at )")
_KERNEL_STAMP = re.compile(r"^\[\s*\d+\.\d+\] ")
LINUX_CRASH_LINES = 4  # how much of the report a failure quotes


def describe_panic(event: Event, hypervisor_elf=None) -> str:
    if "esr" not in event.fields:
        return f"hypervisor panic: {event.get('reason', 'no reason given')} ({event})"
    where = _symbol(hypervisor_elf, event.get("elr"))
    return (f"hypervisor panic: {esr.describe(event['esr'])} in {where} at "
            f"elr={_show(event.get('elr'))} far={_show(event.get('far'))} "
            f"(vector {event.get('kind', '?')}; {event})")


def describe_faults(trace: Trace, plan, guest_images) -> list[str]:
    """Each guest fault: the syndrome, and where in the guest's program."""
    out = []
    for event in trace.named("fault"):
        vm = plan.vms[event["vm"]] if plan and event["vm"] < len(plan.vms) else None
        image = guest_images.get(vm.spec.guest) if vm else None
        where = _symbol(image.path if image else None, event.get("elr"))
        name = vm.spec.name if vm else f"vm {event['vm']}"
        out.append(f"{name} fault: {esr.describe(event['esr'])} in {where} at "
                   f"elr={_show(event.get('elr'))} ipa={_show(event['ipa'])}")
    return out


def linux_crashes(trace: Trace) -> list[str]:
    """A Linux guest's panic or oops: its first lines, from that VM's console."""
    out, seen = [], set()
    lines = [text for _, text in trace.lines]
    for i, text in enumerate(lines):
        m = _LINUX_CRASH.match(text)
        if not m or m.group(1) in seen:
            continue
        seen.add(m.group(1))
        prefix = f"[{m.group(1)}] "
        report = [_KERNEL_STAMP.sub("", t[len(prefix):]) for t in lines[i:]
                  if t.startswith(prefix)][:LINUX_CRASH_LINES]
        out.append(f"{m.group(1)}: Linux crashed: " + " | ".join(report))
    return out


def _symbol(elf_path, addr) -> str:
    if elf_path is None or not isinstance(addr, int):
        return "an unknown function"
    from .elf import symbolize

    try:
        return symbolize(elf_path, addr)
    except (OSError, ValueError, KeyError) as e:
        return f"{addr:#x} (no symbols: {e})"
