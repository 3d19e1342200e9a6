#include <string.h>

#include "console.h"
#include "cpu_pause.h"
#include "gic.h"
#include "hostblk.h"
#include "memory_map.h"
#include "sysregs.h"
#include "virtio.h"

#define MMIO_SLOTS	32
#define MMIO_STRIDE	0x200
#define QUEUE_SIZE	8
#define TIMEOUT_S	5
#define FIRST_INTID	48	/* QEMU virt: transport n interrupts with SPI 16 + n */

static volatile uint8_t *dev;
static uint32_t intid;
static int counted_time;	/* wait asleep, the other CPUs paused (cpu_pause.h) */
static uint64_t sectors;
static int can_flush;

static struct {
	struct virtq_desc desc[QUEUE_SIZE];
	struct {
		uint16_t flags, idx, ring[QUEUE_SIZE], used_event;
	} avail;
	uint8_t pad[4096 - sizeof(struct virtq_desc) * QUEUE_SIZE - 2 * (QUEUE_SIZE + 3)];
	struct {
		uint16_t flags, idx;
		struct virtq_used_elem ring[QUEUE_SIZE];
		uint16_t avail_event;
	} used;
} ring __attribute__((aligned(4096)));

static struct virtio_blk_req_hdr hdr;
static volatile uint8_t status;
static uint16_t last_used;
static uint64_t waited;	/* ticks spent polling, not yet taken */

static uint32_t rd(unsigned int off)
{
	return *(volatile uint32_t *)(dev + off);
}

static void wr(unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(dev + off) = v;
}

int hostblk_init(int under_counted_time)
{
	counted_time = under_counted_time;
	for (int slot = 0; slot < MMIO_SLOTS && !dev; slot++) {
		volatile uint8_t *base = (volatile uint8_t *)(VIRTIO_MMIO_BASE + slot * MMIO_STRIDE);

		if (*(volatile uint32_t *)base == VIRTIO_MAGIC &&
		    *(volatile uint32_t *)(base + VIRTIO_MMIO_VERSION) == 2 &&
		    *(volatile uint32_t *)(base + VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_BLOCK) {
			dev = base;
			intid = FIRST_INTID + slot;
		}
	}
	if (!dev)
		return -1;
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	can_flush = (rd(VIRTIO_MMIO_DEVICE_FEATURES) >> VIRTIO_BLK_F_FLUSH) & 1;
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, can_flush << VIRTIO_BLK_F_FLUSH);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_FEATURES_OK);
	if (!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		goto failed;
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	if (rd(VIRTIO_MMIO_QUEUE_NUM_MAX) < QUEUE_SIZE)
		goto failed;
	wr(VIRTIO_MMIO_QUEUE_NUM, QUEUE_SIZE);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(uint64_t)ring.desc);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)((uint64_t)ring.desc >> 32));
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)(uint64_t)&ring.avail);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)((uint64_t)&ring.avail >> 32));
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)(uint64_t)&ring.used);
	wr(VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)((uint64_t)&ring.used >> 32));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	sectors = rd(VIRTIO_MMIO_CONFIG) | ((uint64_t)rd(VIRTIO_MMIO_CONFIG + 4) << 32);
	zvm_trace("hostblk", "mmio=0x%lx sectors=0x%lx flush=0x%x", (uint64_t)dev, sectors,
		  can_flush);
	return 0;
failed:
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
	dev = 0;
	return -1;
}

static int answered(void)
{
	return *(volatile uint16_t *)&ring.used.idx != last_used;
}

/* Polls the used ring for up to TIMEOUT_S: 1 when the request was answered. */
static int poll_answer(uint32_t type, uint64_t sector)
{
	uint64_t start = read_counter(), freq = READ_SYSREG(cntfrq_el0);

	/* YIELD: QEMU's single-threaded TCG leaves its CPU loop, so that its
	 * main loop (which completes the request) is not starved of its lock. */
	while (!answered()) {
		__asm__ volatile("yield");
		if (read_counter() - start > TIMEOUT_S * freq) {
			waited += read_counter() - start;
			zvm_trace("hostblk-timeout", "type=0x%x sector=0x%lx", type, sector);
			return 0;
		}
	}
	waited += read_counter() - start;
	return 1;
}

/* Posts header (+ data) + status and waits for the answer. Under counted
 * time the other CPUs are paused from before the request until its answer,
 * which this CPU sleeps for (no timeout: QEMU's clock stands still, and a
 * host that never answers is the harness's timeout). */
static uint8_t submit(uint32_t type, uint64_t sector, void *buf, uint32_t len, int device_writes)
{
	int n = 0, ok = 1;

	if (!dev)
		return VIRTIO_BLK_S_IOERR;
	if (counted_time)
		cpus_pause_others();
	hdr = (struct virtio_blk_req_hdr){ type, 0, sector };
	status = 0xff;
	ring.desc[n++] = (struct virtq_desc){ (uint64_t)&hdr, sizeof(hdr), VIRTQ_DESC_F_NEXT, 1 };
	if (len)
		ring.desc[n++] = (struct virtq_desc){ (uint64_t)buf, len, VIRTQ_DESC_F_NEXT |
						      (device_writes ? VIRTQ_DESC_F_WRITE : 0), 2 };
	ring.desc[n - 1].next = n;
	ring.desc[n++] = (struct virtq_desc){ (uint64_t)&status, 1, VIRTQ_DESC_F_WRITE, 0 };
	ring.avail.ring[ring.avail.idx % QUEUE_SIZE] = 0;
	__asm__ volatile("dsb sy" ::: "memory");
	ring.avail.idx++;
	__asm__ volatile("dsb sy" ::: "memory");
	if (counted_time)
		gic_spi_wake_here(intid);	/* before the answer can come */
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	if (counted_time)
		cpu_sleep_until(answered);
	else
		ok = poll_answer(type, sector);
	if (ok) {
		__asm__ volatile("dsb sy" ::: "memory");
		last_used++;
		wr(VIRTIO_MMIO_INTERRUPT_ACK, rd(VIRTIO_MMIO_INTERRUPT_STATUS));
	}
	if (counted_time)
		cpus_resume_others();
	return ok ? status : VIRTIO_BLK_S_IOERR;
}

uint64_t hostblk_take_waited(void)
{
	uint64_t ticks = waited;

	waited = 0;
	return ticks;
}

uint8_t hostblk_rw(int write, uint64_t sector, void *buf, uint32_t len)
{
	return submit(write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, sector, buf, len, !write);
}

uint8_t hostblk_flush(void)
{
	return can_flush ? submit(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0) : VIRTIO_BLK_S_OK;
}
