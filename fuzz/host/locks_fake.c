/* hypervisor/locks.c on the host: one thread, so a lock is only its owner,
 * kept to check what the firmware promises (lock_assert_held where it
 * touches what the memory lock guards, no lock taken twice). A broken
 * promise aborts: the fuzzer's finding. */
#include <assert.h>

#include "locks.h"

struct lock mem_lock = LOCK_INIT("memory");

void lock_take(struct lock *l)
{
	assert(l->owner == -1);
	l->owner = 0;
}

void lock_give(struct lock *l)
{
	assert(l->owner == 0);
	l->owner = -1;
}

void lock_assert_held(const struct lock *l)
{
	assert(l->owner == 0);
}
