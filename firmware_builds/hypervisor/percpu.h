/* Which physical CPU this is: its index (the boot CPU's 0, the others' in
 * the board DTB's order, cpus.c), kept in TPIDR_EL2 from its start. */
#ifndef ZVM_PERCPU_H
#define ZVM_PERCPU_H

#include "sysregs.h"

static inline unsigned int this_cpu(void)
{
	return (unsigned int)READ_SYSREG(tpidr_el2);
}

#endif
