#include <string.h>

#include "console.h"
#include "hostblk.h"
#include "iosched.h"
#include "vblk.h"
#include "virtio.h"
#include "vm.h"
#include "vm_irq.h"

#define VENDOR_ZVM	0x006d767a	/* "zvm" */

static uint8_t bounce[HOSTBLK_MAX_BYTES];

static void complete(struct blk_request *r);

static void reset(struct vm *vm)
{
	struct vblk *d = &vm->blk;
	uint64_t base = d->disk_base, sectors = d->disk_sectors;

	/* Its queued requests go unanswered: after a reset the device must not
	 * touch the queues (virtio 1.1, 2.4.1), whose memory the driver may
	 * have given to something else by then. */
	iosched_forget(vm);
	memset(d, 0, sizeof(*d));
	d->disk_base = base;
	d->disk_sectors = sectors;
}

/* A request's data fits the bounce buffer: at most SEG_MAX segments of at
 * most SIZE_MAX bytes (Linux would otherwise send 128 KiB in one segment). */
#define SEG_MAX		(BLK_MAX_SEGS - 2)
#define SIZE_MAX_BYTES	(HOSTBLK_MAX_BYTES / SEG_MAX / 4096 * 4096)

static uint64_t device_features(uint32_t sel)
{
	uint64_t features = (1UL << VIRTIO_BLK_F_FLUSH) | (1UL << VIRTIO_F_VERSION_1) |
			    (1UL << VIRTIO_BLK_F_SIZE_MAX) | (1UL << VIRTIO_BLK_F_SEG_MAX);

	return sel < 2 ? (uint32_t)(features >> (32 * sel)) : 0;
}

/* Answers a chain that cannot carry a request: a status, if there is a
 * place for one, and the chain back in the used ring. */
static void answer_bad(struct vm *vm, uint16_t head, uint64_t status_ipa, const char *why)
{
	struct blk_request r = { .vm = vm, .head = head, .status_ipa = status_ipa,
				 .status = VIRTIO_BLK_S_IOERR };

	zvm_trace("blk-bad", "vm=0x%x head=0x%x reason=%s", vm->id, head, why);
	complete(&r);
}

static int in_ram(struct vm *vm, uint64_t ipa, uint64_t len)
{
	uint64_t base = vm->cfg->ipa_base, end = base + vm->cfg->mem_size;

	return len && ipa >= base && ipa + len >= ipa && ipa + len <= end;
}

/* Walks and checks one descriptor chain, then hands the request over. */
static void take_chain(struct vm *vm, uint16_t head)
{
	struct vblk *d = &vm->blk;
	struct virtq_desc desc[BLK_MAX_SEGS + 2];
	unsigned int n = 0;
	uint16_t i = head;

	if (head >= d->queue_num) {
		answer_bad(vm, head, 0, "head-range");
		return;
	}
	for (;;) {
		if (n == BLK_MAX_SEGS + 2 || n >= d->queue_num) {	/* a loop, or too long */
			answer_bad(vm, head, 0, "chain-length");
			return;
		}
		if (vm_read(vm, d->desc + 16UL * i, &desc[n], sizeof(desc[n]))) {
			answer_bad(vm, head, 0, "ring-range");
			return;
		}
		if (desc[n].flags & VIRTQ_DESC_F_INDIRECT) {
			answer_bad(vm, head, 0, "indirect");
			return;
		}
		if (!in_ram(vm, desc[n].addr, desc[n].len)) {
			answer_bad(vm, head, 0, "buffer-range");
			return;
		}
		if (!(desc[n].flags & VIRTQ_DESC_F_NEXT))
			break;
		i = desc[n++].next;
		if (i >= d->queue_num) {
			answer_bad(vm, head, 0, "next-range");
			return;
		}
	}
	n++;
	const struct virtq_desc *status = &desc[n - 1];

	if (n < 2 || !(status->flags & VIRTQ_DESC_F_WRITE)) {
		answer_bad(vm, head, 0, "status");	/* no place to say anything */
		return;
	}
	if ((desc[0].flags & VIRTQ_DESC_F_WRITE) || desc[0].len < sizeof(struct virtio_blk_req_hdr)) {
		answer_bad(vm, head, status->addr, "header");
		return;
	}
	/* No more in flight than the queue has entries: one VM cannot take the
	 * scheduler's every request (the pool holds a full queue for each VM). */
	if (d->in_flight >= d->queue_num) {
		answer_bad(vm, head, status->addr, "queue-full");
		return;
	}
	struct blk_request *r = iosched_alloc();
	struct virtio_blk_req_hdr hdr;

	if (!r || vm_read(vm, desc[0].addr, &hdr, sizeof(hdr))) {
		answer_bad(vm, head, status->addr, r ? "header" : "queue-full");
		if (r)
			iosched_free(r);
		return;
	}
	memset(r, 0, sizeof(*r));
	r->queued = 1;
	r->vm = vm;
	r->vm_id = vm->id;
	r->head = head;
	r->type = hdr.type;
	r->ioprio = hdr.ioprio;
	r->sector = hdr.sector;
	r->status_ipa = status->addr;
	r->nsegs = n - 2;
	for (unsigned int s = 0; s < r->nsegs; s++) {
		const struct virtq_desc *seg = &desc[1 + s];
		int device_writes = (seg->flags & VIRTQ_DESC_F_WRITE) != 0;
		uint32_t base = hdr.type & ~VIRTIO_BLK_T_BARRIER;

		/* IN and GET_ID write into the guest, OUT reads from it. */
		if ((base == VIRTIO_BLK_T_OUT && device_writes) ||
		    ((base == VIRTIO_BLK_T_IN || base == VIRTIO_BLK_T_GET_ID) && !device_writes))
			r->status = VIRTIO_BLK_S_IOERR;	/* answered as IOERR when dispatched */
		r->seg_ipa[s] = seg->addr;
		r->seg_len[s] = seg->len;
		r->len += seg->len;
	}
	d->in_flight++;
	iosched_submit(r);
}

static void notify(struct vm *vm)
{
	struct vblk *d = &vm->blk;
	uint16_t avail_idx;

	if (!d->queue_ready || !(d->status & VIRTIO_STATUS_DRIVER_OK))
		return;
	if (vm_read(vm, d->avail + 2, &avail_idx, 2))
		return;
	uint16_t ahead = avail_idx - d->last_avail;

	if (ahead > d->queue_num) {	/* the guest claims more than the ring holds */
		zvm_trace("blk-bad", "vm=0x%x head=0x0 reason=avail-idx", vm->id);
		ahead = d->queue_num;
	}
	while (ahead--) {
		uint16_t head;

		if (vm_read(vm, d->avail + 4 + 2UL * (d->last_avail % d->queue_num), &head, 2))
			return;
		d->last_avail++;
		take_chain(vm, head);
	}
}

static uint64_t *addr_half(struct vblk *d, uint64_t offset, uint32_t *shift)
{
	*shift = (offset & 4) ? 32 : 0;
	switch (offset & ~4UL) {
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		return &d->desc;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		return &d->avail;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		return &d->used;
	default:
		return 0;
	}
}

uint64_t vblk_mmio(struct vm *vm, uint64_t offset, int is_write, uint64_t value)
{
	struct vblk *d = &vm->blk;
	uint32_t shift;
	uint64_t *half = addr_half(d, offset, &shift);

	if (!is_write) {
		switch (offset) {
		case VIRTIO_MMIO_MAGIC:
			return VIRTIO_MAGIC;
		case VIRTIO_MMIO_VERSION:
			return 2;
		case VIRTIO_MMIO_DEVICE_ID:
			return VIRTIO_ID_BLOCK;
		case VIRTIO_MMIO_VENDOR_ID:
			return VENDOR_ZVM;
		case VIRTIO_MMIO_DEVICE_FEATURES:
			return device_features(d->device_features_sel);
		case VIRTIO_MMIO_QUEUE_NUM_MAX:
			return BLK_QUEUE_MAX;
		case VIRTIO_MMIO_QUEUE_READY:
			return d->queue_ready;
		case VIRTIO_MMIO_INTERRUPT_STATUS:
			return d->interrupt_status;
		case VIRTIO_MMIO_STATUS:
			return d->status;
		case VIRTIO_MMIO_CONFIG:
			return (uint32_t)d->disk_sectors;	/* capacity, in sectors */
		case VIRTIO_MMIO_CONFIG + 4:
			return (uint32_t)(d->disk_sectors >> 32);
		case VIRTIO_MMIO_CONFIG + 8:
			return SIZE_MAX_BYTES;
		case VIRTIO_MMIO_CONFIG + 12:
			return SEG_MAX;
		default:
			return half ? (uint32_t)(*half >> shift) : 0;
		}
	}
	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		d->device_features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		d->driver_features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (d->driver_features_sel < 2) {
			uint32_t s = 32 * d->driver_features_sel;

			d->driver_features = (d->driver_features & ~(0xffffffffUL << s)) |
					     ((uint64_t)(uint32_t)value << s);
		}
		break;
	case VIRTIO_MMIO_QUEUE_NUM:	/* a power of two up to the maximum */
		if (value && value <= BLK_QUEUE_MAX && !(value & (value - 1)))
			d->queue_num = value;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		d->queue_ready = (value & 1) && d->queue_num;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (value == 0)
			notify(vm);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		d->interrupt_status &= ~value;
		break;
	case VIRTIO_MMIO_STATUS:
		if (value == 0) {
			reset(vm);
			break;
		}
		/* FEATURES_OK only for a feature set we offered, with VERSION_1. */
		if ((value & VIRTIO_STATUS_FEATURES_OK) &&
		    ((d->driver_features & ~(device_features(0) | (uint64_t)device_features(1) << 32)) ||
		     !(d->driver_features & (1UL << VIRTIO_F_VERSION_1))))
			value &= ~VIRTIO_STATUS_FEATURES_OK;
		d->status = value;
		break;
	default:
		if (half && !d->queue_ready)
			*half = (*half & ~(0xffffffffUL << shift)) | ((uint64_t)(uint32_t)value << shift);
	}
	return 0;
}

static int copy_segments(struct blk_request *r, int to_guest, uint32_t len)
{
	uint32_t done = 0;

	for (uint32_t s = 0; s < r->nsegs && done < len; s++) {
		uint32_t chunk = r->seg_len[s] < len - done ? r->seg_len[s] : len - done;
		int bad = to_guest ? vm_write(r->vm, r->seg_ipa[s], bounce + done, chunk)
				   : vm_read(r->vm, r->seg_ipa[s], bounce + done, chunk);

		if (bad)
			return -1;
		done += chunk;
	}
	return 0;
}

static uint8_t read_write(struct blk_request *r, int write)
{
	const struct vblk *d = &r->vm->blk;
	uint64_t count = r->len / VIRTIO_BLK_SECTOR_SIZE;

	if (!r->len || r->len % VIRTIO_BLK_SECTOR_SIZE || r->len > sizeof(bounce) ||
	    r->sector > d->disk_sectors || count > d->disk_sectors - r->sector)
		return VIRTIO_BLK_S_IOERR;
	if (write && copy_segments(r, 0, r->len))
		return VIRTIO_BLK_S_IOERR;
	uint8_t status = hostblk_rw(write, d->disk_base + r->sector, bounce, r->len);

	if (status == VIRTIO_BLK_S_OK && !write) {
		if (copy_segments(r, 1, r->len))
			return VIRTIO_BLK_S_IOERR;
		r->written = r->len;
	}
	return status;
}

/* The device id: "zvm-hil:<vm name>", zero-padded to 20 bytes. */
static uint8_t get_id(struct blk_request *r)
{
	uint32_t len = r->len < VIRTIO_BLK_ID_BYTES ? r->len : VIRTIO_BLK_ID_BYTES;

	memset(bounce, 0, VIRTIO_BLK_ID_BYTES);
	memcpy(bounce, "zvm-hil:", 8);
	strncpy((char *)bounce + 8, r->vm->name, VIRTIO_BLK_ID_BYTES - 8);
	if (copy_segments(r, 1, len))
		return VIRTIO_BLK_S_IOERR;
	r->written = len;
	return VIRTIO_BLK_S_OK;
}

/* For the scheduler: performs `r` (on the host disk, or answered here). */
static void execute(struct blk_request *r)
{
	if (r->status == VIRTIO_BLK_S_IOERR)	/* buffers going the wrong way */
		return;
	switch (r->type & ~VIRTIO_BLK_T_BARRIER) {
	case VIRTIO_BLK_T_IN:
		r->status = read_write(r, 0);
		break;
	case VIRTIO_BLK_T_OUT:
		r->status = read_write(r, 1);
		break;
	case VIRTIO_BLK_T_FLUSH:
		r->status = hostblk_flush();
		break;
	case VIRTIO_BLK_T_GET_ID:
		r->status = get_id(r);
		break;
	default:	/* SCSI_CMD and anything unknown */
		r->status = VIRTIO_BLK_S_UNSUPP;
	}
}

/* Status byte, used ring, virtual interrupt. */
static void complete(struct blk_request *r)
{
	struct vm *vm = r->vm;
	struct vblk *d = &vm->blk;
	struct virtq_used_elem elem = { r->head, 0 };

	if (r->queued)
		d->in_flight--;
	if (r->status_ipa && vm_write(vm, r->status_ipa, &r->status, 1) == 0)
		elem.len = r->written + 1;
	if (d->queue_num &&
	    vm_write(vm, d->used + 4 + 8UL * (d->used_idx % d->queue_num), &elem, sizeof(elem)) == 0) {
		d->used_idx++;
		__asm__ volatile("dmb ish" ::: "memory");	/* the element before the index */
		vm_write(vm, d->used + 2, &d->used_idx, 2);
	}
	d->interrupt_status |= VIRTIO_INT_USED_RING;
	vm_raise_spi(vm, VIRTIO_BLK_INTID);
}

int vblk_init(int under_counted_time)
{
	if (hostblk_init(under_counted_time))
		return -1;
	iosched_register(execute, complete);
	return 0;
}
