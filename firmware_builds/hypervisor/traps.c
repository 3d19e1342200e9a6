/* EL2 exception handling. Traps from guests are dispatched (hypercalls,
 * emulated MMIO, stage-2 faults, the scheduler's timer); a trap the
 * hypervisor takes from itself is a panic: it reports ESR_EL2, ELR_EL2 and
 * FAR_EL2 and stops the CPU. A guest's misdeed stops that guest only. */
#include <stdint.h>

#include "console.h"
#include "gic.h"
#include "hyp_irq.h"
#include "hyp_lock.h"
#include "locks.h"
#include "shell.h"
#include "hyp_timer.h"
#include "hypercall.h"
#include "memory_map.h"
#include "sysregs.h"
#include "trap_frame.h"
#include "vm.h"
#include "vm_irq.h"
#include "vm_psci.h"
#include "vm_sched.h"
#include "vuart.h"

void halt(void) __attribute__((noreturn));

#define EC_WFX		0x01
#define EC_HVC64	0x16
#define EC_SMC64	0x17
#define EC_SYSREG	0x18
#define EC_IABT_LOW	0x20
#define EC_DABT_LOW	0x24

#define ESR_WFX_WFE		1UL	/* ISS.TI: a WFE, not a WFI */

#define FSC_TRANSLATION		0x04
#define FSC_ACCESS_FLAG		0x08
#define FSC_EXTERNAL		0x10	/* synchronous external abort, not on a walk */

#define SMCCC_NOT_SUPPORTED	((uint64_t)-1)

/* ICC_SGI1R_EL1 (op0 3, op1 0, CRn 12, CRm 11, op2 5) in an ESR's ISS, with
 * the register and direction bits masked out. */
#define ISS_SYSREG_MASK		0x3ffc1eUL
#define ISS_ICC_SGI1R		((3UL << 20) | (5UL << 17) | (0UL << 14) | (12UL << 10) | (11UL << 1))

static const char *const trap_kind_names[16] = {
	"cur-sp0-sync", "cur-sp0-irq", "cur-sp0-fiq", "cur-sp0-serror",
	"cur-spx-sync", "cur-spx-irq", "cur-spx-fiq", "cur-spx-serror",
	"lower64-sync", "lower64-irq", "lower64-fiq", "lower64-serror",
	"lower32-sync", "lower32-irq", "lower32-fiq", "lower32-serror",
};

__attribute__((noreturn)) static void panic_trap(struct trap_frame *frame, uint64_t kind)
{
	uint64_t esr = READ_SYSREG(esr_el2);

	zvm_trace("panic", "kind=%s ec=0x%lx esr=0x%lx elr=0x%lx far=0x%lx spsr=0x%lx",
		  trap_kind_names[kind & 15], (esr >> ESR_EC_SHIFT) & ESR_EC_MASK, esr,
		  frame->elr, READ_SYSREG(far_el2), frame->spsr);
	halt();
}

/* The faulting IPA of a stage-2 abort: page from HPFAR_EL2, offset from FAR_EL2. */
static uint64_t fault_ipa(void)
{
	return ((READ_SYSREG(hpfar_el2) >> 4) << 12) | (READ_SYSREG(far_el2) & 0xfff);
}

/* Takes a synchronous exception in the guest as the CPU would have: its
 * syndrome, address and return state into its EL1 registers (live: the VM
 * is the one running), then on to its vector table at EL1h, interrupts
 * masked. The vector: current EL with SP_EL0 or SP_ELx, or lower EL. */
static void inject_sync(struct trap_frame *frame, uint64_t esr1, uint64_t far)
{
	uint64_t mode = frame->spsr & 0xf;
	uint64_t vector = mode == 0 ? 0x400 : (mode & 1) ? 0x200 : 0x000;

	WRITE_SYSREG(esr_el1, esr1);
	WRITE_SYSREG(far_el1, far);
	WRITE_SYSREG(elr_el1, frame->elr);
	WRITE_SYSREG(spsr_el1, frame->spsr);
	frame->elr = READ_SYSREG(vbar_el1) + vector;
	frame->spsr = SPSR_EL1H_MASKED;
}

/* A VM that takes its own faults: an abort outside its RAM and devices comes
 * back to it as a synchronous external abort (EC as the guest sees it: from
 * its own EL or from EL0), anything else as UNDEF. */
static void inject_fault(struct trap_frame *frame, uint64_t esr)
{
	uint64_t ec = (esr >> ESR_EC_SHIFT) & ESR_EC_MASK, own_el = (frame->spsr & 0xf) != 0;
	uint64_t il = 1UL << 25;

	if (ec == EC_IABT_LOW || ec == EC_DABT_LOW) {
		uint64_t write = ec == EC_DABT_LOW ? esr & (1UL << 6) : 0;

		inject_sync(frame, ((ec + own_el) << ESR_EC_SHIFT) | il | write | FSC_EXTERNAL,
			    READ_SYSREG(far_el2));
		return;
	}
	inject_sync(frame, il, 0);	/* EC 0: unknown reason */
}

static void guest_fault(struct trap_frame *frame, uint64_t esr, uint64_t ipa)
{
	if (vm_current()->cfg->inject_faults) {
		inject_fault(frame, esr);
		return;
	}
	zvm_trace("fault", "vm=0x%x esr=0x%lx far=0x%lx ipa=0x%lx elr=0x%lx vcpu=0x%x",
		  vm_current()->id, esr, READ_SYSREG(far_el2), ipa, frame->elr,
		  vcpu_current()->index);
	vm_exit(frame, VM_EXIT_FAULT_CODE, "fault");
}

/* CRC-32 of guest memory as the hypervisor reads it, page by page through
 * vm_mem_resident_pa: what the virtio back-end will do with a guest buffer. */
static uint64_t guest_crc(struct vm *vm, uint64_t ipa, uint64_t size)
{
	uint32_t crc = 0xffffffff;

	lock_take(&mem_lock);
	for (uint64_t done = 0; done < size; done++) {
		uint64_t pa = vm_mem_resident_pa(vm, ipa + done);

		if (pa == ~0UL) {
			lock_give(&mem_lock);
			return (uint64_t)-1;
		}
		crc ^= *(const uint8_t *)pa;
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
	}
	lock_give(&mem_lock);
	crc = ~crc;
	zvm_trace("guest-crc", "vm=0x%x ipa=0x%lx size=0x%lx crc=0x%08x", vm->id, ipa, size, crc);
	return crc;
}

static void hypercall(struct trap_frame *frame)
{
	uint64_t fn = frame->x[0];

	if (vm_psci_call(fn)) {
		vm_psci(frame);
		return;
	}
	switch (fn) {
	case ZVM_HVC_EXIT:
		vm_exit(frame, frame->x[1], "exit");
		return;
	case ZVM_HVC_RELEASE:
		lock_take(&mem_lock);
		frame->x[0] = vm_mem_release(vm_current(), frame->x[1], frame->x[2]);
		lock_give(&mem_lock);
		return;
	case ZVM_HVC_CHECKPOINT:
		lock_take(&mem_lock);
		vm_mem_checkpoint(vm_current());
		lock_give(&mem_lock);
		frame->x[0] = 0;
		return;
	case ZVM_HVC_GUEST_CRC:
		frame->x[0] = guest_crc(vm_current(), frame->x[1], frame->x[2]);
		return;
	default:
		frame->x[0] = SMCCC_NOT_SUPPORTED;
	}
}

/* A translation fault in guest RAM is demand allocation (dynamic mode);
 * anywhere else it is the guest's fault. The guest retries the access. */
static void stage2_fault(struct trap_frame *frame, uint64_t esr, uint64_t ipa)
{
	unsigned int status = esr & 0x3c;	/* DFSC/IFSC without the level */

	if (status != FSC_TRANSLATION && status != FSC_ACCESS_FLAG) {
		guest_fault(frame, esr, ipa);	/* permission faults and worse */
		return;
	}
	int done;

	lock_take(&mem_lock);
	done = vm_mem_fault(vm_current(), ipa, status == FSC_ACCESS_FLAG);
	lock_give(&mem_lock);
	switch (done) {
	case 1:
		return;
	case -1:
		vm_exit(frame, VM_EXIT_FAULT_CODE, "oom");
		return;
	default:
		guest_fault(frame, esr, ipa);
	}
}

/* A data abort on an IPA with no RAM behind it: emulate the device there, or
 * stop the guest. Emulation needs the syndrome (ISV) to name the register. */
static void data_abort(struct trap_frame *frame, uint64_t esr)
{
	uint64_t ipa = fault_ipa();
	int isv = (esr >> 24) & 1, is_write = (esr >> 6) & 1;
	unsigned int srt = (esr >> 16) & 0x1f, size = 1u << ((esr >> 22) & 3);

	struct vm *vm = vm_current();
	int uart = ipa >= VUART_IPA && ipa < VUART_IPA + VUART_SIZE;
	int blk = ipa >= VBLK_IPA && ipa < VBLK_IPA + VBLK_SIZE && vm->cfg->disk_sectors;
	int gicd = vm->vgic.emulated && ipa >= VGICD_IPA && ipa < VGICD_IPA + VGICD_SIZE;
	int gicr = vm->vgic.emulated && ipa >= VGICR_IPA &&
		   ipa < VGICR_IPA + vm->nr_vcpus * VGICR_SIZE;

	if (!uart && !blk && !gicd && !gicr) {
		stage2_fault(frame, esr, ipa);
		return;
	}
	/* An access the syndrome cannot describe, or virtio registers read or
	 * written other than as aligned 32-bit words: not emulated. */
	if (!isv || (blk && (size != 4 || ipa % 4))) {
		guest_fault(frame, esr, ipa);
		return;
	}
	uint64_t value = srt == 31 ? 0 : frame->x[srt];	/* register 31 is xzr here */

	if (size < 8)
		value &= (1UL << (8 * size)) - 1;
	uint64_t result;

	if (uart) {
		result = vuart_access(vm, ipa - VUART_IPA, is_write, value);
	} else if (blk) {
		result = vblk_mmio(vm, ipa - VBLK_IPA, is_write, value);
	} else {	/* pending and active states live in the list registers too */
		vm_irq_save(vcpu_current());
		result = gicd ? vgic_dist_access(&vm->vgic, ipa - VGICD_IPA, is_write, value, size)
			      : vgic_redist_access(&vm->vgic, ipa - VGICR_IPA, is_write, value, size);
		vgic_load(&vcpu_current()->vgic);
	}

	if (size < 8)	/* a narrower load has the register's other bits zero */
		result &= (1UL << (8 * size)) - 1;
	if (!is_write && srt != 31)
		frame->x[srt] = result;
	frame->elr += 4;
	if (uart && vm->uart.done)	/* its last line (stop-after) written */
		vm_exit(frame, 0, "done");
}

static void lower_sync(struct trap_frame *frame)
{
	uint64_t esr = READ_SYSREG(esr_el2);

	switch ((esr >> ESR_EC_SHIFT) & ESR_EC_MASK) {
	case EC_HVC64:
		hypercall(frame);
		return;
	case EC_SMC64:
		frame->elr += 4;	/* a trapped SMC returns to itself */
		hypercall(frame);
		return;
	case EC_DABT_LOW:
		data_abort(frame, esr);
		return;
	case EC_WFX:
		frame->elr += 4;
		if (esr & ESR_WFX_WFE)
			vm_yield(frame);
		else
			vm_wait(frame);
		return;
	case EC_IABT_LOW:
		stage2_fault(frame, esr, fault_ipa());
		return;
	case EC_SYSREG:		/* with the GIC's CPU interface virtual, SGIs trap */
		if ((esr & ISS_SYSREG_MASK) == ISS_ICC_SGI1R && !(esr & 1)) {
			unsigned int rt = (esr >> 5) & 0x1f;

			vm_send_sgi(vcpu_current(), rt == 31 ? 0 : frame->x[rt]);
			frame->elr += 4;
			return;
		}
		guest_fault(frame, esr, 0);
		return;
	default:		/* undefined or trapped instructions */
		guest_fault(frame, esr, 0);
	}
}

static void lower_irq(struct trap_frame *frame)
{
	uint32_t intid = gic_ack();

	if (intid == INTID_SPURIOUS)
		return;
	gic_eoi(intid);
	/* A VM's timer line (INTID_VTIMER, INTID_PTIMER) or a maintenance
	 * interrupt: vm_deliver_irqs samples the lines and lists what is due. */
	if (intid == INTID_HYP_TIMER) {
		hyp_timer_rearm();
		vm_schedule(frame);
	} else if (intid == INTID_CONSOLE) {
		shell_service();
	}
	/* Whatever it was (the shell, or another CPU's kick), the VM may have
	 * been paused, stopped or deleted meanwhile. */
	vm_sched_revisit(frame);
}

void hyp_irqs_poll(void)
{
	uint32_t intid;

	while ((intid = gic_ack()) != INTID_SPURIOUS) {
		gic_eoi(intid);
		if (intid == INTID_HYP_TIMER)
			hyp_timer_rearm();
		else if (intid == INTID_CONSOLE)
			shell_service();
	}
}

static void lower_trap(struct trap_frame *frame, uint64_t kind)
{
	/* Its VM stopped on another CPU while this one ran it (vm_quiesce):
	 * nothing of it is handled, the next vCPU runs. */
	if (vm_current()->state == VM_EXITED) {
		vm_sched_revisit(frame);
		return;
	}
	switch (kind) {
	case TRAP_LOWER64_SYNC:
		lower_sync(frame);
		break;
	case TRAP_LOWER64_IRQ:
		lower_irq(frame);
		break;
	default:		/* fiq, serror */
		guest_fault(frame, READ_SYSREG(esr_el2), 0);
		return;
	}
	vm_deliver_irqs();
}

#ifdef CONFIG_VM_DYNAMIC_MEMORY
/* A translation or access-flag fault in the running VM's RAM is memory's
 * business alone: handled under the memory lock without the hypervisor's
 * (locks.h), so that VMs faulting on several CPUs, and the rest of the
 * hypervisor, go on side by side. 1: handled; -1: out of memory (@zvm oom
 * said so, the VM must stop); 0: not such a fault, or the VM not running. */
static int memory_fault(void)
{
	uint64_t esr = READ_SYSREG(esr_el2), ipa;
	unsigned int ec = (esr >> ESR_EC_SHIFT) & ESR_EC_MASK, status = esr & 0x3c;
	struct vm *vm = vm_current();
	int done = 0;

	if ((ec != EC_DABT_LOW && ec != EC_IABT_LOW) ||
	    (status != FSC_TRANSLATION && status != FSC_ACCESS_FLAG))
		return 0;
	ipa = fault_ipa();
	if (ipa < vm->part.ipa_base || ipa >= vm->part.ipa_base + vm->part.size)
		return 0;
	lock_take(&mem_lock);
	if (vm->state == VM_RUNNING)
		done = vm_mem_fault(vm, ipa, status == FSC_ACCESS_FLAG);
	lock_give(&mem_lock);
	return done;
}
#else
static int memory_fault(void)
{
	return 0;
}
#endif

void el2_trap(struct trap_frame *frame, uint64_t kind)
{
	int fault;

	if (kind < TRAP_LOWER64_SYNC || kind > TRAP_LOWER64_SYNC + 3)
		panic_trap(frame, kind);
	fault = kind == TRAP_LOWER64_SYNC ? memory_fault() : 0;
	if (fault == 1)
		return;
	hyp_lock_take();
	if (fault == 0) {
		lower_trap(frame, kind);
	} else {
		if (vm_current()->state == VM_RUNNING)
			vm_exit(frame, VM_EXIT_FAULT_CODE, "oom");
		else	/* stopped or paused meanwhile */
			vm_sched_revisit(frame);
		vm_deliver_irqs();
	}
	spin_unlock(&hyp_lock);
}
