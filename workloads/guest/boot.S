/* boot.S — per-CPU entry of the guest kernel and the idle loop.
 *
 * guest_boot: x0 = CPU index, EL1h, DAIF masked, MMU off.  Sets VBAR_EL1,
 * enables FP/SIMD at EL1 (CPACR_EL1.FPEN: the IRQ entry keeps registers in
 * v0-v9), points SP at this CPU's empty kernel stack, TPIDR_EL1 at
 * guest_percpu[cpu], stores that pointer in the lowest word of the stack
 * (how entry.S finds it without a system-register access), then runs the
 * C start-up (GIC init, APF init of docs/reference.md §2.8, SIMCALL_BOOT_DONE)
 * and falls into the idle loop if the host lets it continue.
 *
 * guest_idle: entered with SP = kstack_top, DAIF masked; runs with IRQs
 * unmasked around WFI.  The need-resched test and the WFI form a rollback
 * region (as MIPS's r4k idle does): an IRQ taken inside it resumes at the
 * test, so a wake-up cannot slip in between the test and the WFI.  When
 * the test sees TIF_NEED_RESCHED it masks IRQs and calls
 * SIMCALL_SCHEDULE(IDLE).
 */
#include "guest_abi.h"

	.section .text.boot, "ax"
	.globl	guest_boot
	.type	guest_boot, %function
guest_boot:
	cmp	x0, #GUEST_MAX_CPUS
	b.hs	1f
	adrp	x1, guest_vectors
	add	x1, x1, :lo12:guest_vectors
	msr	vbar_el1, x1
	mov	x1, #(3 << 20)
	msr	cpacr_el1, x1
	isb
	/* x2 = kstack_top = guest_stacks + (cpu + 1) * GUEST_STACK_SIZE */
	adrp	x2, guest_stacks
	add	x2, x2, :lo12:guest_stacks
	add	x3, x0, #1
	add	x2, x2, x3, lsl #GUEST_STACK_SHIFT
	mov	sp, x2
	/* x1 = &guest_percpu[cpu] */
	adrp	x1, guest_percpu
	add	x1, x1, :lo12:guest_percpu
	mov	x3, #GUEST_PERCPU_SIZE
	madd	x1, x0, x3, x1
	msr	tpidr_el1, x1
	sub	x3, x2, #GUEST_STACK_SIZE
	str	x1, [x3]
	bl	guest_start_kernel
	b	guest_idle
1:	udf	#0xB0
	.size	guest_boot, . - guest_boot

	/* guest_hotplug: x0 = &guest_percpu[cpu], x1 = GUEST_HOTPLUG_*; the
	 * host set SP to the CPU's empty kernel stack (guest_abi.h).  The C
	 * side ends the run with SIMCALL_HOTPLUG_DONE and never returns. */
	.globl	guest_hotplug
	.type	guest_hotplug, %function
guest_hotplug:
	bl	guest_cpu_hotplug
	udf	#0xB1
	.size	guest_hotplug, . - guest_hotplug

	.text
	.globl	guest_idle
	.type	guest_idle, %function
guest_idle:
	/* x19 = percpu, x20 = &guest_tasks */
	sub	x19, sp, #1
	and	x19, x19, #~(GUEST_STACK_SIZE - 1)
	ldr	x19, [x19]
	adrp	x20, guest_tasks
	add	x20, x20, :lo12:guest_tasks
	msr	daifclr, #2
	/* Rollback region [guest_idle_check, guest_idle_wfi_done): an IRQ
	 * taken here returns to guest_idle_check (guest_el1_irq rewinds
	 * ELR_EL1), so the need-resched test is always redone before WFI and
	 * a wake-up can never be lost between the test and the WFI. */
	.globl	guest_idle_check
guest_idle_check:
	ldr	w1, [x19, #GUEST_PERCPU_CURRENT]
	add	x1, x20, x1, lsl #GUEST_TASK_SHIFT
	ldr	w1, [x1, #GUEST_TASK_FLAGS]
	tbnz	w1, #GUEST_TIF_NEED_RESCHED_BIT, 1f
	wfi
	.globl	guest_idle_wfi_done
guest_idle_wfi_done:
	b	guest_idle_check
1:	msr	daifset, #2
	mov	x0, #SIMCALL_SCHEDULE
	mov	x1, #GUEST_SCHED_IDLE
	hvc	#GUEST_SIMCALL_IMM
	msr	daifclr, #2
	b	guest_idle_check
	.size	guest_idle, . - guest_idle

	/* Data shared with the host.  Defined here, outside the LTO-compiled
	 * C, so the optimiser cannot assume it sees every access: the host
	 * writes these between runs (guest_boot_params only ever by the host;
	 * fields such as guest_task.wait_ref only ever read by the host). */
	.bss
	.balign	64
	.globl	guest_percpu
guest_percpu:
	.space	GUEST_MAX_CPUS * GUEST_PERCPU_SIZE
	.size	guest_percpu, . - guest_percpu
	.balign	64
	.globl	guest_tasks
guest_tasks:
	.space	GUEST_NR_TASK_SLOTS << GUEST_TASK_SHIFT
	.size	guest_tasks, . - guest_tasks
	.balign	8
	.globl	guest_boot_params
guest_boot_params:
	.space	GUEST_BOOT_PARAMS_SIZE
	.size	guest_boot_params, . - guest_boot_params

	.balign	GUEST_STACK_SIZE
	.globl	guest_stacks
guest_stacks:
	.space	GUEST_MAX_CPUS * GUEST_STACK_SIZE
	.size	guest_stacks, . - guest_stacks
	/* The x86-semantics driver's global sleeper hash (guest-private; here
	 * so tests can inspect it by symbol).  All-zero = empty. */
	.balign	64
	.globl	guest_x86_sleepers
guest_x86_sleepers:
	.space	GUEST_X86_SLEEPERS_SIZE
	.size	guest_x86_sleepers, . - guest_x86_sleepers
#ifdef GUEST_VARIANT_TOUCH
	/* The handler-touch image: per task, the guest-physical address of
	 * the page of its latest stage-2 fault (host-written, guest_abi.h
	 * GUEST_SYM_TOUCH_GPA); last, so it moves nothing. */
	.balign	8
	.globl	guest_touch_gpa
guest_touch_gpa:
	.space	GUEST_NR_TASK_SLOTS * 8
	.size	guest_touch_gpa, . - guest_touch_gpa
	/* The end of guest RAM (host-written, GUEST_SYM_TOUCH_END): the
	 * page-ready load's page + GUEST_TOUCH_AHEAD may lie past it. */
	.globl	guest_touch_end
guest_touch_end:
	.quad	0
	.size	guest_touch_end, . - guest_touch_end
#endif
