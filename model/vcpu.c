/* vcpu.c — the vCPU run loop: runs the current task's operations, takes
 * stage-2 faults to the host, switches tasks at timeslice ends, idles.
 *
 * Time: each vCPU has at most one pending step event.  Inside a step the
 * vCPU executes operations inline while they complete no later than the
 * next event in the queue (nothing else can happen meanwhile, so this is
 * exact); a longer CPU operation becomes a step event at its end, and a
 * kick (wake-up of an idle vCPU, an interrupt later on) settles the
 * partial work and re-runs the loop at the kick time.  Faults are always
 * handled at their exact time: if inline execution ran ahead of the clock,
 * the vCPU first reschedules itself at its local time.
 *
 * Accounting invariant: guest_ps + host_ps + idle_ps == elapsed time, and
 * for every task, stall_ps == the sum of the fault latencies
 * (exit -> re-entry) of the faults it took.
 *
 * This file implements the `sync` protocol's fault path (APF off): a fault
 * that needs I/O blocks the vCPU in the host until the page is resident.
 */
#include <stdio.h>

#include "model/machine.h"

static void vcpu_step_ev(void *ctx, uint64_t arg);

static void vcpu_set_state(struct vcpu *v, enum vcpu_state s, sim_time_t at)
{
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
	v->state = s;
	if (at > v->since)
		v->since = at;
}

static void vcpu_schedule_step(struct vcpu *v, sim_time_t at)
{
	struct sim *sim = &v->m->sim;

	if (v->step_ev.gen)
		sim_cancel(sim, v->step_ev);
	if (at < sim->now)
		at = sim->now;
	v->step_ev = sim_at(sim, at, vcpu_step_ev, v, 0);
}

void vcpu_settle(struct vcpu *v, sim_time_t at)
{
	struct task *t = v->cur;

	if (!v->op_running)
		return;
	v->op_running = false;
	if (at <= v->op_start)
		return;
	sim_time_t done = at - v->op_start;
	if (done > t->op_left_ps)
		done = t->op_left_ps;
	t->op_left_ps -= done;
	t->cpu_ps += done;
	v->op_start = at;
}

static void task_op_complete(struct task *t)
{
	if (t->op.progress)
		t->progress++;
	t->op_valid = false;
	t->touched = false;
}

static void task_fetch_op(struct machine *m, struct task *t)
{
	t->wl->next(t->wl_state, &t->op);
	t->op_valid = true;
	t->touched = false;
	t->op_left_ps = machine_cycles_ps(m, t->op.cycles);
	if (t->op.kind == WL_OP_KENTER)
		t->kernel = true;
	else if (t->op.kind == WL_OP_KEXIT)
		t->kernel = false;
}

static void machine_end_ev(void *ctx, uint64_t arg)
{
	struct machine *m = ctx;

	(void)arg;
	m->ended = true;
	m->end_ps = m->sim.now;
	sim_stop(&m->sim);
}

static void task_exit(struct machine *m, struct task *t, sim_time_t at)
{
	t->state = TASK_EXITED;
	t->exit_ps = at;
	t->op_valid = false;
	m->sched.alive--;
	if (m->sched.alive == 0 && m->cfg->run.until_done)
		sim_at(&m->sim, at, machine_end_ev, m, 0);
}

static void task_wake_ev(void *ctx, uint64_t id)
{
	struct machine *m = ctx;

	vcpu_task_wakeup(m, &m->sched.tasks[id]);
}

/* A task became runnable: queue it and make sure a vCPU looks at it. */
void vcpu_task_wakeup(struct machine *m, struct task *t)
{
	if (t->state == TASK_PARKED)
		t->parked_ps += m->sim.now - t->parked_since;
	sched_enqueue(&m->sched, t);
	struct vcpu *v = &m->vcpus[t->vcpu];
	if (v->state == VCPU_IDLE) {
		vcpu_kick(v);
		return;
	}
	if (t->pinned >= 0)
		return;
	/* Unpinned: an idle vCPU steals it rather than let it wait. */
	for (uint32_t i = 0; i < m->nvcpus; i++) {
		if (m->vcpus[i].state == VCPU_IDLE) {
			vcpu_kick(&m->vcpus[i]);
			return;
		}
	}
}

/* --- the synchronous stage-2 fault path (protocol `sync`) ------------ */

static void vcpu_fault(struct vcpu *v, struct task *t, uint64_t gfn)
{
	struct machine *m = v->m;
	const struct host_cfg *h = &m->cfg->host;
	sim_time_t now = m->sim.now;
	sim_time_t cost = h->vmexit;

	m->stats.faults++;
	if (t->kernel)
		m->stats.faults_kernel++;
	else
		m->stats.faults_user++;
	t->faults++;
	v->exits++;
	vcpu_set_state(v, VCPU_HOST, now);
	v->fault_gfn = gfn;
	v->fault_start = now;
	v->fault_major = false;

	switch (hostmem_classify(&m->hm, gfn)) {
	case HM_FAULT_NONE:
		break;
	case HM_FAULT_MINOR:
		m->hm.stats.minor++;
		hostmem_map(&m->hm, gfn);
		cost += h->minor_fault;
		break;
	case HM_FAULT_ZERO:
		hostmem_zero_fill(&m->hm, gfn);
		hostmem_map(&m->hm, gfn);
		cost += h->zero_fill;
		break;
	case HM_FAULT_MAJOR:
		hostmem_swapin_start(&m->hm, gfn);
		swapdev_submit(&m->swap, gfn, false);
		__attribute__((fallthrough));
	case HM_FAULT_INFLIGHT:
		v->fault_major = true;
		v->waiting_io = true;
		return;
	}
	vcpu_schedule_step(v, now + cost + h->vmentry);
}

/* Swap-in finished: map the page for every vCPU blocked on it; each
 * re-enters the guest after the mapping and entry costs. */
void vcpu_page_resident(struct machine *m, uint64_t gfn)
{
	const struct host_cfg *h = &m->cfg->host;

	hostmem_swapin_done(&m->hm, gfn);
	for (uint32_t i = 0; i < m->nvcpus; i++) {
		struct vcpu *v = &m->vcpus[i];
		if (!v->waiting_io || v->fault_gfn != gfn)
			continue;
		v->waiting_io = false;
		hostmem_map(&m->hm, gfn);
		vcpu_schedule_step(v, m->sim.now + h->minor_fault + h->vmentry);
	}
}

static void vcpu_fault_done(struct vcpu *v, sim_time_t now)
{
	struct machine *m = v->m;
	sim_time_t lat = now - v->fault_start;

	v->cur->stall_ps += lat;
	hist_add(&m->stats.fault_latency, lat);
	if (v->fault_major)
		hist_add(&m->stats.major_latency, lat);
	vcpu_set_state(v, VCPU_RUN, now);
}

/* --- the run loop ------------------------------------------------------ */

static void vcpu_loop(struct vcpu *v, sim_time_t t)
{
	struct machine *m = v->m;
	const struct apf_config *cfg = m->cfg;
	sim_time_t now = m->sim.now;

	for (;;) {
		sim_time_t horizon;
		struct task *tk = v->cur;

		if (!sim_next_time(&m->sim, &horizon))
			horizon = SIM_TIME_MAX;
		if (!tk) {
			tk = sched_pick(&m->sched, v->id);
			if (!tk) {
				vcpu_set_state(v, VCPU_IDLE, t);
				return;
			}
			tk->state = TASK_RUNNING;
			tk->vcpu = v->id;
			tk->switches++;
			v->switches++;
			v->cur = tk;
			t += cfg->guest.context_switch;
			v->sched_ps += cfg->guest.context_switch;
			v->slice_end = t + cfg->guest.timeslice;
			continue;
		}
		if (t >= v->slice_end) {
			if (sched_has_waiting(&m->sched, v->id)) {
				sched_enqueue(&m->sched, tk);
				v->cur = NULL;
				continue;
			}
			v->slice_end = t + cfg->guest.timeslice;
		}
		if (!tk->op_valid)
			task_fetch_op(m, tk);

		switch (tk->op.kind) {
		case WL_OP_TOUCH:
			if (!tk->touched) {
				uint64_t gfn = tk->op.arg;
				if (!hostmem_mapped(&m->hm, gfn)) {
					if (t > now) {
						/* ran ahead inline: fault at the exact time */
						vcpu_schedule_step(v, t);
						return;
					}
					vcpu_fault(v, tk, gfn);
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

			if (stop <= horizon) {
				sim_time_t d = stop - t;
				tk->op_left_ps -= d;
				tk->cpu_ps += d;
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

static void vcpu_step_ev(void *ctx, uint64_t arg)
{
	struct vcpu *v = ctx;
	sim_time_t now = v->m->sim.now;

	(void)arg;
	v->step_ev = (sim_event_id){ 0, 0 };
	if (v->state == VCPU_HOST)
		vcpu_fault_done(v, now);
	else if (v->state == VCPU_IDLE)
		vcpu_set_state(v, VCPU_RUN, now);
	if (v->op_running) {
		vcpu_settle(v, now);
		if (v->cur->op_left_ps == 0)
			task_op_complete(v->cur);
	}
	vcpu_loop(v, now > v->since ? now : v->since);
}

void vcpu_start(struct vcpu *v)
{
	v->state = VCPU_IDLE;
	v->since = 0;
	vcpu_schedule_step(v, 0);
}

/* Make the vCPU re-examine its state now (an idle vCPU wakes up; a
 * running one settles its current work).  A vCPU blocked in the host is
 * left alone: the fault-in must finish first. */
void vcpu_kick(struct vcpu *v)
{
	sim_time_t now = v->m->sim.now;

	if (v->state == VCPU_HOST)
		return;
	sim_time_t at = now;
	if (v->op_running && v->op_start > at)
		at = v->op_start;
	if (v->state == VCPU_IDLE && v->since > at)
		at = v->since;
	vcpu_schedule_step(v, at);
}

/* The model's end-of-run hook for the end event. */
void machine_schedule_end(struct machine *m, sim_time_t at)
{
	sim_at(&m->sim, at, machine_end_ev, m, 0);
}

/* Close a vCPU's books at `end`: partial work, a fault still in the host. */
void vcpu_finish(struct vcpu *v, sim_time_t end)
{
	if (v->op_running)
		vcpu_settle(v, end);
	if (v->state == VCPU_HOST && v->cur && end > v->fault_start)
		v->cur->stall_ps += end - v->fault_start;
	vcpu_set_state(v, v->state, end);
}
