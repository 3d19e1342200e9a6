"""The QEMU virt board's addresses as the hypervisor uses them, and each VM's
IPA space (docs/memory-map.md). A leaf: the one source of addresses for the
harness. The firmware's firmware_builds/common/memory_map.h holds the same
names; tests/unit/test_memory_map.py checks that the two agree."""

PAGE = 4096

# Host physical: devices.
GICD_BASE = 0x0800_0000
GICR_BASE = 0x080A_0000  # CPU 0's redistributor
UART_BASE = 0x0900_0000  # PL011, the console
VIRTIO_MMIO_BASE = 0x0A00_0000  # QEMU's virtio-mmio transports
QEMU_VIRTIO_BLK = 0x0A00_3E00  # the one with the disk: slot 31

# Host physical: RAM.
RAM_BASE = 0x4000_0000  # QEMU puts its own board DTB here for an ELF -kernel
HYPERVISOR_BASE = 0x4020_0000  # zvm.elf's text (firmware_builds/hypervisor/link.ld)
DESCRIPTION_ADDR = 0x4100_0000  # the description DTB, placed with -device loader
DESCRIPTION_MAX = 0x1_0000
STAGING_BASE = DESCRIPTION_ADDR + DESCRIPTION_MAX  # guests' images and DTBs, then the heap
HEAP_BASE = 0x4200_0000  # the least heap base; higher when staged images need room
HEAP_ALIGN = 0x20_0000  # 2 MiB: partitions map with blocks

# Each VM's IPA space.
GUEST_RAM_IPA = 0x4000_0000
GUEST_DTB_RESERVE = 0x1_0000  # the guest DTB sits in the top 64 KiB of its RAM
VUART_IPA = UART_BASE  # the emulated PL011
VGICD_IPA = GICD_BASE  # the emulated distributor and redistributor (Linux VMs)
VGICR_IPA = GICR_BASE  # vCPU 0's frame; each vCPU's follows the last
VGICR_FRAME = 0x2_0000  # a redistributor's two 64 KiB pages
VBLK_IPA = VIRTIO_MMIO_BASE  # the back-end's virtio-blk device, in every VM


def passthrough_page() -> tuple[int, int]:
    """The page of QEMU's virtio-blk device a passthrough VM gets mapped as is."""
    return QEMU_VIRTIO_BLK & ~(PAGE - 1), PAGE


def page_up(value: int) -> int:
    return (value + PAGE - 1) // PAGE * PAGE
