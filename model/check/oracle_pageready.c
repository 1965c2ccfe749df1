/* oracle_pageready.c — page-ready, completion, cancel, retire and flush:
 * lost / duplicate / late page-ready and ppi_pending_mismatch
 * (oracle_internal.h). */
#include "model/check/oracle.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/kernel/grow.h"

#include "model/check/oracle_internal.h"

void orc_on_ready(struct oracle *o, const struct trace_event *e)
{
	struct ovcpu *v = &o->v[e->vcpu];
	struct ref r;
	struct inst *in;
	static const char *const outname[] = { "none", "page-ready", "wake", "cancellation", "flush" };

	if (e->a == ORACLE_WAKEUP_ALL) {
		orc_hist_parked(o, e->vcpu, e);
		return;
	}
	r = orc_find_known(o, v, e->a);
	in = orc_ref_get(o, r);
	if (!in) {
		o->counts.unknown_page_ready++;
		return;
	}
	o->counts.page_ready++;
	orc_hist_add(o, r, e);
	in = orc_ref_get(o, r);
	if (!in->has_gva) {
		in->has_gva = true;
		in->gva = e->b;
	}
	in->nready++;
	/* The ACK race (§4.1): a completed page whose page-ready waited longer
	 * than the configured bound (only when a bound is given). */
	if (o->cfg.delivery_bound_ps && in->completed && in->nready == 1 &&
	    e->t - in->t_completed > o->cfg.delivery_bound_ps && orc_check_on(o, ORACLE_LATE_PAGE_READY)) {
		char a[32];
		orc_fmt_time(a, sizeof(a), e->t - in->t_completed);
		orc_violate(o, ORACLE_LATE_PAGE_READY, e->t, e->vcpu, in->token, e->task, r, orc_no_ref,
			"page-ready for token %#" PRIx64 " delivered %s after its completion", in->token, a);
	}
	/* §1.4: one page-ready per work (it is unlinked right after). */
	if (in->outcome == OUT_NONE || in->outcome == OUT_WOKEN) {
		if (in->nready > 1)
			goto dup;
		in->outcome = OUT_READY;
		in->t_outcome = e->t;
		orc_note_inst_deadline(o, r);
		return;
	}
dup:
	{
		char a[32];

		orc_fmt_time(a, sizeof(a), in->t_outcome);
		orc_violate(o, ORACLE_DUPLICATE_PAGE_READY, e->t, e->vcpu, e->a, TRACE_NO_TASK, r, orc_no_ref,
			"second page-ready for token %#" PRIx64 " (first outcome: %s at %s)", e->a,
			outname[in->outcome], a);
	}
}

void orc_on_completed(struct oracle *o, const struct trace_event *e)
{
	/* Correlation (docs/oracle.md): the worker's gva matches an instance
	 * whose TR_KVM_NOT_PRESENT/READY carried that gva, or whose setup gfn
	 * equals gva >> 12.  Only live, not yet completed instances match; with
	 * a vCPU given only that vCPU is searched, otherwise the match set up
	 * first (global order of first appearance) wins. */
	uint32_t lo = 0, hi = o->nv;
	struct ref best = orc_no_ref;
	uint32_t best_seq = UINT32_MAX;
	struct inst *in;

	if (e->vcpu != TRACE_NO_VCPU) {
		lo = e->vcpu;
		hi = e->vcpu + 1 <= o->nv ? e->vcpu + 1 : o->nv;
	}
	for (uint32_t vi = lo; vi < hi; vi++) {
		struct ovcpu *v = &o->v[vi];

		for (uint32_t i = 0; i < v->nlive; i++) {
			in = orc_ref_get(o, v->live[i]);
			if (!in || in->completed)
				continue;
			if (!((in->has_gva && in->gva == e->b) ||
			      (in->setup_seen && in->gfn == e->b >> 12)))
				continue;
			if (in->seq < best_seq) {
				best_seq = in->seq;
				best = v->live[i];
			}
			break;
		}
	}
	in = orc_ref_get(o, best);
	if (!in) {
		o->counts.unmatched_completions++;
		return;
	}
	o->counts.completions++;
	in->completed = true;
	in->t_completed = e->t;
	orc_hist_add(o, best, e);
	orc_note_inst_deadline(o, best);
}

void orc_on_cancelled(struct oracle *o, const struct trace_event *e)
{
	struct ref r = orc_find_known(o, &o->v[e->vcpu], e->a);
	struct inst *in = orc_ref_get(o, r);

	o->counts.cancelled++;
	if (!in)
		return;
	orc_hist_add(o, r, e);
	in = orc_ref_get(o, r);
	if (in->outcome == OUT_NONE) {
		in->outcome = OUT_CANCELLED;
		in->t_outcome = e->t;
		orc_note_inst_deadline(o, r);
	}
}

void orc_on_retired(struct oracle *o, const struct trace_event *e)
{
	struct ovcpu *v = &o->v[e->vcpu];
	struct ref r = orc_find_live(o, v, e->a);
	struct inst *in;

	orc_check_outstanding(o, e, r);
	in = orc_ref_get(o, r);
	if (!in)
		return;
	orc_hist_add(o, r, e);
	in = orc_ref_get(o, r);
	in->live = false;
	in->t_closed = e->t;
	orc_live_remove(o, v, r);
	if (!grow_zeroed((void **)&v->chk, &v->capchk, v->nchk + 1, sizeof(*v->chk))) {
		o->oom = true;
		return;
	}
	v->chk[v->nchk++] = r;
	orc_note_inst_deadline(o, r);
}

void orc_on_flush(struct oracle *o, const struct trace_event *e)
{
	struct ovcpu *v = &o->v[e->vcpu];

	/* §1.6: flush discards every work without page-ready; a task parked
	 * on one must be woken by a later wake-all (else stuck_task). */
	orc_hist_parked(o, e->vcpu, e);
	for (uint32_t i = 0; i < v->nlive; i++) {
		struct ref r = v->live[i];
		struct inst *in = orc_ref_get(o, r);

		if (!in)
			continue;
		orc_hist_add(o, r, e);
		in = orc_ref_get(o, r);
		if (in->outcome == OUT_NONE) {
			in->outcome = OUT_FLUSHED;
			in->t_outcome = e->t;
		}
		in->live = false;
		in->t_closed = e->t;
		o->counts.flushed++;
		orc_note_inst_deadline(o, r);
	}
	/* Close them in setup order after the live list is emptied. */
	while (v->nlive) {
		struct ref r = v->live[0];

		orc_live_remove(o, v, r);
		orc_maybe_grave(o, r);
		v = &o->v[e->vcpu];
	}
}
