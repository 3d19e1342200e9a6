"""harness/checks/vcpus.py on made-up traces: each vCPU's power as PSCI
allows it and as its guest kind says, and the physical CPU each reports from."""

from collections import Counter
from types import SimpleNamespace

from harness.checks.vcpus import check_vcpus, placement
from harness.memory_map import GUEST_RAM_IPA
from harness.spec import VmSpec
from harness.trace import parse_text


def vm_plan(index, vcpus=2, affinity=(), power=None, offered=False):
    spec = VmSpec(f"vm{index}", "kvm-unit-tests", 64 << 20, {}, offered=offered, vcpus=vcpus,
                  affinity=affinity)
    kind = SimpleNamespace(vcpu_power=lambda _spec: power)
    return SimpleNamespace(index=index, spec=spec, kind=kind, lifetime="whole",
                           ram_ipa=GUEST_RAM_IPA)


def plan_of(*vms, placement="boot-cpu"):
    return SimpleNamespace(vms=vms, placement=placement)


ENTRY = GUEST_RAM_IPA + 0x1000


def test_a_vcpu_turned_on_and_off_as_psci_allows_passes():
    trace = parse_text(f"@zvm vcpu-on vm=0x0 vcpu=0x1 entry={ENTRY:#x} cpu=0x0\n"
                       "@zvm vcpu-off vm=0x0 vcpu=0x1 cpu=0x0\n"
                       "@zvm vm-exit vm=0x0 code=0x0 reason=psci-off cpu=0x0\n")
    power = Counter({("on", 1): 1, ("off", 1): 1})
    assert check_vcpus(plan_of(vm_plan(0, power=power)), trace, 4) == []


def test_what_psci_does_not_allow_is_named():
    trace = parse_text(f"@zvm vcpu-on vm=0x0 vcpu=0x1 entry={ENTRY:#x}\n"
                       f"@zvm vcpu-on vm=0x0 vcpu=0x1 entry={ENTRY:#x}\n"
                       "@zvm vcpu-off vm=0x0 vcpu=0x2\n"
                       "@zvm vcpu-on vm=0x0 vcpu=0x1 entry=0x1000\n"
                       "@zvm vm-exit vm=0x0 code=0x0 reason=cpus-off\n"
                       "@zvm vcpu-off vm=0x0 vcpu=0x0\n")
    failures = check_vcpus(plan_of(vm_plan(0, vcpus=2)), trace, 4)
    assert "vCPU 1 is on already" in failures[0]
    assert "it has 2 vCPUs" in failures[1]
    assert "vCPU 1 is on already" in failures[2]
    assert "reason=cpus-off with vCPUs [0, 1] on" in failures[3]
    assert "after the VM's end" in failures[4]


def test_an_entry_outside_ram_and_counts_the_guest_did_not_say_fail():
    trace = parse_text("@zvm vcpu-on vm=0x0 vcpu=0x1 entry=0x1000\n")
    failures = check_vcpus(plan_of(vm_plan(0, power=Counter({("on", 1): 1}))), trace, 4)
    assert failures == ["vm0: @zvm vcpu-on vm=0x0 vcpu=0x1 entry=0x1000 (line 1): the entry is "
                        "outside its RAM"]
    trace = parse_text(f"@zvm vcpu-on vm=0x0 vcpu=0x1 entry={ENTRY:#x}\n")
    failures = check_vcpus(plan_of(vm_plan(0, power=Counter())), trace, 4)
    assert failures == ["vm0: vCPU 1 turned on 1 times, expected 0"]


def test_balanced_placement_goes_round_the_cpus_and_each_vcpu_reports_from_its_own():
    plan = plan_of(vm_plan(0, vcpus=2), vm_plan(1, vcpus=1), vm_plan(2, vcpus=2, affinity=(3, 3)),
                   vm_plan(3, vcpus=2), vm_plan(4, offered=True), placement="balanced")
    assert placement([vm.spec for vm in plan.vms], plan.placement, 4) == {
        0: (0, 1), 1: (2,), 2: (3, 3), 3: (3, 0)}
    good = parse_text(f"@zvm vcpu-on vm=0x0 vcpu=0x1 entry={ENTRY:#x} cpu=0x0\n"
                      "@zvm vcpu-off vm=0x0 vcpu=0x1 cpu=0x1\n"
                      "@zvm vm-exit vm=0x1 code=0x0 reason=exit cpu=0x2\n"
                      "@zvm vm-exit vm=0x0 code=0x0 reason=psci-off cpu=0x0\n")
    assert check_vcpus(plan, good, 4) == []
    bad = parse_text(f"@zvm vcpu-on vm=0x0 vcpu=0x1 entry={ENTRY:#x} cpu=0x0\n"
                     "@zvm vcpu-off vm=0x0 vcpu=0x1 cpu=0x0\n"
                     "@zvm vm-exit vm=0x1 code=0x0 reason=exit cpu=0x0\n")
    assert check_vcpus(plan, bad, 4) == [
        "vm0: @zvm vcpu-off vm=0x0 vcpu=0x1 (line 2) came from CPU 0, not 1",
        "vm1: @zvm vm-exit vm=0x1 code=0x0 reason=exit (line 3) came from CPU 0, not 2"]
