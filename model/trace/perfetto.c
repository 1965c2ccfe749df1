/* trace_perfetto.c — Chrome trace-event JSON sink (`--trace-perfetto FILE`),
 * for ui.perfetto.dev and chrome://tracing.
 *
 * The JSON Object Format, streamed: {"displayTimeUnit":"ns","traceEvents":[
 * one event per line ]}.  "ts" and "dur" are microseconds printed from the
 * picosecond integers with exactly 6 decimals (never through a double), so
 * the text is exact and identical for identical event streams.
 *
 * Tracks (docs/traces.md has the full rules):
 *   pid 1 "vCPUs", tid = vCPU: mode slices (X) from TR_VCPU_STATE; instants
 *     (i) for SDEI dispatch/complete, PPI level, IRQ_ACK, sync faults, guest
 *     warns, injections, notes; counters (C) "outstanding works vcpuN" from
 *     TR_APF_SETUP / TR_APF_RETIRED c; one async slice (b/e, cat "apf",
 *     name "token 0x...") per (vCPU, token) instance.
 *   pid 2 "tasks", tid = task id: "running" and "parked" slices (X).
 *
 * Slices on one thread never overlap: a vCPU has one mode at a time, and a
 * task is in at most one of running/parked (parking ends the running slice).
 * X events are written when their slice closes; finish(end) closes every
 * open slice at `end`, so the document is always complete and valid JSON.
 *
 * Async slice rule, per (vCPU, token) instance with a unique integer id:
 *   opens  at TR_APF_SETUP, or at TR_KVM_NOT_PRESENT when none is open;
 *          a SETUP finding one open (token reuse) closes the old one first;
 *   closes at TR_APF_CANCELLED; at TR_KVM_READY when no task is parked on
 *          it; otherwise at the TR_TASK_WAKE of the last task parked on it.
 *          TR_KVM_READY with token 0xffffffff (wake-all) resolves every open
 *          slice of that vCPU the same way.
 */
#include <stdlib.h>
#include <string.h>

#include "model/kernel/grow.h"
#include "model/trace/trace.h"
#include "model/trace/sinks.h"
#include "model/trace/perfetto_proto.h"

#define PF_PID_VCPUS 1
#define PF_PID_TASKS 2
#define PF_WAKE_ALL 0xFFFFFFFFull
/* Ids beyond these get no track state (a corrupt id must not allocate GiBs). */
#define PF_MAX_VCPUS 65536u
#define PF_MAX_TASKS 1048576u

enum pf_task_state { PF_TASK_NONE, PF_TASK_RUNNING, PF_TASK_PARKED };

/* An open async slice.  Open slices live in one hash table keyed by
 * (vcpu, token), linear probing with backward-shift deletion; id 0 marks
 * an empty slot. */
struct pf_token {
	uint64_t token;
	uint64_t id;		/* async id: unique per instance in this file */
	uint32_t vcpu;
	unsigned parked;	/* tasks parked on it */
	bool ready;		/* page-ready delivered */
};

struct pf_vcpu {
	bool open;		/* a mode slice is open */
	uint32_t mode;
	sim_time_t start;
};

struct pf_task {
	uint8_t state;		/* enum pf_task_state */
	sim_time_t start;
	uint32_t park_vcpu;	/* the slice it is parked on: (vcpu, token, id) */
	uint64_t park_token;
	uint64_t park_id;	/* 0 for none */
};

struct pf_sink {
	struct trace_out out;
	const struct tracer *tr;
	struct pfp *proto;	/* protobuf output instead of JSON, or NULL */
	bool first;		/* no event written yet: no comma */
	uint64_t next_id;
	struct pf_vcpu *vcpu;	/* nvcpu slots (capacity; unused ones zero) */
	uint32_t nvcpu;
	struct pf_task *task;	/* ntask slots, likewise */
	uint32_t ntask;
	struct pf_token *tok;	/* tokcap slots, a power of two */
	size_t tokcap, ntok;
	/* 1 + the largest vCPU and task ids seen: they get thread names */
	uint32_t seen_vcpus, seen_tasks;
};

/* ---- JSON writing --------------------------------------------------------- */

/* Start one event object: separator, '{' and the common leading fields. */
static char *pf_begin(struct pf_sink *s, size_t *n, char ph, int pid)
{
	char *p = trace_out_reserve(&s->out, 1024);
	size_t k = 0;

	if (!s->first) {
		p[k++] = ',';
	}
	s->first = false;
	p[k++] = '\n';
	memcpy(p + k, "{\"ph\":\"", 7);
	k += 7;
	p[k++] = ph;
	memcpy(p + k, "\",\"pid\":", 8);
	k += 8;
	k += trace_fmt_u64(p + k, (uint64_t)pid);
	*n = k;
	return p;
}

static size_t pf_lit(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return n;
}

/* ,"key":<u64> */
static size_t pf_num(char *p, const char *key, uint64_t v)
{
	size_t n = 0;

	p[n++] = ',';
	p[n++] = '"';
	n += pf_lit(p + n, key);
	p[n++] = '"';
	p[n++] = ':';
	return n + trace_fmt_u64(p + n, v);
}

/* ,"key":<µs with 6 decimals> */
static size_t pf_time(char *p, const char *key, sim_time_t t)
{
	size_t n = 0;

	p[n++] = ',';
	p[n++] = '"';
	n += pf_lit(p + n, key);
	p[n++] = '"';
	p[n++] = ':';
	return n + trace_fmt_time6(p + n, t, SIM_US);
}

/* "key":"0x..." (64-bit values do not survive a JSON number) */
static size_t pf_hexarg(char *p, const char *key, uint64_t v)
{
	size_t n = 0;

	p[n++] = '"';
	n += pf_lit(p + n, key);
	memcpy(p + n, "\":\"", 3);
	n += 3;
	n += trace_fmt_hex(p + n, v);
	p[n++] = '"';
	return n;
}

static size_t pf_decarg(char *p, const char *key, int64_t v)
{
	size_t n = 0;

	p[n++] = '"';
	n += pf_lit(p + n, key);
	p[n++] = '"';
	p[n++] = ':';
	return n + trace_fmt_s64(p + n, v);
}

/* Write s as a JSON string body (without quotes), escaping as RFC 8259
 * requires; bytes >= 0x80 pass through (names are UTF-8). */
static void pf_escape(struct pf_sink *s, const char *str)
{
	static const char hex[] = "0123456789abcdef";

	for (; *str; str++) {
		unsigned char c = (unsigned char)*str;
		char *p = trace_out_reserve(&s->out, 8);
		size_t n = 0;

		if (c == '"' || c == '\\') {
			p[n++] = '\\';
			p[n++] = (char)c;
		} else if (c < 0x20) {
			memcpy(p, "\\u00", 4);
			n = 4;
			p[n++] = hex[c >> 4];
			p[n++] = hex[c & 0xf];
		} else {
			p[n++] = (char)c;
		}
		s->out.len += n;
	}
}

/* The tail of an event holding a string: write p[0..n), then
 * `pre` + escaped str + `post`. */
static void pf_with_string(struct pf_sink *s, size_t n, const char *pre, const char *str,
			   const char *post)
{
	s->out.len += n;
	trace_out_puts(&s->out, pre);
	pf_escape(s, str);
	trace_out_puts(&s->out, post);
}

/* ---- track state ---------------------------------------------------------- */

static struct pf_vcpu *pf_vcpu(struct pf_sink *s, uint32_t v)
{
	if (v >= PF_MAX_VCPUS)
		return NULL;
	if (!grow_zeroed((void **)&s->vcpu, &s->nvcpu, v + 1, sizeof(*s->vcpu)))
		return NULL;
	return &s->vcpu[v];
}

static struct pf_task *pf_task(struct pf_sink *s, uint32_t t)
{
	if (t >= PF_MAX_TASKS)
		return NULL;
	if (!grow_zeroed((void **)&s->task, &s->ntask, t + 1, sizeof(*s->task)))
		return NULL;
	return &s->task[t];
}

static const char *pf_mode_name(uint32_t m)
{
	static const char *const names[] = { "user", "kernel", "host", "idle" };

	return m < 4 ? names[m] : "unknown";
}

/* A complete slice [start, end) on (pid, tid). */
static void pf_slice(struct pf_sink *s, int pid, uint32_t tid, const char *cat,
		     const char *name, sim_time_t start, sim_time_t end)
{
	size_t n;
	char *p;

	if (s->proto) {
		pfp_slice(s->proto, pid, tid, cat, name, start, end);
		return;
	}
	p = pf_begin(s, &n, 'X', pid);
	n += pf_num(p + n, "tid", tid);
	n += pf_time(p + n, "ts", start);
	n += pf_time(p + n, "dur", end - start);
	n += pf_lit(p + n, ",\"cat\":\"");
	n += pf_lit(p + n, cat);
	n += pf_lit(p + n, "\",\"name\":\"");
	n += pf_lit(p + n, name);
	n += pf_lit(p + n, "\"}");
	s->out.len += n;
}

static void pf_vcpu_mode(struct pf_sink *s, const struct trace_event *e)
{
	struct pf_vcpu *v = pf_vcpu(s, e->vcpu);

	if (!v || (v->open && v->mode == e->a))
		return;
	if (v->open && e->t > v->start)
		pf_slice(s, PF_PID_VCPUS, e->vcpu, "vcpu", pf_mode_name(v->mode), v->start, e->t);
	v->open = true;
	v->mode = (uint32_t)e->a;
	v->start = e->t;
}

static void pf_task_close(struct pf_sink *s, uint32_t id, struct pf_task *t, sim_time_t now)
{
	if (t->state != PF_TASK_NONE && now > t->start)
		pf_slice(s, PF_PID_TASKS, id, "task",
			 t->state == PF_TASK_RUNNING ? "running" : "parked", t->start, now);
	t->state = PF_TASK_NONE;
}

static void pf_task_open(struct pf_task *t, enum pf_task_state st, sim_time_t now)
{
	t->state = (uint8_t)st;
	t->start = now;
}

/* ---- async token slices --------------------------------------------------- */

static void pf_async(struct pf_sink *s, char ph, uint32_t vcpu, const struct pf_token *k,
		     sim_time_t t)
{
	size_t n;
	char *p;

	if (s->proto) {
		pfp_async(s->proto, ph, vcpu, k->id, k->token, t);
		return;
	}
	p = pf_begin(s, &n, ph, PF_PID_VCPUS);
	n += pf_num(p + n, "tid", vcpu);
	n += pf_time(p + n, "ts", t);
	n += pf_lit(p + n, ",\"cat\":\"apf\",\"id\":");
	n += trace_fmt_u64(p + n, k->id);
	n += pf_lit(p + n, ",\"name\":\"token ");
	n += trace_fmt_hex(p + n, k->token);
	p[n++] = '"';
	if (ph == 'b') {
		n += pf_lit(p + n, ",\"args\":{");
		n += pf_decarg(p + n, "vcpu", vcpu);
		p[n++] = '}';
	}
	p[n++] = '}';
	s->out.len += n;
}

static size_t pf_token_home(const struct pf_sink *s, uint32_t vcpu, uint64_t token)
{
	uint64_t h = token * 0x9E3779B97F4A7C15ull ^ ((uint64_t)vcpu + 1) * 0xC2B2AE3D27D4EB4Full;

	h ^= h >> 29;
	return (size_t)h & (s->tokcap - 1);
}

static struct pf_token *pf_token_find(struct pf_sink *s, uint32_t vcpu, uint64_t token)
{
	size_t i;

	if (!s->ntok)
		return NULL;
	for (i = pf_token_home(s, vcpu, token); s->tok[i].id; i = (i + 1) & (s->tokcap - 1))
		if (s->tok[i].token == token && s->tok[i].vcpu == vcpu)
			return &s->tok[i];
	return NULL;
}

/* Keep the load factor at most 1/2; false when memory ran out. */
static bool pf_token_grow(struct pf_sink *s)
{
	size_t cap = s->tokcap ? s->tokcap * 2 : 64, i, j;
	struct pf_token *old = s->tok, *a;

	if ((s->ntok + 1) * 2 <= s->tokcap)
		return true;
	a = calloc(cap, sizeof(*a));
	if (!a)
		return false;
	s->tok = a;
	s->tokcap = cap;
	for (i = 0; old && i < cap / 2; i++) {
		if (!old[i].id)
			continue;
		j = pf_token_home(s, old[i].vcpu, old[i].token);
		while (a[j].id)
			j = (j + 1) & (cap - 1);
		a[j] = old[i];
	}
	free(old);
	return true;
}

/* End slice k at t and remove it (k is invalid afterwards). */
static void pf_token_close(struct pf_sink *s, struct pf_token *k, sim_time_t t)
{
	size_t mask = s->tokcap - 1, i = (size_t)(k - s->tok), j;

	pf_async(s, 'e', k->vcpu, k, t);
	/* backward-shift deletion: no probe chain may cross an empty slot */
	for (j = (i + 1) & mask; s->tok[j].id; j = (j + 1) & mask) {
		size_t home = pf_token_home(s, s->tok[j].vcpu, s->tok[j].token);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			s->tok[i] = s->tok[j];
			i = j;
		}
	}
	s->tok[i].id = 0;
	s->ntok--;
}

static int pf_token_cmp(const void *a, const void *b)
{
	const struct pf_token *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Copies of the open slices (of one vCPU, or all for TRACE_NO_VCPU) in
 * opening order, so closing several is deterministic; NULL when none. */
static struct pf_token *pf_token_list(struct pf_sink *s, uint32_t vcpu, size_t *n)
{
	struct pf_token *a;
	size_t i;

	*n = 0;
	if (!s->ntok)
		return NULL;
	a = malloc(s->ntok * sizeof(*a));
	if (!a)
		return NULL;
	for (i = 0; i < s->tokcap; i++)
		if (s->tok[i].id && (vcpu == TRACE_NO_VCPU || s->tok[i].vcpu == vcpu))
			a[(*n)++] = s->tok[i];
	qsort(a, *n, sizeof(*a), pf_token_cmp);
	return a;
}

static void pf_token_open(struct pf_sink *s, uint32_t vcpu, uint64_t token, sim_time_t t)
{
	struct pf_token *k = pf_token_find(s, vcpu, token);
	size_t i;

	if (k)
		pf_token_close(s, k, t);
	if (!pf_token_grow(s))
		return;
	i = pf_token_home(s, vcpu, token);
	while (s->tok[i].id)
		i = (i + 1) & (s->tokcap - 1);
	k = &s->tok[i];
	k->token = token;
	k->id = ++s->next_id;
	k->vcpu = vcpu;
	k->parked = 0;
	k->ready = false;
	s->ntok++;
	pf_async(s, 'b', vcpu, k, t);
}

/* Page ready delivered: the slice ends now unless a task is parked on it. */
static void pf_token_ready(struct pf_sink *s, const struct trace_event *e)
{
	struct pf_token *k, *all;
	size_t i, n;

	if (e->a != PF_WAKE_ALL) {
		k = pf_token_find(s, e->vcpu, e->a);
		if (!k)
			return;
		k->ready = true;
		if (!k->parked)
			pf_token_close(s, k, e->t);
		return;
	}
	all = pf_token_list(s, e->vcpu, &n);
	for (i = 0; i < n; i++) {
		k = pf_token_find(s, e->vcpu, all[i].token);
		if (!k)
			continue;
		k->ready = true;
		if (!k->parked)
			pf_token_close(s, k, e->t);
	}
	free(all);
}

static void pf_token_park(struct pf_sink *s, const struct trace_event *e, struct pf_task *t)
{
	struct pf_token *k = pf_token_find(s, e->vcpu, e->a);

	t->park_id = 0;
	if (!k)
		return;
	k->parked++;
	t->park_vcpu = e->vcpu;
	t->park_token = k->token;
	t->park_id = k->id;
}

/* The task's wake: release its hold on the slice it parked on (so a
 * wake-all wake needs no token).  A wake of a task not seen parking
 * releases the token's slice on the waking vCPU instead. */
static void pf_token_unpark(struct pf_sink *s, const struct trace_event *e, struct pf_task *t)
{
	struct pf_token *k;

	if (t->park_id) {
		k = pf_token_find(s, t->park_vcpu, t->park_token);
		if (k && k->id != t->park_id)
			k = NULL;	/* that instance already ended */
	} else {
		k = e->a != PF_WAKE_ALL ? pf_token_find(s, e->vcpu, e->a) : NULL;
	}
	t->park_id = 0;
	if (!k)
		return;
	if (k->parked)
		k->parked--;
	if (!k->parked)
		pf_token_close(s, k, e->t);
}

/* ---- instants and counters ------------------------------------------------ */

static void pf_counter(struct pf_sink *s, const struct trace_event *e)
{
	size_t n;
	char *p;

	if (e->vcpu == TRACE_NO_VCPU)
		return;
	if (s->proto) {
		pfp_counter(s->proto, e->vcpu, e->t, (int64_t)e->c);
		return;
	}
	p = pf_begin(s, &n, 'C', PF_PID_VCPUS);
	n += pf_time(p + n, "ts", e->t);
	n += pf_lit(p + n, ",\"name\":\"outstanding works vcpu");
	n += trace_fmt_u64(p + n, e->vcpu);
	n += pf_lit(p + n, "\",\"args\":{");
	n += pf_decarg(p + n, "value", (int64_t)e->c);
	n += pf_lit(p + n, "}}");
	s->out.len += n;
}

/* An instant on the vCPU's thread (process-wide without a vCPU); returns
 * with the "args":{ object open at p + *n for the caller to fill. */
static char *pf_instant(struct pf_sink *s, const struct trace_event *e, const char *cat,
			size_t *n)
{
	char *p = pf_begin(s, n, 'i', PF_PID_VCPUS);
	size_t k = *n;

	if (e->vcpu != TRACE_NO_VCPU) {
		k += pf_lit(p + k, ",\"s\":\"t\"");
		k += pf_num(p + k, "tid", e->vcpu);
	} else {
		k += pf_lit(p + k, ",\"s\":\"p\",\"tid\":0");
	}
	k += pf_time(p + k, "ts", e->t);
	k += pf_lit(p + k, ",\"cat\":\"");
	k += pf_lit(p + k, cat);
	k += pf_lit(p + k, "\",\"name\":\"");
	k += pf_lit(p + k, trace_kind_name(e->kind));
	k += pf_lit(p + k, "\",\"args\":{");
	*n = k;
	return p;
}

/* The category of an instant, NULL for kinds that have none. */
static const char *pf_instant_cat(enum trace_kind k)
{
	switch (k) {
	case TR_SDEI_DISPATCH:
	case TR_SDEI_COMPLETE:
		return "sdei";
	case TR_PPI_LEVEL:
		return "gic";
	case TR_IRQ_ACK:
	case TR_APF_SYNC:
		return "apf";
	case TR_GUEST_WARN:
		return "guest";
	case TR_INJECT:
		return "inject";
	case TR_NOTE:
		return "run";
	default:
		return NULL;
	}
}

static void pf_instant_event(struct pf_sink *s, const struct trace_event *e)
{
	size_t n;
	char *p;

	if (s->proto) {
		/* the host workers' completions get their own tracks there */
		const char *cat = e->kind == TR_KVM_COMPLETED ? "host" : pf_instant_cat(e->kind);

		if (cat)
			pfp_instant(s->proto, e, cat);
		return;
	}
	switch (e->kind) {
	case TR_SDEI_DISPATCH:
		p = pf_instant(s, e, "sdei", &n);
		n += pf_hexarg(p + n, "event", e->a);
		p[n++] = ',';
		n += pf_hexarg(p + n, "pc", e->b);
		p[n++] = ',';
		n += pf_hexarg(p + n, "pstate", e->c);
		break;
	case TR_SDEI_COMPLETE:
		p = pf_instant(s, e, "sdei", &n);
		n += pf_hexarg(p + n, "event", e->a);
		p[n++] = ',';
		n += pf_decarg(p + n, "status", (int64_t)e->b);
		break;
	case TR_PPI_LEVEL:
		p = pf_instant(s, e, "gic", &n);
		n += pf_decarg(p + n, "intid", (int64_t)e->a);
		p[n++] = ',';
		n += pf_decarg(p + n, "level", (int64_t)e->b);
		break;
	case TR_IRQ_ACK:
		p = pf_instant(s, e, "apf", &n);
		n += pf_decarg(p + n, "pageready_pending", (int64_t)e->a);
		break;
	case TR_APF_SYNC:
		p = pf_instant(s, e, "apf", &n);
		n += pf_hexarg(p + n, "gfn", e->a);
		n += pf_lit(p + n, ",\"reason\":\"");
		n += pf_lit(p + n, trace_sync_reason_name((enum trace_sync_reason)e->b));
		p[n++] = '"';
		break;
	case TR_GUEST_WARN:
		p = pf_instant(s, e, "guest", &n);
		n += pf_decarg(p + n, "code", (int64_t)e->a);
		p[n++] = ',';
		n += pf_hexarg(p + n, "arg", e->b);
		break;
	case TR_INJECT:
		p = pf_instant(s, e, "inject", &n);
		n += pf_decarg(p + n, "kind", (int64_t)e->a);
		p[n++] = ',';
		n += pf_hexarg(p + n, "arg", e->b);
		break;
	case TR_NOTE:
		p = pf_instant(s, e, "run", &n);
		pf_with_string(s, n, "\"text\":\"", e->text ? e->text : "", "\"}}");
		return;
	default:
		return;
	}
	p[n++] = '}';
	p[n++] = '}';
	s->out.len += n;
}

/* ---- the sink ------------------------------------------------------------- */

static void pf_event(void *ctx, const struct trace_event *e)
{
	struct pf_sink *s = ctx;
	struct pf_task *t;
	uint32_t id;

	if (e->vcpu < PF_MAX_VCPUS && e->vcpu >= s->seen_vcpus)
		s->seen_vcpus = e->vcpu + 1;
	if (e->task < PF_MAX_TASKS && e->task >= s->seen_tasks)
		s->seen_tasks = e->task + 1;
	switch (e->kind) {
	case TR_VCPU_STATE:
		pf_vcpu_mode(s, e);
		break;
	case TR_TASK_SWITCH:
		if (e->a < PF_MAX_TASKS && e->a >= s->seen_tasks)
			s->seen_tasks = (uint32_t)e->a + 1;
		if (e->b < PF_MAX_TASKS && e->b >= s->seen_tasks)
			s->seen_tasks = (uint32_t)e->b + 1;
		id = (uint32_t)e->a;
		t = id == TRACE_NO_TASK ? NULL : pf_task(s, id);
		if (t && t->state == PF_TASK_RUNNING)
			pf_task_close(s, id, t, e->t);
		id = (uint32_t)e->b;
		t = id == TRACE_NO_TASK ? NULL : pf_task(s, id);
		if (t) {
			/* switched in while parked: the park is over */
			pf_task_close(s, id, t, e->t);
			pf_task_open(t, PF_TASK_RUNNING, e->t);
		}
		break;
	case TR_TASK_PARK:
		t = e->task == TRACE_NO_TASK ? NULL : pf_task(s, e->task);
		if (!t)
			break;
		pf_task_close(s, e->task, t, e->t);
		pf_task_open(t, PF_TASK_PARKED, e->t);
		pf_token_park(s, e, t);
		break;
	case TR_TASK_WAKE:
		t = e->task == TRACE_NO_TASK ? NULL : pf_task(s, e->task);
		if (!t)
			break;
		if (t->state == PF_TASK_PARKED)
			pf_task_close(s, e->task, t, e->t);
		pf_token_unpark(s, e, t);
		break;
	case TR_APF_SETUP:
		if (e->vcpu != TRACE_NO_VCPU)
			pf_token_open(s, e->vcpu, e->a, e->t);
		pf_counter(s, e);
		break;
	case TR_APF_RETIRED:
		pf_counter(s, e);
		break;
	case TR_KVM_NOT_PRESENT:
		if (e->vcpu != TRACE_NO_VCPU && !pf_token_find(s, e->vcpu, e->a))
			pf_token_open(s, e->vcpu, e->a, e->t);
		break;
	case TR_KVM_READY:
		if (e->vcpu != TRACE_NO_VCPU)
			pf_token_ready(s, e);
		break;
	case TR_APF_CANCELLED: {
		struct pf_token *k = pf_token_find(s, e->vcpu, e->a);

		if (k)
			pf_token_close(s, k, e->t);
		break;
	}
	default:
		pf_instant_event(s, e);
		break;
	}
}

/* Metadata: process_name / thread_name with a name, or process_sort_index
 * (vCPUs above tasks) when name is NULL. */
static void pf_meta(struct pf_sink *s, int pid, uint32_t tid, const char *what,
		    const char *name)
{
	size_t n;
	char *p = pf_begin(s, &n, 'M', pid);

	n += pf_num(p + n, "tid", tid);
	n += pf_lit(p + n, ",\"name\":\"");
	n += pf_lit(p + n, what);
	n += pf_lit(p + n, "\",\"args\":{");
	if (!name) {
		n += pf_decarg(p + n, "sort_index", pid);
		n += pf_lit(p + n, "}}");
		s->out.len += n;
		return;
	}
	pf_with_string(s, n, "\"name\":\"", name, "\"}}");
}

static int pf_finish(void *ctx, sim_time_t end)
{
	struct pf_sink *s = ctx;
	struct pf_token *all;
	char tmp[32];
	size_t i, n, nv, nt;

	/* Close every open slice at `end`, in id order: deterministic. */
	for (i = 0; i < s->nvcpu; i++) {
		struct pf_vcpu *v = &s->vcpu[i];

		if (v->open && end > v->start)
			pf_slice(s, PF_PID_VCPUS, (uint32_t)i, "vcpu", pf_mode_name(v->mode),
				 v->start, end);
		v->open = false;
	}
	all = pf_token_list(s, TRACE_NO_VCPU, &n);
	for (i = 0; i < n; i++)
		pf_token_close(s, pf_token_find(s, all[i].vcpu, all[i].token), end);
	free(all);
	for (i = 0; i < s->ntask; i++)
		pf_task_close(s, (uint32_t)i, &s->task[i], end);

	if (s->proto) {
		/* track names were given with each track's descriptor */
		pfp_destroy(s->proto);
		s->proto = NULL;
		return trace_out_close(&s->out);
	}
	/* Thread names: every declared vCPU and task, and any seen beyond. */
	nv = s->tr->nvcpus > s->seen_vcpus ? s->tr->nvcpus : s->seen_vcpus;
	for (i = 0; i < nv; i++) {
		size_t k = pf_lit(tmp, "vCPU ");

		k += trace_fmt_u64(tmp + k, i);
		tmp[k] = '\0';
		pf_meta(s, PF_PID_VCPUS, (uint32_t)i, "thread_name", tmp);
	}
	nt = s->tr->ntasks > s->seen_tasks ? s->tr->ntasks : s->seen_tasks;
	for (i = 0; i < nt; i++)
		pf_meta(s, PF_PID_TASKS, (uint32_t)i, "thread_name",
			trace_task_name(s->tr, (uint32_t)i, tmp));

	trace_out_puts(&s->out, "\n]}\n");
	return trace_out_close(&s->out);
}

static void pf_destroy(void *ctx)
{
	struct pf_sink *s = ctx;

	if (s->out.f)
		trace_out_close(&s->out);
	pfp_destroy(s->proto);
	free(s->tok);
	free(s->vcpu);
	free(s->task);
	free(s);
}

static const struct trace_sink_ops pf_ops = {
	.name = "perfetto",
	.event = pf_event,
	.finish = pf_finish,
	.destroy = pf_destroy,
};

static int perfetto_start(struct tracer *tr, FILE *f, const char *path, bool proto, char *err,
			  size_t errlen)
{
	struct pf_sink *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "--trace-perfetto: out of memory");
		if (f)
			fclose(f);
		return -1;
	}
	s->tr = tr;
	s->first = true;
	if (trace_sink_open(tr, &pf_ops, s, &s->out, f, path, "--trace-perfetto", err, errlen)) {
		free(s);
		return -1;
	}
	if (proto) {
		s->proto = pfp_create(&s->out, tr);
		if (!s->proto) {
			/* the sink is registered: it is destroyed with the tracer */
			snprintf(err, errlen, "--trace-perfetto: out of memory");
			return -1;
		}
		return 0;
	}
	trace_out_puts(&s->out, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[");
	pf_meta(s, PF_PID_VCPUS, 0, "process_name", "vCPUs");
	pf_meta(s, PF_PID_VCPUS, 0, "process_sort_index", NULL);
	pf_meta(s, PF_PID_TASKS, 0, "process_name", "tasks");
	pf_meta(s, PF_PID_TASKS, 0, "process_sort_index", NULL);
	return 0;
}

int trace_perfetto_open(struct tracer *tr, const char *path, char *err, size_t errlen)
{
	return perfetto_start(tr, NULL, path, false, err, errlen);
}

int trace_perfetto_open_stream(struct tracer *tr, FILE *f, const char *name, char *err, size_t errlen)
{
	return perfetto_start(tr, f, name, false, err, errlen);
}

int trace_perfetto_proto_open(struct tracer *tr, const char *path, char *err, size_t errlen)
{
	return perfetto_start(tr, NULL, path, true, err, errlen);
}

int trace_perfetto_proto_open_stream(struct tracer *tr, FILE *f, const char *name, char *err, size_t errlen)
{
	return perfetto_start(tr, f, name, true, err, errlen);
}
