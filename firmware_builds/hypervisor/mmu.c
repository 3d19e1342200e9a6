/* The hypervisor's own stage-1 translation (EL2): an identity map of the
 * low 4 GiB in 1 GiB level-1 blocks. The first GiB holds the MMIO devices
 * (Device-nGnRnE, never executable); RAM starts at 1 GiB (Normal, cacheable). */
#include <stdint.h>

#include "sysregs.h"

#define DESC_BLOCK	0x1UL
#define DESC_ATTR(i)	((uint64_t)(i) << 2)
#define DESC_SH_INNER	(3UL << 8)
#define DESC_AF		(1UL << 10)
#define DESC_XN		(1UL << 54)

#define GIB		0x40000000UL
#define DEVICE_BLOCK(pa) ((pa) | DESC_BLOCK | DESC_ATTR(MAIR_IDX_DEVICE) | DESC_AF | DESC_XN)
#define NORMAL_BLOCK(pa) ((pa) | DESC_BLOCK | DESC_ATTR(MAIR_IDX_NORMAL) | DESC_SH_INNER | DESC_AF)

uint64_t el2_l1_table[512] __attribute__((aligned(4096))) = {
	[0] = DEVICE_BLOCK(0 * GIB),
	[1] = NORMAL_BLOCK(1 * GIB),
	[2] = NORMAL_BLOCK(2 * GIB),
	[3] = NORMAL_BLOCK(3 * GIB),
};
