#include "cpus.h"
#include "gic.h"
#include "memory_map.h"
#include "percpu.h"
#include "sysregs.h"

#define GICD_CTLR		0x0000
#define GICD_CTLR_ENABLE_G1	(1u << 1)
#define GICD_CTLR_ARE		(1u << 4)
#define GICD_CTLR_RWP		(1u << 31)
#define GICD_IGROUPR		0x0080
#define GICD_ISENABLER		0x0100
#define GICD_IPRIORITYR		0x0400
#define GICD_IROUTER		0x6000
#define GICR_CTLR		0x0000
#define GICR_CTLR_RWP		(1u << 3)
#define GICR_WAKER		0x0014
#define GICR_WAKER_SLEEP	(1u << 1)
#define GICR_WAKER_ASLEEP	(1u << 2)
#define GICR_IGROUPR0		0x0080
#define GICR_ISENABLER0		0x0100
#define GICR_ICENABLER0		0x0180
#define GICR_IPRIORITYR		0x0400

#define HYP_PPIS	((1u << SGI_KICK) | (1u << SGI_RESUME) | (1u << INTID_MAINTENANCE) | (1u << INTID_HYP_TIMER) | \
			 (1u << INTID_VTIMER) | (1u << INTID_PTIMER))

static uint32_t ppis_enabled[MAX_CPUS];	/* what each CPU's GICR_ISENABLER0 holds */

static inline volatile uint32_t *reg32(uint64_t addr)
{
	return (volatile uint32_t *)addr;
}

#define GICR_FRAME_SIZE		0x20000	/* GICv3: RD_base and SGI_base, 64 KiB each */

static uint64_t redistributor(unsigned int cpu)
{
	return GICR_BASE + cpu * GICR_FRAME_SIZE;
}

static uint64_t sgi_frame(unsigned int cpu)
{
	return redistributor(cpu) + 0x10000;
}

void gic_cpu_init(uint64_t index)
{
	uint64_t rd = redistributor(index), sgi = sgi_frame(index);

	*reg32(rd + GICR_WAKER) &= ~GICR_WAKER_SLEEP;
	while (*reg32(rd + GICR_WAKER) & GICR_WAKER_ASLEEP)
		;
	WRITE_SYSREG(S3_4_C12_C9_5, 0xf);	/* ICC_SRE_EL2: system registers, enable */
	__asm__ volatile("isb");
	*reg32(sgi + GICR_IGROUPR0) |= HYP_PPIS;
	for (uint32_t intid = 0; intid < 32; intid++)
		if (HYP_PPIS & (1u << intid))
			((volatile uint8_t *)(sgi + GICR_IPRIORITYR))[intid] =
				intid == SGI_RESUME ? GIC_PRIORITY_WAKE : GIC_PRIORITY_HYP;
	*reg32(sgi + GICR_ISENABLER0) = HYP_PPIS;
	ppis_enabled[index] = HYP_PPIS;
	WRITE_SYSREG(S3_0_C4_C6_0, GIC_PMR_ALL);	/* ICC_PMR_EL1 */
	WRITE_SYSREG(S3_0_C12_C12_7, 1);	/* ICC_IGRPEN1_EL1 */
	__asm__ volatile("isb");
}

void gic_init(void)
{
	*reg32(GICD_BASE + GICD_CTLR) = GICD_CTLR_ARE | GICD_CTLR_ENABLE_G1;
	while (*reg32(GICD_BASE + GICD_CTLR) & GICD_CTLR_RWP)
		;
	gic_cpu_init(0);	/* the boot CPU's redistributor and interface */
}

void gic_send_sgi(unsigned int cpu, uint32_t intid)
{
	uint64_t mpidr = cpu_mpidr(cpu);
	uint64_t aff1 = (mpidr >> 8) & 0xff, aff2 = (mpidr >> 16) & 0xff, aff3 = (mpidr >> 32) & 0xff;

	__asm__ volatile("dsb ishst" ::: "memory");	/* what it is told about is seen first */
	WRITE_SYSREG(S3_0_C12_C11_5, (aff3 << 48) | (aff2 << 32) | ((uint64_t)intid << 24) |
		     (aff1 << 16) | (1UL << (mpidr & 0xf)));	/* ICC_SGI1R_EL1 */
	__asm__ volatile("isb");
}

void gic_ack_all(void)
{
	uint32_t intid;

	while ((intid = gic_ack()) != INTID_SPURIOUS)
		gic_eoi(intid);
}

uint32_t gic_ack(void)
{
	return READ_SYSREG(S3_0_C12_C12_0) & 0xffffff;	/* ICC_IAR1_EL1 */
}

void gic_eoi(uint32_t intid)
{
	WRITE_SYSREG(S3_0_C12_C12_1, intid);		/* ICC_EOIR1_EL1 */
}

void gic_ppi_enable(uint32_t intid, int on)
{
	uint32_t bit = 1u << intid;
	unsigned int cpu = this_cpu();

	if (!!(ppis_enabled[cpu] & bit) == !!on)
		return;		/* a register write is a trip through QEMU's GIC model */
	ppis_enabled[cpu] ^= bit;
	*reg32(sgi_frame(cpu) + (on ? GICR_ISENABLER0 : GICR_ICENABLER0)) = bit;
	while (!on && (*reg32(redistributor(cpu) + GICR_CTLR) & GICR_CTLR_RWP))
		;	/* a disable has taken effect only once RWP reads 0 */
}

static void spi_enable(uint32_t intid, uint8_t priority, uint64_t affinity)
{
	uint32_t bit = 1u << (intid % 32), word = 4 * (intid / 32);

	*reg32(GICD_BASE + GICD_IGROUPR + word) |= bit;
	((volatile uint8_t *)(GICD_BASE + GICD_IPRIORITYR))[intid] = priority;
	*(volatile uint64_t *)(GICD_BASE + GICD_IROUTER + 8 * intid) = affinity;
	*reg32(GICD_BASE + GICD_ISENABLER + word) = bit;
}

void gic_spi_enable(uint32_t intid)
{
	spi_enable(intid, GIC_PRIORITY_HYP, 0);	/* affinity 0.0.0.0 */
}

void gic_spi_wake_here(uint32_t intid)
{
	uint64_t mpidr = cpu_mpidr(this_cpu());

	/* GICD_IROUTER: Aff3 at bits 39:32, Aff2..Aff0 as in MPIDR_EL1 */
	spi_enable(intid, GIC_PRIORITY_WAKE, (mpidr & 0xffffff) | ((mpidr >> 32) & 0xff) << 32);
}
