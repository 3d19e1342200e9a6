#include <string.h>

#include "console.h"
#include "gic.h"
#include "heap.h"
#include "hostblk.h"
#include "hyp_timer.h"
#include "iosched.h"
#include "psci.h"
#include "stage2.h"
#include "sysregs.h"
#include "vgic.h"
#include "vm.h"
#include "zpool.h"

#define SPSR_EL1H_MASKED 0x3c5UL	/* EL1h, DAIF masked */
#define SCTLR_EL1_RESET	0x30d00800UL
#define CPACR_FPEN	(3UL << 20)

/* HCR_EL2: VM (stage 2 on), SWIO, FMO/IMO/AMO (interrupts to EL2, and the
 * guests' GIC CPU interface virtual), DC (EL1 with its MMU off sees Normal
 * cacheable memory, so guests need no page tables of their own), TWI (a
 * waiting guest gives up the CPU), TSC (SMC traps), RW (EL1 is AArch64). */
#define HCR_EL2_VALUE	((1UL << 0) | (1UL << 1) | (1UL << 3) | (1UL << 4) | (1UL << 5) | \
			 (1UL << 12) | (1UL << 13) | (1UL << 19) | (1UL << 31))
#define HCR_EL2_DC	(1UL << 12)	/* not for Linux: it runs its own stage 1 */
#define CNTHCTL_EL1PCTEN 1UL		/* EL1 may read the physical counter (not its timer) */
#define CNTV_ENABLE	1UL
#define CNTV_IMASK	2UL

static struct vm vms[MAX_VMS];
static int nr_vms;
static int current;
static uint64_t timeslice_us;

struct vm *vm_current(void)
{
	return &vms[current];
}

static int copy(struct vm *vm, uint64_t ipa, void *buf, uint64_t len, int to_guest)
{
	for (uint64_t done = 0; done < len;) {
		uint64_t pa = vm_mem_resident_pa(vm, ipa + done);
		uint64_t chunk = 4096 - ((ipa + done) & 4095);

		if (pa == ~0UL || ipa + done < ipa)
			return -1;
		if (chunk > len - done)
			chunk = len - done;
		if ((uint64_t)buf + done == pa)
			;	/* already there: the harness loaded it in place */
		else if (to_guest)
			memcpy((void *)pa, (const uint8_t *)buf + done, chunk);
		else
			memcpy((uint8_t *)buf + done, (const void *)pa, chunk);
		done += chunk;
	}
	return 0;
}

int vm_read(struct vm *vm, uint64_t ipa, void *dst, uint64_t len)
{
	return copy(vm, ipa, dst, len, 0);
}

int vm_write(struct vm *vm, uint64_t ipa, const void *src, uint64_t len)
{
	return copy(vm, ipa, (void *)src, len, 1);
}

static int vm_create(unsigned int id, const struct vm_config *cfg, uint64_t block_size,
		     uint64_t heap_watermark)
{
	struct vm *vm = &vms[id];

	vm->id = id;
	vm->cfg = cfg;
	vm->part.ipa_base = cfg->ipa_base;
	vm->part.size = cfg->mem_size;
	vm->part.block_size = block_size;
	vm->heap_watermark = heap_watermark;
	vm->s2_root = s2_create();
	if (!vm->s2_root)
		return -1;
	vm->vttbr = s2_vttbr(vm->s2_root, cfg->vmid);
	zvm_trace("vm-create", "vm=0x%x name=%s vmid=0x%x vttbr=0x%lx ipa=0x%lx size=0x%lx "
		  "entry=0x%lx", id, cfg->name, cfg->vmid, vm->vttbr, cfg->ipa_base, cfg->mem_size,
		  cfg->entry_ipa);
	/* Memory comes zeroed: nothing of a previous owner may leak into the VM. */
	if (vm_mem_create(vm))
		return -1;
	if (vm_write(vm, cfg->image_ipa, (const void *)cfg->image_pa, cfg->image_size) ||
	    vm_write(vm, cfg->dtb_ipa, (const void *)cfg->dtb_pa, cfg->dtb_size) ||
	    vm_write(vm, cfg->initrd_ipa, (const void *)cfg->initrd_pa, cfg->initrd_size))
		return -1;
	vm->hcr = cfg->linux_guest ? HCR_EL2_VALUE & ~HCR_EL2_DC : HCR_EL2_VALUE;
	vgic_vm_init(&vm->vgic, cfg->linux_guest);
	vm->blk.disk_base = cfg->disk_base;
	vm->blk.disk_sectors = cfg->disk_sectors;
	/* A device handed to the guest as is: no back-end, no IOMMU (the guest
	 * is told how its IPAs relate to host addresses). For benchmarks. */
	if (cfg->passthrough_size &&
	    s2_map(id, vm->s2_root, cfg->passthrough_pa, cfg->passthrough_pa, cfg->passthrough_size,
		   S2_DEVICE_RW))
		return -1;

	memset(&vm->regs, 0, sizeof(vm->regs));
	vm->regs.x[0] = cfg->dtb_ipa;
	vm->regs.elr = cfg->entry_ipa;
	vm->regs.spsr = SPSR_EL1H_MASKED;
	memset(&vm->sys, 0, sizeof(vm->sys));
	vm->sys.sctlr = SCTLR_EL1_RESET;
	vm->sys.cpacr = CPACR_FPEN;
	vm->running = 1;
	return 0;
}

int vms_create(const struct description *desc)
{
	heap_init(desc->heap_base, desc->heap_size, desc->heap_zeroed);
	if (zpool_init(desc->zpool_size))
		return -1;
	for (int i = 0; i < desc->nr_vms; i++) {
		if (desc->vms[i].disk_sectors && hostblk_init()) {
			zvm_trace("panic", "reason=no-host-disk");
			return -1;
		}
		if (desc->vms[i].disk_sectors)
			break;
	}
	timeslice_us = desc->timeslice_us;
	for (int i = 0; i < desc->nr_vms; i++) {
		nr_vms++;
		if (vm_create(i, &desc->vms[i], desc->block_size, desc->heap_watermark) == 0)
			continue;
		/* This VM cannot start (@zvm oom said why); the others still run. */
		zvm_trace("vm-exit", "vm=0x%x code=0x%lx reason=oom", i, VM_EXIT_FAULT_CODE);
		vm_mem_destroy(&vms[i]);
		vms[i].running = 0;
	}
	/* Stale translations for these VMIDs must not survive. */
	__asm__ volatile("dsb ish; tlbi alle1is; dsb ish; isb" ::: "memory");
	return 0;
}

static void save_el1(struct el1_sysregs *s)
{
	s->sctlr = READ_SYSREG(sctlr_el1);
	s->ttbr0 = READ_SYSREG(ttbr0_el1);
	s->ttbr1 = READ_SYSREG(ttbr1_el1);
	s->tcr = READ_SYSREG(tcr_el1);
	s->mair = READ_SYSREG(mair_el1);
	s->amair = READ_SYSREG(amair_el1);
	s->vbar = READ_SYSREG(vbar_el1);
	s->sp_el1 = READ_SYSREG(sp_el1);
	s->sp_el0 = READ_SYSREG(sp_el0);
	s->elr = READ_SYSREG(elr_el1);
	s->spsr = READ_SYSREG(spsr_el1);
	s->esr = READ_SYSREG(esr_el1);
	s->far = READ_SYSREG(far_el1);
	s->afsr0 = READ_SYSREG(afsr0_el1);
	s->afsr1 = READ_SYSREG(afsr1_el1);
	s->contextidr = READ_SYSREG(contextidr_el1);
	s->cpacr = READ_SYSREG(cpacr_el1);
	s->tpidr_el1 = READ_SYSREG(tpidr_el1);
	s->tpidr_el0 = READ_SYSREG(tpidr_el0);
	s->tpidrro_el0 = READ_SYSREG(tpidrro_el0);
	s->par = READ_SYSREG(par_el1);
	s->cntkctl = READ_SYSREG(cntkctl_el1);
	s->cntv_ctl = READ_SYSREG(cntv_ctl_el0);
	s->cntv_cval = READ_SYSREG(cntv_cval_el0);
}

static void load_el1(const struct el1_sysregs *s)
{
	WRITE_SYSREG(sctlr_el1, s->sctlr);
	WRITE_SYSREG(ttbr0_el1, s->ttbr0);
	WRITE_SYSREG(ttbr1_el1, s->ttbr1);
	WRITE_SYSREG(tcr_el1, s->tcr);
	WRITE_SYSREG(mair_el1, s->mair);
	WRITE_SYSREG(amair_el1, s->amair);
	WRITE_SYSREG(vbar_el1, s->vbar);
	WRITE_SYSREG(sp_el1, s->sp_el1);
	WRITE_SYSREG(sp_el0, s->sp_el0);
	WRITE_SYSREG(elr_el1, s->elr);
	WRITE_SYSREG(spsr_el1, s->spsr);
	WRITE_SYSREG(esr_el1, s->esr);
	WRITE_SYSREG(far_el1, s->far);
	WRITE_SYSREG(afsr0_el1, s->afsr0);
	WRITE_SYSREG(afsr1_el1, s->afsr1);
	WRITE_SYSREG(contextidr_el1, s->contextidr);
	WRITE_SYSREG(cpacr_el1, s->cpacr);
	WRITE_SYSREG(tpidr_el1, s->tpidr_el1);
	WRITE_SYSREG(tpidr_el0, s->tpidr_el0);
	WRITE_SYSREG(tpidrro_el0, s->tpidrro_el0);
	WRITE_SYSREG(par_el1, s->par);
	WRITE_SYSREG(cntkctl_el1, s->cntkctl);
	/* The next VM's timer replaces the last one's, which cannot fire for it. */
	WRITE_SYSREG(cntv_cval_el0, s->cntv_cval);
	WRITE_SYSREG(cntv_ctl_el0, s->cntv_ctl);
}

/* Makes vms[next] the running VM: its registers into `frame`, its EL1 and
 * virtual interrupt state and its stage-2 tables into the CPU. */
static void switch_to(int next, struct trap_frame *frame)
{
	current = next;
	*frame = vms[next].regs;
	load_el1(&vms[next].sys);
	vgic_load(&vms[next].vgic);
	WRITE_SYSREG(hcr_el2, vms[next].hcr);
	WRITE_SYSREG(vttbr_el2, vms[next].vttbr);
	__asm__ volatile("isb");
}

/* The list registers back into the VM's vGIC state, and its level-sensitive
 * interrupt lines sampled. */
static void save_irqs(struct vm *vm)
{
	vgic_save(&vm->vgic);
	vgic_set_level(&vm->vgic, VUART_VINTID, vuart_irq_level(&vm->uart));
}

/* The running VM's state back into its struct vm. */
static void save_current(struct trap_frame *frame)
{
	vms[current].regs = *frame;
	save_el1(&vms[current].sys);
	save_irqs(&vms[current]);
}

static int runnable(const struct vm *vm)
{
	return vm->running && !vm->waiting;
}

/* A VM not running now whose virtual timer has expired gets its interrupt
 * (the hardware timer is another VM's meanwhile). */
static void expire_timers(void)
{
	uint64_t now = READ_SYSREG(cntvct_el0);

	for (int i = 0; i < nr_vms; i++) {
		struct el1_sysregs *s = &vms[i].sys;

		if (i == current || !vms[i].running ||
		    (s->cntv_ctl & (CNTV_ENABLE | CNTV_IMASK)) != CNTV_ENABLE || s->cntv_cval > now)
			continue;
		s->cntv_ctl |= CNTV_IMASK;	/* as vm_vtimer_fired masks a live one */
		vgic_raise(&vms[i].vgic, VTIMER_VINTID);
		vms[i].waiting = 0;
	}
}

static int next_runnable(void)
{
	expire_timers();
	for (int step = 1; step <= nr_vms; step++) {
		int candidate = (current + step) % nr_vms;

		if (runnable(&vms[candidate]))
			return candidate;
	}
	return -1;
}

/* Picks the next VM to run. With none runnable, queued I/O is dispatched
 * (its completions wake the waiting VMs); otherwise the CPU sleeps until an
 * interrupt (the scheduler's tick, a virtual timer) and the waiting VMs are
 * woken to look again (Linux's idle loop must not spin); with no VM left,
 * power off. */
static void run_next(struct trap_frame *frame)
{
	int next = next_runnable();

	if (next < 0 && iosched_pending()) {
		iosched_round();
		/* A fresh timeslice: how long the disk took must not decide where
		 * the next preemption falls (deterministic traces under -icount). */
		hyp_timer_rearm();
		next = next_runnable();
	}
	if (next < 0) {
		int alive = 0;

		for (int i = 0; i < nr_vms; i++) {
			alive |= vms[i].running;
			vms[i].waiting = 0;
		}
		if (alive)	/* interrupts stay masked here: they are taken in the VM */
			__asm__ volatile("dsb sy; wfi" ::: "memory");
		next = next_runnable();
	}
	if (next < 0) {
#ifdef CONFIG_VM_DYNAMIC_MEMORY
		vm_mem_report_stats();
#endif
		psci_system_off();
	}
	switch_to(next, frame);
}

void vm_schedule(struct trap_frame *frame)
{
	save_current(frame);
	iosched_tick();
	int next = next_runnable();

	if (next >= 0 && next != current)
		switch_to(next, frame);
	else
		vgic_load(&vms[current].vgic);	/* an interrupt raised meanwhile */
}

void vm_wait(struct trap_frame *frame)
{
	struct vm *vm = vm_current();

	save_current(frame);
	if (vgic_has_pending(&vm->vgic)) {
		vgic_load(&vm->vgic);
		return;
	}
	vm->waiting = 1;
	run_next(frame);
}

void vm_raise_irq(struct vm *vm)
{
	vgic_raise(&vm->vgic, VIRTIO_BLK_VINTID);
	vm->waiting = 0;
}

/* The timer's line stays high until the guest reprograms it: masked here
 * (the guest's handler masks it too, then sets the next deadline). */
void vm_vtimer_fired(void)
{
	WRITE_SYSREG(cntv_ctl_el0, READ_SYSREG(cntv_ctl_el0) | CNTV_IMASK);
	vgic_raise(&vm_current()->vgic, VTIMER_VINTID);
}

void vm_deliver_irqs(void)
{
	struct vm *vm = vm_current();

	if (!vm->running)
		return;
	save_irqs(vm);
	vgic_load(&vm->vgic);
}

void vm_send_sgi(uint64_t value)
{
	unsigned int intid = (value >> 24) & 0xf;
	int to_self = !(value & (1UL << 40)) && (value & 1) &&	/* a target list with vCPU 0 */
		      (value & 0x00ff00ff00ff0000UL) == 0;		/* at affinity 0.0.0 */

	if (to_self)
		vgic_raise(&vm_current()->vgic, intid);
}

void vm_exit(struct trap_frame *frame, uint64_t code, const char *reason)
{
	struct vm *vm = vm_current();

	vm->running = 0;
	zvm_trace("vm-exit", "vm=0x%x code=0x%lx reason=%s", vm->id, code, reason);
	iosched_forget(vm);
	vm_mem_destroy(vm);
	run_next(frame);
}

void vms_run(void)
{
	static struct trap_frame first;

	current = nr_vms - 1;	/* so that the search starts at VM 0 */
	int next = nr_vms ? next_runnable() : -1;

	if (next < 0)
		psci_system_off();
	WRITE_SYSREG(vtcr_el2, VTCR_EL2_VALUE);
	WRITE_SYSREG(cnthctl_el2, CNTHCTL_EL1PCTEN);
	WRITE_SYSREG(cntvoff_el2, 0);
	gic_init();
	vgic_init();
	hyp_timer_start(timeslice_us);
	vms_started_at = read_counter();
	switch_to(next, &first);
	enter_guest(&first);
}
