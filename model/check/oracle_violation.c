/* oracle_violation.c — recording a violation: counted always, kept up to
 * max_recorded with its message (oracle_internal.h). */
#include "model/check/oracle.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/kernel/grow.h"

#include "model/check/oracle_internal.h"

/* ---- violations ---------------------------------------------------------- */

void orc_violate(struct oracle *o, enum oracle_invariant kind, sim_time_t t, uint32_t vcpu,
		    uint64_t token, uint32_t task, struct ref r0, struct ref r1,
		    const char *fmt, ...)
{
	struct vrec *vr;
	va_list ap;

	if (!orc_check_on(o, kind))
		return;
	o->total++;
	o->by_kind[kind]++;
	if (o->nviol >= o->cfg.max_recorded)
		return;
	if (o->nviol == o->capviol) {
		unsigned ncap = o->capviol ? o->capviol * 2 : 16;
		struct vrec *q = realloc(o->viol, ncap * sizeof(*q));

		if (!q) {
			o->oom = true;
			return;
		}
		o->viol = q;
		o->capviol = ncap;
	}
	vr = &o->viol[o->nviol++];
	memset(vr, 0, sizeof(*vr));
	vr->v = (struct oracle_violation){ kind, t, vcpu, token, task, "" };
	va_start(ap, fmt);
	vsnprintf(vr->v.msg, sizeof(vr->v.msg), fmt, ap);
	va_end(ap);
	vr->r[0] = r0;
	vr->r[1] = r1;
	/* Pinned instances are never recycled: the report prints them. */
	for (int i = 0; i < 2; i++) {
		struct inst *in = orc_ref_get(o, vr->r[i]);

		if (in)
			in->pinned = true;
		else
			vr->r[i] = orc_no_ref;
	}
}
