#ifndef FUZZ_VM_TIMER_FAKE_H
#define FUZZ_VM_TIMER_FAKE_H

#include "vgic.h"

/* Each vCPU's virtual timer line, as the target sets it: what
 * vm_timers_sample finds in the CPU's timer when it runs. */
extern int vm_timer_fake_level[VGIC_MAX_VCPUS];

#endif
