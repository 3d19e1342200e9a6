#include "console.h"
#include "locks.h"
#include "percpu.h"

void halt(void) __attribute__((noreturn));

struct lock mem_lock = LOCK_INIT("memory");

__attribute__((noreturn)) static void lock_panic(const char *reason, const struct lock *l)
{
	zvm_trace("panic", "reason=%s lock=%s", reason, l->name);
	halt();
}

void lock_take(struct lock *l)
{
	if (l->owner == (int)this_cpu())
		lock_panic("lock-taken-twice", l);
	spin_lock(&l->s);
	l->owner = (int)this_cpu();
}

void lock_give(struct lock *l)
{
	lock_assert_held(l);
	l->owner = -1;
	spin_unlock(&l->s);
}

void lock_assert_held(const struct lock *l)
{
	if (l->owner != (int)this_cpu())
		lock_panic("lock-not-held", l);
}
