/* oracle_token.c — token setup and shared-buffer writes: token_collision,
 * buffer_overwrite, too_many_outstanding (oracle_internal.h). */
#include "model/check/oracle.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/kernel/grow.h"

#include "model/check/oracle_internal.h"

/* ---- event handlers ------------------------------------------------------------ */

/* Attach a vCPU-wide event (wake-all, flush) to the instances its parked
 * tasks wait on, so their histories show it. */
void orc_hist_parked(struct oracle *o, uint32_t vcpu, const struct trace_event *e)
{
	for (uint32_t i = 0; i < o->nt; i++)
		if (o->tasks[i].parked && o->tasks[i].vcpu == vcpu)
			orc_hist_add(o, o->tasks[i].r, e);
}

void orc_check_outstanding(struct oracle *o, const struct trace_event *e, struct ref r)
{
	if (e->c > o->counts.max_outstanding_seen)
		o->counts.max_outstanding_seen = e->c;
	/* §1.1/§1.2: queued <= ASYNC_PF_PER_VCPU; the 65th fault is synchronous. */
	if (e->c > o->cfg.max_outstanding)
		orc_violate(o, ORACLE_TOO_MANY_OUTSTANDING, e->t, e->vcpu, e->a, TRACE_NO_TASK, r, orc_no_ref,
			"%" PRIu64 " works outstanding after %s of token %#" PRIx64 " (limit %u)",
			e->c, e->kind == TR_APF_SETUP ? "setup" : "retiring", e->a,
			o->cfg.max_outstanding);
}

void orc_on_setup(struct oracle *o, const struct trace_event *e)
{
	struct ovcpu *v = &o->v[e->vcpu];
	struct ref old = orc_find_live(o, v, e->a), r;
	struct inst *in = orc_ref_get(o, old);

	o->counts.tokens++;
	if (e->a == 0)
		o->counts.zero_tokens++;
	if (in && !in->setup_seen) {
		r = old;	/* adopt the provisional instance */
		old = orc_no_ref;
	} else {
		r = orc_inst_new(o, e->vcpu, e->a, e->t);
	}
	in = orc_ref_get(o, r);
	if (in) {
		in->setup_seen = true;
		in->gfn = e->b;
		in->t_setup = e->t;
	}
	orc_hist_add(o, r, e);
	orc_check_outstanding(o, e, r);
	in = orc_ref_get(o, old);
	/* §2.5/§4.6: tokens must be unique per vCPU while live. */
	if (in) {
		char a[32];

		orc_fmt_time(a, sizeof(a), in->t_setup);
		orc_violate(o, ORACLE_TOKEN_COLLISION, e->t, e->vcpu, e->a, TRACE_NO_TASK, old, r,
			"token %#" PRIx64 " (gfn %#" PRIx64 ") set up while live since %s (gfn %#" PRIx64 ")",
			e->a, e->b, a, in->gfn);
	}
}

void orc_on_buf_write(struct oracle *o, const struct trace_event *e)
{
	struct ovcpu *v = &o->v[e->vcpu];
	uint64_t prev_reason = e->c >> 32, prev_token = e->c & 0xFFFFFFFFu;
	struct ref r = orc_no_ref, prev = orc_no_ref;

	if (e->a == 1) {
		r = orc_inst_for_write(o, e->vcpu, e->b, e->t);
		v = &o->v[e->vcpu];
		v->np = r;
	} else if (e->a == 2 && e->b == ORACLE_WAKEUP_ALL) {
		orc_hist_parked(o, e->vcpu, e);
		v->pr = orc_no_ref;
	} else if (e->a != 0) {
		r = orc_find_known(o, v, e->b);
		if (e->a == 2)
			v->pr = r;
	}
	if (prev_reason != 0) {
		prev = orc_find_known(o, v, prev_token);
		if (prev.idx == r.idx && prev.gen == r.gen)
			prev = orc_no_ref;
	}
	orc_hist_add(o, r, e);
	orc_hist_add(o, prev, e);

	/* §2.3/§4.2: the host writes only into a free buffer (reason == 0 &&
	 * token == 0); writes of 0/0 are the host's own clears. */
	if (e->a != 0 && e->c != 0)
		orc_violate(o, ORACLE_BUFFER_OVERWRITE, e->t, e->vcpu, e->b, TRACE_NO_TASK, r, prev,
			"host wrote reason %" PRIu64 " token %#" PRIx64
			" over unconsumed reason %" PRIu64 " token %#" PRIx64,
			e->a, e->b, prev_reason, prev_token);

	if (e->a == 2) {
		/* §2.7(g): no page-ready while one is outstanding. */
		if (v->pending)
			orc_violate(o, ORACLE_PPI_PENDING_MISMATCH, e->t, e->vcpu, e->b, TRACE_NO_TASK, r,
				orc_no_ref, "page-ready for token %#" PRIx64
				" written while pageready_pending is still set", e->b);
		v->pending = true;
		v->ppi_dirty = true;
	}
}
