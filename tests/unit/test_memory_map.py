"""One memory map: every address the firmware's common/memory_map.h defines
is harness/memory_map.py's constant of the same name and value, and the
hypervisor is linked where the harness says it is."""

import re

import pytest

from harness import memory_map, paths

HEADER = paths.FIRMWARE / "common" / "memory_map.h"
DEFINE = re.compile(r"^#define\s+([A-Z][A-Z0-9_]*)\s+(0x[0-9a-fA-F]+)UL?\b", re.MULTILINE)


def firmware_addresses() -> dict[str, int]:
    return {name: int(value, 16) for name, value in DEFINE.findall(HEADER.read_text())}


def test_the_header_holds_the_shared_addresses():
    assert {"UART_BASE", "GUEST_RAM_IPA", "DESCRIPTION_ADDR", "VBLK_IPA"} <= set(
        firmware_addresses())


@pytest.mark.parametrize("name,value", sorted(firmware_addresses().items()))
def test_firmware_and_harness_agree(name, value):
    assert getattr(memory_map, name, None) == value, f"{HEADER.name}: {name}"


def test_the_hypervisor_is_linked_at_its_base():
    script = (paths.FIRMWARE / "hypervisor" / "link.ld").read_text()
    assert f". = {memory_map.HYPERVISOR_BASE:#x};" in script
