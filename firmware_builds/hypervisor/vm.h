/* VMs: what the hypervisor keeps of each, their creation from the
 * description and their exit. vm_sched.c runs them, vcpu_context.c holds
 * their EL1 registers, vm_irq.c routes their interrupts. */
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

struct vm {
	unsigned int id;
	const struct vm_config *cfg;
	struct vm_mem_partition part;
	uint64_t s2_root, vttbr;
	int running;
	int waiting;		/* in WFI with nothing pending: not runnable */
	struct vblk blk;
	struct vgic_state vgic;
	struct trap_frame regs;
	struct el1_sysregs sys;
	uint64_t heap_watermark;
	uint64_t hcr;		/* HCR_EL2 while it runs */
	uint64_t vmpidr;	/* VMPIDR_EL2: the MPIDR_EL1 its vCPU reads */
	struct vuart uart;
};

#define VM_EXIT_FAULT_CODE	0xffffffffUL

int vms_create(const struct description *desc);
/* Ends the current VM and switches `frame` to the next one (or powers off). */
void vm_exit(struct trap_frame *frame, uint64_t code, const char *reason);

#endif
