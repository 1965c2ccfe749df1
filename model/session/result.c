/* result.c — a finished session's results as plain structs (session.h):
 * the figures of every task and vCPU, the first failure, the summary text
 * and the JSON document tree.  Callers read these instead of parsing the
 * JSON text back (apfsim compare did). */
#include "model/session/session.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model/check/oracle.h"
#include "model/vm/machine_report.h"
#include "model/vm/machine.h"

/* Key paths of the run document (docs/output.md), by enum session_fig.
 * The APF figures live in the protocol family's own subtree; until both
 * families fill one stats struct (#20 item 3) they are read from there. */
const char *const session_fig_paths[SF__COUNT] = {
	[SF_HOST_FAULTS] = "host.faults.total",
	[SF_APF_FAULTS] = "apf.faults",
	[SF_APF_ASYNC] = "apf.async",
	[SF_APF_SYNC] = "apf.sync_total",
	[SF_APF_REPEATED] = "apf.repeated_faults",
	[SF_NOTPRESENT_INJECTED] = "apf.notpresent_injected",
	[SF_NOTPRESENT_DELIVERED] = "apf.notpresent_delivered",
	[SF_PAGEREADY_DELIVERED] = "apf.pageready_delivered",
	[SF_ACKS] = "apf.acks",
	[SF_TOKENS_ISSUED] = "apf.tokens.issued",
	[SF_TOKENS_ZERO] = "apf.tokens.zero",
	[SF_FAULT_LAT_P50] = "host.fault_latency_ps.p50",
	[SF_FAULT_LAT_P99] = "host.fault_latency_ps.p99",
	[SF_C2R_P50] = "apf.completion_to_pageready_ps.p50",
	[SF_C2R_P99] = "apf.completion_to_pageready_ps.p99",
	[SF_C2R_MAX] = "apf.completion_to_pageready_ps.max",
	[SF_R2R_P50] = "apf.pageready_to_running_ps.p50",
	[SF_PARKED_P50] = "apf.parked_ps.p50",
	[SF_PARKED_P99] = "apf.parked_ps.p99",
	[SF_ORACLE_VIOLATIONS] = "oracle.violations",
};

json_t *session_json_path(json_t *doc, const char *path)
{
	char buf[128], *save = NULL;
	json_t *cur = doc;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save))
		cur = json_object_get(cur, tok);
	return cur;
}

static void first_failure(const struct session *s, struct session_failure *f)
{
	const struct machine *m = s->m;

	*f = (struct session_failure){ .vcpu = UINT32_MAX };
	if (m->failed) {
		snprintf(f->invariant, sizeof(f->invariant), "guest_fault");
		snprintf(f->message, sizeof(f->message), "%.255s", m->err);
		f->t_ps = m->end_ps;
	} else if (s->orc && oracle_nrecorded(s->orc)) {
		const struct oracle_violation *v = oracle_violation_at(s->orc, 0);
		snprintf(f->invariant, sizeof(f->invariant), "%s", oracle_invariant_name(v->kind));
		snprintf(f->message, sizeof(f->message), "%.255s", v->msg);
		f->t_ps = v->t;
		f->vcpu = v->vcpu;
		snprintf(f->state, sizeof(f->state), "%s", oracle_violation_state(s->orc, 0));
	}
}

static int collect_tasks_vcpus(const struct machine *m, struct session_result *r)
{
	r->ntasks = m->sched.ntasks;
	r->nvcpus = m->nvcpus;
	r->tasks = calloc(r->ntasks ? r->ntasks : 1, sizeof(*r->tasks));
	r->vcpus = calloc(r->nvcpus ? r->nvcpus : 1, sizeof(*r->vcpus));
	if (!r->tasks || !r->vcpus)
		return -1;
	for (unsigned i = 0; i < r->ntasks; i++) {
		const struct task *t = &m->sched.tasks[i];
		struct session_task_result *o = &r->tasks[i];
		snprintf(o->name, sizeof(o->name), "%s", t->name);
		o->progress = t->progress;
		o->cpu_ps = t->cpu_ps;
		o->stall_ps = t->stall_ps;
		o->parked_ps = t->parked_ps;
		o->lifetime_ps = report_task_lifetime(t, m->end_ps);
		for (unsigned b = 0; b < TB_COUNT; b++)
			o->account_ps[b] = t->acct.ps[b];
	}
	for (unsigned i = 0; i < r->nvcpus; i++) {
		const struct vcpu *v = &m->vcpus[i];
		r->vcpus[i].exits = v->exits;
		for (unsigned b = 0; b < VB_COUNT; b++)
			r->vcpus[i].account_ps[b] = v->acct.ps[b];
	}
	return 0;
}

int session_collect(const struct session *s, const struct session_collect *c, struct session_result *r)
{
	const struct machine *m = s->m;

	memset(r, 0, sizeof(*r));
	r->failed = m->failed;
	r->oracle = s->orc != NULL;
	r->violations = s->orc ? oracle_violations(s->orc) : 0;
	r->sim_time_ps = m->end_ps;
	first_failure(s, &r->first);
	if (collect_tasks_vcpus(m, r))
		goto oom;
	if (c->summary) {
		FILE *f = open_memstream(&r->summary, &r->summary_len);
		if (!f)
			goto oom;
		report_summary(m, f);
		if (s->orc)
			fprintf(f, "\noracle: %u violation%s\n", r->violations, r->violations == 1 ? "" : "s");
		fclose(f);
		if (!r->summary)
			goto oom;
	}
	if (c->json) {
		r->doc = report_json(m, c->version ? c->version : "");
		if (!r->doc)
			goto oom;
		if (s->orc)
			json_object_set_new(r->doc, "oracle", oracle_json(s->orc));
		for (unsigned i = 0; i < SF__COUNT; i++) {
			json_t *v = session_json_path(r->doc, session_fig_paths[i]);
			r->has[i] = v && json_is_integer(v);
			r->fig[i] = r->has[i] ? (int64_t)json_integer_value(v) : 0;
		}
	}
	return 0;
oom:
	session_result_free(r);
	return -1;
}

void session_result_free(struct session_result *r)
{
	free(r->tasks);
	free(r->vcpus);
	free(r->summary);
	json_decref(r->doc);
	*r = (struct session_result){ 0 };
}
