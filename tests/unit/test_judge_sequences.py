"""Exact sequences: for every event class of the trace protocol (the
firmware's and every guest kind's), a recorded passing run is judged again
with one event of that class added, one taken away, and two swapped, and
each alteration must fail it. Where a class comes once in the sequence the
judge compares it in, it is swapped with the event next to it there; where
no passing run has it (the firmware's failure reports), it can only be
added."""

import re
import tarfile
from functools import cache

import pytest

from harness.bundle import files
from harness.checks.boot import FRAME
from harness.checks.memory import REPORTED_FOR_A_VM
from harness.checks.shell import SHELL_EVENTS
from harness.checks.vcpus import VCPU_EVENTS
from harness.checks.virtio import SCHEDULER_EVENTS
from harness.guests import kinds
from harness.models.memblock import MEMORY_EVENTS
from harness.repro import rejudge
from harness.trace import VOCABULARY, guest_vocabulary

from test_judge import FIXTURES, unpack

PASSING = ["two-vms-static", "lzo-swap", "dynamic-oom", "dynamic-blocks", "no-leak",
           "blk-two-vms", "blk-lifecycle", "linux-virtio-blk", "hostile-oob-write",
           "hostile-desc-loop", "hostile-notify-storm", "hostile-unknown-hvc",
           "hostile-zpool-full", "hostile-uart-misaligned", "timer-ticks", "shell-session",
           "kut-psci"]
CLASSES = sorted(VOCABULARY) + sorted(f"[guest] {name}" for name in guest_vocabulary())
LINE = re.compile(r"^(?:\[([\w-]+)\] @guest |@zvm )([a-z][a-z0-9-]*)")
VM_FIELD = re.compile(r" vm=(0x[0-9a-f]+)")


def class_of(text: str) -> tuple[str, str | None] | None:
    """(event class, the VM it is about: the guest's name or vm=) of a
    console line, if a trace line."""
    if not (m := LINE.match(text)):
        return None
    vm = m.group(1) or ((v := VM_FIELD.search(text)) and v.group(1))
    return ("[guest] " if m.group(1) else "") + m.group(2), vm


def scopes(lines: list[str]) -> dict[str, str]:
    """Each VM's name and vm= value, to one key (from @zvm vm-create)."""
    out = {}
    for text in lines:
        if m := re.match(r"@zvm vm-create vm=(0x[0-9a-f]+) name=([\w-]+)", text):
            out[m.group(2)] = m.group(1)
    return out


def write_console(bundle, times: list[float], lines: list[str]) -> None:
    times = times + times[-1:] * (len(lines) - len(times))
    (bundle / files.SERIAL_LOG).write_text(
        "".join(files.serial_line(t, text) + "\n" for t, text in zip(times, lines)))


def sequence_of(cls: str, vm: str | None) -> tuple[str, str | None]:
    """The sequence the judge compares an event in, and whose (a VM, or the run)."""
    if cls.startswith("[") or cls in REPORTED_FOR_A_VM:
        return "reports", vm
    if cls in MEMORY_EVENTS and vm is not None:
        return "memory", vm
    if cls in FRAME:
        return "frame", None
    if cls in SCHEDULER_EVENTS:
        return "scheduler", None
    if cls in SHELL_EVENTS:
        return "shell", None
    if cls in VCPU_EVENTS:
        return "vcpus", vm
    return cls, vm


def altered(lines: list[str], cls: str, change: str) -> list[str] | None:
    """`lines` with one event of `cls` added, missing or swapped; None when
    these lines have no such event to change. A swap exchanges two events of
    the class in one sequence (how VMs interleave is timing, not order); a
    class that comes once there is swapped with the event next to it."""
    names = scopes(lines)
    events = [(i, c[0], sequence_of(c[0], names.get(c[1], c[1]))) for i, text in enumerate(lines)
              if (c := class_of(text))]
    where = [k for k, (_, name, _) in enumerate(events) if name == cls]
    if not where:
        return None
    i = events[where[len(where) // 2]][0]
    if change == "extra":
        return lines[:i + 1] + [lines[i]] + lines[i + 1:]
    if change == "missing":
        return lines[:i] + lines[i + 1:]
    pair = next(((events[a][0], events[b][0]) for a in where for b in where
                 if a < b and events[a][2] == events[b][2]
                 and lines[events[a][0]] != lines[events[b][0]]), None)
    if pair is None:
        k = where[0]
        same = [e[0] for e in events if e[2] == events[k][2]]
        at = same.index(events[k][0])
        pair = (same[at], same[at + 1]) if at + 1 < len(same) else (same[at - 1], same[at])
    a, b = pair
    out = list(lines)
    out[a], out[b] = out[b], out[a]
    return out


def injected(lines: list[str], cls: str) -> list[str] | None:
    """`lines` with an event of `cls` no passing run has, mid-run: the
    firmware's about VM 0; a guest's from a VM of the kind that reports it,
    if one is in these lines."""
    if cls.startswith("["):
        name = cls.removeprefix("[guest] ")
        kind = next(k for k in kinds().values() if name in k.events)
        vms = {class_of(t)[1] for t in lines
               if (c := class_of(t)) and c[0].removeprefix("[guest] ") in kind.events}
        if not vms:
            return None
        prefix, keys = f"[{sorted(vms)[0]}] @guest {name}", kind.events[name]
    else:
        prefix, keys = f"@zvm {cls}", VOCABULARY[cls]
    middle = len(lines) // 2
    return lines[:middle] + [" ".join([prefix, *(f"{k}=0x0" for k in sorted(keys))])] \
        + lines[middle:]


@cache
def console(name: str) -> tuple[list[float], list[str]]:
    with tarfile.open(FIXTURES / f"{name}.tar.gz") as tar:
        text = tar.extractfile(f"{name}/{files.SERIAL_LOG}").read().decode()
    pairs = [files.parse_serial_line(line) for line in text.splitlines()]
    return [t for t, _ in pairs], [text for _, text in pairs]


def bundle_with(cls: str, change: str, tmp_path):
    """A passing bundle with `cls` altered; for a class no passing run has,
    an added one; None if it cannot be."""
    for alter in (lambda lines: altered(lines, cls, change),
                  lambda lines: injected(lines, cls) if change == "extra" else None):
        for name in PASSING:
            times, lines = console(name)
            if (new := alter(lines)) is not None:
                bundle = unpack(name, tmp_path)
                write_console(bundle, times, new)
                return bundle
    return None


@pytest.mark.parametrize("change", ["extra", "missing", "swapped"])
@pytest.mark.parametrize("cls", CLASSES)
def test_an_altered_sequence_fails_the_run(tmp_path, cls, change):
    bundle = bundle_with(cls, change, tmp_path)
    if bundle is None:
        pytest.skip(f"no passing run reports {cls}: it can only be added")
    now, recorded = rejudge(bundle)
    assert recorded == [] and now, f"{change} {cls}: still passes"
