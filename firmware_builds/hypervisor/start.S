/* EL2 entry: stack, zeroed .bss/.tbss, FP/SIMD untrapped, TLS pointer,
 * exception vectors, then the EL2 stage-1 MMU (identity map) so that C code
 * and the libraries run on Normal cacheable memory: liblzo2 and picolibc
 * do unaligned accesses, which fault on the Device memory of MMU-off. */
#include "sysregs.h"

	.section .text.boot, "ax"
	.global _start
_start:
	mrs	x0, CurrentEL
	cmp	x0, #(2 << 2)
	b.ne	not_el2

	ldr	x0, =__stack_top
	mov	sp, x0

	/* Zero .tbss and .bss (8-byte aligned by the linker script). */
	ldr	x0, =__zero_start
	ldr	x1, =__zero_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:
	msr	tpidr_el2, xzr		/* this_cpu(): the boot CPU is CPU 0 */
	bl	el2_setup
	bl	hyp_main
	b	halt

/* A CPU started by cpus.c (PSCI CPU_ON), at EL2 with its MMU off; x0: its
 * index. Its own stack, then the boot CPU's EL2 set-up and page tables. */
	.global secondary_entry
secondary_entry:
	mov	x19, x0
	ldr	x1, =secondary_stacks
	add	x0, x0, #1
	lsl	x0, x0, #14		/* SECONDARY_STACK_SIZE (cpus.h) */
	add	x0, x1, x0
	mov	sp, x0
	msr	tpidr_el2, x19		/* this_cpu() */
	bl	el2_setup
	mov	x0, x19
	bl	secondary_main
	b	halt

/* EL2's state for C: FP/SIMD untrapped, the TLS pointer, the vectors, the
 * identity-mapped stage-1 MMU. Uses x0 only. */
el2_setup:
	ldr	x0, =CPTR_EL2_DEFAULT
	msr	cptr_el2, x0

	/* AArch64 TLS variant 1: TPIDR points 16 bytes (the TCB) below the block. */
	ldr	x0, =__tls_base
	sub	x0, x0, #16
	msr	tpidr_el0, x0

	ldr	x0, =el2_vectors
	msr	vbar_el2, x0

	ldr	x0, =MAIR_EL2_VALUE
	msr	mair_el2, x0
	ldr	x0, =TCR_EL2_VALUE
	msr	tcr_el2, x0
	ldr	x0, =el2_l1_table
	msr	ttbr0_el2, x0
	isb
	tlbi	alle2
	ic	iallu
	dsb	sy
	isb
	ldr	x0, =SCTLR_EL2_VALUE
	msr	sctlr_el2, x0
	isb
	ret

/* Not at EL2: nothing sensible can be done, say so on the UART and stop.
 * UART_BASE, spelt out: memory_map.h's UL constants are C only. */
not_el2:
	ldr	x1, =0x09000000
	adr	x2, not_el2_msg
3:	ldrb	w3, [x2], #1
	cbz	w3, halt
	str	w3, [x1]
	b	3b

	.global halt
halt:
	msr	daifset, #0xf
4:	wfi
	b	4b

not_el2_msg:
	.asciz	"@zvm panic reason=not-el2\n"
