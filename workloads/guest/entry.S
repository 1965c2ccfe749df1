/* entry.S — IRQ and synchronous-exception entry/exit and the SDEI handler
 * entry.
 *
 * Register saving.  Each guest store costs ~40 ns or more in Unicorn 2.0.1
 * (UNICORN-NOTES.md §5b), so the entries keep the interrupted registers in
 * FP/SIMD registers, which no guest code uses (C is built with
 * -mgeneral-regs-only) and which the C-modelled user mode does not have:
 *   IRQ:  x0-x17 -> v0-v8 (both halves), x30 -> d9 (and, in the
 *         handler-touch image only, ELR_EL1/SPSR_EL1 -> v10).  x18 is reserved
 *         (-ffixed-x18) and x19-x29 are callee-saved, so the C handler can
 *         clobber exactly x0-x17 and x30.  No store at all.
 *   SDEI: the dispatcher saved x0-x17 and restores them on EVENT_COMPLETE
 *         (docs/reference.md §2.7 e); only x30 is kept, in d16 (distinct from the
 *         IRQ slots, in case an event ever lands inside an IRQ handler).
 * The per-CPU area pointer sits in the lowest word of this CPU's kernel
 * stack (boot.S), found as ((sp - 1) & ~(GUEST_STACK_SIZE - 1)).
 *
 * Return to user: guest_el0_irq runs the handler and the return-to-user
 * work loop with IRQs masked; then the registers are restored and the
 * path ends at guest_ret_to_user_eret.  The host stops there (sentinel),
 * never executes that eret, and resumes the C-modelled user mode from
 * ELR_EL1/SPSR_EL1.  From EL1 the eret runs in Unicorn.
 *
 * The x86-semantics driver's entries (guest_x86_vectors, in .x86.text) are
 * the same with its own C handlers, plus the synchronous exceptions that
 * carry its async #PF (docs/reference.md §3.6/§3.7).  Their C handler returns 0
 * when it handled the exception; anything else restores the registers and
 * executes the `udf` the arm64 table has at that vector, so the host
 * reports it as a guest fault exactly as before.  From EL0 they end at the
 * same sentinel, guest_ret_to_user_eret.
 */
#include "guest_abi.h"

	.macro	stash_regs
	fmov	d0, x0
	fmov	v0.d[1], x1
	fmov	d1, x2
	fmov	v1.d[1], x3
	fmov	d2, x4
	fmov	v2.d[1], x5
	fmov	d3, x6
	fmov	v3.d[1], x7
	fmov	d4, x8
	fmov	v4.d[1], x9
	fmov	d5, x10
	fmov	v5.d[1], x11
	fmov	d6, x12
	fmov	v6.d[1], x13
	fmov	d7, x14
	fmov	v7.d[1], x15
	fmov	d8, x16
	fmov	v8.d[1], x17
	fmov	d9, x30
#ifdef GUEST_VARIANT_TOUCH
	/* In the handler-touch image a handler can exit on its own stage-2
	 * fault, and an SDEI event can be dispatched into it there; the v4-era
	 * dispatch writes SPSR_EL1 and COMPLETE does not restore it
	 * (docs/reference.md §2.7 e).  Linux's exception entry saves ELR_EL1
	 * and SPSR_EL1 before any C runs, so this image does as well (in v10).
	 * The default image never exits inside a handler: no save needed. */
	mrs	x0, elr_el1
	fmov	d10, x0
	mrs	x0, spsr_el1
	fmov	v10.d[1], x0
#endif
	.endm

	.macro	unstash_regs
#ifdef GUEST_VARIANT_TOUCH
	fmov	x0, d10
	msr	elr_el1, x0
	fmov	x0, v10.d[1]
	msr	spsr_el1, x0
#endif
	fmov	x0, d0
	fmov	x1, v0.d[1]
	fmov	x2, d1
	fmov	x3, v1.d[1]
	fmov	x4, d2
	fmov	x5, v2.d[1]
	fmov	x6, d3
	fmov	x7, v3.d[1]
	fmov	x8, d4
	fmov	x9, v4.d[1]
	fmov	x10, d5
	fmov	x11, v5.d[1]
	fmov	x12, d6
	fmov	x13, v6.d[1]
	fmov	x14, d7
	fmov	x15, v7.d[1]
	fmov	x16, d8
	fmov	x17, v8.d[1]
	fmov	x30, d9
	.endm

	/* x0 = this CPU's struct guest_percpu */
	.macro	load_percpu
	sub	x0, sp, #1
	and	x0, x0, #~(GUEST_STACK_SIZE - 1)
	ldr	x0, [x0]
	.endm

	.text
	.globl	guest_el1_irq_entry
	.type	guest_el1_irq_entry, %function
guest_el1_irq_entry:
	stash_regs
	load_percpu
	bl	guest_el1_irq
	unstash_regs
	eret
	.size	guest_el1_irq_entry, . - guest_el1_irq_entry

	.globl	guest_el0_irq_entry
	.type	guest_el0_irq_entry, %function
guest_el0_irq_entry:
	stash_regs
	load_percpu
	bl	guest_el0_irq
	unstash_regs
	.globl	guest_ret_to_user_eret
guest_ret_to_user_eret:
	eret
	.size	guest_el0_irq_entry, . - guest_el0_irq_entry

	/* x0 = event, x1 = registration argument (this CPU's percpu area),
	 * x2 = interrupted PC, x3 = interrupted PSTATE; EL1h, DAIF masked. */
	.globl	guest_sdei_entry
	.type	guest_sdei_entry, %function
guest_sdei_entry:
	fmov	d16, x30
	bl	guest_sdei_handler
	fmov	x30, d16
	cmp	w0, #0
	cset	x1, ne			/* GUEST_SDEI_EV_HANDLED 0 / GUEST_SDEI_EV_FAILED 1 */
	movz	x0, #0x0025
	movk	x0, #0xC400, lsl #16	/* GUEST_SDEI_EVENT_COMPLETE */
	hvc	#0
	udf	#0x5DE			/* EVENT_COMPLETE never returns */
	.size	guest_sdei_entry, . - guest_sdei_entry

	.section .x86.text, "ax"
	.globl	guest_x86_el1_irq_entry
	.type	guest_x86_el1_irq_entry, %function
guest_x86_el1_irq_entry:
	stash_regs
	load_percpu
	bl	guest_x86_el1_irq
	unstash_regs
	eret
	.size	guest_x86_el1_irq_entry, . - guest_x86_el1_irq_entry

	.globl	guest_x86_el0_irq_entry
	.type	guest_x86_el0_irq_entry, %function
guest_x86_el0_irq_entry:
	stash_regs
	load_percpu
	bl	guest_x86_el0_irq
	unstash_regs
	b	guest_ret_to_user_eret
	.size	guest_x86_el0_irq_entry, . - guest_x86_el0_irq_entry

	.globl	guest_x86_el1_sync_entry
	.type	guest_x86_el1_sync_entry, %function
guest_x86_el1_sync_entry:
	stash_regs
	load_percpu
	bl	guest_x86_el1_sync
	cbnz	w0, 1f
	unstash_regs
	eret
1:	unstash_regs
	udf	#0x200
	.size	guest_x86_el1_sync_entry, . - guest_x86_el1_sync_entry

	.globl	guest_x86_el0_sync_entry
	.type	guest_x86_el0_sync_entry, %function
guest_x86_el0_sync_entry:
	stash_regs
	load_percpu
	bl	guest_x86_el0_sync
	cbnz	w0, 1f
	unstash_regs
	b	guest_ret_to_user_eret
1:	unstash_regs
	udf	#0x400
	.size	guest_x86_el0_sync_entry, . - guest_x86_el0_sync_entry

#ifdef GUEST_VARIANT_TOUCH
	/* The handler-touch image only: one load from user memory (x0 = its
	 * guest-physical address; MMU off).  The host maps user memory as a
	 * device window for this image; a load from a page stage 2 does not
	 * map ends the run (a stage-2 fault at EL1) and the host restarts it
	 * here, x0 unchanged, once it has decided.  x1 is clobbered. */
	.text
	.globl	guest_user_load
	.type	guest_user_load, %function
guest_user_load:
	ldr	w1, [x0]
	ret
	.size	guest_user_load, . - guest_user_load
#endif
