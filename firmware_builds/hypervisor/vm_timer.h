/* A vCPU's EL1 timers: its virtual timer (CNTV, PPI 27) and its physical
 * timer (CNTP, PPI 30). While the VM runs they are the CPU's own, which the
 * guest programs without trapping; the scheduler saves and restores them
 * with its EL1 registers. Their interrupt lines are level-sensitive, as the
 * architecture has them: high while the timer is enabled, unmasked and
 * expired. The hypervisor samples each line into the VM's vGIC, so the
 * guest sees the level (pending only while high), never a latched edge. */
#ifndef ZVM_VM_TIMER_H
#define ZVM_VM_TIMER_H

#include "vm.h"

#define VTIMER_VINTID		27
#define PTIMER_VINTID		30

/* The running vCPU's timer lines, read from the CPU, into its vGIC. The
 * physical PPI of a high line is masked (it would interrupt EL2 again and
 * again): the line is sampled again at the VM's next exit, at the latest
 * the maintenance interrupt when the guest deactivates the interrupt. */
void vm_timers_sample(struct vcpu *vcpu);
/* A vCPU that is not running: its lines from its saved registers and the
 * counters now. */
void vm_timers_sample_saved(struct vcpu *vcpu);
/* No VM's timers are the CPU's (none runs: the last was paused, deleted or
 * stopped): both off, so that a line left high does not keep interrupting
 * the idle hypervisor. A VM's own are loaded again when it runs. */
void vm_timers_off(void);
/* The counter value (CNTPCT) at which the first of a vCPU's saved timers
 * that is armed (enabled, unmasked) and not yet expired will expire, its
 * virtual timer's under CNTVOFF `cntvoff`; ~0 when none will. */
uint64_t vm_timers_deadline(const struct vcpu *vcpu, uint64_t cntvoff);

#endif
