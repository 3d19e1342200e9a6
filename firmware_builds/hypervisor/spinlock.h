/* Spinlocks between the physical CPUs: load-acquire exclusive and
 * store-release (ARMv8.0: no LSE atomics on the Cortex-A57). A waiter sleeps
 * in WFE; the store-release of the unlock clears its exclusive monitor,
 * which wakes it. */
#ifndef ZVM_SPINLOCK_H
#define ZVM_SPINLOCK_H

#include <stdint.h>

typedef struct {
	volatile uint32_t locked;
} spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
	uint32_t busy;

	/* WFE only when the lock is taken: QEMU's TCG leaves its CPU loop at
	 * every WFE, which an uncontended lock must not cost. */
	__asm__ volatile("	sevl\n"
			 "1:	wfe\n"
			 "2:	ldaxr	%w0, [%1]\n"
			 "	cbnz	%w0, 1b\n"
			 "	stxr	%w0, %w2, [%1]\n"
			 "	cbnz	%w0, 2b\n"
			 : "=&r"(busy) : "r"(&l->locked), "r"(1u) : "memory");
}

static inline void spin_unlock(spinlock_t *l)
{
	__asm__ volatile("stlr wzr, [%0]" : : "r"(&l->locked) : "memory");
}

#endif
