/* The back-end: the virtio-blk device (virtio-mmio, modern) each VM sees
 * at IPA VBLK_IPA (memory_map.h), emulated on stage-2 data aborts. A queue
 * notify walks the guest's descriptor chains through its stage-2 (every
 * address checked to be its RAM, swapped-out memory brought back first) and
 * hands each request to the host I/O scheduler. See docs/virtio-blk.md. */
#ifndef ZVM_VBLK_H
#define ZVM_VBLK_H

#include <stdint.h>

#define VBLK_SIZE		0x1000UL

struct vm;

struct vblk {
	uint64_t disk_base, disk_sectors;	/* the VM's range of the host disk */
	uint32_t status, device_features_sel, driver_features_sel;
	uint64_t driver_features;
	uint32_t queue_num, queue_ready;
	uint64_t desc, avail, used;		/* IPAs of the split ring */
	uint16_t last_avail, used_idx;
	uint32_t in_flight;			/* requests of this VM in the scheduler */
	uint32_t interrupt_status;
};

/* Finds the host disk (hostblk.c) and registers the back-end's side of a
 * dispatch with the I/O scheduler: 0, or -1 when there is no disk. */
int vblk_init(int under_counted_time);
/* Emulates one 32-bit register access; returns what a read yields. */
uint64_t vblk_mmio(struct vm *vm, uint64_t offset, int is_write, uint64_t value);

#endif
