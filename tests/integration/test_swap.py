"""Compressed swap on QEMU: every swap event, clen included, against the
model and python-lzo; the guest sees its data unchanged; the edges (zero
blocks, incompressible blocks, a full zpool, a hypervisor read of swapped
memory, exit with blocks in the zpool) each as documented."""

import pytest

from harness.models import swap

pytestmark = pytest.mark.qemu


def test_lzo_swap_matches_the_model_and_the_guest_sees_its_data(zvm_run):
    result = zvm_run("lzo-swap")
    assert result.passed, result.summary()
    outs = result.trace.named("swap-out")
    assert {e["kind"] for e in outs} == {"zero", "lzo"}
    assert all(e["clen"] == 0 for e in outs if e["kind"] == "zero")
    assert result.trace.named("swap-in")
    skipped = result.trace.named("swap-skip")
    assert skipped and {e["reason"] for e in skipped} == {"incompressible"}
    assert result.trace.named("memstress-done", guest="vm0")[0]["mismatches"] == 0
    hyp = result.trace.named("hyp-crc", guest="vm0")[0]
    region = result.trace.named("region", guest="vm0", ipa=hyp["ipa"])[0]
    assert hyp["crc"] == region["crc"]
    # The hypervisor had to bring that region back to read it.
    crc_line = result.trace.named("guest-crc")[0].line_no
    assert any(e["ipa"] == hyp["ipa"] and e.line_no < crc_line
               for e in result.trace.named("swap-in"))
    # Exit with blocks in the zpool: all of it comes back.
    last = result.trace.named("zpool", vm=0)[-1]
    assert (last["used"], last["stored"]) == (0, 0)
    assert result.trace.named("heap")[-1]["used"] == result.plan.zpool_size


def test_watermark_pressure_with_two_vms_fills_the_zpool(zvm_run):
    result = zvm_run("swap-watermark")
    assert result.passed, result.summary()
    # Which VM swaps how much depends on how the scheduler interleaves them
    # (the model follows whichever order the trace shows); that they swap does not.
    assert result.trace.named("swap-out")
    assert any(e["reason"] == "zpool-full" for e in result.trace.named("swap-skip"))
    for vm in ("vm0", "vm1"):
        assert result.trace.named("memstress-done", guest=vm)[0]["mismatches"] == 0


def test_a_wrong_clen_fails_the_check(zvm_run, monkeypatch):
    real = swap.compressed_length
    monkeypatch.setattr(swap, "compressed_length", lambda data: real(data) + 1)
    result = zvm_run("lzo-swap")
    assert not result.passed
    assert any("swap-out" in f and "clen=" in f for f in result.failures), result.failures


def test_a_wrong_victim_order_fails_the_check(zvm_run, monkeypatch):
    def newest_first(self):  # not CLOCK: the highest swappable IPA every time
        candidates = [b for b in self.blocks if self.swappable(b)]
        return candidates[-1] if candidates else None

    monkeypatch.setattr(swap.SwappingVm, "clock_next", newest_first)
    result = zvm_run("lzo-swap")
    assert not result.passed
    assert any(f.startswith("vm0 memory event") for f in result.failures), result.failures
