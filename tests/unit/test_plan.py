"""Scenario -> description: errors name the file and field, the description
and guest DTBs carry what the hypervisor and guests read, the heap model
places partitions as the hypervisor's allocator does."""

import struct

import libfdt
import pytest

from harness import memory_map
from harness.plan import plan as make_plan
from harness.boards import load_board
from harness.errors import ConfigError
from harness.models.heap import Heap
from harness.scenarios import load_scenario

HEAD = "[scenario]\nname = 's'\n[hypervisor]\nheap_mib = 8\n"
VM = "[[vm]]\nname = '{name}'\nguest = '{guest}'\nmemory_kib = {kib}\n"


def write(tmp_path, text):
    path = tmp_path / "s.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("vms,field,words", [
    (VM.format(name="a", guest="nope", kib=1024), "vm[0].guest", "unknown guest 'nope'"),
    (VM.format(name="a", guest="memstress", kib=1026), "vm[0].memory_kib", "4 KiB granule"),
    (VM.format(name="a", guest="memstress", kib=1024) * 2, "vm[1].name", "used by another"),
    (VM.format(name="A b", guest="memstress", kib=1024), "vm[0].name", "not a lowercase name"),
    (VM.format(name="a", guest="memstress", kib=4096) + VM.format(name="b", guest="memstress",
                                                                  kib=8192),
     "vm[1].memory_kib", "does not fit in the heap"),
    (VM.format(name="a", guest="memstress", kib=1024) + "params = { seed = 'x' }\n",
     "vm[0].params.seed", "integer parameter"),
    (VM.format(name="a", guest="memstress", kib=1024) + "colour = 1\n", "vm[0].colour",
     "unknown field"),
])
def test_scenario_errors_name_file_and_field(tmp_path, vms, field, words):
    path = write(tmp_path, HEAD + vms)
    with pytest.raises(ConfigError) as err:
        load_scenario(path)
    assert err.value.field == field and words in str(err.value)
    assert str(err.value).startswith(f"{path}: {field}: ")


def test_heap_larger_than_the_board_is_refused(tmp_path):
    path = write(tmp_path, HEAD.replace("8", "512") + VM.format(name="a", guest="memstress",
                                                                 kib=1024))
    with pytest.raises(ConfigError, match="hypervisor.heap_mib: 512 MiB of heap"):
        make_plan(load_board("qemu-virt-gicv3"), load_scenario(path))


def test_memory_too_small_for_the_image(tmp_path):
    path = write(tmp_path, HEAD + VM.format(name="a", guest="memstress", kib=64))
    with pytest.raises(ConfigError, match=r"vm\[0\].memory_kib: 64 KiB cannot hold"):
        make_plan(load_board("qemu-virt-gicv3"), load_scenario(path))


def test_description_and_guest_dtb_contents():
    plan = make_plan(load_board("qemu-virt-gicv3"), load_scenario("two-vms-static"))
    fdt = libfdt.Fdt(plan.dtb)
    hyp = fdt.path_offset("/hypervisor")
    assert fdt.getprop(hyp, "memory-mode").as_str() == "static"
    vm1 = fdt.path_offset("/vm@1")
    assert fdt.getprop(vm1, "vm-name").as_str() == "vm1"
    assert fdt.getprop(vm1, "vmid").as_uint32() == 2
    assert bytes(fdt.getprop(vm1, "memory")) == struct.pack(">QQ", 0x4000_0000, 0x10_0000)
    guest = libfdt.Fdt(plan.vms[1].dtb)
    chosen = guest.path_offset("/chosen")
    assert guest.getprop(chosen, "zvm,seed").as_uint64() == 2
    assert guest.getprop(chosen, "zvm,region-size").as_uint64() == 0x8000
    # Partitions: 4 MiB at the heap's base (2 MiB aligned), 1 MiB right after.
    assert [vm.partition_pa for vm in plan.vms] == [0x4200_0000, 0x4240_0000]
    # Staged blobs lie between the description and the heap, without overlap.
    spans = sorted((vm.image_pa, vm.image_pa + len(vm.image.data)) for vm in plan.vms)
    spans += sorted((vm.dtb_pa, vm.dtb_pa + len(vm.dtb)) for vm in plan.vms)
    spans.sort()
    assert spans[0][0] >= memory_map.STAGING_BASE
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert spans[-1][1] <= memory_map.HEAP_BASE


def test_heap_model_first_fit_and_coalescing():
    heap = Heap(0x1000_0000, 0x100_0000)
    a = heap.alloc(0x1000)
    b = heap.alloc(0x20_0000, 0x20_0000)
    assert (a, b) == (0x1000_0000, 0x1020_0000)
    c = heap.alloc(0x1000)  # first fit: the gap left before the aligned block
    assert c == 0x1000_1000
    heap.release(a, 0x1000)
    heap.release(c, 0x1000)
    heap.release(b, 0x20_0000)
    assert heap.free == [[0x1000_0000, 0x100_0000]] and heap.free_bytes == 0x100_0000
    assert heap.alloc(0x200_0000) is None


def test_cli_describe_writes_dtb_and_dts(tmp_path, capsys):
    from harness.cli import main

    out, dts = tmp_path / "d.dtb", tmp_path / "d.dts"
    assert main(["describe", "--scenario", "two-vms-static", "--out", str(out),
                 "--dts", str(dts)]) == 0
    assert libfdt.Fdt(out.read_bytes()).path_offset("/vm@0") >= 0
    assert 'vm-name = "vm1";' in dts.read_text()
    assert "vm1: vmid 2, 1024 KiB" in capsys.readouterr().out


def test_cli_describe_dynamic(tmp_path, capsys):
    from harness.cli import main

    assert main(["describe", "--scenario", "dynamic-blocks", "--out", str(tmp_path / "d")]) == 0
    assert "on demand in 64 KiB blocks" in capsys.readouterr().out
    fdt = libfdt.Fdt((tmp_path / "d").read_bytes())
    hyp = fdt.path_offset("/hypervisor")
    assert fdt.getprop(hyp, "memory-mode").as_str() == "dynamic"
    assert bytes(fdt.getprop(hyp, "block-size")) == struct.pack(">Q", 0x10000)
