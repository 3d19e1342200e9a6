/* VMs: one vCPU each at EL1, run round-robin on one physical CPU. */
#ifndef ZVM_VM_H
#define ZVM_VM_H

#include <stdint.h>

#include "description.h"
#include "trap_frame.h"
#include "vblk.h"
#include "vgic.h"
#include "vm_mem.h"
#include "vuart.h"

/* The guest's EL1 system registers, switched with the VM. */
struct el1_sysregs {
	uint64_t sctlr, ttbr0, ttbr1, tcr, mair, amair, vbar, sp_el1, sp_el0;
	uint64_t elr, spsr, esr, far, afsr0, afsr1, contextidr, cpacr;
	uint64_t tpidr_el1, tpidr_el0, tpidrro_el0, par, cntkctl;
	uint64_t cntv_ctl, cntv_cval;		/* the virtual timer */
};

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
__attribute__((noreturn)) void vms_run(void);
struct vm *vm_current(void);
/* Ends the current VM and switches `frame` to the next one (or powers off). */
void vm_exit(struct trap_frame *frame, uint64_t code, const char *reason);
/* Timer tick: switches `frame` to the next runnable VM. */
void vm_schedule(struct trap_frame *frame);
/* A trapped WFI: the VM waits for an interrupt unless one is pending. */
void vm_wait(struct trap_frame *frame);
/* The VM's virtio interrupt: pending in its list register, and it runs again. */
void vm_raise_irq(struct vm *vm);
/* The running VM's virtual timer fired (its physical PPI reached EL2). */
void vm_vtimer_fired(void);
/* After a trap: the running VM's interrupt lines into its list registers. */
void vm_deliver_irqs(void);
/* A trapped write to ICC_SGI1R_EL1: an SGI to itself, the only vCPU. */
void vm_send_sgi(uint64_t value);
/* Copies between the hypervisor and guest RAM (swapped memory brought back
 * first): 0, or -1 when some of [ipa, ipa+len) is not the VM's RAM. */
int vm_read(struct vm *vm, uint64_t ipa, void *dst, uint64_t len);
int vm_write(struct vm *vm, uint64_t ipa, const void *src, uint64_t len);

#endif
