/* EL2 exception vectors. Every entry saves the interrupted context into a
 * struct trap_frame on the EL2 stack and calls el2_trap(frame, kind); when
 * that returns, the (possibly changed) frame is restored and we eret. */
#include "trap_frame.h"

.macro ventry kind
	.balign	0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x1, #\kind
	b	trap_common
.endm

	.text
	.balign	0x800
	.global	el2_vectors
el2_vectors:
	ventry	0	/* current EL, SP_EL0: sync */
	ventry	1	/* irq */
	ventry	2	/* fiq */
	ventry	3	/* serror */
	ventry	4	/* current EL, SP_ELx: sync */
	ventry	5
	ventry	6
	ventry	7
	ventry	8	/* lower EL, AArch64: sync */
	ventry	9
	ventry	10
	ventry	11
	ventry	12	/* lower EL, AArch32 */
	ventry	13
	ventry	14
	ventry	15

trap_common:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x30, x2, [sp, #240]
	str	x3, [sp, #FRAME_SPSR]
	add	x4, sp, #FRAME_Q
	stp	q0, q1, [x4, #0]
	stp	q2, q3, [x4, #32]
	stp	q4, q5, [x4, #64]
	stp	q6, q7, [x4, #96]
	stp	q8, q9, [x4, #128]
	stp	q10, q11, [x4, #160]
	stp	q12, q13, [x4, #192]
	stp	q14, q15, [x4, #224]
	stp	q16, q17, [x4, #256]
	stp	q18, q19, [x4, #288]
	stp	q20, q21, [x4, #320]
	stp	q22, q23, [x4, #352]
	stp	q24, q25, [x4, #384]
	stp	q26, q27, [x4, #416]
	stp	q28, q29, [x4, #448]
	stp	q30, q31, [x4, #480]
	mrs	x5, fpsr
	mrs	x6, fpcr
	add	x7, sp, #FRAME_FPSR
	stp	x5, x6, [x7]

	mov	x0, sp
	bl	el2_trap

restore_frame:
	add	x4, sp, #FRAME_Q
	ldp	q0, q1, [x4, #0]
	ldp	q2, q3, [x4, #32]
	ldp	q4, q5, [x4, #64]
	ldp	q6, q7, [x4, #96]
	ldp	q8, q9, [x4, #128]
	ldp	q10, q11, [x4, #160]
	ldp	q12, q13, [x4, #192]
	ldp	q14, q15, [x4, #224]
	ldp	q16, q17, [x4, #256]
	ldp	q18, q19, [x4, #288]
	ldp	q20, q21, [x4, #320]
	ldp	q22, q23, [x4, #352]
	ldp	q24, q25, [x4, #384]
	ldp	q26, q27, [x4, #416]
	ldp	q28, q29, [x4, #448]
	ldp	q30, q31, [x4, #480]
	add	x7, sp, #FRAME_FPSR
	ldp	x5, x6, [x7]
	msr	fpsr, x5
	msr	fpcr, x6
	ldr	x3, [sp, #FRAME_SPSR]
	ldp	x30, x2, [sp, #240]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	ldp	x28, x29, [sp, #224]
	ldp	x26, x27, [sp, #208]
	ldp	x24, x25, [sp, #192]
	ldp	x22, x23, [sp, #176]
	ldp	x20, x21, [sp, #160]
	ldp	x18, x19, [sp, #144]
	ldp	x16, x17, [sp, #128]
	ldp	x14, x15, [sp, #112]
	ldp	x12, x13, [sp, #96]
	ldp	x10, x11, [sp, #80]
	ldp	x8, x9, [sp, #64]
	ldp	x6, x7, [sp, #48]
	ldp	x4, x5, [sp, #32]
	ldp	x2, x3, [sp, #16]
	ldp	x0, x1, [sp, #0]
	add	sp, sp, #FRAME_SIZE
	eret

/* enter_guest(frame, stack_top): copies the frame to the top of this CPU's
 * EL2 stack, where every later trap from a guest will build its own, and
 * erets through it. */
	.global	enter_guest
enter_guest:
	sub	sp, x1, #FRAME_SIZE
	mov	x2, sp
	mov	x3, #FRAME_SIZE
1:	ldp	x4, x5, [x0], #16
	stp	x4, x5, [x2], #16
	subs	x3, x3, #16
	b.ne	1b
	b	restore_frame
