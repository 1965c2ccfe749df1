/* oracle_park.c — tasks parked on a token and woken: stuck_task
 * (oracle_internal.h). */
#include "model/check/oracle.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/kernel/grow.h"

#include "model/check/oracle_internal.h"

static void unpark(struct oracle *o, struct otask *tk)
{
	struct inst *in = orc_ref_get(o, tk->r);

	tk->parked = false;
	if (in) {
		in->nparked--;
		orc_maybe_grave(o, tk->r);
	}
}

void orc_on_park(struct oracle *o, const struct trace_event *e)
{
	struct otask *tk;
	struct ref r;
	struct inst *in;

	o->counts.parks++;
	r = orc_find_known(o, &o->v[e->vcpu], e->a);
	orc_hist_add(o, r, e);
	tk = e->task != TRACE_NO_TASK ? orc_task_get(o, e->task) : NULL;
	if (!tk)
		return;
	if (tk->parked && tk->vcpu == e->vcpu && tk->token == e->a)
		return;		/* the wait loop enqueued again */
	if (tk->parked)
		unpark(o, tk);
	*tk = (struct otask){ .parked = true, .vcpu = e->vcpu, .token = e->a, .r = r, .t_park = e->t };
	in = orc_ref_get(o, r);
	if (in)
		in->nparked++;
	orc_note_deadline(o, orc_task_ref_time(o, tk));
}

void orc_on_wake(struct oracle *o, const struct trace_event *e)
{
	struct ref r = orc_no_ref;
	struct inst *in;
	bool named_parked = e->task < o->nt && o->tasks[e->task].parked;

	o->counts.wakes++;
	if (e->a == ORACLE_WAKEUP_ALL) {
		o->counts.wake_alls++;
	} else {
		/* A wake with the token is a delivered page-ready (§2.8). */
		r = orc_find_known(o, &o->v[e->vcpu], e->a);
		orc_hist_add(o, r, e);
		in = orc_ref_get(o, r);
		if (in && in->outcome == OUT_NONE) {
			in->outcome = OUT_WOKEN;
			in->t_outcome = e->t;
		}
	}
	/* The event's task is trusted when it is parked; otherwise (or for a
	 * wake-all, which empties the whole per-CPU table, §2.8) the tasks
	 * parked on this vCPU on that token (any token for a wake-all). */
	for (uint32_t i = 0; i < o->nt; i++) {
		struct otask *tk = &o->tasks[i];
		bool hit;

		if (!tk->parked)
			continue;
		if (i == e->task)
			hit = true;
		else if (e->a == ORACLE_WAKEUP_ALL)
			hit = tk->vcpu == e->vcpu;
		else
			hit = !named_parked && tk->vcpu == e->vcpu && tk->token == e->a;
		if (!hit)
			continue;
		orc_hist_add(o, tk->r, e);
		unpark(o, tk);
	}
}
