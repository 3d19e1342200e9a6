/* blkio: runs a virtio-blk workload from its parameters, batch by batch,
 * and reports each request's status and a CRC-32 of what it read.
 * harness/models/virtio_blk.py predicts every line and the disk it leaves.
 *
 * zvm,requests: 7 cells a request: type (with the barrier flag), ioprio,
 * sector (high, low), sectors (the data length; GET_ID reads 20 bytes),
 * batch (requests of one batch go with one notify), seed (OUT data).
 * zvm,virtio-base, zvm,dma-offset: the device, and how device addresses
 * relate to IPAs (0 behind the hypervisor's back-end).
 * zvm,reset-after: after that batch, reset the device and negotiate again.
 * zvm,abandon-last: submit the last batch and exit without waiting for it. */
#include <string.h>

#include <libfdt.h>

#include "guest.h"
#include "memory_map.h"
#include "virtio.h"
#include "virtio_blk.h"

#define CELLS		7
#define MAX_DATA	0x10000

static struct vblk_req batch[VBLK_BATCH];
static uint32_t index_of[VBLK_BATCH];

static void fill(uint32_t *words, uint32_t len, uint32_t state)
{
	for (uint32_t i = 0; i < len / 4; i++) {
		state = xorshift32(state);
		words[i] = state;
	}
}

static uint32_t data_len(uint32_t type, uint32_t sectors)
{
	switch (type & ~VIRTIO_BLK_T_BARRIER) {
	case VIRTIO_BLK_T_FLUSH:
		return 0;
	case VIRTIO_BLK_T_GET_ID:
		return VIRTIO_BLK_ID_BYTES;
	default:
		return sectors * VIRTIO_BLK_SECTOR_SIZE;
	}
}

static void report(unsigned int n)
{
	for (unsigned int k = 0; k < n; k++) {
		uint32_t base = batch[k].type & ~VIRTIO_BLK_T_BARRIER;
		uint32_t crc = (base == VIRTIO_BLK_T_IN || base == VIRTIO_BLK_T_GET_ID) &&
			       batch[k].status == VIRTIO_BLK_S_OK
			       ? crc32_update(0, batch[k].data, batch[k].len) : 0;

		guest_printf("@guest blk idx=0x%x status=0x%x crc=0x%08x\n", index_of[k],
			     batch[k].status, crc);
	}
}

int guest_main(const void *dtb)
{
	int cells;
	const uint32_t *reqs = guest_param_cells(dtb, "requests", &cells);
	uint64_t base = guest_param(dtb, "virtio-base", VBLK_IPA);
	uint64_t offset = guest_param(dtb, "dma-offset", 0);
	uint64_t reset_after = guest_param(dtb, "reset-after", ~0UL);
	uint64_t abandon_last = guest_param(dtb, "abandon-last", 0), batches = 0;
	/* Data buffers: 64 KiB each, after the image. */
	uint8_t *data = (uint8_t *)(((uint64_t)__image_end + MAX_DATA - 1) & ~(uint64_t)(MAX_DATA - 1));
	unsigned int n = 0, count = reqs ? cells / CELLS : 0;

	guest_irq_init();
	int err = vblk_init(base, offset);

	guest_printf("@guest blkio-start requests=0x%x capacity=0x%lx init=0x%x\n", count,
		     err ? 0 : vblk_capacity(), (uint32_t)-err);
	if (err)
		return 1;
	for (unsigned int i = 0; i < count; i++) {
		const uint32_t *c = reqs + CELLS * i;
		uint32_t type = fdt32_to_cpu(c[0]);
		struct vblk_req *r = &batch[n];

		r->type = type;
		r->ioprio = fdt32_to_cpu(c[1]);
		r->sector = ((uint64_t)fdt32_to_cpu(c[2]) << 32) | fdt32_to_cpu(c[3]);
		r->len = data_len(type, fdt32_to_cpu(c[4]));
		if (r->len > MAX_DATA)
			r->len = MAX_DATA;
		r->data = data + n * MAX_DATA;
		if ((type & ~VIRTIO_BLK_T_BARRIER) == VIRTIO_BLK_T_OUT)
			fill(r->data, r->len, fdt32_to_cpu(c[6]));
		else
			memset(r->data, 0, r->len);
		index_of[n++] = i;
		int last = i + 1 == count || fdt32_to_cpu(c[CELLS + 5]) != fdt32_to_cpu(c[5]);

		if (!last && n < VBLK_BATCH)
			continue;
		if (abandon_last && i + 1 == count) {
			vblk_submit_batch(batch, n);	/* and gone before the device answers */
			break;
		}
		vblk_run_batch(batch, n);
		report(n);
		n = 0;
		if (batches++ == reset_after)
			guest_printf("@guest blkio-reset init=0x%x\n", (uint32_t)-vblk_reset());
	}
	guest_printf("@guest blkio-done requests=0x%x interrupts=0x%lx\n", count,
		     vblk_interrupts());
	return 0;
}
