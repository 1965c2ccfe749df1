/* oracle.c — the invariant oracle (see oracle.h and docs/oracle.md).
 *
 * State kept per vCPU: the live token instances in setup order, a token map
 * (token -> most recent instance, and "seen before" for wrap counting), a
 * small FIFO of closed instances kept for late events and reports, the
 * modelled pageready_pending flag and APF PPI line, the instance whose
 * not-present / page-ready is outstanding (to attach SDEI and IRQ events to
 * its history) and the stack of running SDEI events.  Per task: parked or
 * not, on which instance.  A token *instance* is one life of a token on a
 * vCPU, from TR_APF_SETUP to its retirement or flush.
 *
 * Everything lives in growable arrays indexed by 32-bit indices (instances
 * and history records are pooled with free lists), so the hot path does not
 * allocate once the pools have grown to the run's working set.  Pointers
 * into the pools are re-derived after any call that may grow them.
 *
 * The oracle is cut by concern, one file per family of invariants:
 * oracle_internal.h lists them.  This file dispatches the events, checks
 * the end of the run, creates the oracle and is its trace sink.
 */
#include "model/check/oracle.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/kernel/grow.h"

#include "model/check/oracle_internal.h"

void oracle_event(struct oracle *o, const struct trace_event *e)
{
	struct ovcpu *v = NULL;

	if (o->finished)
		return;
	o->counts.events++;
	if (e->t > o->now)
		o->now = e->t;
	if (e->vcpu != TRACE_NO_VCPU) {
		/* Every event goes through here: the known vCPU and the empty
		 * group end (nothing dirty, nothing to check) stay inline. */
		v = e->vcpu < o->nv ? &o->v[e->vcpu] : orc_vcpu_get(o, e->vcpu);
		if (v && (!v->seen_t || e->t > v->last_t)) {
			if (v->seen_t && (v->ppi_dirty || v->nchk))
				orc_vcpu_group_end(o, e->vcpu);
			v = &o->v[e->vcpu];
			v->last_t = e->t;
			v->seen_t = true;
		}
	}
	if (o->now > o->next_deadline && orc_check_on(o, ORACLE_STUCK_TASK))
		orc_check_deadlines(o, o->now);
	if (o->now > o->next_starve && orc_check_on(o, ORACLE_STARVED_TASK))
		orc_starve_scan(o, o->now);
	if (o->now > o->next_np && orc_check_on(o, ORACLE_LOST_NOT_PRESENT))
		orc_np_scan(o, o->now, false);

	if (e->kind == TR_KVM_COMPLETED) {
		orc_on_completed(o, e);
		return;
	}
	if (!v)
		return;		/* every other kind names its vCPU */

	switch (e->kind) {
	case TR_APF_SETUP:
		orc_on_setup(o, e);
		break;
	case TR_KVM_NOT_PRESENT: {
		struct ref r = orc_inst_for_write(o, e->vcpu, e->a, e->t);
		struct inst *in = orc_ref_get(o, r);

		if (in) {
			in->has_gva = true;
			in->gva = e->b;
		}
		orc_hist_add(o, r, e);
		break;
	}
	case TR_BUF_WRITE:
		orc_on_buf_write(o, e);
		break;
	case TR_SDEI_INJECT:
	case TR_SDEI_DISPATCH:
	case TR_SDEI_COMPLETE:
	case TR_SDEI_CANCEL:
		orc_on_sdei(o, e);
		break;
	case TR_PPI_LEVEL:
		if (o->cfg.ppi_intid && e->a == o->cfg.ppi_intid) {
			v->line = e->b != 0;
			v->ppi_dirty = true;
			orc_hist_add(o, v->pr, e);
		}
		break;
	case TR_IRQ_TAKEN:
		if (o->cfg.ppi_intid && e->a == o->cfg.ppi_intid)
			orc_hist_add(o, v->pr, e);
		break;
	case TR_IRQ_ACK:
		o->counts.irq_acks++;
		orc_hist_add(o, v->pr, e);
		/* §2.7(j): IRQ_ACK reports the flag the host model holds. */
		if ((e->a != 0) != v->pending) {
			struct inst *in = orc_ref_get(o, v->pr);

			orc_violate(o, ORACLE_PPI_PENDING_MISMATCH, e->t, e->vcpu,
				in ? in->token : ORACLE_NO_TOKEN, e->task, v->pr, orc_no_ref,
				"IRQ_ACK saw pageready_pending %" PRIu64 ", expected %d", e->a,
				v->pending);
		}
		v->pending = false;
		v->ppi_dirty = true;
		v->pr = orc_no_ref;
		break;
	case TR_KVM_READY:
		orc_on_ready(o, e);
		break;
	case TR_APF_CANCELLED:
		orc_on_cancelled(o, e);
		break;
	case TR_APF_RETIRED:
		orc_on_retired(o, e);
		break;
	case TR_APF_FLUSH:
		orc_on_flush(o, e);
		break;
	case TR_APF_WAKE_ALL:
		o->counts.wake_all_queued++;
		orc_hist_parked(o, e->vcpu, e);
		break;
	case TR_TASK_PARK:
		orc_on_park(o, e);
		break;
	case TR_TASK_WAKE:
		orc_on_wake(o, e);
		break;
	case TR_TASK_READY:
		orc_on_task_ready(o, e);
		break;
	case TR_TASK_SWITCH:
		orc_on_task_switch(o, e);
		break;
	default:
		break;
	}
}

/* ---- end of run ---------------------------------------------------------------- */

void oracle_finish_check(struct oracle *o, sim_time_t end)
{
	bool strict = o->cfg.checks & ORACLE_STRICT_END;
	char a[32];

	if (o->finished)
		return;
	if (end < o->now)
		end = o->now;
	for (uint32_t vi = 0; vi < o->nv; vi++)
		if (o->v[vi].seen_t)
			orc_vcpu_group_end(o, vi);
	if (orc_check_on(o, ORACLE_STUCK_TASK))
		orc_check_deadlines(o, end);
	if (orc_check_on(o, ORACLE_STARVED_TASK))
		orc_starve_scan(o, end);
	if (orc_check_on(o, ORACLE_LOST_NOT_PRESENT))
		orc_np_scan(o, end, true);

	/* Parked at the end: stuck unless the work is still in flight (or
	 * owed for less than the bound); ORACLE_STRICT_END: always stuck. */
	for (uint32_t i = 0; i < o->nt; i++) {
		struct otask *tk = &o->tasks[i];

		if (!tk->parked || tk->stuck_reported)
			continue;
		if (!strict) {
			o->counts.parked_in_flight_at_end++;
			continue;
		}
		tk->stuck_reported = true;
		orc_fmt_time(a, sizeof(a), tk->t_park);
		orc_violate(o, ORACLE_STUCK_TASK, end, tk->vcpu, tk->token, i, tk->r, orc_no_ref,
			"task %u parked at %s on token %#" PRIx64 " still parked at the end of the run",
			i, a, tk->token);
	}

	for (uint32_t vi = 0; vi < o->nv; vi++) {
		struct ovcpu *v = &o->v[vi];

		/* lost_page_ready: completed, no outcome, nobody parked on it. */
		for (uint32_t i = 0; i < v->nlive; i++) {
			struct inst *in = orc_ref_get(o, v->live[i]);

			if (!in || !in->completed || in->outcome != OUT_NONE || in->nparked)
				continue;
			if (!strict && end - in->t_completed <= o->cfg.stuck_bound_ps)
				continue;
			orc_fmt_time(a, sizeof(a), in->t_completed);
			orc_violate(o, ORACLE_LOST_PAGE_READY, end, vi, in->token, TRACE_NO_TASK,
				v->live[i], orc_no_ref,
				"work of token %#" PRIx64 " completed at %s, no page-ready or cancellation by the end",
				in->token, a);
		}
		for (uint32_t i = 0; i < v->nsdei; i++) {
			/* A handler dispatched less than the bound before the
			 * end may still be running legitimately (a synchronous
			 * fault in it waits for a swap read): as for the work
			 * above, only ORACLE_STRICT_END reports it. */
			if (!strict && end - v->sdei_t[i] <= o->cfg.stuck_bound_ps)
				continue;
			orc_fmt_time(a, sizeof(a), v->sdei_t[i]);
			orc_violate(o, ORACLE_SDEI_NOT_COMPLETED, end, vi,
				orc_ref_get(o, v->np) ? orc_ref_get(o, v->np)->token : ORACLE_NO_TOKEN,
				TRACE_NO_TASK, v->np, orc_no_ref,
				"SDEI event %#" PRIx64 " dispatched at %s never completed",
				v->sdei_run[i], a);
		}
	}
	o->finished = true;
}

/* ---- creation ------------------------------------------------------------------ */

struct oracle *oracle_create(const struct oracle_cfg *cfg)
{
	struct oracle *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	if (cfg)
		o->cfg = *cfg;
	if (!o->cfg.stuck_bound_ps)
		o->cfg.stuck_bound_ps = ORACLE_DEFAULT_STUCK_BOUND;
	if (!o->cfg.max_outstanding)
		o->cfg.max_outstanding = ORACLE_DEFAULT_MAX_OUTSTANDING;
	if (!(o->cfg.checks & ORACLE_CHECK_ALL))
		o->cfg.checks |= ORACLE_CHECK_ALL;
	if (!o->cfg.sdei_critical[0] && !o->cfg.sdei_critical[1] &&
	    !o->cfg.sdei_critical[2] && !o->cfg.sdei_critical[3])
		o->cfg.sdei_critical[0] = ORACLE_DEFAULT_SDEI_CRITICAL;
	if (!o->cfg.sdei_apf_event)
		o->cfg.sdei_apf_event = ORACLE_DEFAULT_SDEI_CRITICAL;
	if (!o->cfg.max_recorded)
		o->cfg.max_recorded = ORACLE_DEFAULT_MAX_RECORDED;
	if (!o->cfg.history_keep)
		o->cfg.history_keep = DEFAULT_HISTORY_KEEP;
	o->hfree = NONE;
	o->next_deadline = SIM_TIME_MAX;
	o->next_starve = SIM_TIME_MAX;
	o->next_np = SIM_TIME_MAX;
	if ((o->cfg.nvcpus && !orc_vcpu_get(o, o->cfg.nvcpus - 1)) ||
	    (o->cfg.ntasks && !orc_task_get(o, o->cfg.ntasks - 1))) {
		oracle_destroy(o);
		return NULL;
	}
	return o;
}

void oracle_destroy(struct oracle *o)
{
	if (!o)
		return;
	for (uint32_t i = 0; i < o->nv; i++) {
		free(o->v[i].live);
		free(o->v[i].map);
		orc_seen_free(&o->v[i].seen);
		free(o->v[i].grave);
		free(o->v[i].chk);
	}
	free(o->v);
	free(o->tasks);
	free(o->inst);
	free(o->ifree);
	free(o->hist);
	free(o->viol);
	free(o);
}

unsigned oracle_violations(const struct oracle *o)
{
	return o->total;
}

unsigned oracle_violations_of(const struct oracle *o, enum oracle_invariant inv)
{
	return (unsigned)inv < ORACLE_INV__COUNT ? o->by_kind[inv] : 0;
}

unsigned oracle_nrecorded(const struct oracle *o)
{
	return o->nviol;
}

const struct oracle_violation *oracle_violation_at(const struct oracle *o, unsigned i)
{
	return i < o->nviol ? &o->viol[i].v : NULL;
}

const struct oracle_counts *oracle_counts(const struct oracle *o)
{
	return &o->counts;
}

/* ---- sink ------------------------------------------------------------------------- */

static void sink_event(void *ctx, const struct trace_event *e)
{
	oracle_event(ctx, e);
}

static int sink_finish(void *ctx, sim_time_t end)
{
	oracle_finish_check(ctx, end);
	return 0;
}

static void sink_destroy(void *ctx)
{
	(void)ctx;		/* the owner destroys the oracle after the report */
}

const struct trace_sink_ops oracle_sink_ops = {
	.name = "oracle",
	.event = sink_event,
	.finish = sink_finish,
	.destroy = sink_destroy,
};
