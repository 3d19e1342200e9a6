/* Locks that know their owner, so that code which must run under one can
 * say so (lock_assert_held) and a path that forgot it stops at once with
 * @zvm panic reason=lock-not-held, whatever the interleaving. */
#ifndef ZVM_LOCKS_H
#define ZVM_LOCKS_H

#include "spinlock.h"

struct lock {
	spinlock_t s;
	volatile int owner;	/* the holding CPU's index, or -1 */
	const char *name;
};

#define LOCK_INIT(lock_name)	{ { 0 }, -1, lock_name }

void lock_take(struct lock *l);
void lock_give(struct lock *l);
void lock_assert_held(const struct lock *l);

/* The memory lock: the heap, the stage-2 table pool and every VM's stage-2
 * tables, block lists and swap, the zpool, and the VMs' run states. A CPU
 * takes it without the hypervisor's lock (hyp_lock.h) for a stage-2 fault
 * of its VM in RAM (traps.c), so that two VMs' faults, and the rest of the
 * hypervisor, run side by side; otherwise after the hypervisor's lock,
 * never before it. Memory's trace lines are written under it, so that
 * their order is the heap's. */
extern struct lock mem_lock;

#endif
