"""The EL2 registers the VMs ran with, as the CPU held them right after the
first switches to each VM (read through QEMU's gdb stub,
targets/register_probe.py), against the model (models/el2.py): each VM's
VMID in VTTBR_EL2, HCR_EL2, VTCR_EL2 and VMPIDR_EL2. A value is told to be
a VM's by the base of its tables in VTTBR_EL2 (which the stage-2 check
walks): the one it runs with from that switch on; tables a deleted VM gave
back may be a later VM's, told apart by the VMID."""

from ..guests import kind
from ..models import el2
from ..models.stage2 import VTTBR_BADDR_MASK


def check_registers(plan, trace, samples: list[dict]) -> list[str]:
    vms_at: dict[int, list] = {}
    for e in trace.named("vm-create"):
        if e["vm"] < len(plan.vms):
            vms_at.setdefault(e["vttbr"] & VTTBR_BADDR_MASK, []).append(plan.vms[e["vm"]])
    failures, seen = [], set()
    for sample in samples:
        if "VTTBR_EL2" not in sample:  # the probe gave up looking
            continue
        vttbr = sample["VTTBR_EL2"]
        owners = vms_at.get(vttbr & VTTBR_BADDR_MASK, [])
        vm = next((v for v in owners if v.vmid == el2.vmid(vttbr)), owners[0] if owners else None)
        if vm is None:
            if vttbr:  # zero: before any VM's, as at reset
                failures.append(f"VTTBR_EL2 {vttbr:#x}: its tables are no VM's")
            continue
        seen.add(vm.index)
        # Any of its vCPUs may be the one running: each has its own affinity.
        vmpidrs = [el2.vmpidr(i) for i in range(vm.spec.vcpus)]
        expected = {"VMID": (el2.vmid(vttbr), [vm.vmid]),
                    "HCR_EL2": (sample["HCR_EL2"], [el2.hcr(kind(vm.spec.guest).own_os)]),
                    "VTCR_EL2": (sample["VTCR_EL2"], [el2.vtcr()]),
                    "VMPIDR_EL2": (sample["VMPIDR_EL2"], vmpidrs)}
        failures += [f"{vm.spec.name} ran with {name} {got:#x}, expected "
                     f"{' or '.join(f'{w:#x}' for w in want)} (read from the CPU; VTTBR_EL2 "
                     f"{vttbr:#x})"
                     for name, (got, want) in expected.items() if got not in want]
    if not any("gave-up" in s for s in samples):
        ran = {vm.index for vm in plan.vms if any(e.vm == vm.spec.name for e in trace.events)}
        failures += [f"{plan.vms[i].spec.name} reported from its guest, but the CPU never held "
                     "its tables in VTTBR_EL2" for i in sorted(ran - seen)]
    return list(dict.fromkeys(failures))  # each difference once, however often it was seen
