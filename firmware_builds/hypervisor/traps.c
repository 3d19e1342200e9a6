/* EL2 exception handling. A trap the hypervisor does not expect is a panic:
 * it reports ESR_EL2, ELR_EL2 and FAR_EL2 and stops the CPU. */
#include <stdint.h>

#include "console.h"
#include "sysregs.h"
#include "trap_frame.h"

void halt(void) __attribute__((noreturn));

static const char *const trap_kind_names[16] = {
	"cur-sp0-sync", "cur-sp0-irq", "cur-sp0-fiq", "cur-sp0-serror",
	"cur-spx-sync", "cur-spx-irq", "cur-spx-fiq", "cur-spx-serror",
	"lower64-sync", "lower64-irq", "lower64-fiq", "lower64-serror",
	"lower32-sync", "lower32-irq", "lower32-fiq", "lower32-serror",
};

#define READ_SYSREG(name) ({ uint64_t v; __asm__ volatile("mrs %0, " #name : "=r"(v)); v; })

__attribute__((noreturn)) static void panic_trap(struct trap_frame *frame, uint64_t kind)
{
	uint64_t esr = READ_SYSREG(esr_el2);

	zvm_trace("panic", "kind=%s ec=0x%lx esr=0x%lx elr=0x%lx far=0x%lx spsr=0x%lx",
		  trap_kind_names[kind & 15], (esr >> ESR_EC_SHIFT) & ESR_EC_MASK, esr,
		  frame->elr, READ_SYSREG(far_el2), frame->spsr);
	halt();
}

void el2_trap(struct trap_frame *frame, uint64_t kind)
{
	panic_trap(frame, kind);
}
