/* vectors.S — the EL1 exception vector table (VBAR_EL1, 2 KiB aligned,
 * 16 entries of 0x80 bytes, Arm ARM D1.10.2).
 *
 * guest_vectors (arm64 driver): only the IRQ vectors are live, current EL
 * with SP_ELx (+0x280, the idle loop) and lower EL AArch64 (+0x480, the
 * C-modelled user mode); every other vector executes a distinct `udf`,
 * which the host reports as a guest fault naming the vector.
 *
 * guest_x86_vectors (x86-semantics driver, installed at boot with
 * GUEST_BOOT_X86): the same, plus the synchronous vectors +0x200/+0x400 that
 * carry the async #PF (entry.S).  It lives in .x86.text, which link.ld
 * places after .bss, so the x86 driver moves nothing of the arm64 image.
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
	udf	#0x200			/* synchronous */
	.balign 0x80
	b	guest_el1_irq_entry	/* IRQ */
	.balign 0x80
	udf	#0x300			/* FIQ */
	.balign 0x80
	udf	#0x380			/* SError */
	/* Lower EL, AArch64 */
	.balign 0x80
	udf	#0x400			/* synchronous */
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

	.section .x86.text, "ax"
	.balign	2048
	.globl	guest_x86_vectors
guest_x86_vectors:
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
	b	guest_x86_el1_sync_entry /* synchronous: async #PF in idle */
	.balign 0x80
	b	guest_x86_el1_irq_entry	/* IRQ */
	.balign 0x80
	udf	#0x300			/* FIQ */
	.balign 0x80
	udf	#0x380			/* SError */
	/* Lower EL, AArch64 */
	.balign 0x80
	b	guest_x86_el0_sync_entry /* synchronous: async #PF */
	.balign 0x80
	b	guest_x86_el0_irq_entry	/* IRQ */
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
	.size	guest_x86_vectors, . - guest_x86_vectors
