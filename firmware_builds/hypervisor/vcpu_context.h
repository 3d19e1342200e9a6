/* A vCPU's register context beyond the trap frame: its EL1 system registers
 * with the EL1 timers, which the scheduler moves in and out of the CPU,
 * and the state every vCPU starts in. */
#ifndef ZVM_VCPU_CONTEXT_H
#define ZVM_VCPU_CONTEXT_H

#include <stdint.h>

#include "sysregs.h"

struct vm;
struct vcpu;

/* The guest's EL1 system registers, switched with the VM. */
struct el1_sysregs {
	uint64_t sctlr, ttbr0, ttbr1, tcr, mair, amair, vbar, sp_el1, sp_el0;
	uint64_t elr, spsr, esr, far, afsr0, afsr1, contextidr, cpacr;
	uint64_t tpidr_el1, tpidr_el0, tpidrro_el0, par, cntkctl;
	uint64_t cntv_ctl, cntv_cval;		/* the virtual timer */
	uint64_t cntp_ctl, cntp_cval;		/* the EL1 physical timer */
};

/* The registers a vCPU starts with (its VM's first at its entry point with
 * its DTB's IPA in x0, the others where PSCI CPU_ON says): at `entry` with
 * `x0`, EL1h with interrupts masked, MMU off, FP/SIMD not trapped. */
void vcpu_reset(struct vcpu *vcpu, uint64_t entry, uint64_t x0);
/* The HCR_EL2 the VM's vCPUs run under. */
uint64_t vcpu_hcr(const struct vm *vm);

/* Inline: they run on every switch between VMs. */
static inline void vcpu_save_el1(struct el1_sysregs *s)
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
	s->cntp_ctl = READ_SYSREG(cntp_ctl_el0);
	s->cntp_cval = READ_SYSREG(cntp_cval_el0);
}

static inline void vcpu_load_el1(const struct el1_sysregs *s)
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
	/* The next VM's timers replace the last one's, which cannot fire for it. */
	WRITE_SYSREG(cntv_cval_el0, s->cntv_cval);
	WRITE_SYSREG(cntv_ctl_el0, s->cntv_ctl);
	WRITE_SYSREG(cntp_cval_el0, s->cntp_cval);
	WRITE_SYSREG(cntp_ctl_el0, s->cntp_ctl);
}

#endif
