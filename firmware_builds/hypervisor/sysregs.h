/* EL2 system register values, shared by assembly and C, and for C the
 * accessors (common/sysreg_access.h). */
#ifndef ZVM_SYSREGS_H
#define ZVM_SYSREGS_H

#ifndef __ASSEMBLER__
#include "sysreg_access.h"
#endif

/* CPTR_EL2: RES1 bits [13:12,9:0], TFP (bit 10) clear so FP/SIMD is not trapped. */
#define CPTR_EL2_DEFAULT	0x33ff

/* MAIR_EL2: attr0 Device-nGnRnE, attr1 Normal write-back RW-allocate. */
#define MAIR_EL2_VALUE		0xff00
#define MAIR_IDX_DEVICE		0
#define MAIR_IDX_NORMAL		1

/* TCR_EL2 (E2H=0): RES1 bits 31 and 23, PS=40-bit, 4 KiB granule,
 * inner-shareable write-back walks, T0SZ=25 (39-bit VA, walk starts at level 1). */
#define TCR_EL2_VALUE		0x80823519

/* SCTLR_EL2: RES1 bits, MMU (M), data cache (C) and instruction cache (I) on,
 * alignment checking (A) off. */
#define SCTLR_EL2_VALUE		0x30c51835

/* ESR_ELx fields. */
#define ESR_EC_SHIFT		26
#define ESR_EC_MASK		0x3f
#define ESR_ISS_MASK		0x1ffffff

#endif
