/* The hypervisor's lock: a CPU holds it from a trap's entry until it
 * returns to a guest, and while it starts its scheduler or looks for what
 * to run, so that the hypervisor's code runs on one CPU at a time while the
 * guests run on all of them. An idle CPU sleeps without it. */
#ifndef ZVM_HYP_LOCK_H
#define ZVM_HYP_LOCK_H

#include "spinlock.h"

extern spinlock_t hyp_lock;

/* Takes it, first parking while another CPU has paused the others
 * (cpu_pause.h): every CPU but the pausing one takes it so. */
void hyp_lock_take(void);

#endif
