#include "guest.h"
#include "sysreg_access.h"

#define MAX_INTID	96	/* SGIs, PPIs and the SPIs the hypervisor emulates */

extern char guest_vectors[];
static void (*handlers[MAX_INTID])(void);

void guest_irq_init(void)
{
	WRITE_SYSREG(vbar_el1, guest_vectors);
	WRITE_SYSREG(S3_0_C12_C12_5, READ_SYSREG(S3_0_C12_C12_5) | 1);	/* ICC_SRE_EL1.SRE */
	__asm__ volatile("isb");
	WRITE_SYSREG(S3_0_C4_C6_0, 0xff);	/* ICC_PMR_EL1 */
	WRITE_SYSREG(S3_0_C12_C12_7, 1);	/* ICC_IGRPEN1_EL1 */
	__asm__ volatile("isb");
}

void guest_irq_on(unsigned int intid, void (*handler)(void))
{
	if (intid < MAX_INTID)
		handlers[intid] = handler;
}

/* From vectors.S, for every IRQ. */
void guest_irq(void)
{
	uint32_t intid = READ_SYSREG(S3_0_C12_C12_0) & 0xffffff;	/* ICC_IAR1_EL1 */

	if (intid >= 1020)
		return;		/* spurious */
	if (intid < MAX_INTID && handlers[intid])
		handlers[intid]();
	WRITE_SYSREG(S3_0_C12_C12_1, intid);	/* ICC_EOIR1_EL1 */
}

/* From vectors.S, for every other exception. */
void guest_unexpected_exception(uint64_t esr)
{
	guest_printf("@guest exception esr=0x%lx\n", esr);
	guest_exit(0xe);
}
