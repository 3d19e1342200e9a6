/* The guests' virtio-blk front-end: a virtio-mmio (modern) driver with one
 * split virtqueue, building requests as Linux does (16-byte header, data,
 * one-byte status), completed by interrupt (it also polls the used ring). */
#ifndef ZVM_GUEST_VIRTIO_BLK_H
#define ZVM_GUEST_VIRTIO_BLK_H

#include <stdint.h>

#include "virtio.h"

#define VBLK_QUEUE	64
#define VBLK_BATCH	20	/* requests in flight at once */

struct vblk_req {
	uint32_t type, ioprio;
	uint64_t sector;
	void *data;
	uint32_t len;		/* 0: no data descriptor */
	uint8_t status;
};

/* Negotiates features and sets the queue up; 0, or a negative step number. */
int vblk_init(uint64_t mmio_base, uint64_t dma_offset);
/* The same, with the descriptor table at `desc_ipa` instead (0: its own). */
int vblk_init_ring(uint64_t mmio_base, uint64_t dma_offset, uint64_t desc_ipa);
uint64_t vblk_capacity(void);
/* Submits `n` requests with one notify and waits until all are done. */
void vblk_run_batch(struct vblk_req *reqs, unsigned int n);
/* The same without waiting: the requests are left to the device. */
void vblk_submit_batch(struct vblk_req *reqs, unsigned int n);
/* Resets the device (status 0) and sets it up again from scratch, rings
 * emptied: vblk_init's result. */
int vblk_reset(void);
unsigned long vblk_interrupts(void);

/* Hand-built chains (the hostile guest): the descriptor table to fill, an
 * avail entry to post, the avail index set outright, a notify, and the used
 * ring read back (wait_used: until used.idx reaches `target`). */
struct virtq_desc *vblk_desc_table(void);
void vblk_post(uint16_t head);
void vblk_set_avail_idx(uint16_t idx);
void vblk_notify(void);
uint16_t vblk_used_idx(void);
struct virtq_used_elem vblk_used_elem(uint16_t i);
void vblk_wait_used(uint16_t target);

#endif
