/* vcpu.c — the vCPU run loop: runs the current task's operations, takes
 * stage-2 faults to the host, switches tasks at timeslice ends, idles.
 *
 * Time: each vCPU has at most one pending step event.  Inside a step the
 * vCPU executes operations inline while they complete no later than the
 * next event in the queue (nothing else can happen meanwhile, so this is
 * exact); a longer CPU operation becomes a step event at its end, and a
 * kick (a task woken onto an idle vCPU, an APF notification) settles the
 * partial work and re-runs the loop at the kick time.  Faults are always
 * handled at their exact time: if inline execution ran ahead of the clock,
 * the vCPU first reschedules itself at its local time.
 *
 * Guest entry: whenever the vCPU goes from the host back into the guest
 * (after a fault, a kick, or a wake-up from WFI) the protocol serves its
 * requests (protocol_ops.entry) and, with guest code, pending SDEI events
 * and IRQs are delivered through the real handlers (vcpu_guest.c).
 *
 * Accounting invariant: every vCPU's closed time account (vcpu->acct,
 * enum vcpu_bucket) sums to the simulated time and every task's
 * (task->acct, enum task_bucket) to its lifetime; each place where the
 * vCPU's time advances first names the bucket it goes to (vcpu_acct).
 * For every task, stall_ps == the sum of the fault latencies
 * (exit -> re-entry) of the faults it took == its `stalled` bucket.
 */
#include <stdarg.h>
#include <stdio.h>

#include "model/vm/machine.h"
#include "model/host/swapin.h"
#include "model/vm/platform.h"
#include "model/apf/protocol.h"
#include "model/vm/vcpu_guest.h"

static void vcpu_step_ev(void *ctx, uint64_t arg);

static enum trace_vcpu_mode vcpu_mode(const struct vcpu *v, enum vcpu_state s)
{
	if (s == VCPU_HOST)
		return TR_MODE_HOST;
	if (s == VCPU_IDLE)
		return TR_MODE_IDLE;
	/* A guest handler suspended on its own stage-2 fault resumes at EL1. */
	return v->cur && !v->cur->kernel && !v->el1_suspended ? TR_MODE_USER : TR_MODE_KERNEL;
}

void vcpu_acct(struct vcpu *v, enum vcpu_bucket b, sim_time_t at)
{
	struct task *t = v->cur;

	acct_to(&v->acct, b, at);
	/* The current task's time on the CPU follows the vCPU's: its own
	 * operations, or other work done while it holds the vCPU. */
	if (t && t->state == TASK_RUNNING &&
	    (t->acct.cur == TB_RUNNING || t->acct.cur == TB_ONCPU_OTHER))
		task_acct(t, b == VB_GUEST_USER || b == VB_GUEST_KTASK ? TB_RUNNING : TB_ONCPU_OTHER, at);
}

void task_acct(struct task *t, enum task_bucket b, sim_time_t at)
{
	acct_to(&t->acct, b, at);
}

enum vcpu_bucket vcpu_run_bucket(const struct vcpu *v)
{
	if (!v->cur)
		return VB_GUEST_SCHED;
	return v->cur->kernel ? VB_GUEST_KTASK : VB_GUEST_USER;
}

static enum vcpu_bucket vcpu_state_bucket(const struct vcpu *v, enum vcpu_state s)
{
	switch (s) {
	case VCPU_RUN:
		return vcpu_run_bucket(v);
	case VCPU_HOST:
		return v->host_bucket;
	case VCPU_IDLE:
	default:
		return v->offline ? VB_OFFLINE : VB_IDLE;
	}
}

void vcpu_set_state(struct vcpu *v, enum vcpu_state s, sim_time_t at)
{
	vcpu_acct(v, vcpu_state_bucket(v, s), at);
	sim_time_t d = at > v->since ? at - v->since : 0;

	switch (v->state) {
	case VCPU_RUN:
		v->guest_ps += d;
		break;
	case VCPU_HOST:
		v->host_ps += d;
		break;
	case VCPU_IDLE:
		v->idle_ps += d;
		break;
	}
	if (s != v->state)
		trace_emit(&v->m->tracer, at > v->since ? at : v->since, v->id,
			   v->cur ? v->cur->id : TRACE_NO_TASK, TR_VCPU_STATE, vcpu_mode(v, s), 0, 0);
	v->state = s;
	if (at > v->since)
		v->since = at;
}

/* A step reserved inside the vCPU's own step goes into the queue. */
static void vcpu_step_commit(struct vcpu *v)
{
	if (v->step_def.set)
		v->step_ev = sim_defer_commit(&v->m->sim, &v->step_def, vcpu_step_ev, v, 0);
}

/* The vCPU's own step continues at `at` (> now) without an event when
 * nothing else happens before (sim_advance): same outputs, one event fewer
 * through the queue.  Not across a migration pause. */
static bool vcpu_advance(struct vcpu *v, sim_time_t at)
{
	vcpu_step_commit(v);	/* the queue must see a reserved step */
	return at >= v->m->paused_until && sim_advance(&v->m->sim, at);
}

void vcpu_cancel_step(struct vcpu *v)
{
	if (v->step_ev.gen)
		sim_cancel(&v->m->sim, v->step_ev);
	v->step_ev = (sim_event_id){ 0, 0 };
	v->step_def.set = false;
}

static void vcpu_schedule_step(struct vcpu *v, sim_time_t at)
{
	struct sim *sim = &v->m->sim;

	vcpu_cancel_step(v);
	if (at < sim->now)
		at = sim->now;
	if (v->in_step)
		sim_defer(sim, &v->step_def, at);
	else
		v->step_ev = sim_at(sim, at, vcpu_step_ev, v, 0);
}

void vcpu_settle(struct vcpu *v, sim_time_t at)
{
	struct task *t = v->cur;

	if (!v->op_running)
		return;
	v->op_running = false;
	if (!t || at <= v->op_start)
		return;
	sim_time_t done = at - v->op_start;
	if (done > t->op_left_ps)
		done = t->op_left_ps;
	t->op_left_ps -= done;
	t->cpu_ps += done;
	t->work_ps += done;
	v->op_start = at;
}

static void task_op_complete(struct task *t)
{
	if (t->op.progress)
		t->progress++;
	t->op_valid = false;
	t->touched = false;
}

/* A workload must cost simulated time: a task that fetches more than this
 * many ops at one simulated instant (a looping trace of 0-cycle records,
 * say) would otherwise spin forever at that instant.  No stock workload
 * comes near it; a real op costs at least one cycle. */
#define MAX_OPS_PER_INSTANT 1000000u

static bool task_fetch_op(struct machine *m, struct task *t, sim_time_t now)
{
	if (now != t->instant_at || t->instant_ops == 0) {
		t->instant_at = now;
		t->instant_ops = 0;
	}
	if (++t->instant_ops > MAX_OPS_PER_INSTANT) {
		machine_fail(m, now, "task %s (workload %s): more than %u operations at simulated time %llu ps "
			     "without simulated time advancing (limit: %u operations per simulated instant; "
			     "every workload operation must cost time)", t->name, t->wl->name,
			     MAX_OPS_PER_INSTANT, (unsigned long long)now, MAX_OPS_PER_INSTANT);
		return false;
	}
	t->wl->next(t->wl_state, &t->op);
	t->op_valid = true;
	t->touched = false;
	t->op_left_ps = machine_cycles_ps(m, t->op.cycles);
	if (t->op.kind == WL_OP_KENTER)
		t->kernel = true;
	else if (t->op.kind == WL_OP_KEXIT)
		t->kernel = false;
	return true;
}

static void machine_end_ev(void *ctx, uint64_t arg)
{
	struct machine *m = ctx;

	(void)arg;
	m->ended = true;
	m->end_ps = m->sim.now;
	sim_stop(&m->sim);
}

void machine_schedule_end(struct machine *m, sim_time_t at)
{
	sim_at(&m->sim, at, machine_end_ev, m, 0);
}

void machine_fail(struct machine *m, sim_time_t t, const char *fmt, ...)
{
	va_list ap;

	if (m->failed)
		return;
	m->failed = true;
	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	trace_emit(&m->tracer, t, TRACE_NO_VCPU, TRACE_NO_TASK, TR_NOTE, 0, 0, 0);
	m->ended = true;
	m->end_ps = t > m->sim.now ? t : m->sim.now;
	sim_stop(&m->sim);
}

static void task_exit(struct machine *m, struct task *t, sim_time_t at)
{
	acct_close(&t->acct, at);
	t->state = TASK_EXITED;
	t->exit_ps = at;
	t->op_valid = false;
	if (t->background)
		return;
	m->sched.awaited--;
	if (m->sched.awaited == 0 && m->cfg->run.until_done)
		machine_schedule_end(m, at);
}

static void task_wake_ev(void *ctx, uint64_t id)
{
	struct machine *m = ctx;

	vcpu_task_wakeup(m, &m->sched.tasks[id]);
}

/* Get an idle vCPU to look at its runqueue: with guest code through the
 * reschedule IPI its idle loop answers, otherwise a plain kick. */
void vcpu_wake_idle(struct machine *m, struct vcpu *v)
{
	if (v->offline)
		return;
	if (m->plat)
		vcpu_guest_resched_ipi(m, v->id);
	else
		vcpu_kick(v);
}

/* CFS-like wakeup preemption: a woken task whose vruntime is more than the
 * wakeup granularity behind the running one's (charged up to `now`, as
 * update_curr does first) runs next.  Returns true when it preempts. */
static bool vcpu_wakeup_preempts(struct machine *m, struct vcpu *v, const struct task *t,
				 sim_time_t now)
{
	const struct guest_cfg *g = &m->cfg->guest;

	return g->wakeup_preemption && v->cur && v->state != VCPU_IDLE &&
	       sched_vruntime(t) + (int64_t)g->wakeup_granularity < sched_vruntime_at(v->cur, now);
}

static void vcpu_preempt(struct machine *m, struct vcpu *v)
{
	v->need_resched = true;
	if (m->plat) {
		platform_task(m->plat, v->cur->id)->flags |= GUEST_TIF_NEED_RESCHED;
		if (m->running_vcpu != v)
			vcpu_guest_resched_ipi(m, v->id);
	} else {
		vcpu_kick(v);
	}
}

/* A task became runnable: queue it and make sure a vCPU looks at it. */
void vcpu_task_wakeup(struct machine *m, struct task *t)
{
	bool woken = t->state == TASK_PARKED || t->state == TASK_SLEEPING;
	struct vcpu *v;
	sim_time_t now = m->running_vcpu ? vcpu_guest_now(m->running_vcpu) : m->sim.now;

	/* Invariant: no task is queued on an offline vCPU. */
	if (m->vcpus[t->vcpu].offline) {
		uint32_t from = t->vcpu, to = vcpu_online_target(m, from);

		sched_move(&m->sched, t, to, sched_min_vruntime(&m->sched, from, NULL, now),
			   sched_min_vruntime(&m->sched, to, m->vcpus[to].cur, now));
		t->pinned = -1;
	}
	v = &m->vcpus[t->vcpu];
	trace_emit(&m->tracer, now, t->vcpu, t->id, TR_TASK_READY,
		   t->state == TASK_NEW ? TR_READY_START : TR_READY_WAKE, 0, 0);

	if (t->state == TASK_NEW)
		acct_start(&t->acct, TB_RUNNABLE, now);
	else
		task_acct(t, TB_RUNNABLE, now);
	if (t->state == TASK_PARKED) {
		sim_time_t d = now > t->parked_since ? now - t->parked_since : 0;
		t->parked_ps += d;
		t->last_park_from = t->parked_since;
		t->last_park_to = now;
		hist_add(&m->stats.parked, d);
	}
	if (woken && m->cfg->guest.wakeup_preemption)
		sched_place_woken(&m->sched, t, v->cur, m->cfg->guest.sched_latency / 2, now);
	if (woken && vcpu_wakeup_preempts(m, v, t, now)) {
		sched_enqueue_head(&m->sched, t);
		vcpu_preempt(m, v);
		return;
	}
	sched_enqueue(&m->sched, t);
	if (v->state == VCPU_IDLE || (m->running_vcpu == v && !v->cur)) {
		vcpu_wake_idle(m, v);
		return;
	}
	if (t->pinned >= 0)
		return;
	/* Unpinned: an idle vCPU steals it rather than let it wait. */
	for (uint32_t i = 0; i < m->nvcpus; i++) {
		if (m->vcpus[i].state == VCPU_IDLE && !m->vcpus[i].offline) {
			vcpu_wake_idle(m, &m->vcpus[i]);
			return;
		}
	}
}

/* --- stage-2 faults ------------------------------------------------------ */

/* t: the current task (NULL: none, a guest handler in the idle loop);
 * el1: taken at EL1 in guest kernel code (a handler's load). */
static void vcpu_fault_begin(struct vcpu *v, struct task *t, uint64_t gfn, bool el1)
{
	struct machine *m = v->m;
	sim_time_t now = m->sim.now;

	m->stats.faults++;
	if (el1 || t->kernel)
		m->stats.faults_kernel++;
	else
		m->stats.faults_user++;
	v->fault_el1 = el1;
	v->exits++;
	v->gstart = now;	/* host work for this fault is stamped now */
	v->gcharged = 0;
	v->host_bucket = VB_HOST_FAULT;
	vcpu_set_state(v, VCPU_HOST, now);
	if (t) {
		t->faults++;
		task_acct(t, TB_STALLED, now);
	}
	v->fault_gfn = gfn;
	v->fault_start = now;
	v->fault_major = false;
}

/* The blocking fault-in (APF off, or a fault APF may not take). */
void vcpu_fault_sync(struct vcpu *v, struct task *t, uint64_t gfn)
{
	struct machine *m = v->m;
	const struct host_cfg *h = &m->cfg->host;
	sim_time_t now = m->sim.now;
	sim_time_t cost = v->m->trap.vmexit;

	(void)t;
	switch (hostmem_classify(&m->hm, gfn)) {
	case HM_FAULT_NONE:
		m->stats.cls.minor++;
		break;
	case HM_FAULT_MINOR:
		m->stats.cls.minor++;
		if (hostmem_swapcache_hit(&m->hm, gfn))
			m->stats.cls.swapcache++;
		m->hm.stats.minor++;
		hostmem_map(&m->hm, gfn);
		cost += h->minor_fault;
		break;
	case HM_FAULT_ZERO:
		m->stats.cls.zero_fill++;
		if (h->thp) {
			/* Clearing is linear in size: 512 x the 4 KiB cost. */
			cost += h->zero_fill * hostmem_zero_fill_huge(&m->hm, gfn);
			break;
		}
		hostmem_zero_fill(&m->hm, gfn);
		hostmem_map(&m->hm, gfn);
		cost += h->zero_fill;
		break;
	case HM_FAULT_REMOTE:
		m->stats.cls.major++;
		m->stats.remote_faults++;
		migration_request(&m->mig, gfn);
		vcpu_acct(v, VB_HOST_IO, now);
		v->fault_major = true;
		v->waiting_io = true;
		return;
	case HM_FAULT_MAJOR:
		swapin_start(&m->hm, &m->swap, &h->swap, gfn);
		__attribute__((fallthrough));
	case HM_FAULT_INFLIGHT:
		m->stats.cls.major++;
		vcpu_acct(v, VB_HOST_IO, now);
		v->fault_major = true;
		v->waiting_io = true;
		return;
	}
	vcpu_schedule_step(v, now + cost + v->m->trap.vmentry);
}

/* The guest's timer interrupt reached a vCPU in the synthetic halt `arg`
 * (its halt count when it halted): if that halt still lasts, it ends. */
static void vcpu_halt_tick(void *ctx, uint64_t arg)
{
	struct vcpu *v = ctx;

	if (!v->apf_halted || v->halts != arg || v->offline)
		return;
	trace_emit(&v->m->tracer, v->m->sim.now, v->id, TRACE_NO_TASK, TR_KICK, TR_KICK_HALT_TICK, 0, 0);
	vcpu_kick(v);
}

/* The x86 synthetic halt (KVM_REQ_APF_HALT): the vCPU blocks until any
 * wake-up — a completion (the host kicks it), a reschedule IPI, or an
 * interrupt.  Guest interrupts are allowed here (kvm_can_do_async_pf
 * refuses the halt otherwise), so the guest's next timer tick ends the halt
 * at the latest; the retried access may fault and halt again.  Without the
 * tick, a halt whose work the host dropped (a flush) would last for ever. */
void vcpu_fault_halt(struct vcpu *v)
{
	sim_time_t now = v->m->sim.now;

	v->apf_halted = true;
	v->halts++;
	vcpu_acct(v, VB_HOST_IO, now);
	sim_at(&v->m->sim, v->slice_end > now ? v->slice_end : now, vcpu_halt_tick, v, v->halts);
}

void vcpu_fault_resume(struct vcpu *v)
{
	vcpu_acct(v, VB_HOST_APF, v->m->sim.now);
	vcpu_schedule_step(v, v->m->sim.now + v->m->trap.vmexit + v->m->trap.vmentry);
}

/* Swap-in finished: map the page for every vCPU blocked on it; each
 * re-enters the guest after the mapping and entry costs. */
void vcpu_page_resident(struct machine *m, uint64_t gfn)
{
	const struct host_cfg *h = &m->cfg->host;

	for (uint32_t i = 0; i < m->nvcpus; i++) {
		struct vcpu *v = &m->vcpus[i];
		if (!v->waiting_io || v->fault_gfn != gfn)
			continue;
		v->waiting_io = false;
		vcpu_acct(v, VB_HOST_FAULT, m->sim.now);
		hostmem_map(&m->hm, gfn);
		vcpu_schedule_step(v, m->sim.now + h->minor_fault + v->m->trap.vmentry);
	}
}

static void vcpu_fault_done(struct vcpu *v, sim_time_t now)
{
	struct machine *m = v->m;
	sim_time_t lat = now - v->fault_start;

	if (v->cur) {
		v->cur->stall_ps += lat;
		task_acct(v->cur, TB_RUNNING, now);
	}
	hist_add(&m->stats.fault_latency, lat);
	if (v->fault_major)
		hist_add(&m->stats.major_latency, lat);
	vcpu_set_state(v, VCPU_RUN, now);
}

/* --- guest entry ----------------------------------------------------------- */

static void vcpu_entry(struct vcpu *v, sim_time_t *t)
{
	struct machine *m = v->m;

	/* Host work done now is stamped with this vCPU's local time. */
	v->gstart = *t;
	v->gcharged = 0;
	if (m->proto->entry)
		m->proto->entry(&m->proto_env, v->id);
	if (m->plat)
		vcpu_guest_deliver(v, t);
}

/* --- the run loop ------------------------------------------------------ */

static void vcpu_switch_in(struct vcpu *v, struct task *tk, sim_time_t *t)
{
	struct machine *m = v->m;
	const struct apf_config *cfg = m->cfg;

	trace_emit(&m->tracer, *t, v->id, tk->id, TR_TASK_SWITCH, TRACE_NO_TASK, tk->id, 0);
	task_acct(tk, TB_ONCPU_OTHER, *t);	/* the context switch */
	vcpu_acct(v, VB_GUEST_SCHED, *t);
	tk->state = TASK_RUNNING;
	tk->vcpu = v->id;
	tk->switches++;
	v->switches++;
	v->cur = tk;
	*t += cfg->guest.context_switch;
	v->sched_ps += cfg->guest.context_switch;
	v->slice_end = *t + cfg->guest.timeslice;
	if (tk->wake_pending_run) {
		tk->wake_pending_run = false;
		hist_add(&m->stats.ready_to_run, *t - tk->woken_at);
	}
	if (m->plat) {
		vcpu_guest_switch(v, tk, t);
		/* An IRQ or SDEI event may already wait for the new context. */
		vcpu_guest_deliver(v, t);
	}
}

static void vcpu_loop(struct vcpu *v, sim_time_t t)
{
	struct machine *m = v->m;
	const struct apf_config *cfg = m->cfg;
	sim_time_t now = m->sim.now;

	for (;;) {
		sim_time_t horizon;
		struct task *tk = v->cur;

		if (m->failed)
			return;
		if (v->el1_fault) {
			/* A guest handler's load took a stage-2 fault at EL1
			 * (the handler-touch image): the same host path as a
			 * task's fault, at its exact time; the suspended run
			 * resumes at the load on re-entry. */
			if (t > now) {
				if (!vcpu_advance(v, t)) {
					vcpu_schedule_step(v, t);
					return;
				}
				now = t;
			}
			v->el1_fault = false;
			vcpu_fault_begin(v, tk, v->el1_fault_page, true);
			if (swapin_synchronous(&m->cfg->host.swap) &&
			    hostmem_classify(&m->hm, v->el1_fault_page) == HM_FAULT_MAJOR)
				vcpu_fault_sync(v, tk, v->el1_fault_page);
			else
				m->proto->stage2_fault(&m->proto_env, v->id, tk, v->el1_fault_page);
			return;
		}
		if (v->storm) {
			v->storm = false;
			v->redeliver = true;
			vcpu_schedule_step(v, t > now ? t : now + SIM_NS);
			return;
		}
		vcpu_step_commit(v);	/* the horizon includes a reserved step */
		if (!sim_next_time(&m->sim, &horizon))
			horizon = SIM_TIME_MAX;
		if (!tk) {
			tk = v->next ? v->next : sched_pick(&m->sched, v->id);
			v->next = NULL;
			if (tk && tk->acct.since > t) {
				/* Queued in this vCPU's future: its waker was guest
				 * code running inline ahead on another vCPU.  This
				 * vCPU cannot run the task before it was woken: it
				 * idles until then (else the task's time between
				 * would be lived twice, its account's backward_ps). */
				vcpu_set_state(v, VCPU_IDLE, t);
				t = tk->acct.since;
				vcpu_set_state(v, VCPU_RUN, t);
			}
			if (!tk) {
				if (m->plat) {
					vcpu_guest_switch(v, NULL, &t);
					if (!vcpu_guest_idle(v, &t))
						continue; /* the idle loop found work */
				}
				vcpu_set_state(v, VCPU_IDLE, t);
				return;
			}
			vcpu_switch_in(v, tk, &t);
			continue;
		}
		if (t >= v->slice_end && v->tick_taken != v->slice_end) {
			/* The guest's timer tick: a virtual timer exit, after which
			 * the host serves pending requests at entry (a re-raised
			 * KVM_REQ_ASYNC_PF is polled at least once per tick). */
			if (t > now) {
				if (!vcpu_advance(v, t)) {
					vcpu_schedule_step(v, t);
					return;
				}
				now = t;
			}
			v->tick_taken = v->slice_end;
			v->exits++;
			v->ticks++;
			v->kick_exit = true;
			v->host_bucket = VB_HOST_OTHER;
			vcpu_set_state(v, VCPU_HOST, t);
			vcpu_schedule_step(v, t + v->m->trap.vmexit + v->m->trap.vmentry);
			return;
		}
		if (t >= v->slice_end || v->need_resched) {
			v->need_resched = false;
			if (sched_has_waiting(&m->sched, v->id)) {
				if (m->plat)
					platform_task(m->plat, tk->id)->flags &= ~GUEST_TIF_NEED_RESCHED;
				trace_emit(&m->tracer, t, v->id, tk->id, TR_TASK_READY, TR_READY_PREEMPTED, 0, 0);
				task_acct(tk, TB_RUNNABLE, t);
				sched_enqueue(&m->sched, tk);
				v->cur = NULL;
				continue;
			}
			if (t >= v->slice_end)
				v->slice_end = t + cfg->guest.timeslice;
		}
		if (!tk->op_valid && !task_fetch_op(m, tk, t))
			return;

		switch (tk->op.kind) {
		case WL_OP_TOUCH:
			if (!tk->touched) {
				uint64_t gfn = tk->op.arg;
				if (!hostmem_mapped(&m->hm, gfn)) {
					if (t > now) {
						/* ran ahead inline: fault at the exact time */
						if (!vcpu_advance(v, t)) {
							vcpu_schedule_step(v, t);
							return;
						}
						now = t;
					}
					vcpu_fault_begin(v, tk, gfn, false);
					vcpu_guest_note_fault(m, tk, gfn);
					/* A swap-in from a synchronous device completes
					 * in KVM's no-wait attempt: never async. */
					if (swapin_synchronous(&m->cfg->host.swap) &&
					    hostmem_classify(&m->hm, gfn) == HM_FAULT_MAJOR)
						vcpu_fault_sync(v, tk, gfn);
					else
						m->proto->stage2_fault(&m->proto_env, v->id, tk, gfn);
					return;
				}
				hostmem_access(&m->hm, gfn, tk->op.write);
				tk->touched = true;
			}
			/* the work done on the page follows */
			__attribute__((fallthrough));
		case WL_OP_COMPUTE:
		case WL_OP_KENTER:
		case WL_OP_KEXIT: {
			sim_time_t end = t + tk->op_left_ps;
			sim_time_t stop = end < v->slice_end ? end : v->slice_end;

			vcpu_acct(v, vcpu_run_bucket(v), t);
			if (stop <= horizon) {
				sim_time_t d = stop - t;
				tk->op_left_ps -= d;
				tk->cpu_ps += d;
				tk->work_ps += d;
				t = stop;
				if (tk->op_left_ps == 0)
					task_op_complete(tk);
				continue;
			}
			v->op_running = true;
			v->op_start = t;
			vcpu_schedule_step(v, stop);
			return;
		}
		case WL_OP_SLEEP:
			tk->op_valid = false;
			tk->state = TASK_SLEEPING;
			task_acct(tk, TB_SLEEPING, t);
			v->cur = NULL;
			sim_at(&m->sim, t + tk->op.arg, task_wake_ev, m, tk->id);
			continue;
		case WL_OP_EXIT:
		default:
			v->cur = NULL;
			task_exit(m, tk, t);
			continue;
		}
	}
}

static void vcpu_step(struct vcpu *v)
{
	struct machine *m = v->m;
	sim_time_t now = m->sim.now;
	sim_time_t t;
	bool enter = false;

	v->step_ev = (sim_event_id){ 0, 0 };
	if (m->failed)
		return;
	if (now < m->paused_until) {
		/* Migration downtime: nothing runs until the destination resumes. */
		vcpu_schedule_step(v, m->paused_until);
		return;
	}
	if (v->op_running) {
		vcpu_settle(v, now);
		if (v->cur->op_left_ps == 0)
			task_op_complete(v->cur);
	}
	if (v->state == VCPU_HOST && v->kick_exit) {
		/* Back from an IPI exit: requests that arrived meanwhile are
		 * served at this entry. */
		v->kick_exit = false;
		vcpu_set_state(v, VCPU_RUN, now);
		enter = true;
	} else if (v->state == VCPU_HOST) {
		vcpu_fault_done(v, now);
		enter = true;
	} else if (v->state == VCPU_IDLE) {
		vcpu_set_state(v, VCPU_RUN, now);
		enter = true;
	} else if (v->kicked && m->plat) {
		/* An IPI makes a running vCPU exit; it re-enters after the exit
		 * and entry costs (the step above). */
		v->kicked = false;
		v->exits++;
		v->kicks++;
		v->kick_exit = true;
		v->host_bucket = VB_HOST_OTHER;
		vcpu_set_state(v, VCPU_HOST, now);
		vcpu_schedule_step(v, now + v->m->trap.vmexit + v->m->trap.vmentry);
		return;
	}
	v->kicked = false;
	if (v->redeliver) {
		/* Resume an interrupted guest run / the rest of a storm. */
		v->redeliver = false;
		enter = true;
	}
	t = now > v->since ? now : v->since;
	m->stepping = v;
	if (m->plat && !v->booted) {
		vcpu_guest_boot(v, &t);
		enter = false;
	}
	/* A hotplug op runs in a guest thread: an SDEI event or exception the
	 * host injected is taken at entry first (its handler parks the task
	 * before the hotplug thread can run), so the op waits behind it. */
	if (v->hp_n && !v->guest_suspended && !m->failed && !vcpu_guest_delivery_pending(v) &&
	    vcpu_hotplug_run(v, &t)) {
		m->stepping = NULL;
		return;
	}
	if (enter)
		vcpu_entry(v, &t);
	vcpu_loop(v, t);
	m->stepping = NULL;
	/* A hotplug op that had to wait (guest code suspended mid-run) runs
	 * at the next step: a running or blocked vCPU has one coming, an idle
	 * one needs it. */
	if (v->hp_n && v->state == VCPU_IDLE && !v->step_ev.gen && !v->step_def.set && !m->failed)
		vcpu_schedule_step(v, v->since > m->sim.now ? v->since : m->sim.now);
}

/* The step event.  A step that ends by scheduling its own next step (a
 * fault's re-entry, most often) goes straight on with it when nothing else
 * is due first: the queue never sees it (sim_defer). */
static void vcpu_step_ev(void *ctx, uint64_t arg)
{
	struct vcpu *v = ctx;

	(void)arg;
	v->in_step = true;
	do
		vcpu_step(v);
	while (sim_defer_advance(&v->m->sim, &v->step_def));
	v->in_step = false;
	vcpu_step_commit(v);
}

/* The earliest instant at or after `now` at which the vCPU can stop: past
 * an operation queued to start later, its state's start, and the guest code
 * already simulated inline (a delivery burst cut short ran to acct.since).
 * Stopping earlier would live that time twice (the account's backward_ps). */
static sim_time_t vcpu_timeline_present(const struct vcpu *v, sim_time_t now)
{
	sim_time_t at = now;

	if (v->op_running && v->op_start > at)
		at = v->op_start;
	if (v->since > at)
		at = v->since;
	if (v->acct.since > at)
		at = v->acct.since;
	return at;
}

void vcpu_pause(struct vcpu *v)
{
	sim_time_t at = v->m->sim.now, resume;

	if (v->state != VCPU_RUN)
		return;
	/* Guest code already run inline past the instant cannot be taken
	 * back: the vCPU stops where its timeline is (an SDEI handler stopped
	 * for this pause, vcpu_guest.c guest_run, ends at the first instruction
	 * boundary at or after the instant; any other guest run at its end; an
	 * operation queued to start later at its start), as vcpu_kick's exit
	 * does.  Stopping at the instant instead would live that time twice
	 * (the account's backward_ps).  It resumes when the pause ends, or at
	 * once when its timeline is already past that. */
	at = vcpu_timeline_present(v, at);
	resume = v->m->paused_until > at ? v->m->paused_until : at;
	if (v->op_running) {
		vcpu_settle(v, at);
		v->op_running = true;	/* resumes with what is left */
		v->op_start = resume;
	}
	v->paused = true;
	v->kick_exit = true;	/* an exit, not a fault: no stall is charged */
	v->host_bucket = VB_PAUSED;
	vcpu_set_state(v, VCPU_HOST, at);
	vcpu_schedule_step(v, v->m->paused_until);
}

void vcpu_unpause(struct vcpu *v)
{
	if (!v->paused)
		return;
	v->paused = false;
	/* Re-enters through the entry path; a vCPU whose guest code ran inline
	 * past the whole pause (vcpu_pause stopped it there) goes on from there. */
	vcpu_schedule_step(v, v->acct.since > v->m->sim.now ? v->acct.since : v->m->sim.now);
}

void vcpu_start(struct vcpu *v)
{
	v->state = VCPU_IDLE;
	v->since = 0;
	acct_start(&v->acct, VB_IDLE, 0);
	vcpu_schedule_step(v, 0);
}

/* Make the vCPU re-examine its state now (an idle vCPU wakes up; a
 * running one settles its current work and, with guest code, exits to
 * serve its requests).  A vCPU blocked in the host is left alone: the
 * fault-in must finish first, and it re-enters the guest afterwards. */
void vcpu_kick(struct vcpu *v)
{
	sim_time_t now = v->m->sim.now;

	if (v->offline)
		return;
	if (v->state == VCPU_HOST && v->apf_halted && v->m->stepping != v) {
		/* A wake-up ends the synthetic halt: re-enter, retry. */
		v->apf_halted = false;
		vcpu_acct(v, VB_HOST_OTHER, now);
		vcpu_schedule_step(v, now + v->m->trap.vmentry);
		return;
	}
	/* A vCPU in its own step re-examines everything before it returns. */
	if (v->state == VCPU_HOST || v->m->running_vcpu == v || v->m->stepping == v)
		return;
	sim_time_t at = vcpu_timeline_present(v, now);
	if (v->state == VCPU_RUN)
		v->kicked = true;
	if (v->m->cfg->faults.kick_delay) {
		at += v->m->cfg->faults.kick_delay;
		faults_record(&v->m->faults, v->id, FAULT_KICK_DELAY, v->m->cfg->faults.kick_delay);
	}
	vcpu_schedule_step(v, at);
}

/* Close a vCPU's books at `end`: partial work, a fault still in the host. */
void vcpu_finish(struct vcpu *v, sim_time_t end)
{
	if (v->op_running)
		vcpu_settle(v, end);
	if (v->state == VCPU_HOST && !v->kick_exit && v->cur && end > v->fault_start)
		v->cur->stall_ps += end - v->fault_start;
	/* Code that ran inline past the end (the idle loop after the last
	 * task exited, a guest run crossing run.duration) is taken back: the
	 * old close, through vcpu_set_state, ignored an end before `since` and
	 * kept 5 500 ps of idle-loop code past the last exit under APF. */
	acct_close(&v->acct, end);
	vcpu_set_state(v, v->state, end);
	v->guest_ps = account_vcpu_group(&v->acct, "guest");
	v->host_ps = account_vcpu_group(&v->acct, "host") + account_vcpu_group(&v->acct, "io") +
		     account_vcpu_group(&v->acct, "paused");
	v->idle_ps = account_vcpu_group(&v->acct, "idle") + account_vcpu_group(&v->acct, "offline");
}
