#include "console.h"
#include "psci.h"
#include "sysregs.h"

void halt(void) __attribute__((noreturn));

uint64_t vms_started_at;	/* CNTPCT_EL0 when the first VM was entered */

void psci_system_off(void)
{
	uint64_t now = read_counter();

	/* Under -icount the counter counts instructions: `ticks` is what running
	 * the VMs cost, hypervisor included (benchmarks compare it). */
	zvm_trace("poweroff", "reason=done ticks=0x%lx", vms_started_at ? now - vms_started_at : 0);

	register unsigned long x0 __asm__("x0") = PSCI_SYSTEM_OFF;
	__asm__ volatile("smc #0" : "+r"(x0) : : "memory");
	/* Only reached when nothing below us implements PSCI. */
	zvm_trace("panic", "reason=psci-off-returned ret=0x%lx", x0);
	halt();
}
