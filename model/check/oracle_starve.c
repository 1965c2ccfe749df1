/* oracle_starve.c — runnable tasks that never run: starved_task
 * (oracle_internal.h). */
#include "model/check/oracle.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/kernel/grow.h"

#include "model/check/oracle_internal.h"

/* ---- starved_task ------------------------------------------------------------
 * A task that is runnable (TR_TASK_READY) and does not get a CPU
 * (TR_TASK_SWITCH to it) within the bound waits forever as surely as a
 * parked one: an interrupt storm (a page-ready never acknowledged, §4.2 iii)
 * starves every task this way.  Reported once per wait. */

void orc_starve_scan(struct oracle *o, sim_time_t now)
{
	sim_time_t next = SIM_TIME_MAX, bound = o->cfg.stuck_bound_ps;
	char a[32];

	for (uint32_t i = 0; i < o->nt; i++) {
		struct otask *tk = &o->tasks[i];

		if (!tk->ready || tk->starve_reported)
			continue;
		if (now - tk->t_ready > bound) {
			tk->starve_reported = true;
			orc_fmt_time(a, sizeof(a), tk->t_ready);
			orc_violate(o, ORACLE_STARVED_TASK, now, tk->vcpu, ORACLE_NO_TOKEN, i, orc_no_ref, orc_no_ref,
				"task %u runnable since %s has not run for longer than the bound", i, a);
		} else if (tk->t_ready + bound < next) {
			next = tk->t_ready + bound;
		}
	}
	o->next_starve = next;
}

void orc_on_task_ready(struct oracle *o, const struct trace_event *e)
{
	struct otask *tk = orc_task_get(o, e->task);

	if (!tk || tk->ready)
		return;
	tk->ready = true;
	tk->starve_reported = false;
	tk->t_ready = e->t;
	tk->vcpu = e->vcpu;
	if (e->t + o->cfg.stuck_bound_ps < o->next_starve)
		o->next_starve = e->t + o->cfg.stuck_bound_ps;
}

void orc_on_task_switch(struct oracle *o, const struct trace_event *e)
{
	struct otask *tk = e->b != TRACE_NO_TASK ? orc_task_get(o, (uint32_t)e->b) : NULL;

	if (tk)
		tk->ready = false;
}
