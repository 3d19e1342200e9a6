#include "cpu_pause.h"
#include "cpus.h"
#include "gic.h"
#include "hyp_lock.h"
#include "percpu.h"
#include "sysregs.h"

#define ICC_PMR_EL1	S3_0_C4_C6_0
#define ICH_HCR_EL2	S3_4_C12_C11_0

static volatile int pauser = -1;	/* the CPU that paused the others, or -1 */
static volatile unsigned int parked;	/* how many of them have parked */
static volatile unsigned int resumed;	/* pauses over: a parked CPU waits for its
					 * own, as the next may start before it wakes */

/* This CPU's timers and virtual CPU interface, held while it sleeps: under
 * counted time, QEMU would move its clock on to an armed timer's deadline
 * as soon as every CPU sleeps, and a pending virtual interrupt counts as
 * work to it, so the CPU would not sleep at all. */
struct held {
	uint64_t cntv_ctl, cntp_ctl, cnthp_ctl, ich_hcr;
};

static void hold(struct held *h)
{
	h->cntv_ctl = READ_SYSREG(cntv_ctl_el0);
	h->cntp_ctl = READ_SYSREG(cntp_ctl_el0);
	h->cnthp_ctl = READ_SYSREG(cnthp_ctl_el2);
	h->ich_hcr = READ_SYSREG(ICH_HCR_EL2);
	WRITE_SYSREG(cntv_ctl_el0, 0);
	WRITE_SYSREG(cntp_ctl_el0, 0);
	WRITE_SYSREG(cnthp_ctl_el2, 0);
	WRITE_SYSREG(ICH_HCR_EL2, 0);
	WRITE_SYSREG(ICC_PMR_EL1, GIC_PRIORITY_HYP);	/* only the wake-ups above it */
	__asm__ volatile("isb");
}

static void release(const struct held *h)
{
	WRITE_SYSREG(ICC_PMR_EL1, GIC_PMR_ALL);
	WRITE_SYSREG(cntv_ctl_el0, h->cntv_ctl);
	WRITE_SYSREG(cntp_ctl_el0, h->cntp_ctl);
	WRITE_SYSREG(cnthp_ctl_el2, h->cnthp_ctl);
	WRITE_SYSREG(ICH_HCR_EL2, h->ich_hcr);
	__asm__ volatile("isb");
}

/* One WFI, then what woke it taken off the GIC: a resume SGI that came
 * late would otherwise end every later sleep at once. One only: a level
 * SPI still asserted is pending again as soon as it is done with. */
static void sleep_once(void)
{
	uint32_t intid;

	__asm__ volatile("dsb sy; wfi" ::: "memory");
	if ((intid = gic_ack()) != INTID_SPURIOUS)
		gic_eoi(intid);
}

/* Holding the lock: lets it go, sleeps until the pause ends, takes it back. */
static void park(void)
{
	struct held h;
	unsigned int pause = resumed;

	hold(&h);
	parked++;
	spin_unlock(&hyp_lock);
	while (resumed == pause)
		sleep_once();
	spin_lock(&hyp_lock);
	release(&h);
}

void hyp_lock_take(void)
{
	spin_lock(&hyp_lock);
	while (pauser >= 0 && pauser != (int)this_cpu())
		park();
}

void cpus_pause_others(void)
{
	unsigned int others = cpus_up() - 1;

	pauser = (int)this_cpu();
	parked = 0;
	for (unsigned int cpu = 0; cpu < cpus_up(); cpu++)
		if (cpu != this_cpu())
			gic_send_sgi(cpu, SGI_KICK);
	/* Each parks once it has the lock: let it go meanwhile. YIELD: where
	 * the CPUs take turns on one host thread, they run now. */
	while (parked < others) {
		spin_unlock(&hyp_lock);
		__asm__ volatile("yield" ::: "memory");
		spin_lock(&hyp_lock);
	}
}

void cpus_resume_others(void)
{
	resumed++;
	pauser = -1;
	for (unsigned int cpu = 0; cpu < cpus_up(); cpu++)
		if (cpu != this_cpu())
			gic_send_sgi(cpu, SGI_RESUME);
}

void cpu_sleep_until(int (*done)(void))
{
	struct held h;

	hold(&h);
	/* Asleep once at least: an answer that came before the first look
	 * would otherwise save the WFI and the acknowledgement, and how many
	 * instructions the wait took would depend on the host after all. */
	do
		sleep_once();
	while (!done());
	release(&h);
}
