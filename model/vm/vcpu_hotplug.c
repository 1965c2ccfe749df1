/* vcpu_hotplug.c — guest CPU offline/online and guest-initiated APF
 * disable/enable (fault injection, docs/explore.md).
 *
 * A request (faults.c, at the drawn or scheduled instant) queues the op on
 * the vCPU and kicks it; its next step runs the queued ops when the vCPU is
 * at a clean point (back in the guest, nothing injected waiting to be taken
 * at entry — an SDEI event or x86 async #PF runs its handler, and parks its
 * task, before any guest thread — no guest kernel run cut short — a
 * vCPU stuck in an interrupt storm never gets there, as a real CPU would
 * not reach its hotplug thread, and the injection does not happen):
 *
 *   CPU_DOWN  the running task is preempted, the guest's hotplug entry
 *             runs the APF driver's offline callback and the SDEI client's
 *             PE mask (docs/reference.md §2.8 / §3.6 "Offline"), then every task
 *             queued on the vCPU moves to an online vCPU with its affinity
 *             broken (Linux: "no longer affine to cpuN"), and the vCPU
 *             stops (idle, never stepped) until CPU_UP.
 *   CPU_UP    PE unmask and the driver's online callback (ENABLE again, so
 *             the host queues a wake-all); the vCPU then schedules as usual
 *             and steals unpinned work back when idle.
 *   APF_OFF / APF_ON   the driver's disable / enable alone; the CPU stays up.
 *
 * Invariants: an offline vCPU has no current task, no queued task and no
 * pending step; vcpu_task_wakeup redirects tasks bound to it.  At least one
 * vCPU stays online (a CPU_DOWN that would take the last one is dropped).
 * Without guest code (protocol sync) CPU_DOWN/UP only move tasks, and the
 * APF toggles do nothing (there is no driver) and are not recorded.
 */
#include "model/vm/machine.h"

#include <string.h>

#include "model/host/faults.h"
#include "model/vm/platform.h"
#include "model/vm/vcpu_guest.h"

uint32_t vcpu_online_target(const struct machine *m, uint32_t vcpu)
{
	for (uint32_t k = 0; k < m->nvcpus; k++) {
		uint32_t i = (vcpu + k) % m->nvcpus;

		if (!m->vcpus[i].offline)
			return i;
	}
	return vcpu;	/* unreachable: one vCPU always stays online */
}

static uint32_t online_count(const struct machine *m)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < m->nvcpus; i++)
		n += !m->vcpus[i].offline;
	return n;
}

/* The undo of a done op, `len` later: arg = vcpu << 8 | op. */
static void hotplug_undo_ev(void *ctx, uint64_t arg)
{
	struct machine *m = ctx;

	if (!m->failed)
		vcpu_hotplug_request(&m->vcpus[arg >> 8], (uint32_t)(arg & 0xFF), 0);
}

void vcpu_hotplug_request(struct vcpu *v, uint32_t op, sim_time_t len)
{
	struct machine *m = v->m;

	switch (op) {
	case GUEST_HOTPLUG_CPU_DOWN:
		if (v->offline || online_count(m) < 2)
			return;
		break;
	case GUEST_HOTPLUG_CPU_UP:
		if (!v->offline)
			return;
		v->offline = false;	/* steppable again: the op runs at its step */
		break;
	case GUEST_HOTPLUG_APF_OFF:
	case GUEST_HOTPLUG_APF_ON:
		if (!m->plat || v->offline)
			return;		/* no driver, or the CPU is down */
		break;
	default:
		return;
	}
	if (v->hp_n == VCPU_HP_QUEUE)
		return;			/* cannot happen: two windows, two ops each */
	v->hp_q[v->hp_n++] = (struct vcpu_hp_req){ op, len };
	vcpu_kick(v);
}

/* Move every task queued on v to online vCPUs, round-robin from v + 1;
 * returns how many moved. */
static uint32_t migrate_queued(struct machine *m, struct vcpu *v, sim_time_t now)
{
	struct runqueue *q = &m->sched.rq[v->id];
	uint32_t moved = 0, next = v->id;
	int64_t min_from = sched_min_vruntime(&m->sched, v->id, NULL, now);

	while (q->head != TASK_NONE) {
		struct task *t = &m->sched.tasks[q->head];

		q->head = t->rq_next;
		q->len--;
		next = vcpu_online_target(m, (next + 1) % m->nvcpus);
		sched_move(&m->sched, t, next, min_from,
			   sched_min_vruntime(&m->sched, next, m->vcpus[next].cur, now));
		t->pinned = -1;
		sched_enqueue(&m->sched, t);
		vcpu_wake_idle(m, &m->vcpus[next]);
		moved++;
	}
	q->tail = TASK_NONE;
	return moved;
}

static enum fault_kind op_fault(uint32_t op)
{
	switch (op) {
	case GUEST_HOTPLUG_CPU_DOWN:
		return FAULT_CPU_OFFLINE;
	case GUEST_HOTPLUG_CPU_UP:
		return FAULT_CPU_ONLINE;
	case GUEST_HOTPLUG_APF_OFF:
		return FAULT_APF_DISABLE;
	default:
		return FAULT_APF_ENABLE;
	}
}

/* One op; true when the vCPU went offline. */
static bool hotplug_one(struct vcpu *v, struct vcpu_hp_req rq, sim_time_t *t)
{
	struct machine *m = v->m;
	uint32_t op = rq.op;
	uint64_t moved = 0;

	if (op == GUEST_HOTPLUG_CPU_DOWN) {
		struct task *cur = v->cur;

		if (online_count(m) < 2)
			return false;
		/* The hotplug thread preempts whatever ran here. */
		if (cur) {
			trace_emit(&m->tracer, *t, v->id, cur->id, TR_TASK_READY, TR_READY_PREEMPTED, 0, 0);
			task_acct(cur, TB_RUNNABLE, *t);
			if (m->plat)
				platform_task(m->plat, cur->id)->state = GUEST_TASK_RUNNABLE;
			sched_enqueue(&m->sched, cur);
			v->cur = NULL;
		}
		if (v->next) {
			sched_enqueue(&m->sched, v->next);
			v->next = NULL;
		}
		v->need_resched = false;
		if (m->plat)
			vcpu_guest_switch(v, NULL, t);
	}
	if (m->plat)
		vcpu_guest_hotplug(v, op, t);
	if (m->failed)
		return false;
	if (op == GUEST_HOTPLUG_CPU_DOWN) {
		/* Offline first: wake-ups from here on go elsewhere. */
		v->offline = true;
		vcpu_cancel_step(v);
		moved = migrate_queued(m, v, *t);
		vcpu_set_state(v, VCPU_IDLE, *t);
	}
	faults_record_at(&m->faults, *t, v->id, op_fault(op), moved);
	if (op == GUEST_HOTPLUG_CPU_DOWN || op == GUEST_HOTPLUG_APF_OFF) {
		uint32_t undo = op == GUEST_HOTPLUG_CPU_DOWN ? GUEST_HOTPLUG_CPU_UP : GUEST_HOTPLUG_APF_ON;

		sim_at(&m->sim, *t + rq.len, hotplug_undo_ev, m, (uint64_t)v->id << 8 | undo);
	}
	return v->offline;
}

bool vcpu_hotplug_run(struct vcpu *v, sim_time_t *t)
{
	while (v->hp_n && !v->m->failed) {
		struct vcpu_hp_req rq = v->hp_q[0];

		v->hp_n--;
		memmove(v->hp_q, v->hp_q + 1, v->hp_n * sizeof(v->hp_q[0]));
		if (hotplug_one(v, rq, t)) {
			/* Only APF toggles can be queued behind the offline
			 * (a CPU_UP is requested once it ran): moot on a CPU
			 * that is down, and CPU_UP re-enables APF anyway. */
			v->hp_n = 0;
			return true;
		}
	}
	return v->m->failed;
}
