/* VMs and their vCPUs: what the hypervisor keeps of each, their creation
 * from the description and their exit. vm_sched.c runs the vCPUs,
 * vcpu_context.c holds their EL1 registers, vm_irq.c routes their
 * interrupts, vm_psci.c turns them on and off. */
#ifndef ZVM_VM_H
#define ZVM_VM_H

#include <stdint.h>

#include "description.h"
#include "trap_frame.h"
#include "vblk.h"
#include "vcpu_context.h"
#include "vgic.h"
#include "vm_mem.h"
#include "vuart.h"

enum vm_state {
	VM_FREE,		/* no VM in this place */
	VM_CREATED,		/* by the shell's `new`, not yet run */
	VM_RUNNING,		/* the scheduler's */
	VM_PAUSED,		/* the shell's `pause`: its vCPUs and its queued I/O wait */
	VM_EXITED,		/* stopped for good, its memory released */
};

#define MAX_VCPUS		VGIC_MAX_VCPUS

struct vcpu {
	struct vm *vm;
	unsigned int index;	/* in its VM: Aff0 of its MPIDR */
	unsigned int pcpu;	/* the physical CPU it runs on (cpus.h's index) */
	int on;			/* PSCI: vCPU 0 from the start, the others from CPU_ON */
	int waiting;		/* in WFI with nothing pending: not runnable */
	struct trap_frame regs;
	struct el1_sysregs sys;
	struct vgic_state vgic;
	uint64_t vmpidr;	/* VMPIDR_EL2: the MPIDR_EL1 it reads */
};

struct vm {
	unsigned int id;	/* in creation order, never used again in a run */
	char name[40];		/* its description's; a shell-made one's with -<id> */
	enum vm_state state;
	const struct vm_config *cfg;
	struct vm_mem_partition part;
	uint64_t s2_root, vttbr;
	struct vblk blk;
	struct vgic_dist vgic;
	uint64_t heap_watermark;
	uint64_t hcr;		/* HCR_EL2 while it runs */
	struct vuart uart;
	unsigned int nr_vcpus;
	struct vcpu vcpus[MAX_VCPUS];
};

#define VM_EXIT_FAULT_CODE	0xffffffffUL
#define MAX_VMID		0xff	/* VTCR_EL2.VS = 0: 8-bit VMIDs */

/* The description's VMs that are not offered, created and running. */
int vms_create(const struct description *desc);
/* The VM the description offers by that name (for the shell), or NULL. */
const struct vm_config *vm_template(const char *name);
/* A VM created from `cfg` in the first free place, not yet running; NULL
 * when no place is free or its memory cannot be had (@zvm oom). */
struct vm *vm_new(const struct vm_config *cfg);
/* Stops the VM if it has not (@zvm vm-exit reason=delete), releases what
 * is left of it (memory, stage-2 tables, queued requests) and its place. */
void vm_delete(struct vm *vm);
/* A VM's run state changes under the memory lock (locks.h): a stage-2
 * fault handled without the hypervisor's lock finds it either before or
 * after, and so its trace lines come before the change's or not at all. */
void vm_set_state(struct vm *vm, enum vm_state state);
/* Ends the current VM and switches `frame` to the next one (or powers off). */
void vm_exit(struct trap_frame *frame, uint64_t code, const char *reason);

#endif
