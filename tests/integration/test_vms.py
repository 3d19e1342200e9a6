"""VMs at EL1 under stage 2: memstress hashes, the stage-2 tables read back
from QEMU's memory, and a stray access stopping one VM only."""

import pytest

from harness import esr
from harness.models import stage2
from harness.guests import memstress

pytestmark = pytest.mark.qemu


def test_two_static_vms_match_the_models(zvm_run):
    result = zvm_run("two-vms-static")
    assert result.passed, result.summary()
    for vm in result.plan.vms:
        regions = result.trace.named("region", guest=vm.spec.name)
        seed, size = vm.spec.params["seed"], vm.spec.params["region_size"]
        assert regions and all(r["crc"] == memstress.region_crc(seed, r["idx"], size)
                               for r in regions)
        exit_event = result.trace.named("vm-exit", vm=vm.index)[0]
        assert (exit_event["code"], exit_event["reason"]) == (0, "exit")
    # Each VM has its own VMID and root table.
    created = result.trace.named("vm-create")
    assert len({stage2.vttbr_vmid(e["vttbr"]) for e in created}) == 2


def test_stage2_check_fails_on_a_wrong_model(zvm_run, monkeypatch):
    real = stage2.plan_mappings

    def shifted(ipa, pa, size, attrs):  # the model believes the partition is one page higher
        return real(ipa, pa + 0x1000, size, attrs)

    monkeypatch.setattr(stage2, "plan_mappings", shifted)
    result = zvm_run("two-vms-static")
    assert not result.passed
    # Shifted off 2 MiB, the model expects pages where the hypervisor wrote a block.
    assert result.failures[0] == ("vm0 stage-2: IPA 0x40000000: expected a 4 KiB page at "
                                  "PA 0x42001000 normal-wb rw ish af, got a 2 MiB block at "
                                  "PA 0x42000000 normal-wb rw ish af")


def test_memstress_check_fails_on_a_wrong_seed(zvm_run, monkeypatch):
    real = memstress.region_crc
    monkeypatch.setattr(memstress, "region_crc",
                        lambda seed, idx, size, kind=2: real(seed + 1, idx, size, kind))
    result = zvm_run("two-vms-static")
    assert any(f.startswith("[vm0] @guest region idx=0x0 crc: expected") for f in result.failures)


def test_stray_access_stops_that_vm_only(zvm_run):
    result = zvm_run("stray-access")
    assert result.passed, result.summary()
    fault = result.trace.named("fault", vm=0)[0]
    assert fault["ipa"] == 0x40100000
    assert esr.describe(fault["esr"]).startswith("EC 0x24 (data abort from a lower EL)")
    assert result.trace.named("memstress-done", guest="vm1")[0]["mismatches"] == 0
    assert not result.trace.named("memstress-done", guest="vm0")
