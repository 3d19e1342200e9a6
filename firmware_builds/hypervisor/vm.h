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
	struct vuart uart;
};

/* Hypercalls (SMCCC vendor-specific hypervisor range, HVC or SMC). */
#define ZVM_HVC_EXIT		0xc6000001UL	/* x1: exit code */
#define ZVM_HVC_RELEASE		0xc6000002UL	/* x1: IPA, x2: size; x0 = 0 or -1 */
#define ZVM_HVC_CHECKPOINT	0xc6000003UL	/* @zvm memlist and @zvm heap */
#define ZVM_HVC_GUEST_CRC	0xc6000004UL	/* x1 IPA, x2 size: @zvm guest-crc, read by the
						 * hypervisor as a virtio back-end would */

#define VM_EXIT_FAULT_CODE	0xffffffffUL

int vms_create(const struct description *desc);
/* Ends the current VM and switches `frame` to the next one (or powers off). */
void vm_exit(struct trap_frame *frame, uint64_t code, const char *reason);

#endif
