#include <string.h>

#include "console.h"
#include "gic.h"
#include "heap.h"
#include "psci.h"
#include "stage2.h"
#include "vm.h"
#include "zpool.h"

#define SPSR_EL1H_MASKED 0x3c5UL	/* EL1h, DAIF masked */
#define SCTLR_EL1_RESET	0x30d00800UL
#define CPACR_FPEN	(3UL << 20)

/* HCR_EL2: VM (stage 2 on), SWIO, FMO/IMO/AMO (interrupts to EL2), DC (EL1
 * with its MMU off sees Normal cacheable memory, so guests need no page
 * tables of their own), TSC (SMC traps), RW (EL1 is AArch64). */
#define HCR_EL2_VALUE	((1UL << 0) | (1UL << 1) | (1UL << 3) | (1UL << 4) | (1UL << 5) | \
			 (1UL << 12) | (1UL << 19) | (1UL << 31))

#define READ_SYSREG(name) ({ uint64_t v; __asm__ volatile("mrs %0, " #name : "=r"(v)); v; })
#define WRITE_SYSREG(name, v) __asm__ volatile("msr " #name ", %0" : : "r"((uint64_t)(v)))

static struct vm vms[MAX_VMS];
static int nr_vms;
static int current;
static uint64_t timeslice_us;

struct vm *vm_current(void)
{
	return &vms[current];
}

/* Copies staged bytes into guest RAM, page by page through the VM's memory. */
static int copy_in(struct vm *vm, uint64_t ipa, uint64_t src, uint64_t size)
{
	for (uint64_t done = 0; done < size;) {
		uint64_t pa = vm_mem_host_pa(vm, ipa + done);
		uint64_t chunk = 4096 - ((ipa + done) & 4095);

		if (pa == ~0UL)
			return -1;
		if (chunk > size - done)
			chunk = size - done;
		memcpy((void *)pa, (const void *)(src + done), chunk);
		done += chunk;
	}
	return 0;
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
	if (copy_in(vm, cfg->image_ipa, cfg->image_pa, cfg->image_size) ||
	    copy_in(vm, cfg->dtb_ipa, cfg->dtb_pa, cfg->dtb_size))
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
	heap_init(desc->heap_base, desc->heap_size);
	if (zpool_init(desc->zpool_size))
		return -1;
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
}

/* Makes vms[next] the running VM: its registers into `frame`, its EL1 state
 * and its stage-2 tables into the CPU. */
static void switch_to(int next, struct trap_frame *frame)
{
	current = next;
	*frame = vms[next].regs;
	load_el1(&vms[next].sys);
	WRITE_SYSREG(vttbr_el2, vms[next].vttbr);
	__asm__ volatile("isb");
}

static int next_runnable(void)
{
	for (int step = 1; step <= nr_vms; step++) {
		int candidate = (current + step) % nr_vms;

		if (vms[candidate].running)
			return candidate;
	}
	return -1;
}

void vm_schedule(struct trap_frame *frame)
{
	int next = next_runnable();

	if (next < 0 || next == current)
		return;
	vms[current].regs = *frame;
	save_el1(&vms[current].sys);
	switch_to(next, frame);
}

void vm_exit(struct trap_frame *frame, uint64_t code, const char *reason)
{
	struct vm *vm = vm_current();

	vm->running = 0;
	zvm_trace("vm-exit", "vm=0x%x code=0x%lx reason=%s", vm->id, code, reason);
	vm_mem_destroy(vm);
	int next = next_runnable();

	if (next < 0) {
#ifdef CONFIG_VM_DYNAMIC_MEMORY
		vm_mem_report_stats();
#endif
		psci_system_off();
	}
	switch_to(next, frame);
}

void vms_run(void)
{
	static struct trap_frame first;

	current = nr_vms - 1;	/* so that the search starts at VM 0 */
	int next = nr_vms ? next_runnable() : -1;

	if (next < 0)
		psci_system_off();
	WRITE_SYSREG(vtcr_el2, VTCR_EL2_VALUE);
	WRITE_SYSREG(hcr_el2, HCR_EL2_VALUE);
	gic_init();
	hyp_timer_start(timeslice_us);
	__asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(vms_started_at));
	switch_to(next, &first);
	enter_guest(&first);
}
