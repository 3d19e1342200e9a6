#ifndef FUZZ_TLB_FAKE_H
#define FUZZ_TLB_FAKE_H

/* For units with stage-2 maintenance in inline assembly (stage2.c's dsb
 * and tlbi), forced in with -include: on the host, with one CPU and no
 * TLB, assembler macros that emit nothing. isb is sysreg_access.h's, taken
 * here so that every unit has it once. */
#include "sysreg_access.h"

__asm__(".macro dsb option\n.endm\n.macro tlbi op, arg\n.endm\n");

#endif
