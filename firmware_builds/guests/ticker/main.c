/* The ticker guest: counts the interrupts of its two EL1 timers, virtual
 * and physical, each re-armed from its handler `period-us` on. Between them
 * it busy-waits, with no trap to the hypervisor, which must notice by itself
 * that a deactivated timer interrupt's line may rise again (the maintenance
 * interrupt) instead of at its next scheduler tick; or, with `wfi`, it waits
 * in WFI, giving up the CPU, and must be woken when a timer expires while
 * another VM runs. It reports how many of `ticks` interrupts of each timer
 * came within `within-ms` of its time. */
#include <stdint.h>

#include "guest.h"
#include "sysreg_access.h"

#define VTIMER_INTID	27
#define PTIMER_INTID	30
#define CTL_ENABLE	1

static volatile uint64_t vticks, pticks;
static uint64_t want, period;

static void isb(void)
{
	__asm__ volatile("isb" ::: "memory");
}

static uint64_t now(void)
{
	isb();
	return READ_SYSREG(cntvct_el0);
}

/* Each handler disarms its timer after the last tick: however short the
 * period, the loop in guest_main runs again. */
static void vtimer_tick(void)
{
	if (++vticks < want) {
		WRITE_SYSREG(cntv_tval_el0, period);
		WRITE_SYSREG(cntv_ctl_el0, CTL_ENABLE);
	} else {
		WRITE_SYSREG(cntv_ctl_el0, 0);
	}
	isb();
}

static void ptimer_tick(void)
{
	if (++pticks < want) {
		WRITE_SYSREG(cntp_tval_el0, period);
		WRITE_SYSREG(cntp_ctl_el0, CTL_ENABLE);
	} else {
		WRITE_SYSREG(cntp_ctl_el0, 0);
	}
	isb();
}

int guest_main(const void *dtb)
{
	uint64_t freq = READ_SYSREG(cntfrq_el0), period_us = guest_param(dtb, "period-us", 1000);
	uint64_t limit = freq / 1000 * guest_param(dtb, "within-ms", 400);
	int wfi = guest_param(dtb, "wfi", 0) != 0;

	want = guest_param(dtb, "ticks", 20);
	period = freq * period_us / 1000000;
	guest_printf("@guest ticker-start ticks=0x%lx period-us=0x%lx wfi=0x%x\n",
		     (unsigned long)want, (unsigned long)period_us, wfi);
	guest_irq_init();
	guest_irq_on(VTIMER_INTID, vtimer_tick);
	guest_irq_on(PTIMER_INTID, ptimer_tick);
	uint64_t start = now();

	WRITE_SYSREG(cntv_tval_el0, period);
	WRITE_SYSREG(cntv_ctl_el0, CTL_ENABLE);
	WRITE_SYSREG(cntp_tval_el0, period);
	WRITE_SYSREG(cntp_ctl_el0, CTL_ENABLE);
	isb();
	while ((vticks < want || pticks < want) && now() - start < limit) {
		if (wfi)	/* interrupts masked across the WFI: none is missed */
			__asm__ volatile("wfi; msr daifclr, #2; isb; msr daifset, #2" ::: "memory");
		else
			__asm__ volatile("msr daifclr, #2; isb; msr daifset, #2" ::: "memory");
	}
	WRITE_SYSREG(cntv_ctl_el0, 0);
	WRITE_SYSREG(cntp_ctl_el0, 0);
	guest_printf("@guest ticks virtual=0x%lx physical=0x%lx\n", (unsigned long)vticks,
		     (unsigned long)pticks);
	return 0;
}
