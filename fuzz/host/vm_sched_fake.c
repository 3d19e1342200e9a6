/* The VM scheduler, for units that wake vCPUs (vm_irq.c): with one CPU
 * and the target choosing which vCPU runs, a kick has nothing to do. */
#include "vm_sched.h"

void vcpu_kick(const struct vcpu *vcpu)
{
	(void)vcpu;
}
