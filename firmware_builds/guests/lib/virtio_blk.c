#include <string.h>

#include "guest.h"
#include "sysreg_access.h"
#include "virtio.h"
#include "virtio_blk.h"

static volatile uint8_t *dev;
static uint64_t dma_offset;	/* device address = IPA + offset (no IOMMU in passthrough) */
static uint16_t queue_num;
static uint16_t used_seen;
static volatile unsigned long interrupts;

static struct virtq_desc desc[VBLK_QUEUE] __attribute__((aligned(16)));
static struct {
	uint16_t flags, idx, ring[VBLK_QUEUE], used_event;
} avail __attribute__((aligned(2)));
static struct {
	uint16_t flags, idx;
	struct virtq_used_elem ring[VBLK_QUEUE];
	uint16_t avail_event;
} used __attribute__((aligned(4)));
static struct virtio_blk_req_hdr headers[VBLK_BATCH];
static uint8_t statuses[VBLK_BATCH];

static uint32_t rd(unsigned int off)
{
	return *(volatile uint32_t *)(dev + off);
}

static void wr(unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(dev + off) = v;
}

static uint64_t dma(const void *p)
{
	return (uint64_t)p + dma_offset;
}

static void set_addr(unsigned int low, const void *p)
{
	wr(low, (uint32_t)dma(p));
	wr(low + 4, (uint32_t)(dma(p) >> 32));
}

int vblk_init(uint64_t mmio_base, uint64_t offset)
{
	return vblk_init_ring(mmio_base, offset, 0);
}

int vblk_reset(void)
{
	wr(VIRTIO_MMIO_STATUS, 0);
	memset(&avail, 0, sizeof(avail));
	memset(&used, 0, sizeof(used));
	used_seen = 0;
	return vblk_init((uint64_t)dev, dma_offset);
}

static void device_interrupt(void)
{
	wr(VIRTIO_MMIO_INTERRUPT_ACK, rd(VIRTIO_MMIO_INTERRUPT_STATUS));
	interrupts++;
}

int vblk_init_ring(uint64_t mmio_base, uint64_t offset, uint64_t desc_ipa)
{
	dev = (volatile uint8_t *)mmio_base;
	dma_offset = offset;
	guest_irq_on(VIRTIO_BLK_INTID, device_interrupt);
	if (rd(VIRTIO_MMIO_MAGIC) != VIRTIO_MAGIC || rd(VIRTIO_MMIO_VERSION) != 2 ||
	    rd(VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_BLOCK)
		return -1;
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	if (!(rd(VIRTIO_MMIO_DEVICE_FEATURES) & (1u << (VIRTIO_F_VERSION_1 - 32))))
		return -2;
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint32_t flush = rd(VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_BLK_F_FLUSH);

	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, flush);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_FEATURES_OK);
	if (!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return -3;
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	uint32_t max = rd(VIRTIO_MMIO_QUEUE_NUM_MAX);

	if (max == 0)
		return -4;
	queue_num = max < VBLK_QUEUE ? max : VBLK_QUEUE;
	wr(VIRTIO_MMIO_QUEUE_NUM, queue_num);
	set_addr(VIRTIO_MMIO_QUEUE_DESC_LOW, desc_ipa ? (const void *)desc_ipa : desc);
	set_addr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, &avail);
	set_addr(VIRTIO_MMIO_QUEUE_USED_LOW, &used);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	return 0;
}

uint64_t vblk_capacity(void)
{
	return rd(VIRTIO_MMIO_CONFIG) | ((uint64_t)rd(VIRTIO_MMIO_CONFIG + 4) << 32);
}

static void chain(unsigned int k, struct vblk_req *r)
{
	unsigned int d = 3 * k, n = 0;
	uint32_t base = r->type & ~VIRTIO_BLK_T_BARRIER;
	int device_writes = base == VIRTIO_BLK_T_IN || base == VIRTIO_BLK_T_GET_ID;

	headers[k] = (struct virtio_blk_req_hdr){ r->type, r->ioprio, r->sector };
	statuses[k] = 0xff;
	desc[d] = (struct virtq_desc){ dma(&headers[k]), sizeof(headers[k]), VIRTQ_DESC_F_NEXT,
				       d + 1 };
	n++;
	if (r->len) {
		desc[d + n] = (struct virtq_desc){ dma(r->data), r->len,
						   VIRTQ_DESC_F_NEXT |
						   (device_writes ? VIRTQ_DESC_F_WRITE : 0), d + n + 1 };
		n++;
	}
	desc[d + n] = (struct virtq_desc){ dma(&statuses[k]), 1, VIRTQ_DESC_F_WRITE, 0 };
	avail.ring[avail.idx % queue_num] = d;
	__asm__ volatile("dmb ish" ::: "memory");	/* the entry before the index */
	avail.idx++;
}

void vblk_submit_batch(struct vblk_req *reqs, unsigned int n)
{
	for (unsigned int k = 0; k < n; k++)
		chain(k, &reqs[k]);
	vblk_notify();
}

void vblk_run_batch(struct vblk_req *reqs, unsigned int n)
{
	vblk_submit_batch(reqs, n);
	/* Wait for the interrupt; the used ring says when all are back. */
	vblk_wait_used(used_seen + n);
	for (unsigned int k = 0; k < n; k++)
		reqs[k].status = statuses[k];
}

struct virtq_desc *vblk_desc_table(void)
{
	return desc;
}

void vblk_post(uint16_t head)
{
	avail.ring[avail.idx % queue_num] = head;
	__asm__ volatile("dmb ish" ::: "memory");
	avail.idx++;
}

void vblk_set_avail_idx(uint16_t idx)
{
	__asm__ volatile("dmb ish" ::: "memory");
	avail.idx = idx;
}

void vblk_notify(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

uint16_t vblk_used_idx(void)
{
	return *(volatile uint16_t *)&used.idx;
}

struct virtq_used_elem vblk_used_elem(uint16_t i)
{
	__asm__ volatile("dmb ish" ::: "memory");
	return used.ring[i % queue_num];
}

void vblk_wait_used(uint16_t target)
{
	while ((int16_t)(vblk_used_idx() - target) < 0)
		__asm__ volatile("msr daifclr, #2; wfi; msr daifset, #2" ::: "memory");
	__asm__ volatile("dmb ish" ::: "memory");
	used_seen = target;
}

unsigned long vblk_interrupts(void)
{
	return interrupts;
}

