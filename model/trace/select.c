/* select.c — trace selection (select.h, docs/traces.md "Selection").
 *
 * One sink, "select", owns the file sinks it was put in front of and
 * forwards an event to them when every criterion given holds:
 *
 *   window   from <= t <= until (picoseconds, both inclusive);
 *   vcpus    the event has no vCPU (host workers, run notes), or its vCPU
 *            is in the list;
 *   events   the kind's ftrace name matched one of the globs;
 *   token    the event belongs to token N's life (token_event below).
 *
 * At the end the sinks are finished at min(end, until), so the slices the
 * Perfetto writers close at the end stop at the window's edge.
 *
 * Invariant: the owned sinks see a subsequence of the stream, in order,
 * and are finished and destroyed exactly once (by this sink).
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/kernel/grow.h"
#include "model/trace/select.h"

#define SEL_WAKE_ALL 0xFFFFFFFFull

const char *trace_ftrace_event_name(enum trace_kind k, char *buf, size_t len)
{
	if (k <= TR_KVM_COMPLETED)
		snprintf(buf, len, "%s", trace_kind_name(k));
	else
		snprintf(buf, len, "apfsim_%s", trace_kind_name(k));
	return buf;
}

/* A glob fnmatch(3) takes as meant: no unterminated bracket expression,
 * no trailing backslash, not empty. */
static const char *glob_problem(const char *g, size_t n)
{
	size_t i;

	if (!n)
		return "an empty pattern";
	for (i = 0; i < n; i++) {
		if (g[i] == '\\') {
			if (++i == n)
				return "a trailing backslash";
		} else if (g[i] == '[') {
			size_t j = i + 1;

			if (j < n && (g[j] == '!' || g[j] == '^'))
				j++;
			if (j < n && g[j] == ']')
				j++;
			while (j < n && g[j] != ']')
				j++;
			if (j >= n)
				return "an unterminated '['";
			i = j;
		}
	}
	return NULL;
}

int trace_select_events(struct trace_select *s, const char *globs, char *err, size_t errlen)
{
	const char *p = globs;

	memset(s->kinds, 0, sizeof(s->kinds));
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const char *why = glob_problem(p, n);
		char glob[256], name[64];
		bool hit = false;

		if (why) {
			snprintf(err, errlen, "bad glob \"%.*s\": %s", (int)(n > 200 ? 200 : n), p, why);
			return -1;
		}
		if (n >= sizeof(glob)) {
			snprintf(err, errlen, "glob \"%.40s...\" is longer than %zu bytes", p, sizeof(glob) - 1);
			return -1;
		}
		memcpy(glob, p, n);
		glob[n] = '\0';
		for (int k = 0; k < TR__COUNT; k++) {
			if (!fnmatch(glob, trace_ftrace_event_name((enum trace_kind)k, name, sizeof(name)), 0)) {
				s->kinds[k] = true;
				hit = true;
			}
		}
		if (!hit) {
			snprintf(err, errlen, "\"%s\" matches no event (names as in the ftrace text: "
					      "kvm_async_pf_*, apfsim_*; docs/traces.md)", glob);
			return -1;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	s->have_events = s->any = true;
	return 0;
}

int trace_select_vcpus(struct trace_select *s, const char *list, uint32_t nvcpus, char *err,
		       size_t errlen)
{
	const char *p = list;

	memset(s->vcpus, 0, sizeof(s->vcpus));
	for (;;) {
		char *end;
		unsigned long v;

		if (*p < '0' || *p > '9') {
			snprintf(err, errlen, "expected vCPU numbers separated by commas (0,2), found \"%s\"", list);
			return -1;
		}
		v = strtoul(p, &end, 10);
		if ((*end && *end != ',') || v >= nvcpus || v >= TRACE_SELECT_MAX_VCPUS) {
			if (*end && *end != ',')
				snprintf(err, errlen, "expected vCPU numbers separated by commas (0,2), found \"%s\"",
					 list);
			else
				snprintf(err, errlen, "vCPU %lu does not exist (the scenario has %u: 0 to %u)", v,
					 nvcpus, nvcpus ? nvcpus - 1 : 0);
			return -1;
		}
		s->vcpus[v / 64] |= 1ull << (v % 64);
		if (!*end)
			break;
		p = end + 1;
	}
	s->have_vcpus = s->any = true;
	return 0;
}

void trace_select_window(struct trace_select *s, bool have_from, sim_time_t from, bool have_until,
			 sim_time_t until)
{
	s->have_from = have_from;
	s->from = have_from ? from : 0;
	s->have_until = have_until;
	s->until = have_until ? until : SIM_TIME_MAX;
	if (have_from || have_until)
		s->any = true;
}

void trace_select_token(struct trace_select *s, uint64_t token)
{
	s->have_token = s->any = true;
	s->token = token;
}

/* ---- the selecting sink ---------------------------------------------------- */

struct sel_sink {
	struct trace_select s;
	unsigned n;
	const struct trace_sink_ops *ops[TRACE_MAX_SINKS];
	void *ctx[TRACE_MAX_SINKS];
	/* token life: open from its setup (or not-present) to its retire or
	 * cancel; the tasks parked on it until their wake */
	bool tok_open;
	uint32_t tok_vcpu;
	uint64_t tok_gva, tok_gfn;
	uint32_t *parked;
	uint32_t nparked, capparked;
};

static bool sel_parked(struct sel_sink *k, uint32_t task, bool remove)
{
	for (uint32_t i = 0; i < k->nparked; i++) {
		if (k->parked[i] == task) {
			if (remove)
				k->parked[i] = k->parked[--k->nparked];
			return true;
		}
	}
	return false;
}

/* Whether e belongs to the life of the selected token N: an event naming N
 * (setup, not-present, ready, retire, cancel, park, wake, the buffer write
 * of N); the wake-all page-ready of N's vCPU while N is open, and the wake
 * of a task parked on N; the repeated faults and the worker's completion of
 * N's gva or gfn while N is open. */
static bool token_event(struct sel_sink *k, const struct trace_event *e)
{
	uint64_t n = k->s.token;

	switch (e->kind) {
	case TR_APF_SETUP:
	case TR_KVM_NOT_PRESENT:
		if (e->a != n)
			return false;
		if (!k->tok_open) {
			k->tok_open = true;
			k->tok_gva = k->tok_gfn = UINT64_MAX;
		}
		k->tok_vcpu = e->vcpu;
		if (e->kind == TR_APF_SETUP)
			k->tok_gfn = e->b;
		else
			k->tok_gva = e->b;
		return true;
	case TR_APF_RETIRED:
	case TR_APF_CANCELLED:
		if (e->a != n)
			return false;
		k->tok_open = false;
		return true;
	case TR_KVM_READY:
		return e->a == n || (e->a == SEL_WAKE_ALL && k->tok_open && e->vcpu == k->tok_vcpu);
	case TR_TASK_PARK:
		if (e->a != n)
			return false;
		if (!sel_parked(k, e->task, false) &&
		    grow_zeroed((void **)&k->parked, &k->capparked, k->nparked + 1, sizeof(*k->parked)))
			k->parked[k->nparked++] = e->task;
		return true;
	case TR_TASK_WAKE:
		return sel_parked(k, e->task, true) || e->a == n;
	case TR_BUF_WRITE:
		return e->b == n;
	case TR_KVM_TRY_ASYNC_GET_PAGE:
	case TR_KVM_REPEATED_FAULT:
		return k->tok_open && (e->a == k->tok_gva || e->b == k->tok_gfn);
	case TR_KVM_COMPLETED:
		return k->tok_open && e->b == k->tok_gva;
	default:
		return false;
	}
}

static void sel_event(void *ctx, const struct trace_event *e)
{
	struct sel_sink *k = ctx;
	const struct trace_select *s = &k->s;

	if (e->t < s->from || e->t > s->until)
		return;
	if (s->have_vcpus && e->vcpu != TRACE_NO_VCPU &&
	    (e->vcpu >= TRACE_SELECT_MAX_VCPUS || !(s->vcpus[e->vcpu / 64] >> (e->vcpu % 64) & 1)))
		return;
	if (s->have_events && ((unsigned)e->kind >= TR__COUNT || !s->kinds[e->kind]))
		return;
	if (s->have_token && !token_event(k, e))
		return;
	for (unsigned i = 0; i < k->n; i++)
		k->ops[i]->event(k->ctx[i], e);
}

static int sel_finish(void *ctx, sim_time_t end)
{
	struct sel_sink *k = ctx;
	int ret = 0;

	if (end > k->s.until)
		end = k->s.until;
	for (unsigned i = 0; i < k->n; i++) {
		int r = k->ops[i]->finish ? k->ops[i]->finish(k->ctx[i], end) : 0;

		if (r && !ret)
			ret = r;
	}
	return ret;
}

static void sel_destroy(void *ctx)
{
	struct sel_sink *k = ctx;

	for (unsigned i = 0; i < k->n; i++)
		if (k->ops[i]->destroy)
			k->ops[i]->destroy(k->ctx[i]);
	free(k->parked);
	free(k);
}

static const struct trace_sink_ops sel_ops = {
	.name = "select",
	.event = sel_event,
	.finish = sel_finish,
	.destroy = sel_destroy,
};

int trace_select_wrap(struct tracer *tr, unsigned first, const struct trace_select *s, char *err,
		      size_t errlen)
{
	struct sel_sink *k;

	if (!s->any || first >= tr->nsinks)
		return 0;
	k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "trace selection: out of memory");
		return -1;
	}
	k->s = *s;
	if (!s->have_until)
		k->s.until = SIM_TIME_MAX;
	for (unsigned i = first; i < tr->nsinks; i++) {
		k->ops[k->n] = tr->ops[i];
		k->ctx[k->n++] = tr->ctx[i];
		tr->ops[i] = NULL;
		tr->ctx[i] = NULL;
	}
	tr->ops[first] = &sel_ops;
	tr->ctx[first] = k;
	tr->nsinks = first + 1;
	return 0;
}
