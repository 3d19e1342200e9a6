/* The vCPU scheduler, one on each physical CPU: the vCPUs placed there that
 * are on, run round-robin (by VM, then by index), a timeslice at a time (the
 * CPU's hypervisor timer) or until the vCPU waits for an interrupt. With
 * nothing runnable, queued I/O is dispatched or the CPU sleeps; with no VM
 * left, the system powers off. Called with the hypervisor's lock held
 * (hyp_lock.h); docs/smp.md. */
#ifndef ZVM_VM_SCHED_H
#define ZVM_VM_SCHED_H

#include <stdint.h>

#include "trap_frame.h"

struct vm;
struct vcpu;

/* The VMs are the scheduler's, in MAX_VMS places: a new one takes the first
 * free place, zeroed, and the next id; NULL when no place is free. Those in
 * VM_RUNNING run. */
struct vm *vms_add(void);
/* Its place free again (the VM is gone). */
void vms_release(struct vm *vm);
/* The VM with that id, or NULL; the one in place `place` (0 up to
 * MAX_VMS), or NULL. */
struct vm *vm_by_id(unsigned int id);
struct vm *vm_at(int place);

/* On the boot CPU: enters the first vCPU placed there, timeslices of
 * `timeslice_us` from then on, and lets the other CPUs run theirs. */
__attribute__((noreturn)) void vms_run(uint64_t timeslice_us);
/* On another CPU: runs the vCPUs placed on it. */
__attribute__((noreturn)) void vms_run_cpu(void);
/* The VM has stopped (not VM_RUNNING): once this returns, no other CPU runs
 * its guest code, and none will (they are kicked, and the hypervisor's
 * lock is let go while they switch away). */
void vm_quiesce(struct vm *vm);
/* The vCPU may have something new to do (it was woken, turned on, or its
 * VM stopped): its CPU, if another, is told to look (SGI_KICK). */
void vcpu_kick(const struct vcpu *vcpu);
/* The vCPU whose trap the hypervisor is handling, and its VM. */
struct vcpu *vcpu_current(void);
struct vm *vm_current(void);
/* Timer tick: switches `frame` to the next runnable vCPU. */
void vm_schedule(struct trap_frame *frame);
/* A trapped WFE: the vCPU waits for another's event, so another runs. */
void vm_yield(struct trap_frame *frame);
/* A trapped WFI: the vCPU waits for an interrupt unless one is pending. */
void vm_wait(struct trap_frame *frame);
/* The current vCPU is off (PSCI CPU_OFF): `frame` switches to the next. */
void vcpu_off(struct trap_frame *frame);
/* The current vCPU has stopped (its VM for good, or it is off): switches
 * `frame` to the next runnable vCPU, or powers off when no VM is left. */
void vm_run_next(struct trap_frame *frame);
/* After the shell changed what may run: if the current VM may not (paused,
 * deleted), `frame` switches to the next. */
void vm_sched_revisit(struct trap_frame *frame);
/* After a trap: the interrupts of the vCPU about to resume sampled into
 * its list registers. */
void vm_deliver_irqs(void);

#endif
