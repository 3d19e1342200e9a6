/* hostile: one attack on the hypervisor, picked by zvm,attack (the codes of
 * harness/guests/hostile.py, which documents each and predicts its outcome).
 * It reports what it did and what it saw; the VMs next to it must not notice.
 *
 * zvm,attack: the attack. zvm,target: the address it aims at. zvm,wait: how
 * many times to wait (WFI) first, so that the other VMs have filled their
 * memory. zvm,count: repetitions (notify storm, blocks touched). */
#include <string.h>

#include "guest.h"
#include "memory_map.h"
#include "virtio.h"
#include "virtio_blk.h"

enum attack {
	OOB_READ = 1, OOB_WRITE, OTHER_VM, HEAP_GUESS, HYPERVISOR_IMAGE, UNMAPPED_MMIO,
	UART_MISALIGNED, UART_PAIR, UART_EXCLUSIVE,
	VIRTIO_MISALIGNED, VIRTIO_BYTE, VIRTIO_WIDE, VIRTIO_PAIR, VIRTIO_EXCLUSIVE,
	DESC_OUTSIDE_RAM, DESC_AT_HYPERVISOR, DESC_AT_OTHER_VM, DESC_LOOP,
	HEADER_WRITABLE, HEADER_SHORT, STATUS_READABLE, STATUS_MISSING,
	IN_READONLY, SECTOR_OUT_OF_RANGE, SECTOR_OVERFLOW,
	AVAIL_IDX_BEYOND, HEAD_RANGE, NEXT_RANGE, INDIRECT, RING_RANGE, NOTIFY_STORM,
	RELEASE_NOT_OWNED, UNKNOWN_HVC, ZPOOL_FULL, UART_WIDE,
};

#define HVC_BOGUS	0xc600ffffUL
#define BUF_FILL	0xa5

/* The one request's parts, in the guest's own RAM. */
static struct virtio_blk_req_hdr header;
static uint8_t status;
static uint8_t buffer[4096] __attribute__((aligned(4096)));

static void survived(uint64_t value)
{
	guest_printf("@guest hostile-survived value=0x%lx\n", value);
}

/* Loads and stores the syndrome may not describe: pairs and exclusives. */
static uint64_t load_pair(uint64_t addr)
{
	uint64_t a, b;

	__asm__ volatile("ldp %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"(addr) : "memory");
	return a ^ b;
}

static uint64_t load_exclusive(uint64_t addr)
{
	uint32_t v;

	__asm__ volatile("ldxr %w0, [%1]; clrex" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static uint64_t memory_attack(enum attack a, uint64_t target)
{
	switch (a) {
	case OOB_READ:
		return *(volatile uint32_t *)target;
	case UART_MISALIGNED:
		*(volatile uint32_t *)(VUART_IPA + 1) = 0x41414141;
		return 0;
	case UART_PAIR:
		__asm__ volatile("stp %0, %0, [%1]" : : "r"(0x4242424242424242UL), "r"(VUART_IPA) : "memory");
		return 0;
	case UART_EXCLUSIVE:
		return load_exclusive(VUART_IPA);
	case UART_WIDE:		/* a newline in the low byte: the line stays the guest's own */
		*(volatile uint64_t *)VUART_IPA = 0x414141414141410aUL;
		return 0;
	case VIRTIO_MISALIGNED:
		return *(volatile uint32_t *)(VBLK_IPA + 2);
	case VIRTIO_BYTE:
		return *(volatile uint8_t *)VBLK_IPA;
	case VIRTIO_WIDE:
		return *(volatile uint64_t *)VBLK_IPA;
	case VIRTIO_PAIR:
		return load_pair(VBLK_IPA);
	case VIRTIO_EXCLUSIVE:
		return load_exclusive(VBLK_IPA);
	default:	/* writes at an address: out of range, another VM, the heap, ... */
		*(volatile uint64_t *)target = 0x686f7374696c6521UL;
		return 0;
	}
}

/* Builds the chain the attack needs in descriptors 0.. and posts head 0. */
static void build_chain(enum attack a, uint64_t target, uint64_t disk_sectors)
{
	struct virtq_desc *d = vblk_desc_table();
	uint32_t type = VIRTIO_BLK_T_OUT;
	uint64_t sector = 0;
	uint64_t data = (uint64_t)buffer;

	switch (a) {
	case IN_READONLY:
		type = VIRTIO_BLK_T_IN;	/* into a buffer the device may only read */
		break;
	case SECTOR_OUT_OF_RANGE:	/* the last of its sectors one past the end */
		sector = disk_sectors - (sizeof(buffer) / VIRTIO_BLK_SECTOR_SIZE - 1);
		break;
	case SECTOR_OVERFLOW:
		sector = ~0UL;
		break;
	case DESC_OUTSIDE_RAM:
	case DESC_AT_HYPERVISOR:
	case DESC_AT_OTHER_VM:
		data = target;
		break;
	default:
		break;
	}
	header = (struct virtio_blk_req_hdr){ type, 0, sector };
	status = 0xff;
	d[0] = (struct virtq_desc){ (uint64_t)&header, sizeof(header), VIRTQ_DESC_F_NEXT, 1 };
	d[1] = (struct virtq_desc){ data, sizeof(buffer), VIRTQ_DESC_F_NEXT, 2 };
	d[2] = (struct virtq_desc){ (uint64_t)&status, 1, VIRTQ_DESC_F_WRITE, 0 };
	switch (a) {
	case DESC_LOOP:
		d[2].flags |= VIRTQ_DESC_F_NEXT;	/* 0 -> 1 -> 2 -> 0 -> ... */
		break;
	case HEADER_WRITABLE:
		d[0].flags |= VIRTQ_DESC_F_WRITE;
		break;
	case HEADER_SHORT:
		d[0].len = 8;
		break;
	case STATUS_READABLE:
		d[2].flags = 0;
		break;
	case STATUS_MISSING:
		d[1].flags = 0;	/* header and data, nothing after */
		break;
	case NEXT_RANGE:
		d[1].next = 0x4000;
		break;
	case INDIRECT:
		d[1].flags |= VIRTQ_DESC_F_INDIRECT;
		break;
	default:
		break;
	}
	vblk_post(a == HEAD_RANGE ? 0x4000 : 0);
}

/* One chain, one notify, the answer. */
static void chain_attack(enum attack a, uint64_t target, uint64_t disk_sectors)
{
	uint16_t before = vblk_used_idx();

	memset(buffer, BUF_FILL, sizeof(buffer));
	build_chain(a, target, disk_sectors);
	vblk_notify();
	vblk_wait_used(before + 1);
	struct virtq_used_elem e = vblk_used_elem(before);
	int intact = 1;

	for (unsigned int i = 0; i < sizeof(buffer); i++)
		intact &= buffer[i] == BUF_FILL;
	guest_printf("@guest hostile-chain used=0x%x len=0x%x status=0x%x intact=0x%x\n",
		     (uint16_t)(vblk_used_idx() - before), e.len, status, intact);
}

/* Requests the device answers UNSUPP at dispatch: cheap, and they occupy
 * the scheduler until a round runs. */
static void post_scsi(void)
{
	struct virtq_desc *d = vblk_desc_table();

	header = (struct virtio_blk_req_hdr){ VIRTIO_BLK_T_SCSI_CMD, 0, 0 };
	d[0] = (struct virtq_desc){ (uint64_t)&header, sizeof(header), VIRTQ_DESC_F_NEXT, 1 };
	d[1] = (struct virtq_desc){ (uint64_t)&status, 1, VIRTQ_DESC_F_WRITE, 0 };
}

/* Then waits until every chain the device took is back in the used ring. */
static void queue_attack(enum attack a, uint64_t count)
{
	uint16_t before = vblk_used_idx();

	post_scsi();
	if (a == AVAIL_IDX_BEYOND) {	/* claims more entries than the ring has */
		vblk_set_avail_idx(before + VBLK_QUEUE + 7);
		vblk_notify();
		count = VBLK_QUEUE;	/* what the device can take of it */
	} else {			/* the same chain posted and notified again and again */
		for (uint64_t i = 0; i < count; i++) {
			vblk_post(0);
			vblk_notify();
		}
	}
	vblk_wait_used(before + count);
	guest_printf("@guest hostile-queue used=0x%x\n", (uint16_t)(vblk_used_idx() - before));
}

/* Touches `count` blocks of `block` bytes after the image, each page filled
 * with its own IPA (compressible): swap pressure until the zpool is full. */
static void fill_blocks(uint64_t count, uint64_t block)
{
	uint64_t start = ((uint64_t)__image_end + block - 1) & ~(block - 1);

	for (uint64_t page = start; page < start + count * block; page += 4096)
		for (uint64_t *w = (uint64_t *)page; w < (uint64_t *)(page + 4096); w++)
			*w = page;
	guest_printf("@guest hostile-fill blocks=0x%lx\n", count);
}

int guest_main(const void *dtb)
{
	enum attack a = (enum attack)guest_param(dtb, "attack", 0);
	uint64_t target = guest_param(dtb, "target", 0);
	uint64_t waits = guest_param(dtb, "wait", 0);
	uint64_t count = guest_param(dtb, "count", 1);
	uint64_t block = guest_param(dtb, "block-size", 0x10000);
	guest_printf("@guest hostile-start attack=0x%x target=0x%lx\n", a, target);
	for (uint64_t i = 0; i < waits; i++)
		__asm__ volatile("wfi" ::: "memory");
	if (a >= DESC_OUTSIDE_RAM && a <= NOTIFY_STORM) {
		guest_irq_init();
		if (vblk_init_ring(VBLK_IPA, 0, a == RING_RANGE ? target : 0))
			return 0xbad;
	}
	switch (a) {
	case DESC_OUTSIDE_RAM ... SECTOR_OVERFLOW:
	case HEAD_RANGE ... RING_RANGE:
		chain_attack(a, target, vblk_capacity());
		break;
	case AVAIL_IDX_BEYOND:
	case NOTIFY_STORM:
		queue_attack(a, count);
		break;
	case RELEASE_NOT_OWNED:
		guest_printf("@guest hostile-hvc ret=0x%lx\n",
			     guest_hvc(ZVM_HVC_RELEASE, target, 0x10000));
		break;
	case UNKNOWN_HVC:
		guest_printf("@guest hostile-hvc ret=0x%lx\n", guest_hvc(HVC_BOGUS, target, 0));
		break;
	case ZPOOL_FULL:
		fill_blocks(count, block);
		break;
	case OOB_READ ... VIRTIO_EXCLUSIVE:
	case UART_WIDE:
		survived(memory_attack(a, target));
		break;
	default:
		return 0xbad;
	}
	return 0;
}
