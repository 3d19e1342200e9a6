"""Runs inside gdb-multiarch (`-batch -x`), not in the harness: reads the
EL2 registers the VMs run with from the CPU itself, through QEMU's gdb stub,
right after the hypervisor writes VTTBR_EL2 (a switch to a VM), until every
VM has been switched to a few times: each stop costs wall-clock time, which
a guest's timer counts.

Environment: ZVM_PROBE_PORT (QEMU's gdb stub), ZVM_PROBE_AT (the addresses
to stop at, comma-separated), ZVM_PROBE_OUT (JSON lines: a "ready" line
once the breakpoints are set, then each set of values not seen before, and
"gave-up" if it stopped looking before every VM was seen), ZVM_PROBE_VMS
(how many VMs), ZVM_PROBE_EACH (stops per VM) and ZVM_PROBE_MAX_HITS (switches
looked at, at most). A VM is told apart by the base of its tables in VTTBR_EL2."""

import json
import os

import gdb  # noqa: I001 (gdb's own module)

REGISTERS = ("VTTBR_EL2", "HCR_EL2", "VTCR_EL2", "VMPIDR_EL2")
BADDR = (1 << 48) - 2  # VTTBR_EL2 bits [47:1]


class Sampler(gdb.Breakpoint):
    left = vms = each = 0
    seen: dict = {}  # table base -> stops
    values: set = set()

    def __init__(self, at: int, out):
        super().__init__(f"*{at:#x}", internal=True)
        self.out = out

    def stop(self) -> bool:
        values = {name: int(gdb.parse_and_eval(f"(unsigned long)${name}")) & (2**64 - 1)
                  for name in REGISTERS}
        if tuple(values.values()) not in Sampler.values:
            Sampler.values.add(tuple(values.values()))
            self.out.write(json.dumps({"event": "sample", **values}) + "\n")
            self.out.flush()
        if base := values["VTTBR_EL2"] & BADDR:
            Sampler.seen[base] = Sampler.seen.get(base, 0) + 1
        Sampler.left -= 1
        done = len(Sampler.seen) >= Sampler.vms and min(Sampler.seen.values()) >= Sampler.each
        if not done and Sampler.left == 0:
            self.out.write(json.dumps({"event": "gave-up"}) + "\n")
        return done or Sampler.left == 0  # stop there only to let go (main)


def main() -> None:
    env = os.environ
    out = open(env["ZVM_PROBE_OUT"], "w")  # noqa: SIM115 (open while gdb runs)
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute(f"target remote 127.0.0.1:{env['ZVM_PROBE_PORT']}")
    Sampler.left = int(env["ZVM_PROBE_MAX_HITS"])
    Sampler.vms, Sampler.each = int(env["ZVM_PROBE_VMS"]), int(env["ZVM_PROBE_EACH"])
    for at in env["ZVM_PROBE_AT"].split(","):
        Sampler(int(at, 0), out)
    out.write(json.dumps({"event": "ready"}) + "\n")
    out.flush()
    try:
        gdb.execute("continue")
        gdb.execute("detach")  # QEMU runs on, without gdb, to the end
    except gdb.error:
        pass  # QEMU went away: the run is over
    out.close()


main()
