/* Guest entry at EL1: x0 holds the IPA of the guest's own DTB. */
	.section .text.boot, "ax"
	.global _start
_start:
	mov	x19, x0
	ldr	x1, =__stack_top
	mov	sp, x1
	ldr	x1, =__zero_start
	ldr	x2, =__zero_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	mov	x1, #(3 << 20)		/* CPACR_EL1.FPEN: libc may use SIMD */
	msr	cpacr_el1, x1
	ldr	x1, =__tls_base
	sub	x1, x1, #16
	msr	tpidr_el0, x1
	isb
	mov	x0, x19
	bl	guest_main
	bl	guest_exit
3:	b	3b

/* A vCPU the guest turned on (guest_cpu_on, PSCI CPU_ON): x0 holds the top
 * of the stack it was given. The image is set up already (bss, TLS). */
	.global guest_secondary_entry
guest_secondary_entry:
	mov	sp, x0
	mov	x1, #(3 << 20)		/* CPACR_EL1.FPEN */
	msr	cpacr_el1, x1
	ldr	x1, =__tls_base
	sub	x1, x1, #16
	msr	tpidr_el0, x1
	isb
	bl	guest_secondary_main
4:	b	4b
