#include <stddef.h>

#include "console.h"
#include "description.h"
#include "iosched.h"
#include "virtio.h"

#define POOL (MAX_VMS * BLK_QUEUE_MAX)

static struct blk_request pool[POOL];
static struct blk_request *free_list;
static int pool_ready;
static struct blk_request *queue;	/* submission order */
static uint32_t next_seq, rounds, ticks;
static void (*client_execute)(struct blk_request *r);
static void (*client_complete)(struct blk_request *r);
static const struct vm *held[MAX_VMS];	/* paused VMs: their requests wait */

void iosched_register(void (*execute)(struct blk_request *r),
		      void (*complete)(struct blk_request *r))
{
	client_execute = execute;
	client_complete = complete;
}

struct blk_request *iosched_alloc(void)
{
	if (!pool_ready) {
		for (int i = 0; i < POOL; i++) {
			pool[i].next = free_list;
			free_list = &pool[i];
		}
		pool_ready = 1;
	}
	struct blk_request *r = free_list;

	if (r)
		free_list = r->next;
	return r;
}

void iosched_free(struct blk_request *r)
{
	r->next = free_list;
	free_list = r;
}

void iosched_submit(struct blk_request *r)
{
	struct blk_request **tail = &queue;

	r->seq = next_seq++;
	r->since = ticks;
	r->next = NULL;
	while (*tail)
		tail = &(*tail)->next;
	*tail = r;
	zvm_trace("blk-req", "vm=0x%x seq=0x%x type=0x%x ioprio=0x%x sector=0x%lx len=0x%lx",
		  r->vm_id, r->seq, r->type, r->ioprio, r->sector, r->len);
}

static int is_held(const struct vm *vm)
{
	for (int i = 0; i < MAX_VMS; i++)
		if (held[i] == vm)
			return 1;
	return 0;
}

void iosched_hold(const struct vm *vm, int on)
{
	for (int i = 0; i < MAX_VMS; i++)
		if (on ? !held[i] : held[i] == vm) {
			held[i] = on ? vm : NULL;
			return;
		}
}

/* The oldest queued request not held, or NULL. */
static const struct blk_request *oldest_pending(void)
{
	for (const struct blk_request *r = queue; r; r = r->next)
		if (!is_held(r->vm))
			return r;
	return NULL;
}

int iosched_pending(void)
{
	return oldest_pending() != NULL;
}

static int is_barrier(const struct blk_request *r)
{
	return (r->type & VIRTIO_BLK_T_BARRIER) != 0;
}

/* Eligible: no earlier queued barrier of its VM; a barrier: nothing earlier of its VM. */
static int eligible(const struct blk_request *r)
{
	if (is_held(r->vm))
		return 0;
	for (const struct blk_request *e = queue; e != r; e = e->next)
		if (e->vm == r->vm && (is_barrier(e) || is_barrier(r)))
			return 0;
	return 1;
}

static struct blk_request *pick(void)
{
	struct blk_request *best = NULL;

	for (struct blk_request *r = queue; r; r = r->next)
		if (eligible(r) && (!best || r->ioprio > best->ioprio))
			best = r;	/* strictly greater: FIFO within a priority */
	return best;
}

static void unlink(struct blk_request *r)
{
	struct blk_request **p = &queue;

	while (*p != r)
		p = &(*p)->next;
	*p = r->next;
}

void iosched_round(void)
{
	struct blk_request *r;

	if (!iosched_pending())
		return;
	zvm_trace("blk-round", "n=0x%x", rounds++);
	while ((r = pick()) != NULL) {
		unlink(r);
		zvm_trace("blk-dispatch", "vm=0x%x seq=0x%x", r->vm_id, r->seq);
		client_execute(r);
		zvm_trace("blk-done", "vm=0x%x seq=0x%x status=0x%x", r->vm_id, r->seq, r->status);
		client_complete(r);
		iosched_free(r);
	}
}

void iosched_tick(void)
{
	const struct blk_request *oldest = oldest_pending();

	ticks++;
	if (oldest && ticks - oldest->since >= IOSCHED_MAX_WAIT_TICKS)
		iosched_round();
}

void iosched_forget(struct vm *vm)
{
	for (struct blk_request *r = queue, *next; r; r = next) {
		next = r->next;
		if (r->vm == vm) {
			unlink(r);
			iosched_free(r);
		}
	}
}
