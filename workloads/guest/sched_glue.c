/* sched_glue.c — the guest kernel's shared data, its per-CPU start-up, the
 * IRQ handler and the return-to-user work loop.  The scheduler itself is a
 * C model in the host; guest code reaches it with the simulator call
 * (guest_abi.h, SIMCALL_*).
 *
 * IRQ handler: ICC_IAR1_EL1 -> INTID; 1023 spurious; SGI 0 sets
 * TIF_NEED_RESCHED on the current task; the APF PPI runs the page-ready
 * handler (docs/reference.md §2.8); then ICC_EOIR1_EL1 = INTID.
 *
 * Return to user (after an IRQ from EL0, IRQs masked): TIF_ASYNC_PF is
 * checked before TIF_NEED_RESCHED (§2.8).  While TIF_ASYNC_PF is set the
 * task parks (SIMCALL_SCHEDULE(PARK)); a task switch ends the Unicorn run,
 * and the woken task later resumes in user mode in the C model, which
 * stands for the rest of this loop after schedule() returns.
 *
 * With GUEST_BOOT_X86 the x86-semantics driver (x86_apf.c) replaces the
 * arm64 one: boot installs its vector table, whose handlers live there.
 */
#include "guest.h"

/* Called by guest_boot (boot.S) on this CPU's stack, DAIF masked. */
void guest_start_kernel(uint32_t cpu, struct guest_percpu *pc, uint64_t kstack_top)
{
	struct guest_task *idle = &guest_tasks[GUEST_IDLE_TASK(cpu)];
	uint32_t i;

	pc->cpu = cpu;
	pc->current = GUEST_IDLE_TASK(cpu);
	pc->kstack_top = kstack_top;
	pc->sgi1r_self = gic_sgi1r_self(cpu, GUEST_SGI_RESCHEDULE);
	pc->apf_irq = 0;
	pc->wait_capacity = 0;
	pc->wait_count = 0;
	for (i = 0; i < GUEST_APF_TABLE_SIZE; i++) {
		pc->waiters[i].token = 0;
		pc->waiters[i].task = GUEST_NO_TASK;
	}
	idle->flags = 0;
	idle->state = GUEST_TASK_RUNNING;
	idle->cpu = cpu;
	idle->wait_ref = GUEST_NO_WAIT;

	/* Bring-up order of the kernel: interrupt controller, SDEI client
	 * (subsys_initcall), then the APF driver (fs_initcall, §2.8).  Without
	 * the SDEI client the APF init fails at EVENT_REGISTER and says so. */
	gic_cpu_init(cpu);
	sdei_client_init();
	sdei_client_register_other(pc);
	if (guest_boot_params.flags & GUEST_BOOT_X86) {
		write_sysreg(VBAR_EL1, (uint64_t)(uintptr_t)guest_x86_vectors);
		isb();
		simcall(SIMCALL_BOOT_DONE, x86_apf_init_cpu(pc), 0);
		return;
	}
	simcall(SIMCALL_BOOT_DONE, apf_init_cpu(pc), 0);
}

/* Called by guest_hotplug (boot.S), the host's CPU-hotplug and APF-toggle entry (guest_abi.h,
 * GUEST_SYM_HOTPLUG): on this CPU's empty kernel stack, DAIF masked.  The
 * CPU holds no task here (the host moved it off, or keeps modelling it in
 * user mode), so the callbacks run as the hotplug thread would.  Order as
 * in Linux: the APF driver's dynamic "online" state is torn down before
 * the SDEI client's state, and set up after it. */
__attribute__((noreturn)) void guest_cpu_hotplug(struct guest_percpu *pc, uint32_t op)
{
	int x86 = (guest_boot_params.flags & GUEST_BOOT_X86) != 0;
	enum guest_boot_status st = GUEST_BOOT_APF_OFF;

	switch (op) {
	case GUEST_HOTPLUG_CPU_UP:
		sdei_client_cpu_up();
		/* fall through */
	case GUEST_HOTPLUG_APF_ON:
		st = x86 ? x86_apf_cpu_up(pc) : apf_cpu_up(pc);
		break;
	case GUEST_HOTPLUG_CPU_DOWN:
	case GUEST_HOTPLUG_APF_OFF:
		if (x86)
			x86_apf_cpu_down(pc);
		else
			apf_cpu_down(pc);
		if (op == GUEST_HOTPLUG_CPU_DOWN)
			sdei_client_cpu_down();
		break;
	default:
		break;
	}
	simcall(SIMCALL_HOTPLUG_DONE, st, op);
	__builtin_trap();	/* the host ends the run at HOTPLUG_DONE */
}

static inline void guest_irq(struct guest_percpu *pc)
{
	uint32_t intid = (uint32_t)read_sysreg(ICC_IAR1_EL1);

	if (intid == GIC_INTID_SPURIOUS) {
		pc->stats.spurious_irqs++;
		return;
	}
	/* SGI 0 first: apf_irq is 0 while APF is off. */
	if (intid == GUEST_SGI_RESCHEDULE) {
		pc->stats.resched_ipis++;
		guest_tasks[pc->current].flags |= GUEST_TIF_NEED_RESCHED;
	} else if (intid == pc->apf_irq) {
		apf_page_ready(pc);
	} else {
		pc->stats.unexpected_irqs++;
		guest_warn(GUEST_WARN_UNEXPECTED_IRQ, intid);
	}
	write_sysreg(ICC_EOIR1_EL1, intid);
}

/* IRQ taken at EL1 (the idle loop): entry.S returns with eret. */
void guest_el1_irq(struct guest_percpu *pc)
{
	uint64_t elr = read_sysreg(ELR_EL1);

	guest_irq(pc);
	idle_rollback(elr);
}

/* IRQ taken from EL0: handle it, then the return-to-user work. */
void guest_el0_irq(struct guest_percpu *pc)
{
	guest_irq(pc);
	ret_to_user_work(pc);
}
