#include "console.h"
#include "psci.h"

void halt(void) __attribute__((noreturn));

void psci_system_off(void)
{
	zvm_trace("poweroff", "reason=done");

	register unsigned long x0 __asm__("x0") = PSCI_SYSTEM_OFF;
	__asm__ volatile("smc #0" : "+r"(x0) : : "memory");
	/* Only reached when nothing below us implements PSCI. */
	zvm_trace("panic", "reason=psci-off-returned ret=0x%lx", x0);
	halt();
}
