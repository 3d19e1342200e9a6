/* The QEMU virt board's addresses as the firmware uses them, and each VM's
 * IPA space (docs/memory-map.md). harness/memory_map.py holds the same
 * names and a unit test checks that the two agree: keep each one a plain
 * `#define NAME 0x...UL` line. C only (the assembler takes no UL). */
#ifndef ZVM_MEMORY_MAP_H
#define ZVM_MEMORY_MAP_H

/* Host physical: devices. */
#define GICD_BASE		0x08000000UL	/* GICv3 distributor */
#define GICR_BASE		0x080a0000UL	/* CPU 0's redistributor */
#define UART_BASE		0x09000000UL	/* PL011, the console (start.S has it too) */
#define VIRTIO_MMIO_BASE	0x0a000000UL	/* QEMU's virtio-mmio transports */

/* Host physical: RAM. */
#define RAM_BASE		0x40000000UL	/* QEMU's board DTB sits here for an ELF -kernel */
#define HYPERVISOR_BASE		0x40200000UL	/* zvm.elf, linked here by hypervisor/link.ld */
#define DESCRIPTION_ADDR	0x41000000UL	/* the description DTB */
#define DESCRIPTION_MAX		0x00010000UL	/* and the most of it there is */

/* Each VM's IPA space. */
#define GUEST_RAM_IPA		0x40000000UL	/* guests are linked here by guests/lib/link.ld */
#define VUART_IPA		0x09000000UL	/* the emulated PL011 */
#define VGICD_IPA		0x08000000UL	/* the emulated distributor (Linux VMs) */
#define VGICR_IPA		0x080a0000UL	/* and its one redistributor */
#define VBLK_IPA		0x0a000000UL	/* the back-end's virtio-blk device */

#endif
