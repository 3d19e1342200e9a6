/* Shadows common/sysreg_access.h on the host (fuzz/): hypervisor/sysregs.h
 * includes it by quotes from its own directory, where it is not, so -I
 * fuzz/host finds this one before common/'s. Every system register is a
 * variable found by its name (sysregs_fake.c), the name an encoding or an
 * alias such as ICH_HCR_EL2 macro-expanded first. */
#ifndef ZVM_SYSREG_ACCESS_H
#define ZVM_SYSREG_ACCESS_H

#include <stdint.h>

uint64_t *sysreg_fake(const char *name);

#define SYSREG_FAKE_NAME(name)	#name
#define READ_SYSREG(name)	(*sysreg_fake(SYSREG_FAKE_NAME(name)))
#define WRITE_SYSREG(name, v)	(*sysreg_fake(SYSREG_FAKE_NAME(name)) = (uint64_t)(v))

static inline uint64_t read_counter(void)
{
	return (*sysreg_fake("cntpct_el0"))++;
}

/* The firmware's barriers are inline asm ("isb"), which x86 has no
 * instruction for: an assembler macro makes it nothing. */
__asm__(".macro isb\n.endm\n");

#endif
