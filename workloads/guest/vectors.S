/* vectors.S — the EL1 exception vector table (VBAR_EL1, 2 KiB aligned,
 * 16 entries of 0x80 bytes, Arm ARM D1.10.2).
 *
 * Live: IRQ and synchronous, current EL with SP_ELx (+0x280, +0x200: the
 * idle loop) and lower EL AArch64 (+0x480, +0x400: the C-modelled user
 * mode).  The host injects synchronous exceptions only for the x86-semantics
 * driver's async #PF (entry.S); any other synchronous exception ends in the
 * same `udf #<offset>` as before, and every other vector executes a
 * distinct `udf`, which the host reports as a guest fault naming the vector.
 */
	.section .text.vectors, "ax"
	.balign	2048
	.globl	guest_vectors
guest_vectors:
	/* Current EL with SP_EL0 */
	.balign 0x80
	udf	#0x000
	.balign 0x80
	udf	#0x080
	.balign 0x80
	udf	#0x100
	.balign 0x80
	udf	#0x180
	/* Current EL with SP_ELx */
	.balign 0x80
	b	guest_el1_sync_entry	/* synchronous */
	.balign 0x80
	b	guest_el1_irq_entry	/* IRQ */
	.balign 0x80
	udf	#0x300			/* FIQ */
	.balign 0x80
	udf	#0x380			/* SError */
	/* Lower EL, AArch64 */
	.balign 0x80
	b	guest_el0_sync_entry	/* synchronous */
	.balign 0x80
	b	guest_el0_irq_entry	/* IRQ */
	.balign 0x80
	udf	#0x500
	.balign 0x80
	udf	#0x580
	/* Lower EL, AArch32 (never used) */
	.balign 0x80
	udf	#0x600
	.balign 0x80
	udf	#0x680
	.balign 0x80
	udf	#0x700
	.balign 0x80
	udf	#0x780
	.balign 0x80
	.size	guest_vectors, . - guest_vectors
