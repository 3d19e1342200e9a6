#include "cpus.h"
#include "hyp_timer.h"
#include "percpu.h"
#include "sysregs.h"

static uint64_t timer_ticks;
static int started[MAX_CPUS];	/* ticking */

static void tick_on(void)
{
	hyp_timer_rearm();
	WRITE_SYSREG(cnthp_ctl_el2, 1);		/* enabled, not masked */
	started[this_cpu()] = 1;
}

void hyp_timer_start(uint64_t period_us)
{
	timer_ticks = READ_SYSREG(cntfrq_el0) * period_us / 1000000;
	if (timer_ticks == 0)
		timer_ticks = 1;
	tick_on();
}

void hyp_timer_rearm(void)
{
	WRITE_SYSREG(cnthp_tval_el2, timer_ticks);
}

void hyp_timer_stop(void)
{
	WRITE_SYSREG(cnthp_ctl_el2, 0);
	started[this_cpu()] = 0;
}

void hyp_timer_resume(void)
{
	if (!started[this_cpu()])
		tick_on();
}

void hyp_timer_at(uint64_t deadline)
{
	WRITE_SYSREG(cnthp_cval_el2, deadline);
	WRITE_SYSREG(cnthp_ctl_el2, 1);
	started[this_cpu()] = 0;
}

uint64_t hyp_timer_period(void)
{
	return timer_ticks;
}
