/* The host I/O scheduler: virtio-blk requests of every VM queue here.
 *
 * A round dispatches everything queued, one request at a time: the most
 * urgent eligible one first (a larger ioprio is more urgent; FIFO within a
 * priority), where a request is eligible unless an earlier request of the
 * same VM carrying the barrier flag is still queued, and a barrier request
 * only once every earlier request of its VM has gone. Rounds run when no VM
 * can run (all wait for I/O or have exited), or at a timer tick once the
 * oldest queued request not held has waited IOSCHED_MAX_WAIT_TICKS ticks
 * since its submission. See
 * docs/virtio-blk.md; harness/models/virtio_blk.py mirrors it. */
#ifndef ZVM_IOSCHED_H
#define ZVM_IOSCHED_H

#include "blk_request.h"

#define IOSCHED_MAX_WAIT_TICKS	10

/* The client's side of a dispatch (the back-end's, vblk.c): `execute`
 * performs the request and sets its status, `complete` hands it back to
 * its VM. Registered once, before the first request. */
void iosched_register(void (*execute)(struct blk_request *r),
		      void (*complete)(struct blk_request *r));
struct blk_request *iosched_alloc(void);
void iosched_free(struct blk_request *r);
/* The one API from the back-end: queues `r` (reports @zvm blk-req). */
void iosched_submit(struct blk_request *r);
int iosched_pending(void);
/* A timer tick: a round if the oldest request waited long enough. */
void iosched_tick(void);
/* Dispatches everything queued (reports @zvm blk-round, blk-dispatch, blk-done). */
void iosched_round(void);
/* Drops `vm`'s queued requests (the VM exited). */
void iosched_forget(struct vm *vm);
/* While `vm` is held (paused), its requests stay queued, not dispatched. */
void iosched_hold(const struct vm *vm, int on);

#endif
