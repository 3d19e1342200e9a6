#include "hyp_timer.h"
#include "sysregs.h"

static uint64_t timer_ticks;

void hyp_timer_start(uint64_t period_us)
{
	timer_ticks = READ_SYSREG(cntfrq_el0) * period_us / 1000000;
	if (timer_ticks == 0)
		timer_ticks = 1;
	hyp_timer_rearm();
	WRITE_SYSREG(cnthp_ctl_el2, 1);		/* enabled, not masked */
}

void hyp_timer_rearm(void)
{
	WRITE_SYSREG(cnthp_tval_el2, timer_ticks);
}
