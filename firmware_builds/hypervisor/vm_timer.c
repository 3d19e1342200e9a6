#include "gic.h"
#include "sysregs.h"
#include "vgic.h"
#include "vm_timer.h"

#define CNT_CTL_ENABLE		1UL
#define CNT_CTL_IMASK		2UL
#define CNT_CTL_ISTATUS		4UL

/* The level the timer's output drives, from its control register. */
static int line_high(uint64_t ctl)
{
	return (ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK | CNT_CTL_ISTATUS)) ==
	       (CNT_CTL_ENABLE | CNT_CTL_ISTATUS);
}

static void set_line(struct vcpu *vcpu, unsigned int intid, int high)
{
	vgic_set_level(&vcpu->vgic, intid, high);
	gic_ppi_enable(intid, !high);	/* the physical PPI has the virtual's number */
}

void vm_timers_sample(struct vcpu *vcpu)
{
	set_line(vcpu, VTIMER_VINTID, line_high(READ_SYSREG(cntv_ctl_el0)));
	set_line(vcpu, PTIMER_VINTID, line_high(READ_SYSREG(cntp_ctl_el0)));
}

/* ISTATUS as the timer would compute it against `now`. */
static uint64_t with_status(uint64_t ctl, uint64_t cval, uint64_t now)
{
	return cval <= now ? ctl | CNT_CTL_ISTATUS : ctl & ~CNT_CTL_ISTATUS;
}

void vm_timers_off(void)
{
	WRITE_SYSREG(cntv_ctl_el0, 0);
	WRITE_SYSREG(cntp_ctl_el0, 0);
	__asm__ volatile("isb");
}

void vm_timers_sample_saved(struct vcpu *vcpu)
{
	const struct el1_sysregs *s = &vcpu->sys;

	vgic_set_level(&vcpu->vgic, VTIMER_VINTID,
		       line_high(with_status(s->cntv_ctl, s->cntv_cval, READ_SYSREG(cntvct_el0))));
	vgic_set_level(&vcpu->vgic, PTIMER_VINTID,
		       line_high(with_status(s->cntp_ctl, s->cntp_cval, READ_SYSREG(cntpct_el0))));
}

static int armed(uint64_t ctl)
{
	return (ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE;
}

uint64_t vm_timers_deadline(const struct vcpu *vcpu, uint64_t cntvoff)
{
	const struct el1_sysregs *s = &vcpu->sys;
	uint64_t now = read_counter(), first = ~0UL;

	if (armed(s->cntv_ctl) && s->cntv_cval + cntvoff > now)
		first = s->cntv_cval + cntvoff;
	if (armed(s->cntp_ctl) && s->cntp_cval > now && s->cntp_cval < first)
		first = s->cntp_cval;
	return first;
}
