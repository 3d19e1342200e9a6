#include <string.h>

#include "vcpu_context.h"
#include "vm.h"

#define SCTLR_EL1_RESET	0x30d00800UL
#define CPACR_FPEN	(3UL << 20)
#define MPIDR_RES1	(1UL << 31)

/* HCR_EL2: VM (stage 2 on), SWIO, FMO/IMO/AMO (interrupts to EL2, and the
 * guests' GIC CPU interface virtual), DC (EL1 with its MMU off sees Normal
 * cacheable memory, so guests need no page tables of their own), TWI (a
 * waiting guest gives up the CPU), TSC (SMC traps), RW (EL1 is AArch64). */
#define HCR_EL2_VALUE	((1UL << 0) | (1UL << 1) | (1UL << 3) | (1UL << 4) | (1UL << 5) | \
			 (1UL << 12) | (1UL << 13) | (1UL << 19) | (1UL << 31))
#define HCR_EL2_DC	(1UL << 12)	/* not for Linux: it runs its own stage 1 */

void vcpu_reset(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;

	vm->hcr = cfg->linux_guest ? HCR_EL2_VALUE & ~HCR_EL2_DC : HCR_EL2_VALUE;
	vm->vmpidr = MPIDR_RES1;	/* vCPU 0: affinity 0.0.0.0 */
	memset(&vm->regs, 0, sizeof(vm->regs));
	vm->regs.x[0] = cfg->dtb_ipa;
	vm->regs.elr = cfg->entry_ipa;
	vm->regs.spsr = SPSR_EL1H_MASKED;
	memset(&vm->sys, 0, sizeof(vm->sys));
	vm->sys.sctlr = SCTLR_EL1_RESET;
	vm->sys.cpacr = CPACR_FPEN;
}
