/* Guest exception vectors (VBAR_EL1): IRQs go to guest_irq(); anything else
 * is reported and ends the guest. */
.macro ventry target
	.balign	0x80
	b	\target
.endm

	.text
	.balign	0x800
	.global	guest_vectors
guest_vectors:
	.rept	5
	ventry	unexpected	/* SP_EL0 sync/irq/fiq/serror, SPx sync */
	.endr
	ventry	irq		/* current EL with SPx: IRQ */
	.rept	10
	ventry	unexpected
	.endr

irq:
	sub	sp, sp, #192
	stp	x0, x1, [sp, #0]
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x29, [sp, #144]
	mrs	x0, elr_el1
	mrs	x1, spsr_el1
	stp	x30, x0, [sp, #160]
	str	x1, [sp, #176]
	bl	guest_irq
	ldr	x1, [sp, #176]
	ldp	x30, x0, [sp, #160]
	msr	elr_el1, x0
	msr	spsr_el1, x1
	ldp	x18, x29, [sp, #144]
	ldp	x16, x17, [sp, #128]
	ldp	x14, x15, [sp, #112]
	ldp	x12, x13, [sp, #96]
	ldp	x10, x11, [sp, #80]
	ldp	x8, x9, [sp, #64]
	ldp	x6, x7, [sp, #48]
	ldp	x4, x5, [sp, #32]
	ldp	x2, x3, [sp, #16]
	ldp	x0, x1, [sp, #0]
	add	sp, sp, #192
	eret

unexpected:
	mrs	x0, esr_el1
	bl	guest_unexpected_exception
1:	b	1b
