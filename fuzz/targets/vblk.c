/* The virtio-blk back-end (hypervisor/vblk.c) with the real I/O scheduler
 * (iosched.c), driven as hostile guests drive it: two VMs, each with its
 * RAM (fuzz/host/vm_mem_fake.c: guard pages around it) and its range of an
 * in-memory host disk (hostblk_fake.c). Each input is a list of
 * operations, one byte (the op, the VM in bit 7) then its arguments
 * (fuzz/oracles/vblk.py decodes the same bytes): register reads and
 * writes, bytes, descriptors and avail entries written into the guest's
 * RAM, the driver's whole set-up, notifies, rounds, ticks, and VM exits
 * (the VM made anew in its place).
 *
 * Beyond no crash and no sanitizer report (and no access outside a VM's
 * RAM or disk range): every request the back-end submits is executed and
 * completed exactly once (all of them by a round), with status 0, 1 or 2,
 * unless its VM exits or resets its device first, after which it is never
 * executed nor completed (virtio 1.1, 2.4.1: no access to the queues after
 * a reset); the back-end's in_flight counts exactly its VM's submitted
 * requests; the used index moves only by one, at a completion, and the
 * guest sees it; the scheduler's pool is whole after every input. The
 * oracle compares every trace line, register read, write into a guest,
 * disk access and interrupt with the Python models'. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "blk_request.h"
#include "description.h"
#include "hostblk_fake.h"
#include "iosched.h"
#include "iosched_pool.h"
#include "record.h"
#include "vblk.h"
#include "virtio.h"
#include "vm.h"
#include "vm_irq_fake.h"
#include "vm_mem_fake.h"

#define NVMS		2
#define POOL		IOSCHED_POOL
#define RAM_BASE	0x40000000UL
#define OPS		10

/* The second VM's RAM is large enough for a chain's eight buffers to add
 * up to more than 4 GiB (mapped lazily: only what is written costs). */
static const uint64_t ram_size[NVMS] = { 0x10000, 0x20010000 };
static const uint64_t disk_base[NVMS] = { 0, 160 }, disk_sectors[NVMS] = { 160, 96 };
static const char *const names[NVMS] = { "vm-a", "the-second-vm" };

static struct vm vms[NVMS];
static struct vm_config cfgs[NVMS];
static unsigned int next_id, epoch[NVMS];	/* epoch: the device's resets and exits */
static uint16_t used_seen[NVMS];

/* Requests in the scheduler, as submitted. */
static struct taken {
	struct blk_request *r;
	int slot;
	unsigned int epoch;
} taken[POOL];
static int ntaken;

static void (*real_execute)(struct blk_request *r);
static void (*real_complete)(struct blk_request *r);
void __real_iosched_register(void (*execute)(struct blk_request *r),
			     void (*complete)(struct blk_request *r));
void __real_iosched_submit(struct blk_request *r);

static int slot_of(const struct vm *vm)
{
	assert(vm == &vms[0] || vm == &vms[1]);
	return vm == &vms[1];
}

static int find(const struct blk_request *r)
{
	for (int i = 0; i < ntaken; i++)
		if (taken[i].r == r)
			return i;
	return -1;
}

static int taken_of(int slot)
{
	int n = 0;

	for (int i = 0; i < ntaken; i++)
		n += taken[i].slot == slot;
	return n;
}

/* Drops `slot`'s requests from before its last reset or exit: the
 * scheduler must have let go of them. */
static void forget_taken(int slot)
{
	for (int i = 0; i < ntaken;)
		if (taken[i].slot == slot)
			taken[i] = taken[--ntaken];
		else
			i++;
}

void __wrap_iosched_submit(struct blk_request *r)
{
	int slot = slot_of(r->vm);

	assert(find(r) < 0 && ntaken < POOL);
	taken[ntaken++] = (struct taken){ r, slot, epoch[slot] };
	__real_iosched_submit(r);
}

static void check_execute(struct blk_request *r)
{
	int i = find(r), slot = slot_of(r->vm);

	assert(i >= 0 && taken[i].epoch == epoch[slot]);
	hostblk_fake_count = 0;
	real_execute(r);
	assert(r->status <= VIRTIO_BLK_S_UNSUPP && r->written <= r->len);
	/* The disk it touched is its VM's. */
	assert(!hostblk_fake_count || (hostblk_fake_sector >= disk_base[slot] &&
	       hostblk_fake_sector + hostblk_fake_count <= disk_base[slot] + disk_sectors[slot]));
}

static void check_complete(struct blk_request *r)
{
	int i = find(r), slot = slot_of(r->vm);

	assert(i >= 0 && taken[i].epoch == epoch[slot]);	/* once, and not after a reset */
	taken[i] = taken[--ntaken];
	real_complete(r);
}

void __wrap_iosched_register(void (*execute)(struct blk_request *r),
			     void (*complete)(struct blk_request *r))
{
	real_execute = execute;
	real_complete = complete;
	__real_iosched_register(check_execute, check_complete);
}

/* The end of every completion: the used index moved by one at most, and
 * the guest sees where it is. */
static void raised(struct vm *vm, unsigned int intid)
{
	int slot = slot_of(vm);
	const struct vblk *d = &vm->blk;
	const uint8_t *idx = vm_mem_fake_at(vm, d->used + 2, 2);

	assert(intid == VIRTIO_BLK_INTID && (d->interrupt_status & VIRTIO_INT_USED_RING));
	assert(d->used_idx == used_seen[slot] || d->used_idx == (uint16_t)(used_seen[slot] + 1));
	if (d->used_idx != used_seen[slot] && idx)
		assert((idx[0] | idx[1] << 8) == d->used_idx);
	used_seen[slot] = d->used_idx;
}

static void vm_start(int slot)
{
	struct vm *vm = &vms[slot];

	vm->id = next_id++;
	strcpy(vm->name, names[slot]);
	cfgs[slot].ipa_base = RAM_BASE;
	cfgs[slot].mem_size = ram_size[slot];
	cfgs[slot].disk_base = disk_base[slot];
	cfgs[slot].disk_sectors = disk_sectors[slot];
	vm->cfg = &cfgs[slot];
	vm_mem_fake_map(vm, RAM_BASE, ram_size[slot]);
	memset(&vm->blk, 0, sizeof(vm->blk));
	vm->blk.disk_base = disk_base[slot];
	vm->blk.disk_sectors = disk_sectors[slot];
	used_seen[slot] = 0;
}

/* vm_exit: the scheduler drops its requests, its memory goes; a new VM
 * takes its place. */
static void vm_restart(int slot)
{
	iosched_forget(&vms[slot]);
	epoch[slot]++;
	forget_taken(slot);
	vm_start(slot);
}

static uint64_t mmio(int slot, uint32_t offset, int is_write, uint32_t value)
{
	uint64_t result = vblk_mmio(&vms[slot], offset, is_write, value);

	if (!is_write) {
		record("rd vm=0x%x off=0x%x val=0x%lx", vms[slot].id, offset, result);
	} else if (offset == VIRTIO_MMIO_STATUS && value == 0) {	/* a device reset */
		epoch[slot]++;
		forget_taken(slot);
		used_seen[slot] = 0;
	}
	return result;
}

static uint32_t le(const uint8_t *p, int n)
{
	uint32_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* What the guest writes into its RAM; nothing where it has none. */
static void poke(int slot, uint64_t ipa, const void *bytes, uint64_t len)
{
	uint8_t *at = vm_mem_fake_at(&vms[slot], ipa, len);

	if (at)
		memcpy(at, bytes, len);
}

/* A descriptor at `index` of the table the device was told: arguments
 * addr (2 bytes: an offset into RAM, from its end with bit 7 of flags),
 * len (4), flags (1: its low 7 bits the descriptor's), next (1). */
static void descriptor(int slot, uint8_t index, const uint8_t *a)
{
	uint64_t offset = le(a, 2);
	struct virtq_desc desc = {
		.addr = a[6] & 0x80 ? RAM_BASE + ram_size[slot] - offset : RAM_BASE + offset,
		.len = le(a + 2, 4), .flags = a[6] & 0x7f, .next = a[7],
	};

	poke(slot, vms[slot].blk.desc + 16UL * index, &desc, sizeof(desc));
}

/* The next avail entry: `head`, then the index moved on. */
static void avail(int slot, uint8_t head)
{
	const struct vblk *d = &vms[slot].blk;
	const uint8_t *at = vm_mem_fake_at(&vms[slot], d->avail + 2, 2);
	uint16_t idx, h = head;

	if (!at || !d->queue_num)
		return;
	idx = (uint16_t)(at[0] | at[1] << 8);
	poke(slot, d->avail + 4 + 2UL * (idx % d->queue_num), &h, 2);
	idx++;
	poke(slot, d->avail + 2, &idx, 2);
}

/* A driver's whole set-up (virtio 1.1, 3.1.1), `how`: the queue size
 * (1 << bits 0-2), FLUSH asked for (bit 3), the used ring at the end of
 * RAM (bit 4), DRIVER_OK left out (bit 5). */
static void setup(int slot, uint8_t how)
{
	uint64_t used = how & 0x10 ? RAM_BASE + ram_size[slot] - 0x100 : RAM_BASE + 0x1000;

	mmio(slot, VIRTIO_MMIO_STATUS, 1, 0);
	mmio(slot, VIRTIO_MMIO_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	mmio(slot, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1, 0);
	mmio(slot, VIRTIO_MMIO_DRIVER_FEATURES, 1, how & 8 ? 1u << VIRTIO_BLK_F_FLUSH : 0);
	mmio(slot, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1, 1);
	mmio(slot, VIRTIO_MMIO_DRIVER_FEATURES, 1, 1);	/* VERSION_1 */
	mmio(slot, VIRTIO_MMIO_STATUS, 1, 0xb);
	mmio(slot, VIRTIO_MMIO_QUEUE_NUM, 1, 1u << (how & 7));
	mmio(slot, VIRTIO_MMIO_QUEUE_DESC_LOW, 1, (uint32_t)RAM_BASE);
	mmio(slot, VIRTIO_MMIO_QUEUE_DESC_HIGH, 1, 0);
	mmio(slot, VIRTIO_MMIO_QUEUE_AVAIL_LOW, 1, (uint32_t)RAM_BASE + 0x800);
	mmio(slot, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 1, 0);
	mmio(slot, VIRTIO_MMIO_QUEUE_USED_LOW, 1, (uint32_t)used);
	mmio(slot, VIRTIO_MMIO_QUEUE_USED_HIGH, 1, (uint32_t)(used >> 32));
	mmio(slot, VIRTIO_MMIO_QUEUE_READY, 1, 1);
	if (!(how & 0x20))
		mmio(slot, VIRTIO_MMIO_STATUS, 1, 0xf);
}

/* After every operation: the back-end's counts agree with the target's. */
static void check_vms(void)
{
	for (int slot = 0; slot < NVMS; slot++) {
		const struct vblk *d = &vms[slot].blk;

		assert(d->used_idx == used_seen[slot]);
		assert(d->in_flight == (uint32_t)taken_of(slot) && d->in_flight <= BLK_QUEUE_MAX);
	}
}

/* Between inputs: the VMs gone, the pool checked whole. */
static void reset_all(void)
{
	for (int slot = 0; slot < NVMS; slot++)
		iosched_forget(&vms[slot]);
	ntaken = 0;
	assert_iosched_pool_whole();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready, recording;
	/* Each op's argument bytes. */
	static const uint8_t args[OPS] = { 5, 1, 3, 9, 1, 0, 0, 0, 1, 0 };

	if (!ready) {
		assert(vblk_init(0) == 0);
		vm_irq_fake_hook = raised;
		recording = getenv("ZVM_FUZZ_RECORD") != NULL;
		ready = 1;
	}
	record_input(data, size);
	hostblk_fake_reset();
	next_id = 0;
	for (int slot = 0; slot < NVMS; slot++)
		vm_start(slot);
	for (size_t i = 0; i < size;) {
		int op = (data[i] & 0x7f) % OPS, slot = data[i] >> 7;
		const uint8_t *a = data + i + 1;

		if (i + 1 + args[op] > size)
			break;
		i += 1 + args[op];
		switch (op) {
		case 0:	/* a register write, as traps.c passes it: aligned 32 bits */
			mmio(slot, a[0] * 4u, 1, le(a + 1, 4));
			break;
		case 1:
			mmio(slot, a[0] * 4u, 0, 0);
			break;
		case 2:	/* bytes at an offset into RAM: a[2] of them, what follows */
			if (i + a[2] > size)
				i = size;
			else
				poke(slot, RAM_BASE + le(a, 2), data + i, a[2]);
			i += a[2];
			break;
		case 3:
			descriptor(slot, a[0], a + 1);
			break;
		case 4:
			avail(slot, a[0]);
			break;
		case 5:
			mmio(slot, VIRTIO_MMIO_QUEUE_NOTIFY, 1, 0);
			break;
		case 6:
			iosched_round();
			assert(ntaken == 0);	/* nothing held: everything went */
			break;
		case 7:
			iosched_tick();
			break;
		case 8:
			setup(slot, a[0]);
			break;
		default:
			vm_restart(slot);
		}
		check_vms();
	}
	if (recording)
		record("disk crc=0x%08lx", crc32(0, hostblk_fake_disk, sizeof(hostblk_fake_disk)));
	reset_all();
	return 0;
}
