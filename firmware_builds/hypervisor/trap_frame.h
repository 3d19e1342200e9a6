/* The register frame the EL2 vectors save; layout shared with vectors.S. */
#ifndef ZVM_TRAP_FRAME_H
#define ZVM_TRAP_FRAME_H

#define FRAME_SIZE	800	/* 16-byte aligned */
#define FRAME_ELR	248
#define FRAME_SPSR	256
#define FRAME_Q		272	/* q0..q31: hypervisor code (libc's memcpy) may use SIMD */
#define FRAME_FPSR	784

#ifndef __ASSEMBLER__
#include <stdint.h>

#define SPSR_EL1H_MASKED	0x3c5UL	/* an entry or a taken exception: EL1h, DAIF masked */

struct trap_frame {
	uint64_t x[31];
	uint64_t elr;
	uint64_t spsr;
	uint64_t pad;
	__uint128_t q[32];
	uint64_t fpsr;
	uint64_t fpcr;
};

_Static_assert(sizeof(struct trap_frame) == FRAME_SIZE, "frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, elr) == FRAME_ELR, "elr");
_Static_assert(__builtin_offsetof(struct trap_frame, spsr) == FRAME_SPSR, "spsr");
_Static_assert(__builtin_offsetof(struct trap_frame, q) == FRAME_Q, "q");
_Static_assert(__builtin_offsetof(struct trap_frame, fpsr) == FRAME_FPSR, "fpsr");

/* Vector kinds: 4 groups (current EL SP0, current EL SPx, lower EL AArch64,
 * lower EL AArch32) of 4 (sync, irq, fiq, serror). */
enum trap_kind {
	TRAP_CUR_SP0_SYNC = 0,
	TRAP_CUR_SPX_SYNC = 4,
	TRAP_LOWER64_SYNC = 8,
	TRAP_LOWER64_IRQ = 9,
};

void el2_trap(struct trap_frame *frame, uint64_t kind);

/* Loads `frame` (a vCPU's registers) and erets into it, the EL2 stack
 * reset to `stack_top` (this CPU's, cpus.h); never returns. */
__attribute__((noreturn)) void enter_guest(const struct trap_frame *frame, uint64_t stack_top);
#endif
#endif
