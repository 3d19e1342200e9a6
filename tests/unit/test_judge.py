"""The judge without QEMU: bundles recorded from real runs (passing and
failing, tests/unit/fixtures/, made by tools/record_judge_fixtures.py) are
judged again from their evidence alone, and must get the verdict they got on
QEMU; then their evidence is altered, one fact at a time, and the judge must
name exactly what was altered."""

import json
import re
import tarfile
from pathlib import Path

import pytest

from harness.bundle import files
from harness.bundle.read import read_bundle
from harness.repro import rejudge

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = sorted(p.name.removesuffix(".tar.gz") for p in FIXTURES.glob("*.tar.gz"))


def unpack(name: str, tmp_path: Path) -> Path:
    # The "data" filter where this Python has it (3.11.4 and later; Debian's is 3.11.2).
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    with tarfile.open(FIXTURES / f"{name}.tar.gz") as tar:
        tar.extractall(tmp_path, **safe)
    return tmp_path / name


def edit_console(bundle: Path, change) -> None:
    """Rewrites the recorded console: `change(text)` -> new text, a list of
    lines in its place, or None to drop the line."""
    out = []
    for line in (bundle / files.SERIAL_LOG).read_text().splitlines():
        time, text = files.parse_serial_line(line)
        new = change(text)
        out += [files.serial_line(time, n) for n in ([] if new is None else
                                                     new if isinstance(new, list) else [new])]
    (bundle / files.SERIAL_LOG).write_text("\n".join(out) + "\n")


def replace_once(pattern: str, replacement: str):
    """A `change` that rewrites the first line matching `pattern`."""
    done = []

    def change(text: str) -> str | None:
        if not done and re.search(pattern, text):
            done.append(text)
            return re.sub(pattern, replacement, text)
        return text
    return change


def test_every_kind_of_verdict_is_recorded():
    verdicts = {name: json.loads(_result(name))["passed"] for name in RECORDED}
    assert any(verdicts.values()) and not all(verdicts.values())
    assert {"el2-panic", "el2-hang", "guest-crash"} <= set(RECORDED)


def _result(name: str) -> str:
    with tarfile.open(FIXTURES / f"{name}.tar.gz") as tar:
        return tar.extractfile(f"{name}/{files.RESULT}").read().decode()


@pytest.mark.parametrize("name", RECORDED)
def test_the_judge_gives_the_recorded_verdict_again(tmp_path, name):
    now, recorded = rejudge(unpack(name, tmp_path))
    assert now == recorded


def test_a_changed_guest_report_is_named(tmp_path):
    bundle = unpack("two-vms-static", tmp_path)
    edit_console(bundle, replace_once(r"(\[vm1\] @guest region idx=0x0 .* crc=)0xe1bb64b3",
                                      r"\g<1>0xe1bb64b4"))
    now, _ = rejudge(bundle)
    assert now[0] == "[vm1] @guest region idx=0x0 crc: expected 0xe1bb64b3, got 0xe1bb64b4"


def test_a_missing_guest_report_is_named(tmp_path):
    bundle = unpack("two-vms-static", tmp_path)
    edit_console(bundle, lambda t: None if "[vm0] @guest memstress-done" in t else t)
    now, _ = rejudge(bundle)
    assert now == ["[vm0] @guest memstress-done: expected the event, got no such event "
                   "(vm0 report event 63)"]


def test_a_changed_memory_event_is_named(tmp_path):
    bundle = unpack("lzo-swap", tmp_path)
    edit_console(bundle, replace_once(r"(swap-out vm=0x0 ipa=0x40014000 clen=)0x7e",
                                      r"\g<1>0x7f"))
    now, _ = rejudge(bundle)
    assert len(now) == 1 and now[0].startswith("vm0 memory event ")
    assert "clen=0x7e" in now[0] and "clen=0x7f" in now[0]


def stage2_root(bundle: Path, vm: int) -> int:
    """VM `vm`'s stage-2 root table, as its vm-create reported it."""
    return read_bundle(bundle).trace().named("vm-create", vm=vm)[0]["vttbr"] & ((1 << 48) - 1)


def test_a_wrong_vmid_is_named(tmp_path):
    bundle = unpack("two-vms-static", tmp_path)
    root = stage2_root(bundle, 1)
    edit_console(bundle, replace_once(f"vttbr={(2 << 48) | root:#x}", f"vttbr={(3 << 48) | root:#x}"))
    now, _ = rejudge(bundle)
    assert now == [f"vm1: VTTBR_EL2 {(3 << 48) | root:#x} carries VMID 3, expected 2"]


def test_a_changed_stage2_descriptor_is_named(tmp_path):
    bundle = unpack("two-vms-static", tmp_path)
    root = (bundle / files.MEMORY / files.memory_dump(stage2_root(bundle, 0))).read_bytes()
    # The level-1 entry for IPA 0x40000000 (index 1) points to the level-2 table.
    table = int.from_bytes(root[8:16], "little") & 0xfffffffff000
    level2 = bundle / files.MEMORY / files.memory_dump(table)
    tables = bytearray(level2.read_bytes())
    tables[0] ^= 1 << 6  # entry 0 (IPA 0x40000000): S2AP read/write -> write only
    level2.write_bytes(bytes(tables))
    now, _ = rejudge(bundle)
    assert now == ["vm0 stage-2: IPA 0x40000000: expected PA 0x42000000 normal-wb rw ish af, "
                   "got PA 0x42000000 normal-wb wo ish af"]


def test_a_changed_disk_byte_is_named(tmp_path):
    bundle = unpack("blk-two-vms", tmp_path)
    disk = bytearray((bundle / files.DISK_AFTER).read_bytes())
    disk[0x2003] ^= 0xFF
    (bundle / files.DISK_AFTER).write_bytes(bytes(disk))
    now, _ = rejudge(bundle)
    assert now == [f"disk image: first difference at byte 0x2003 (sector 0x10, vm0's): "
                   f"expected {disk[0x2003] ^ 0xFF:#x}, got {disk[0x2003]:#x}"]


def test_a_changed_dispatch_order_is_named(tmp_path):
    bundle = unpack("blk-two-vms", tmp_path)
    edit_console(bundle, replace_once(r"blk-dispatch vm=0x1 seq=0x4",
                                      "blk-dispatch vm=0x1 seq=0x6"))
    now, _ = rejudge(bundle)
    assert now[0] == ("blk scheduler event 1: expected @zvm blk-dispatch vm=0x1 seq=0x4, "
                      "got @zvm blk-dispatch vm=0x1 seq=0x6")


def test_what_a_target_cannot_give_is_skipped(tmp_path):
    """No memory read back (a physical board) and no disk: the stage-2 and
    disk checks are skipped, the rest still judged."""
    bundle = unpack("partition-one-page-long", tmp_path)
    for dump in (bundle / files.MEMORY).iterdir():
        dump.unlink()
    (bundle / files.MEMORY).rmdir()
    now, recorded = rejudge(bundle)
    assert now == [f for f in recorded if "stage-2" not in f] and len(now) == 2


def test_an_unreadable_trace_line_is_named(tmp_path):
    bundle = unpack("two-vms-static", tmp_path)
    edit_console(bundle, replace_once(r"^@zvm lzo-selftest ", "@zvm lzo-selftest bogus "))
    now, _ = rejudge(bundle)
    assert any(f.startswith("unreadable trace line 3: bad field 'bogus'") for f in now), now


def test_a_panic_comes_first_and_alone(tmp_path):
    now, _ = rejudge(unpack("el2-panic", tmp_path))
    assert len(now) == 1 and now[0].startswith("hypervisor panic: EC 0x25")


def test_the_memory_counters_are_predicted(tmp_path):
    bundle = unpack("lzo-swap", tmp_path)
    edit_console(bundle, replace_once(r"swapouts=0x4d ", "swapouts=0x4e "))
    assert rejudge(bundle)[0] == ["@zvm memstats swapouts: expected 0x4d, got 0x4e"]
    bundle = unpack("lzo-swap", tmp_path / "none")
    edit_console(bundle, lambda t: None if t.startswith("@zvm memstats ") else t)
    now = rejudge(bundle)[0]
    assert len(now) == 1 and now[0].startswith(
        "run event 5: expected @zvm memstats, got @zvm poweroff reason=done ")


def test_a_guest_report_the_model_does_not_predict_is_named(tmp_path):
    bundle = unpack("two-vms-static", tmp_path)
    edit_console(bundle, lambda t: [t, "[vm1] @guest release ipa=0x40010000 size=0x1000 ret=0x0"]
                 if t.startswith("[vm1] @guest memstress-done") else t)
    assert rejudge(bundle)[0] == [
        "vm1 report event 30: expected nothing more, "
        "got [vm1] @guest release ipa=0x40010000 size=0x1000 ret=0x0"]


def test_a_guest_report_made_twice_is_named(tmp_path):
    bundle = unpack("two-vms-static", tmp_path)
    edit_console(bundle, lambda t: [t, t] if t.startswith("[vm1] @guest region idx=0x0 ") else t)
    now, _ = rejudge(bundle)
    assert now == ["vm1 report event 2: expected [vm1] @guest region idx=0x1, "
                   "got [vm1] @guest region idx=0x0 ipa=0x40010000 size=0x8000 crc=0xe1bb64b3"]


def test_the_registers_read_from_the_cpu_are_checked(tmp_path):
    """What the register probe reads (VTTBR_EL2, HCR_EL2, VTCR_EL2,
    VMPIDR_EL2 after a switch) against the model: the values each VM must
    run with pass; a VM run with VMID 0, or with another HCR_EL2, fails."""
    from harness.models import el2

    bundle = unpack("two-vms-static", tmp_path)
    vttbrs = [int(m.group(1), 16) for m in re.finditer(
        r"@zvm vm-create .*vttbr=(0x[0-9a-f]+)", (bundle / files.SERIAL_LOG).read_text())]

    def judged(samples: list[dict]) -> list[str]:
        (bundle / files.REGISTERS).write_text(json.dumps(samples))
        return rejudge(bundle)[0]

    def sample(vttbr: int, **changed) -> dict:
        return {"VTTBR_EL2": vttbr, "HCR_EL2": el2.hcr(False), "VTCR_EL2": el2.vtcr(),
                "VMPIDR_EL2": el2.vmpidr(0), **changed}

    assert judged([sample(0, HCR_EL2=0)] + [sample(v) for v in vttbrs]) == []
    assert judged([sample(vttbrs[0] & (1 << 48) - 1), sample(vttbrs[1])]) == [
        f"vm0 ran with VMID 0x0, expected 0x1 (read from the CPU; VTTBR_EL2 "
        f"{vttbrs[0] & (1 << 48) - 1:#x})"]
    assert judged([sample(vttbrs[0], HCR_EL2=el2.hcr(True)), sample(vttbrs[1])]) == [
        f"vm0 ran with HCR_EL2 {el2.hcr(True):#x}, expected {el2.hcr(False):#x} (read from the "
        f"CPU; VTTBR_EL2 {vttbrs[0]:#x})"]
    assert judged([sample(vttbrs[0])]) == [
        "vm1 reported from its guest, but the CPU never held its tables in VTTBR_EL2"]
    assert judged([sample(vttbrs[0]), {"gave-up": True}]) == []


def test_the_tables_read_after_an_unmap_are_checked(tmp_path):
    """A run on host time keeps the stage-2 tables as read on return from its
    first unmaps (a swap-out each here): judged again they pass; one
    descriptor changed in the first read fails the run, naming that unmap."""
    bundle = unpack("lzo-swap-probed", tmp_path)
    assert rejudge(bundle)[0] == []
    snapshots = json.loads((bundle / files.STAGE2_SNAPSHOTS).read_text())
    assert len(snapshots) == 8
    first = snapshots[0]
    unmap = re.search(r"@zvm s2-unmap vm=0x0 ipa=(0x[0-9a-f]+) size=(0x[0-9a-f]+)",
                      (bundle / files.SERIAL_LOG).read_text())
    ipa = int(unmap.group(1), 16)
    level2 = _entry(first["pages"], first["root"], ipa >> 30)
    level3 = hex(_entry(first["pages"], level2, ipa >> 21))
    table = bytearray.fromhex(first["pages"][level3])
    entry = (ipa >> 12) & 511
    mapped = next(i for i in range(512) if table[8 * i:8 * i + 8] != bytes(8))
    table[8 * entry:8 * entry + 8] = table[8 * mapped:8 * mapped + 8]  # a page mapped twice
    first["pages"][level3] = table.hex()
    (bundle / files.STAGE2_SNAPSHOTS).write_text(json.dumps(snapshots))
    now = rejudge(bundle)[0]
    assert len(now) == 1 and now[0].startswith(
        f"vm0 stage-2 after @zvm s2-unmap vm=0x0 ipa={ipa:#x} size={unmap.group(2)}: "
        f"IPA {ipa:#x}: expected unmapped, got PA "), now


def _entry(pages: dict[str, str], table: int, index: int) -> int:
    """The table a table descriptor points at: entry `index` (mod 512) of `table`."""
    data = bytes.fromhex(pages[hex(table)])
    offset = 8 * (index % 512)
    return int.from_bytes(data[offset:offset + 8], "little") & ((1 << 48) - 1) & ~0xFFF
