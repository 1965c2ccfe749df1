/* oracle_deadline.c — the deadlines of stuck_task and lost_page_ready and
 * the per-vCPU time groups (oracle_internal.h). */
#include "model/check/oracle.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/kernel/grow.h"

#include "model/check/oracle_internal.h"

/* ---- stuck_task deadlines -------------------------------------------------- */

/* Time from which a parked task's wake-up is owed: the token's work
 * completed, or it got an outcome (flush, cancellation), or it was retired;
 * for a park on a token unknown on that vCPU, the park itself.  SIM_TIME_MAX
 * while the work is still in flight. */
sim_time_t orc_task_ref_time(struct oracle *o, const struct otask *tk)
{
	struct inst *in = orc_ref_get(o, tk->r);

	if (!in)
		return tk->t_park;
	if (in->completed)
		return in->t_completed;
	if (in->outcome != OUT_NONE)
		return in->t_outcome;
	if (!in->live)
		return in->t_closed;
	return SIM_TIME_MAX;
}

void orc_note_deadline(struct oracle *o, sim_time_t ref)
{
	sim_time_t d;

	if (ref == SIM_TIME_MAX)
		return;
	d = orc_sat_add(ref, o->cfg.stuck_bound_ps);
	if (d < o->next_deadline)
		o->next_deadline = d;
}

void orc_note_inst_deadline(struct oracle *o, struct ref r)
{
	struct inst *in = orc_ref_get(o, r);

	uint32_t left;

	if (!in || !in->nparked)
		return;
	/* nparked counts exactly the parked tasks naming r (an instance is
	 * never recycled while one does): stop after the last. */
	left = in->nparked;
	for (uint32_t i = 0; i < o->nt && left; i++) {
		struct otask *tk = &o->tasks[i];

		if (tk->parked && tk->r.idx == r.idx && tk->r.gen == r.gen) {
			orc_note_deadline(o, orc_task_ref_time(o, tk));
			left--;
		}
	}
}

void orc_fmt_time(char *buf, size_t n, sim_time_t t)
{
	snprintf(buf, n, "%" PRIu64 ".%06" PRIu64 " us", t / SIM_US, t % SIM_US);
}

/* stuck_task, on the fly (docs/reference.md §4.5): a parked task not woken more
 * than stuck_bound after its token's work completed.  Scans tasks in id
 * order only when `now` passed the earliest deadline. */
void orc_check_deadlines(struct oracle *o, sim_time_t now)
{
	sim_time_t next = SIM_TIME_MAX;

	for (uint32_t i = 0; i < o->nt; i++) {
		struct otask *tk = &o->tasks[i];
		sim_time_t ref, d;
		char a[32], b[32], c[32];

		if (!tk->parked || tk->stuck_reported)
			continue;
		ref = orc_task_ref_time(o, tk);
		if (ref == SIM_TIME_MAX)
			continue;
		d = orc_sat_add(ref, o->cfg.stuck_bound_ps);
		if (now > d) {
			struct inst *in = orc_ref_get(o, tk->r);

			tk->stuck_reported = true;
			orc_fmt_time(a, sizeof(a), tk->t_park);
			orc_fmt_time(b, sizeof(b), ref);
			orc_fmt_time(c, sizeof(c), o->cfg.stuck_bound_ps);
			orc_violate(o, ORACLE_STUCK_TASK, now, tk->vcpu, tk->token, i, tk->r, orc_no_ref,
				"task %u parked at %s on token %#" PRIx64 " %s %s, not woken within %s",
				i, a, tk->token,
				!in ? "(never set up on this vCPU), parked since" :
				in->completed ? "whose work completed at" :
				in->outcome == OUT_FLUSHED ? "flushed at" :
				in->outcome == OUT_CANCELLED ? "cancelled at" : "retired at",
				b, c);
		} else if (d < next) {
			next = d;
		}
	}
	o->next_deadline = next;
}

/* ---- per-vCPU time groups --------------------------------------------------- */

/* End of the group of events of one vCPU at one timestamp (v->last_t).  The
 * host writes the buffer, sets pageready_pending and raises the PPI at the
 * same time (§2.7(i)); the guest's IRQ_ACK clears the flag and lowers the
 * line at the same time (§2.7(j)): consistency is judged once the group is
 * complete.  Retirements are judged here too, so a TR_KVM_READY emitted
 * after TR_APF_RETIRED at the same time still counts. */
void orc_vcpu_group_end(struct oracle *o, uint32_t vid)
{
	struct ovcpu *v = &o->v[vid];

	if (v->ppi_dirty && o->cfg.ppi_intid && v->line != v->pending) {
		struct inst *in = orc_ref_get(o, v->pr);

		orc_violate(o, ORACLE_PPI_PENDING_MISMATCH, v->last_t, vid,
			in ? in->token : ORACLE_NO_TOKEN, TRACE_NO_TASK, v->pr, orc_no_ref,
			"PPI %u is %s while pageready_pending is %s", o->cfg.ppi_intid,
			v->line ? "high" : "low", v->pending ? "set" : "clear");
	}
	v->ppi_dirty = false;

	for (uint32_t i = 0; i < v->nchk; i++) {
		struct inst *in = orc_ref_get(o, v->chk[i]);
		char a[32];

		if (!in)
			continue;
		/* A parked task on it is judged by stuck_task, not twice. */
		if (in->outcome == OUT_NONE && !in->nparked) {
			orc_fmt_time(a, sizeof(a), in->t_closed);
			orc_violate(o, ORACLE_LOST_PAGE_READY, v->last_t, vid, in->token, TRACE_NO_TASK,
				v->chk[i], orc_no_ref,
				"token %#" PRIx64 " retired at %s without page-ready or cancellation",
				in->token, a);
		}
		orc_maybe_grave(o, v->chk[i]);
	}
	v->nchk = 0;
}
