/* oracle_sdei.c — SDEI delivery and completion: sdei_not_completed and
 * lost_not_present (oracle_internal.h). */
#include "model/check/oracle.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/kernel/grow.h"

#include "model/check/oracle_internal.h"

bool orc_sdei_critical(const struct oracle *o, uint64_t ev)
{
	for (int i = 0; i < 4; i++)
		if (o->cfg.sdei_critical[i] && o->cfg.sdei_critical[i] == ev)
			return true;
	return false;
}

void orc_on_sdei(struct oracle *o, const struct trace_event *e)
{
	struct ovcpu *v = &o->v[e->vcpu];
	bool apf = e->a == o->cfg.sdei_apf_event;
	struct ref np = v->np;

	if (apf)
		orc_hist_add(o, np, e);
	switch (e->kind) {
	case TR_SDEI_INJECT:
		/* A successful inject queues the APF event (§2.7(c)); a refused
		 * one (-EPERM, -ENOSPC) queues nothing. */
		if (apf && e->b == 0 && !v->np_queued) {
			v->np_queued = true;
			v->np_lost_reported = false;
			v->np_inject_t = e->t;
			if (orc_sat_add(e->t, o->cfg.stuck_bound_ps) < o->next_np)
				o->next_np = orc_sat_add(e->t, o->cfg.stuck_bound_ps);
		}
		break;
	case TR_SDEI_DISPATCH:
		if (apf)
			v->np_queued = false;
		o->counts.sdei_dispatches++;
		/* §2.7(e), §4.3: only a critical event may preempt a normal one. */
		if (v->nsdei) {
			uint64_t top = v->sdei_run[v->nsdei - 1];
			char a[32];

			if (!orc_sdei_critical(o, e->a) || orc_sdei_critical(o, top)) {
				orc_fmt_time(a, sizeof(a), v->sdei_t[v->nsdei - 1]);
				orc_violate(o, ORACLE_SDEI_NOT_COMPLETED, e->t, e->vcpu,
					apf && orc_ref_get(o, np) ? orc_ref_get(o, np)->token : ORACLE_NO_TOKEN,
					e->task, apf ? np : orc_no_ref, orc_no_ref,
					"SDEI event %#" PRIx64 " dispatched while %#" PRIx64
					" (dispatched at %s) is still running", e->a, top, a);
			}
		}
		if (v->nsdei < SDEI_DEPTH) {
			v->sdei_run[v->nsdei] = e->a;
			v->sdei_t[v->nsdei++] = e->t;
		}
		break;
	case TR_SDEI_COMPLETE: {
		uint32_t i = v->nsdei;

		while (i > 0 && v->sdei_run[i - 1] != e->a)
			i--;
		if (i == 0) {
			orc_violate(o, ORACLE_SDEI_NOT_COMPLETED, e->t, e->vcpu, ORACLE_NO_TOKEN, e->task,
				orc_no_ref, orc_no_ref, "EVENT_COMPLETE for SDEI event %#" PRIx64
				" which is not running", e->a);
			break;
		}
		memmove(&v->sdei_run[i - 1], &v->sdei_run[i], (v->nsdei - i) * sizeof(v->sdei_run[0]));
		memmove(&v->sdei_t[i - 1], &v->sdei_t[i], (v->nsdei - i) * sizeof(v->sdei_t[0]));
		v->nsdei--;
		if (apf)
			v->np = orc_no_ref;
		break;
	}
	case TR_SDEI_CANCEL:
		if (apf) {
			v->np = orc_no_ref;
			v->np_queued = false;
		}
		break;
	default:
		break;
	}
}

/* lost_not_present (§2.7(c), §2.9): an APF event the host injected must be
 * dispatched or cancelled (each traced) within the stuck bound; else the
 * not-present notification is lost — the buffer keeps reason 1, so every
 * later fault on that vCPU is synchronous (buffer busy) and nothing names
 * it.  On the fly at the first event past the earliest deadline; at the end
 * (at_end) also for one queued less than the bound when ORACLE_STRICT_END. */
void orc_np_scan(struct oracle *o, sim_time_t now, bool at_end)
{
	bool strict = at_end && (o->cfg.checks & ORACLE_STRICT_END);
	sim_time_t next = SIM_TIME_MAX;

	for (uint32_t vi = 0; vi < o->nv; vi++) {
		struct ovcpu *v = &o->v[vi];
		sim_time_t d;
		char a[32], b[32];

		if (!v->np_queued || v->np_lost_reported)
			continue;
		d = orc_sat_add(v->np_inject_t, o->cfg.stuck_bound_ps);
		if (now > d || strict) {
			struct inst *in = orc_ref_get(o, v->np);

			v->np_lost_reported = true;
			orc_fmt_time(a, sizeof(a), v->np_inject_t);
			orc_fmt_time(b, sizeof(b), o->cfg.stuck_bound_ps);
			orc_violate(o, ORACLE_LOST_NOT_PRESENT, now, vi,
				in ? in->token : ORACLE_NO_TOKEN, TRACE_NO_TASK, v->np, orc_no_ref,
				"APF SDEI event %#" PRIx64 " (not-present of token %#" PRIx64 ") injected at %s, "
				"neither dispatched nor cancelled within %s", o->cfg.sdei_apf_event,
				in ? in->token : 0, a, b);
		} else if (d < next) {
			next = d;
		}
	}
	o->next_np = next;
}
