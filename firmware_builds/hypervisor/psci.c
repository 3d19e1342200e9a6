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

int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
	register uint64_t x0 __asm__("x0") = PSCI_CPU_ON_64;
	register uint64_t x1 __asm__("x1") = mpidr;
	register uint64_t x2 __asm__("x2") = entry;
	register uint64_t x3 __asm__("x3") = context;

	__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return (int64_t)x0;
}
