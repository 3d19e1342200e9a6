/* PSCI as the guests see it (vm_psci.c). */
#ifndef ZVM_VM_PSCI_H
#define ZVM_VM_PSCI_H

#include <stdint.h>

#include "trap_frame.h"

/* Whether function id `fn` is in PSCI's range (the standard secure service
 * calls 0x84000000..0x8400001f and their 64-bit twins). */
int vm_psci_call(uint64_t fn);
/* The current vCPU's PSCI call in `frame` (x0 the function, x1..x3 its
 * arguments): the result in x0, or `frame` switched to another vCPU when
 * this one stops, waits or its VM ends. */
void vm_psci(struct trap_frame *frame);

#endif
