"""Runs inside gdb-multiarch (`-batch -x`), not in the harness: reads, from
outside and through QEMU's gdb stub, what the hypervisor gives its VMs.

- The EL2 registers the VMs run with, from the CPU itself, right after the
  hypervisor writes VTTBR_EL2 (a switch to a VM), until every VM has been
  switched to a few times: each stop costs wall-clock time, which a guest's
  timer counts. A VM is told apart by the base of its tables in VTTBR_EL2.
- The stage-2 tables where they change: on return from the first few calls
  of s2_unmap (a swap-out, a release, a block broken into pages), every
  table page reachable from the VM's root.

Environment: ZVM_PROBE_PORT (QEMU's gdb stub), ZVM_PROBE_OUT (JSON lines: a
"ready" line once the breakpoints are set, then "sample" (register values
not seen before), "gave-up" (it stopped looking before every VM was seen)
and "tables" lines), ZVM_PROBE_AT (the addresses after VTTBR_EL2 writes,
comma-separated), ZVM_PROBE_VMS (how many VMs), ZVM_PROBE_EACH (switches per
VM), ZVM_PROBE_MAX_HITS (switches at most), ZVM_PROBE_UNMAP (s2_unmap's
address) and ZVM_PROBE_SNAPSHOTS (how many). Once both have what they came
for, gdb lets go of QEMU."""

import json
import os

import gdb  # noqa: I001 (gdb's own module)

REGISTERS = ("VTTBR_EL2", "HCR_EL2", "VTCR_EL2", "VMPIDR_EL2")
BADDR = (1 << 48) - 2  # VTTBR_EL2 bits [47:1]
TABLE, ADDRESS = 3, ((1 << 48) - 1) & ~0xFFF  # a descriptor's type bits, its address bits
ROOT_ENTRIES = 4  # a 32-bit IPA space from level 1
OUT = None
WATCHES: list = []


def emit(record: dict) -> None:
    OUT.write(json.dumps(record) + "\n")
    OUT.flush()


def register(name: str) -> int:
    return int(gdb.parse_and_eval(f"(unsigned long)${name}")) & (2**64 - 1)


class Watch:
    """Breakpoints that look for something until they have it."""

    def __init__(self):
        self.done = False
        self.breakpoints: list = []
        WATCHES.append(self)

    def finish(self) -> bool:
        """Stops watching; True (stop, then let go) when no watch is left."""
        self.done = True
        for b in self.breakpoints:
            b.enabled = False
        return all(w.done for w in WATCHES)


class Hook(gdb.Breakpoint):
    """Calls `on_stop` when reached; `once`: and never again (a temporary
    breakpoint that does not stop the target stays, so it is disabled)."""

    def __init__(self, at: int, on_stop, once: bool = False):
        super().__init__(f"*{at:#x}", internal=True)
        self.on_stop, self.once = on_stop, once

    def stop(self) -> bool:
        if self.once:
            self.enabled = False
        return self.on_stop()


class Switches(Watch):
    def __init__(self, at: list[int], vms: int, each: int, max_hits: int):
        super().__init__()
        self.vms, self.each, self.left = vms, each, max_hits
        self.seen: dict[int, int] = {}  # table base -> switches
        self.values: set = set()
        self.breakpoints = [Hook(a, self.switched) for a in at]

    def switched(self) -> bool:
        values = {name: register(name) for name in REGISTERS}
        if tuple(values.values()) not in self.values:
            self.values.add(tuple(values.values()))
            emit({"event": "sample", **values})
        if base := values["VTTBR_EL2"] & BADDR:
            self.seen[base] = self.seen.get(base, 0) + 1
        self.left -= 1
        if len(self.seen) >= self.vms and min(self.seen.values()) >= self.each:
            return self.finish()
        if self.left == 0:
            emit({"event": "gave-up"})
            return self.finish()
        return False


class Unmaps(Watch):
    def __init__(self, at: int, snapshots: int):
        super().__init__()
        self.left = snapshots
        self.breakpoints = [Hook(at, self.entered)]

    def entered(self) -> bool:
        args = {name: register(f"x{i}") for i, name in enumerate(("vm", "root", "ipa", "size"))}
        Hook(register("x30"), lambda: self.returned(args), once=True)  # s2_unmap(vm, root, ...)
        return False

    def returned(self, args: dict) -> bool:
        emit({"event": "tables", **args, "pages": tables(args["root"])})
        self.left -= 1
        return self.finish() if self.left == 0 else False


def tables(root: int) -> dict[str, str]:
    """Every table page reachable from `root`, as hex, by address."""
    memory = gdb.selected_inferior()
    pages, todo = {}, [(root, ROOT_ENTRIES, 1)]
    while todo:
        address, entries, level = todo.pop()
        data = bytes(memory.read_memory(address, 8 * entries))
        pages[hex(address)] = data.hex()
        if level < 3:
            for i in range(entries):
                d = int.from_bytes(data[8 * i:8 * i + 8], "little")
                if d & 3 == TABLE:
                    todo.append((d & ADDRESS, 512, level + 1))
    return pages


def main() -> None:
    global OUT
    env = os.environ
    OUT = open(env["ZVM_PROBE_OUT"], "w")  # noqa: SIM115 (open while gdb runs)
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute(f"target remote 127.0.0.1:{env['ZVM_PROBE_PORT']}")
    Switches([int(a, 0) for a in env["ZVM_PROBE_AT"].split(",")], int(env["ZVM_PROBE_VMS"]),
             int(env["ZVM_PROBE_EACH"]), int(env["ZVM_PROBE_MAX_HITS"]))
    Unmaps(int(env["ZVM_PROBE_UNMAP"], 0), int(env["ZVM_PROBE_SNAPSHOTS"]))
    emit({"event": "ready"})
    try:
        gdb.execute("continue")
        gdb.execute("detach")  # QEMU runs on, without gdb, to the end
    except gdb.error:
        pass  # QEMU went away: the run is over
    OUT.close()


main()
