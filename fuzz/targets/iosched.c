/* The host I/O scheduler (hypervisor/iosched.c) through its API, driven as
 * the back-end, the VM scheduler and the shell drive it: arbitrary
 * sequences of submissions (any VM, type, barrier flag and ioprio), timer
 * ticks, rounds, VMs forgotten (exited) and held (paused) and let go.
 * Each input is a list of operations, two bytes each, then the op's
 * arguments (fuzz/oracles/iosched.py decodes the same bytes).
 *
 * Beyond no crash and no sanitizer report: every request is completed at
 * most once, never while its VM is held, and each is either completed or
 * dropped when its VM is forgotten; the pool is whole again after every
 * input. The oracle compares the recorded trace with the Python model's. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "blk_request.h"
#include "description.h"
#include "iosched.h"
#include "iosched_pool.h"
#include "record.h"
#include "virtio.h"

static char vm_objects[MAX_VMS];	/* iosched only compares VM pointers */
static int queued[MAX_VMS], held[MAX_VMS];
static const uint32_t types[] = { VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH,
				  VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_SCSI_CMD };

static struct vm *vm_of(int i)
{
	return (struct vm *)&vm_objects[i];
}

static void execute(struct blk_request *r)
{
	assert(!held[r->vm_id]);
	r->status = (uint8_t)(r->sector % 3);	/* the oracle knows this rule */
}

static void complete(struct blk_request *r)
{
	assert(r->vm == vm_of(r->vm_id) && queued[r->vm_id] > 0);
	assert(r->len == 0xdead);		/* not completed before: cleared below */
	r->len = 0;
	queued[r->vm_id]--;
}

static void submit(int vm, uint8_t kind, uint8_t ioprio)
{
	struct blk_request *r;

	if (queued[vm] >= BLK_QUEUE_MAX)	/* the back-end keeps each VM within */
		return;
	r = iosched_alloc();
	assert(r);				/* a place for every VM's queue */
	memset(r, 0, sizeof(*r));
	r->vm = vm_of(vm);
	r->vm_id = (uint16_t)vm;
	r->type = types[kind % 5] | (kind & 0x80 ? VIRTIO_BLK_T_BARRIER : 0);
	r->ioprio = ioprio;
	r->sector = kind >> 3;
	r->len = 0xdead;
	queued[vm]++;
	iosched_submit(r);
}

/* Between inputs: every VM forgotten and let go, the pool checked whole. */
static void reset(void)
{
	for (int vm = 0; vm < MAX_VMS; vm++) {
		if (held[vm])
			iosched_hold(vm_of(vm), 0);
		iosched_forget(vm_of(vm));
		held[vm] = queued[vm] = 0;
	}
	assert_iosched_pool_whole();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int registered;

	if (!registered) {
		iosched_register(execute, complete);
		registered = 1;
	}
	record_input(data, size);
	for (size_t i = 0; i + 2 <= size; i += 2) {
		int op = data[i] % 6, vm = data[i + 1] % MAX_VMS;

		switch (op) {
		case 0:
			if (i + 4 > size)
				break;
			submit(vm, data[i + 2], data[i + 3]);
			i += 2;
			break;
		case 1:
			iosched_tick();
			break;
		case 2:
			iosched_round();
			break;
		case 3:
			if (!held[vm]) {	/* the shell lets a paused VM go before deleting it */
				iosched_forget(vm_of(vm));
				queued[vm] = 0;
			}
			break;
		case 4:	/* the shell holds a running VM once, lets a paused one go once */
			iosched_hold(vm_of(vm), held[vm] = !held[vm]);
			break;
		default:
			record("pending %d", iosched_pending());
		}
	}
	reset();
	return 0;
}
