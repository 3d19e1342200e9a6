/* Virtual interrupts for guests through the GICv3 list registers: one
 * source per VM (its virtio-blk device), delivered as a pending Group 1
 * vINTID in ICH_LR0_EL2 while the VM runs. */
#ifndef ZVM_VGIC_H
#define ZVM_VGIC_H

#include <stdint.h>

#define VIRTIO_BLK_VINTID	48	/* SPI 16, as the guest's DTB says */

struct vgic_state {
	uint64_t lr0, vmcr, ap1r0;
	int pending;	/* raised, not yet in the list register */
};

void vgic_init(void);
void vgic_save(struct vgic_state *s);
/* Restores the state and places a pending interrupt in a free list register. */
void vgic_load(struct vgic_state *s);
/* Whether the VM has an interrupt waiting to be taken (for a trapped WFI). */
int vgic_has_pending(const struct vgic_state *s);

#endif
