/* The vCPUs' timers (vm_timer.c): only the virtual timer's line, high or
 * low as the target says, sampled into the vGIC as the firmware does. */
#include "vm_timer.h"
#include "vm_timer_fake.h"

int vm_timer_fake_level[VGIC_MAX_VCPUS];

void vm_timers_sample(struct vcpu *vcpu)
{
	vgic_set_level(&vcpu->vgic, VTIMER_VINTID, vm_timer_fake_level[vcpu->index]);
}
