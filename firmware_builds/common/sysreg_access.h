/* AArch64 system register accessors, the one definition for the hypervisor
 * (through hypervisor/sysregs.h) and the guests. C only. */
#ifndef ZVM_SYSREG_ACCESS_H
#define ZVM_SYSREG_ACCESS_H

#include <stdint.h>

/* `name` as the assembler spells it: an architectural name (cntfrq_el0) or
 * an encoding (S3_0_C12_C12_0) for registers it may not know. */
#define READ_SYSREG(name) ({ uint64_t v; __asm__ volatile("mrs %0, " #name : "=r"(v)); v; })
#define WRITE_SYSREG(name, v) __asm__ volatile("msr " #name ", %0" : : "r"((uint64_t)(v)))

/* CNTPCT_EL0 once the instructions before have run (the isb): under -icount
 * it counts instructions, the clock of the benchmarks' tick counts. */
static inline uint64_t read_counter(void)
{
	uint64_t t;

	__asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(t));
	return t;
}

#endif
