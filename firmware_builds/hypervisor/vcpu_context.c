#include <string.h>

#include "vcpu_context.h"
#include "vm.h"

#define SCTLR_EL1_RESET	0x30d00800UL
#define CPACR_FPEN	(3UL << 20)
#define MPIDR_RES1	(1UL << 31)

/* HCR_EL2: VM (stage 2 on), SWIO, FMO/IMO/AMO (interrupts to EL2, and the
 * guests' GIC CPU interface virtual), DC (EL1 with its MMU off sees Normal
 * cacheable memory, so guests need no page tables of their own), TWI (a
 * waiting guest gives up the CPU), TWE (so does a vCPU that waits for
 * another's event: that one may need this CPU), TSC (SMC traps), RW (EL1
 * is AArch64). */
#define HCR_EL2_VALUE	((1UL << 0) | (1UL << 1) | (1UL << 3) | (1UL << 4) | (1UL << 5) | \
			 (1UL << 12) | (1UL << 13) | (1UL << 14) | (1UL << 19) | (1UL << 31))
#define HCR_EL2_DC	(1UL << 12)	/* not for Linux: it runs its own stage 1 */

uint64_t vcpu_hcr(const struct vm *vm)
{
	return vm->cfg->linux_guest ? HCR_EL2_VALUE & ~HCR_EL2_DC : HCR_EL2_VALUE;
}

void vcpu_reset(struct vcpu *vcpu, uint64_t entry, uint64_t x0)
{
	vcpu->vmpidr = MPIDR_RES1 | vcpu->index;	/* affinity 0.0.0.<index> */
	memset(&vcpu->regs, 0, sizeof(vcpu->regs));
	vcpu->regs.x[0] = x0;
	vcpu->regs.elr = entry;
	vcpu->regs.spsr = SPSR_EL1H_MASKED;
	memset(&vcpu->sys, 0, sizeof(vcpu->sys));
	vcpu->sys.sctlr = SCTLR_EL1_RESET;
	vcpu->sys.cpacr = CPACR_FPEN;
	vcpu->waiting = 0;
}
