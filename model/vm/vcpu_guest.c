/* vcpu_guest.c — the vCPU's guest-code side (see vcpu_guest.h).
 *
 * Time inside guest code: a run starts at the vCPU's local time; host work
 * done from hypercalls is stamped with vcpu_guest_now() (start + the host
 * calls charged so far); when the run returns, the vCPU's clock advances by
 * instructions x cpi x cycle time plus one `host.hypercall` per SMCCC call
 * the run made.  Simulator calls stand for in-kernel scheduler calls and
 * cost nothing themselves (the context switch is charged by the loop).
 *
 * User mode is C-modelled: a task's "user PC" is a token address that no
 * code lives at (USER_PC), so ELR/SPSR bookkeeping in the guest stays
 * meaningful while the model executes the task.
 */
#include "model/vm/vcpu_guest.h"

#include <stdio.h>
#include <string.h>

#include "cpu/cpu.h"
#include "gic/gic.h"
#include "model/vm/machine.h"
#include "model/vm/platform.h"
#include "model/apf/family.h"
#include "model/apf/protocol.h"
#include "model/host/migration.h"
#include "sdei/sdei.h"
#include "smccc/smccc.h"

#define USER_PC(id) (0x400000ULL + ((uint64_t)(id) << 12))
/* Deliveries served in one entry before time is let pass (IRQ storms, e.g.
 * a level PPI the guest never acknowledges, docs/reference.md §4.2 (iii)). */
#define DELIVER_BURST 16
/* Instructions one guest run may execute before the vCPU lets simulated
 * time pass (about 50 us at 2 GHz): an interrupt that is never acknowledged
 * re-fires for ever inside the idle loop, and the simulator must not. */
#define GUEST_RUN_BUDGET 100000

/* Every hvc #0 the guest made (SMCCC, SDEI and the apfsim range). */
static uint64_t smccc_total(const struct machine *m)
{
	return platform_hypercalls(m->plat);
}

sim_time_t vcpu_guest_now(const struct vcpu *v)
{
	return v->gstart + v->gcharged;
}

void vcpu_guest_charge(struct vcpu *v, sim_time_t cost)
{
	v->gcharged += cost;
}

/* Account a finished run: guest instructions plus trapped SMCCC calls.
 * In the time account the run's instructions go to `b`, its hypercalls to
 * guest_hypercalls but IRQ_ACKs (acks0: v->irq_acks before the run) to
 * host_irq_ack; what follows the run stays in `b` until the next switch. */
static void guest_run_account(struct vcpu *v, const struct platform_run_result *r, uint64_t calls0,
			      uint64_t acks0, enum vcpu_bucket b, sim_time_t *t)
{
	struct machine *m = v->m;
	double ps = (double)r->insns * m->insn_ps;
	sim_time_t hc = m->trap.hypercall;
	uint64_t calls = smccc_total(m) - calls0;
	uint64_t acks = v->irq_acks - acks0;
	sim_time_t insn_d = (sim_time_t)(ps + 0.5);
	sim_time_t d = insn_d + calls * hc;

	if (acks > calls)
		acks = calls;	/* an ACK not made through hvc (cannot happen) */
	vcpu_acct(v, b, *t);
	vcpu_acct(v, VB_GUEST_HVC, *t + insn_d);
	vcpu_acct(v, VB_HOST_IRQ_ACK, *t + insn_d + (calls - acks) * hc);
	vcpu_acct(v, b, *t + d);

	v->guest_insns += r->insns;
	v->guest_code_ps += d;
	/* Kernel time on behalf of the current task is its CPU time (and
	 * vruntime), as Linux accounts system time. */
	if (v->run_task)
		v->run_task->cpu_ps += d;
	v->last_run_hvcs = smccc_total(m) - calls0;
	*t += d;
}

static void guest_fault(struct vcpu *v, sim_time_t t)
{
	struct machine *m = v->m;
	size_t len = 0;

	if (m->failed)
		return;
	machine_fail(m, t, "guest fault on vCPU %u: %s", v->id, platform_error(m->plat));
	FILE *f = open_memstream(&m->fail_report, &len);
	if (f) {
		cpu_fault_report(platform_cpu(m->plat, v->id), f);
		fclose(f);
	}
}

/* What a guest run starts with. */
enum guest_entry {
	GE_RESUME,	/* continue the current context (IRQs at EL1 taken) */
	GE_IDLE,	/* the idle loop on the empty kernel stack */
	GE_IRQ_USER,	/* IRQ from user mode */
	GE_SDEI,	/* the deliverable SDEI event */
	GE_EXCEPTION,	/* the pending injected exception (x86 #PF) */
	GE_HOTPLUG,	/* the hotplug entry with op v->hp_running */
};

static struct platform_run_result guest_start(struct vcpu *v, enum guest_entry e)
{
	struct platform *p = v->m->plat;

	switch (e) {
	case GE_IDLE:
		return platform_enter_idle(p, v->id, GUEST_RUN_BUDGET);
	case GE_IRQ_USER:
		return platform_irq_from_user(p, v->id, GUEST_RUN_BUDGET);
	case GE_SDEI:
		return platform_sdei_deliver(p, v->id, GUEST_RUN_BUDGET);
	case GE_EXCEPTION: {
		uint64_t esr, far;

		v->m->proto->exception_take(&v->m->proto_env, v->id, &esr, &far);
		return platform_exception(p, v->id, esr, far, GUEST_RUN_BUDGET);
	}
	case GE_HOTPLUG:
		return platform_hotplug(p, v->id, v->hp_running);
	case GE_RESUME:
	default:
		return platform_run(p, v->id, GUEST_RUN_BUDGET);
	}
}

/* The run's clock after `n` of its instructions, as guest_run_account
 * will charge them (the SMCCC calls made so far included). */
static sim_time_t guest_run_clock(const struct vcpu *v, uint64_t n)
{
	const struct machine *m = v->m;

	return v->gstart + (sim_time_t)((double)n * m->insn_ps + 0.5) +
	       (smccc_total(m) - v->mig_calls0) * m->trap.hypercall;
}

/* platform_deadline_fn of a run inside an SDEI handler while a migration
 * stop is pending (guest_run): the instructions left before the run's
 * clock reaches the stop instant.  Once the handler completed (no SDEI
 * event running on the vCPU) the run goes on as it always did. */
static uint64_t guest_mig_deadline(void *ctx, unsigned cpu, uint64_t insns)
{
	struct vcpu *v = ctx;
	struct machine *m = v->m;
	sim_time_t at = v->mig_stop_at;
	uint64_t n;

	if (!sdei_any_running(platform_sdei(m->plat), cpu))
		return PLATFORM_NO_DEADLINE;
	if (guest_run_clock(v, insns) >= at)
		return 0;
	if (m->insn_ps <= 0)
		return PLATFORM_NO_DEADLINE;
	/* The first instruction boundary whose clock reaches `at`. */
	n = insns + (uint64_t)((double)(at - guest_run_clock(v, insns)) / m->insn_ps);
	while (n > insns && guest_run_clock(v, n - 1) >= at)
		n--;
	while (guest_run_clock(v, n) < at)
		n++;
	return n - insns;
}

/* One platform call with the bookkeeping around it.
 *
 * A migration stop inside an SDEI handler (docs/protocols.md, "Migration"):
 * when the host has decided to stop the vCPUs at an instant `at`
 * (migration_pause_at) that falls after the handler's dispatch, the run is
 * stopped at the first instruction boundary whose clock reaches `at`
 * (PLATFORM_STOP_DEADLINE), the handler suspended at EL1 as after its own
 * stage-2 fault, and the loop returns: the switch-over happens with the
 * handler's context live, and the destination resumes it (GE_RESUME). */
static struct platform_run_result guest_run(struct vcpu *v, enum guest_entry e, enum vcpu_bucket b,
					     sim_time_t *t)
{
	struct machine *m = v->m;
	uint64_t calls0 = smccc_total(m);
	uint64_t acks0 = v->irq_acks;
	struct platform_run_result r;
	/* The handler's span starts at its dispatch, whose host cost
	 * vcpu_guest_deliver charged before this run. */
	sim_time_t from = e == GE_SDEI ? *t - m->trap.sdei_dispatch : *t;
	sim_time_t at;
	bool deadline = migration_pause_at(&m->mig, &at) && at >= from &&
			(e == GE_SDEI || (e == GE_RESUME && sdei_any_running(platform_sdei(m->plat), v->id)));

	v->gstart = *t;
	v->gcharged = 0;
	v->run_task = v->cur;
	m->running_vcpu = v;
	trace_emit(&m->tracer, *t, v->id, v->cur ? v->cur->id : TRACE_NO_TASK, TR_VCPU_STATE,
		   TR_MODE_KERNEL, 0, 0);
	/* The rest of a handler a migration stop suspended: the vCPU came
	 * back from the pause into the task's user bucket; the handler's
	 * time is the run's bucket from its first instruction, for the task
	 * too (on_cpu_other, as at the dispatch). */
	if (e == GE_RESUME && v->mig_resume) {
		v->mig_resume = false;
		vcpu_acct(v, b, *t);
	}
	if (deadline) {
		v->mig_stop_at = at;
		v->mig_calls0 = calls0;
		platform_set_deadline(m->plat, v->id, guest_mig_deadline, v);
	}
	r = guest_start(v, e);
	if (deadline)
		platform_set_deadline(m->plat, v->id, NULL, NULL);
	m->running_vcpu = NULL;
	guest_run_account(v, &r, calls0, acks0, b, t);
	if (r.reason == PLATFORM_STOP_DEADLINE) {
		/* Inside the handler at the stop instant: suspended at EL1
		 * until the vCPU runs again (on the destination); the loop
		 * lets time pass meanwhile. */
		v->suspended_bucket = b;
		v->guest_suspended = true;
		v->el1_suspended = true;
		v->storm = true;
		v->mig_resume = true;
		v->mig_handler_stops++;
	}
	v->guest_wfi = r.reason == PLATFORM_STOP_WFI;
	if (r.reason == PLATFORM_STOP_BUDGET) {
		v->suspended_bucket = b;
		/* Still inside guest kernel code: resume it after time passes. */
		v->guest_suspended = true;
		v->storm = true;
		v->budget_stops++;
	}
	if (r.reason == PLATFORM_STOP_S2FAULT) {
		/* A handler's load at EL1 took a stage-2 fault: the loop
		 * takes the fault to the host, then resumes the run at it. */
		uint64_t gpa = platform_s2_fault_gpa(m->plat, v->id);

		v->suspended_bucket = b;
		v->guest_suspended = true;
		v->el1_suspended = true;
		v->el1_fault = true;
		v->el1_fault_page = (gpa - GUEST_RAM_BASE) >> 12;
		faults_record_at(&m->faults, *t, v->id, FAULT_HANDLER_TOUCH, gpa);
	}
	if (r.reason == PLATFORM_STOP_FAULT)
		guest_fault(v, *t);
	return r;
}

/* --- simulator calls: the guest reaches the scheduler model ------------ */

static uint32_t waiter_token(struct machine *m, uint32_t cpu, uint32_t task)
{
	struct guest_percpu *pc = platform_percpu(m->plat, cpu);

	for (uint32_t i = 0; i < GUEST_APF_TABLE_SIZE; i++)
		if (pc->waiters[i].task == task)
			return pc->waiters[i].token;
	return GUEST_NO_TASK;
}

static bool gs_schedule(void *ctx, unsigned cpu, uint32_t reason)
{
	struct machine *m = ctx;
	struct vcpu *v = &m->vcpus[cpu];
	struct task *cur = v->cur;
	sim_time_t now = vcpu_guest_now(v);

	switch (reason) {
	case GUEST_SCHED_PARK:
		if (!cur)
			return false;
		platform_task(m->plat, cur->id)->flags &= ~GUEST_TIF_NEED_RESCHED;
		platform_task(m->plat, cur->id)->state = GUEST_TASK_PARKED;
		cur->state = TASK_PARKED;
		task_acct(cur, TB_PARKED, now);
		cur->parked_since = now;
		cur->apf_token = waiter_token(m, cpu, cur->id);
		cur->parks++;
		trace_emit(&m->tracer, now, cpu, cur->id, TR_TASK_PARK, cur->apf_token, 0, 0);
		v->cur = NULL;
		return true;
	case GUEST_SCHED_WAIT:
		/* The x86 driver's kvm_async_pf_task_wait: x2 = the token. */
		if (!cur)
			return false;
		platform_task(m->plat, cur->id)->state = GUEST_TASK_PARKED;
		cur->state = TASK_PARKED;
		task_acct(cur, TB_PARKED, now);
		cur->parked_since = now;
		cur->apf_token = (uint32_t)cpu_reg(platform_cpu(m->plat, cpu), 2);
		cur->parks++;
		trace_emit(&m->tracer, now, cpu, cur->id, TR_TASK_PARK, cur->apf_token, 0, 0);
		v->cur = NULL;
		return true;
	case GUEST_SCHED_YIELD:
		if (cur)
			platform_task(m->plat, cur->id)->flags &= ~GUEST_TIF_NEED_RESCHED;
		v->need_resched = false;
		if (!cur || !sched_has_waiting(&m->sched, cpu))
			return false;
		platform_task(m->plat, cur->id)->state = GUEST_TASK_RUNNABLE;
		trace_emit(&m->tracer, now, cpu, cur->id, TR_TASK_READY, TR_READY_PREEMPTED, 0, 0);
		task_acct(cur, TB_RUNNABLE, now);
		sched_enqueue(&m->sched, cur);
		v->cur = NULL;
		return true;
	case GUEST_SCHED_IDLE:
	default:
		platform_task(m->plat, GUEST_IDLE_TASK(cpu))->flags &= ~GUEST_TIF_NEED_RESCHED;
		if (cur)
			return false;
		v->next = sched_pick(&m->sched, cpu);
		return v->next != NULL;
	}
}

static void gs_wake(void *ctx, unsigned cpu, uint32_t task)
{
	struct machine *m = ctx;
	struct task *t;

	if (task >= m->sched.ntasks) {
		trace_emit(&m->tracer, vcpu_guest_now(&m->vcpus[cpu]), cpu, TRACE_NO_TASK, TR_GUEST_WARN,
			   0xFFFF, task, 0);
		return;
	}
	t = &m->sched.tasks[task];
	trace_emit(&m->tracer, vcpu_guest_now(&m->vcpus[cpu]), cpu, task, TR_TASK_WAKE, t->apf_token,
		   0, 0);
	if (t->state != TASK_PARKED)
		return; /* woken before it parked: the flag was cleared, it never sleeps */
	t->woken_at = vcpu_guest_now(&m->vcpus[cpu]);
	t->wake_pending_run = true;
	platform_task(m->plat, task)->state = GUEST_TASK_RUNNABLE;
	vcpu_task_wakeup(m, t);
}

static void gs_warn(void *ctx, unsigned cpu, uint32_t code, uint64_t arg)
{
	struct machine *m = ctx;
	struct vcpu *v = &m->vcpus[cpu];

	m->guest_warns++;
	trace_emit(&m->tracer, vcpu_guest_now(v), cpu, v->cur ? v->cur->id : TRACE_NO_TASK,
		   TR_GUEST_WARN, code, arg, 0);
}

static void gs_log(void *ctx, unsigned cpu, uint32_t code, uint64_t arg)
{
	(void)ctx;
	(void)cpu;
	(void)code;
	(void)arg;
}

static void gs_boot_done(void *ctx, unsigned cpu, uint32_t status)
{
	struct machine *m = ctx;

	m->vcpus[cpu].apf_on = status == GUEST_BOOT_APF_ON;
}

static uint64_t gs_counter(void *ctx, unsigned cpu)
{
	struct machine *m = ctx;
	sim_time_t now = vcpu_guest_now(&m->vcpus[cpu]);

	/* CNTFRQ 62.5 MHz: 16 ns per tick. */
	return now / (16 * SIM_NS);
}

/* The GIC's IRQ signal to a vCPU changed.  A vCPU running guest code takes
 * it in the run; any other is kicked out of the guest or out of WFI. */
static void gs_irq_changed(void *ctx, unsigned cpu, bool asserted)
{
	struct machine *m = ctx;
	struct vcpu *v = &m->vcpus[cpu];

	if (!asserted || m->running_vcpu == v || !m->started)
		return;
	vcpu_kick(v);
}

/* The guest's interrupt entry acknowledged intid (TR_IRQ_TAKEN): for the
 * APF page-ready this is where a handler starts, whatever it then does. */
static void gs_irq_taken(void *ctx, unsigned cpu, uint32_t intid)
{
	struct machine *m = ctx;
	struct vcpu *v = &m->vcpus[cpu];

	trace_emit(&m->tracer, vcpu_guest_now(v), cpu, v->cur ? v->cur->id : TRACE_NO_TASK, TR_IRQ_TAKEN,
		   intid, 0, 0);
	if (m->proto->irq_taken)
		m->proto->irq_taken(&m->proto_env, cpu, intid);
}

/* The other event's EVENT_COMPLETE: one hypercall, traced as the APF
 * event's is (the oracle follows every running SDEI handler). */
static void sdei_other_notify(void *ctx, unsigned cpu, uint64_t event, enum sdei_notify_state st)
{
	struct machine *m = ctx;
	struct vcpu *v = &m->vcpus[cpu];

	if (st != SDEI_NOTIFY_COMPLETED)
		return;
	vcpu_guest_charge(v, m->trap.hypercall);
	trace_emit(&m->tracer, vcpu_guest_now(v), cpu, v->cur ? v->cur->id : TRACE_NO_TASK, TR_SDEI_COMPLETE,
		   event, 0, 0);
}

struct sdei_drop_ctx {
	struct machine *m;
	uint32_t vcpu;
};

static void sdei_dropped(void *ctx, uint64_t event)
{
	struct sdei_drop_ctx *d = ctx;

	trace_emit(&d->m->tracer, d->m->sim.now, d->vcpu, TRACE_NO_TASK, TR_SDEI_CANCEL, event, 0, 0);
}

void vcpu_sdei_migrate(struct machine *m)
{
	if (!m->plat)
		return;
	for (uint32_t i = 0; i < m->nvcpus; i++) {
		struct sdei_drop_ctx d = { m, i };

		sdei_drop_queued(platform_sdei(m->plat), i, sdei_dropped, &d);
	}
}

int vcpu_sdei_signal(struct machine *m, uint32_t vcpu, uint64_t event)
{
	return sdei_inject(platform_sdei(m->plat), vcpu, event, false);
}

/* The held-back self-IPI becomes pending (arg = cpu). */
static void resched_ipi_land_ev(void *ctx, uint64_t cpu)
{
	struct machine *m = ctx;

	if (m->failed || !m->plat)
		return;
	gic_raise_sgi(platform_gic(m->plat), (unsigned)cpu, GUEST_SGI_RESCHEDULE, (unsigned)cpu);
}

/* guest.resched_ipi_delay: the reschedule IPI a CPU sends itself (the APF
 * not-present handler's, §2.8) is not yet pending when the handler
 * completes — the architecture does not bound when a pending interrupt
 * is taken — so the interrupted task runs on in user mode until it lands
 * `delay` later (its accesses may fault again meanwhile).  Other SGIs go
 * to the GIC at once. */
static bool gs_sgi_write(void *ctx, unsigned cpu, uint64_t val)
{
	struct machine *m = ctx;
	sim_time_t delay = m->cfg->guest.resched_ipi_delay;

	if (!delay || val != platform_percpu(m->plat, cpu)->sgi1r_self)
		return false;
	sim_time_t at = vcpu_guest_now(&m->vcpus[cpu]) + delay;
	faults_record_at(&m->faults, at - delay, cpu, FAULT_RESCHED_IPI_DELAY, delay);
	sim_at(&m->sim, at, resched_ipi_land_ev, m, cpu);
	return true;
}

/* The handler-touch image's load from user memory: does stage 2 map the
 * page?  (The guest's own page tables are not modelled: MMU off, VA == PA.) */
static bool gs_user_load(void *ctx, unsigned cpu, uint64_t gpa)
{
	struct machine *m = ctx;
	uint64_t page = (gpa - GUEST_RAM_BASE) >> 12;

	(void)cpu;
	if (!hostmem_mapped(&m->hm, page))
		return false;
	hostmem_access(&m->hm, page, false);
	return true;
}

static bool gs_runnable(void *ctx, unsigned cpu)
{
	struct machine *m = ctx;

	return sched_has_runnable(&m->sched, cpu);
}

static const struct platform_sched_ops guest_sched_ops = {
	.runnable = gs_runnable,
	.schedule = gs_schedule,
	.wake = gs_wake,
	.warn = gs_warn,
	.log = gs_log,
	.boot_done = gs_boot_done,
	.counter = gs_counter,
	.irq_changed = gs_irq_changed,
	.irq_taken = gs_irq_taken,
	.sgi_write = gs_sgi_write,
	.user_load = gs_user_load,
};

/* --- entry points ------------------------------------------------------ */

int vcpu_guest_init(struct machine *m)
{
	const struct apf_config *c = m->cfg;
	struct platform_config pc = {
		.ncpus = m->nvcpus,
		.guest_image = c->guest.image[0] ? c->guest.image : NULL,
		.sdei_event = c->apf.sdei_event,
		.sched = &guest_sched_ops,
		.sched_ctx = m,
		.insn_trace = m->insn_trace,
		.chain_irq = true,
	};
	char err[512];

	if (m->proto->apf_ops)
		pc.apf_ops = m->proto->apf_ops(&m->proto_env, &pc.apf_ctx);
	if (m->proto->x86_ops)
		pc.x86_ops = m->proto->x86_ops(&m->proto_env, &pc.x86_ctx);
	/* The guest driver of the protocol's family (model/apf/family.c). */
	pc.boot_flags |= apf_family_for(c)->boot_flags(&c->sw);
	if (c->guest.apf_driver == GUEST_DRIVER_NO_IRQ_ACK)
		pc.boot_flags |= GUEST_BOOT_NO_IRQ_ACK;
	if (c->guest.apf_driver == GUEST_DRIVER_OFFLINE_WAKE)
		pc.boot_flags |= GUEST_BOOT_OFFLINE_WAKE;
	/* protocol.send_always / guest.handler_touches_page: the
	 * handler-touch image (docs/protocols.md "Kernel-mode faults"). */
	if (vcpu_guest_touch_image(c)) {
		pc.touch_image = true;
		pc.user_size = c->vm.memory > GUEST_KERNEL_SIZE ? c->vm.memory - GUEST_KERNEL_SIZE : 0;
		if (c->sw.send_always)
			pc.boot_flags |= GUEST_BOOT_SEND_ALWAYS;
		if (c->guest.handler_touch == GUEST_TOUCH_NOTPRESENT || c->guest.handler_touch == GUEST_TOUCH_BOTH)
			pc.boot_flags |= GUEST_BOOT_TOUCH_NOTPRESENT;
		if (c->guest.handler_touch == GUEST_TOUCH_PAGEREADY || c->guest.handler_touch == GUEST_TOUCH_BOTH)
			pc.boot_flags |= GUEST_BOOT_TOUCH_PAGEREADY;
	}
	m->plat = platform_create(&pc, err, sizeof(err));
	if (!m->plat) {
		snprintf(m->err, sizeof(m->err), "%s", err);
		return -1;
	}
	/* The x86 driver's "vector": the PPI the VMM chose (guest boot params). */
	platform_boot_params(m->plat)->x86_irq = c->apf.ppi;
	/* faults.sdei_other: the second private event, declared with the
	 * scenario's priority; the guest registers it at boot. */
	if (c->faults.sdei_other.at || c->faults.sdei_other.random) {
		if (sdei_add_event(platform_sdei(m->plat), GUEST_SDEI_OTHER_EVENT, c->faults.sdei_other_priority,
				   true) ||
		    sdei_set_notifier(platform_sdei(m->plat), GUEST_SDEI_OTHER_EVENT, sdei_other_notify, m)) {
			snprintf(m->err, sizeof(m->err), "cannot add SDEI event 0x%x", GUEST_SDEI_OTHER_EVENT);
			return -1;
		}
		platform_boot_params(m->plat)->sdei_other = GUEST_SDEI_OTHER_EVENT;
	}
	if (m->proto->attach && m->proto->attach(&m->proto_env))
		return -1;
	return 0;
}

bool vcpu_guest_touch_image(const struct apf_config *c)
{
	return !c->guest.image[0] && (c->sw.send_always || c->guest.handler_touch != GUEST_TOUCH_NONE);
}

void vcpu_guest_note_fault(struct machine *m, const struct task *t, uint64_t page)
{
	if (m->plat && t && vcpu_guest_touch_image(m->cfg))
		platform_set_touch_gpa(m->plat, t->id, GUEST_RAM_BASE + (page << 12));
}

void vcpu_guest_fini(struct machine *m)
{
	if (m->plat)
		platform_destroy(m->plat);
	m->plat = NULL;
}

/* Boot the vCPU through guest_boot (APF init included), then serve what
 * the boot left pending (the wake-all that ENABLE queues) from the idle
 * loop. */
void vcpu_guest_boot(struct vcpu *v, sim_time_t *t)
{
	struct machine *m = v->m;
	uint64_t calls0 = smccc_total(m);
	uint64_t acks0 = v->irq_acks;
	struct platform_run_result r = { 0 };

	v->gstart = *t;
	v->gcharged = 0;
	m->running_vcpu = v;
	if (platform_boot(m->plat, v->id)) {
		m->running_vcpu = NULL;
		guest_fault(v, *t);
		return;
	}
	m->running_vcpu = NULL;
	r.reason = PLATFORM_STOP_BOOT_DONE;
	guest_run_account(v, &r, calls0, acks0, VB_GUEST_OTHER, t);
	v->booted = true;
	v->gstart = *t;
	v->gcharged = 0;
	if (m->proto->entry)
		m->proto->entry(&m->proto_env, v->id);
	r = guest_run(v, GE_IDLE, VB_GUEST_SCHED, t);
	if (r.reason == PLATFORM_STOP_SWITCH)
		v->guest_wfi = false;
}

void vcpu_guest_hotplug(struct vcpu *v, uint32_t op, sim_time_t *t)
{
	struct machine *m = v->m;

	if (!v->booted)
		return;
	v->hp_running = op;
	guest_run(v, GE_HOTPLUG, VB_GUEST_OTHER, t);
	v->hp_running = 0;
	if (m->failed || op == GUEST_HOTPLUG_CPU_DOWN)
		return;		/* an offline CPU runs nothing until CPU_UP */
	/* The ENABLE of an online callback queued a wake-all: its return to
	 * the guest serves it, as at boot. */
	if (op != GUEST_HOTPLUG_APF_OFF && v->last_run_hvcs && m->proto->entry) {
		v->gstart = *t;
		v->gcharged = 0;
		m->proto->entry(&m->proto_env, v->id);
	}
	/* The hotplug context ended at HOTPLUG_DONE and must never be
	 * resumed: a task in user mode continues there (platform_hotplug
	 * restored it), an idle CPU re-enters its idle loop, as after boot. */
	if (!v->cur && !m->failed) {
		struct platform_run_result r = guest_run(v, GE_IDLE, VB_GUEST_SCHED, t);

		if (r.reason == PLATFORM_STOP_SWITCH)
			v->guest_wfi = false;
	}
}

bool vcpu_guest_delivery_pending(const struct vcpu *v)
{
	struct machine *m = v->m;
	struct platform *p = m->plat;
	uint64_t ev;

	if (!p)
		return false;
	if (sdei_deliverable(platform_sdei(p), v->id, &ev))
		return true;
	return m->proto->exception_pending && m->proto->exception_pending(&m->proto_env, v->id) &&
	       (platform_in_user(p, v->id) || v->guest_wfi);
}

/* The guest context a task switch left behind: SIMCALL_SCHEDULE switched
 * the task away (the run ended, v->cur is NULL) and the CPU has not yet
 * been put in its idle loop or given another task.  That context is the
 * old task's kernel path after schedule(), which the C model stands for
 * (sched_glue.c): it never runs again, so nothing may be delivered into it
 * (resuming it would rerun the old task's return-to-user loop).  The run
 * loop switches the CPU first; a pending IRQ is then taken in the idle
 * loop or from the next task's user mode. */
static bool vcpu_guest_context_stale(const struct vcpu *v)
{
	return !v->cur && !v->guest_suspended &&
	       platform_percpu(v->m->plat, v->id)->current != GUEST_IDLE_TASK(v->id);
}

void vcpu_guest_deliver(struct vcpu *v, sim_time_t *t)
{
	struct machine *m = v->m;
	struct platform *p = m->plat;

	if (vcpu_guest_context_stale(v))
		return;
	for (unsigned n = 0; n < DELIVER_BURST && !m->failed; n++) {
		uint64_t ev;
		struct platform_run_result r;
		bool user = platform_in_user(p, v->id);

		/* A run suspended on a stage-2 fault at EL1 is an interrupted
		 * context like any other: an SDEI event the host queued
		 * meanwhile is dispatched first (KVM_REQ_SDEI at entry), and
		 * its COMPLETE returns into the handler at the load. */
		if (v->guest_suspended && !(v->el1_suspended && sdei_deliverable(platform_sdei(p), v->id, &ev))) {
			v->guest_suspended = false;
			v->el1_suspended = false;
			r = guest_run(v, GE_RESUME, v->suspended_bucket, t);
		} else if (sdei_deliverable(platform_sdei(p), v->id, &ev)) {
			v->guest_suspended = false;
			v->el1_suspended = false;
			trace_emit(&m->tracer, *t, v->id, v->cur ? v->cur->id : TRACE_NO_TASK,
				   TR_SDEI_DISPATCH, ev, platform_context_pc(p, v->id),
				   platform_context_pstate(p, v->id));
			v->sdei_dispatches++;
			/* The host's side of the delivery, at this entry. */
			vcpu_acct(v, VB_HOST_INJECT, *t);
			*t += m->trap.sdei_dispatch;
			r = guest_run(v, GE_SDEI, VB_GUEST_SDEI, t);
		} else if (m->proto->exception_pending && m->proto->exception_pending(&m->proto_env, v->id) &&
			   (user || v->guest_wfi)) {
			v->exceptions++;
			r = guest_run(v, GE_EXCEPTION, VB_GUEST_EXC, t);
		} else if (gic_irq_asserted(platform_gic(p), v->id) && (user || v->guest_wfi || !v->cur)) {
			v->irqs++;
			/* Its completion (EOI): no trap on arm64, an exit on x86. */
			vcpu_acct(v, VB_HOST_INJECT, *t);
			*t += m->trap.irq_complete;
			r = guest_run(v, user ? GE_IRQ_USER : GE_RESUME, VB_GUEST_IRQ, t);
		} else {
			return;
		}
		/* Every hypercall was an exit: its return to the guest went
		 * through the entry path, which serves pending requests. */
		if (v->last_run_hvcs && m->proto->entry && !m->failed) {
			v->gstart = *t;
			v->gcharged = 0;
			m->proto->entry(&m->proto_env, v->id);
		}
		if (r.reason != PLATFORM_STOP_USER)
			return; /* switch, idle or fault: the loop takes over */
	}
	/* A storm: let simulated time pass before serving more. */
	if (!m->failed)
		v->storm = true;
}

void vcpu_guest_switch(struct vcpu *v, struct task *t, sim_time_t *now)
{
	struct machine *m = v->m;
	struct guest_percpu *pc = platform_percpu(m->plat, v->id);

	(void)now;
	if (!t) {
		pc->current = GUEST_IDLE_TASK(v->id);
		return;
	}
	struct guest_task *gt = platform_task(m->plat, t->id);
	pc->current = t->id;
	gt->state = GUEST_TASK_RUNNING;
	gt->cpu = v->id;
	v->guest_wfi = false;
	platform_enter_user(m->plat, v->id, USER_PC(t->id));
}

/* Run the idle loop until it halts in WFI (or the scheduler switches). */
bool vcpu_guest_idle(struct vcpu *v, sim_time_t *t)
{
	struct machine *m = v->m;

	platform_percpu(m->plat, v->id)->current = GUEST_IDLE_TASK(v->id);
	if (v->guest_wfi)
		return true;
	struct platform_run_result r = guest_run(v, GE_IDLE, VB_GUEST_SCHED, t);
	return r.reason == PLATFORM_STOP_WFI;
}

void vcpu_guest_resched_ipi(struct machine *m, uint32_t target)
{
	struct vcpu *v = &m->vcpus[target];

	if (m->running_vcpu == v) {
		/* The waker runs on this CPU: set need-resched on its idle task. */
		platform_task(m->plat, GUEST_IDLE_TASK(target))->flags |= GUEST_TIF_NEED_RESCHED;
		return;
	}
	gic_raise_sgi(platform_gic(m->plat), target, GUEST_SGI_RESCHEDULE,
		      m->running_vcpu ? m->running_vcpu->id : target);
	/* irq_changed kicks the target (or the IRQ was already signalled). */
	if (v->state == VCPU_IDLE)
		vcpu_kick(v);
}
