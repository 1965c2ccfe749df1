/* oracle_sdei.c — SDEI delivery and completion: sdei_not_completed
 * (oracle_internal.h). */
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
	case TR_SDEI_DISPATCH:
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
		if (apf)
			v->np = orc_no_ref;
		break;
	default:
		break;
	}
}
