/* oracle.c — the invariant oracle (see oracle.h and docs/oracle.md).
 *
 * State kept per vCPU: the live token instances in setup order, a token map
 * (token -> most recent instance, and "seen before" for wrap counting), a
 * small FIFO of closed instances kept for late events and reports, the
 * modelled pageready_pending flag and APF PPI line, the instance whose
 * not-present / page-ready is outstanding (to attach SDEI and IRQ events to
 * its history) and the stack of running SDEI events.  Per task: parked or
 * not, on which instance.  A token *instance* is one life of a token on a
 * vCPU, from TR_APF_SETUP to its retirement or flush.
 *
 * Everything lives in growable arrays indexed by 32-bit indices (instances
 * and history records are pooled with free lists), so the hot path does not
 * allocate once the pools have grown to the run's working set.  Pointers
 * into the pools are re-derived after any call that may grow them.
 */
#include "model/check/oracle.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/kernel/grow.h"

#define NONE UINT32_MAX
#define HIST_MAX 64		/* history records kept per token instance */
#define SDEI_DEPTH 4		/* running SDEI events tracked per vCPU */
#define MAX_ID (1u << 20)	/* larger vCPU / task ids are ignored */
#define DEFAULT_HISTORY_KEEP 64

enum outcome { OUT_NONE, OUT_READY, OUT_WOKEN, OUT_CANCELLED, OUT_FLUSHED };

struct hist {
	sim_time_t t;
	uint64_t a, b, c;
	uint32_t task;
	uint32_t kind;
	uint32_t next;
};

struct inst {
	uint64_t token, gfn, gva;
	sim_time_t t_setup, t_completed, t_outcome, t_closed;
	uint32_t vcpu, gen, seq;
	uint32_t hhead, htail, hn, hdropped;
	uint32_t nready, nparked;
	uint8_t outcome;
	bool used, setup_seen, live, completed, has_gva, pinned, in_grave;
};

struct ref {
	uint32_t idx, gen;
};

struct tokmap_ent {
	uint64_t token;
	struct ref r;		/* r.idx NONE: seen before, instance recycled */
	bool used;
};

struct ovcpu {
	struct ref *live;	/* live instances, setup order */
	uint32_t nlive, caplive;
	struct tokmap_ent *map;
	uint32_t mapcap, mapn;
	uint32_t *grave;	/* ring of closed instances, cfg.history_keep */
	uint32_t ghead, gn;
	struct ref *chk;	/* retired this time group: outcome check */
	uint32_t nchk, capchk;
	sim_time_t last_t;
	bool seen_t;
	bool pending, line, ppi_dirty;
	struct ref np, pr;	/* outstanding not-present / page-ready */
	uint64_t sdei_run[SDEI_DEPTH];
	sim_time_t sdei_t[SDEI_DEPTH];
	uint32_t nsdei;
};

struct otask {
	bool parked, stuck_reported;
	bool ready, starve_reported;	/* runnable since t_ready, not yet run */
	sim_time_t t_ready;
	uint32_t vcpu;
	uint64_t token;
	struct ref r;
	sim_time_t t_park;
};

struct vrec {
	struct oracle_violation v;
	struct ref r[2];
};

struct oracle {
	struct oracle_cfg cfg;
	struct ovcpu *v;
	uint32_t nv;
	struct otask *tasks;
	uint32_t nt;
	struct inst *inst;
	uint32_t ninst, capinst;
	uint32_t *ifree;
	uint32_t nifree;
	struct hist *hist;
	uint32_t nhist, caphist, hfree;
	struct vrec *viol;
	unsigned nviol, capviol;
	unsigned total;
	unsigned by_kind[ORACLE_INV__COUNT];
	struct oracle_counts counts;
	sim_time_t now, next_deadline;
	sim_time_t next_starve;		/* earliest t_ready + bound of a ready task */
	uint32_t next_seq;
	bool finished, oom;
};

static const char *const inv_names[ORACLE_INV__COUNT] = {
	[ORACLE_STUCK_TASK] = "stuck_task",
	[ORACLE_LOST_PAGE_READY] = "lost_page_ready",
	[ORACLE_DUPLICATE_PAGE_READY] = "duplicate_page_ready",
	[ORACLE_TOKEN_COLLISION] = "token_collision",
	[ORACLE_BUFFER_OVERWRITE] = "buffer_overwrite",
	[ORACLE_TOO_MANY_OUTSTANDING] = "too_many_outstanding",
	[ORACLE_SDEI_NOT_COMPLETED] = "sdei_not_completed",
	[ORACLE_PPI_PENDING_MISMATCH] = "ppi_pending_mismatch",
	[ORACLE_STARVED_TASK] = "starved_task",
	[ORACLE_LATE_PAGE_READY] = "late_page_ready",
};

const char *oracle_invariant_name(enum oracle_invariant inv)
{
	return (unsigned)inv < ORACLE_INV__COUNT ? inv_names[inv] : "?";
}

static sim_time_t sat_add(sim_time_t a, sim_time_t b)
{
	return a > SIM_TIME_MAX - b ? SIM_TIME_MAX : a + b;
}

/* ---- instances and history -------------------------------------------- */

static struct inst *ref_get(struct oracle *o, struct ref r)
{
	if (r.idx == NONE || r.idx >= o->ninst)
		return NULL;
	if (!o->inst[r.idx].used || o->inst[r.idx].gen != r.gen)
		return NULL;
	return &o->inst[r.idx];
}

static struct ref ref_of(struct oracle *o, uint32_t idx)
{
	struct ref r = { idx, idx == NONE ? 0 : o->inst[idx].gen };
	return r;
}

static const struct ref no_ref = { NONE, 0 };

static uint32_t inst_alloc(struct oracle *o, uint32_t vcpu, uint64_t token)
{
	uint32_t idx, gen;
	struct inst *in;

	if (o->nifree) {
		idx = o->ifree[--o->nifree];
	} else {
		uint32_t cap = o->capinst;

		if (!grow_zeroed((void **)&o->inst, &o->capinst, o->ninst + 1, sizeof(*o->inst)) ||
		    !grow_zeroed((void **)&o->ifree, &cap, o->capinst, sizeof(*o->ifree))) {
			o->oom = true;
			return NONE;
		}
		idx = o->ninst++;
	}
	in = &o->inst[idx];
	gen = in->gen + 1;
	memset(in, 0, sizeof(*in));
	in->gen = gen;
	in->used = true;
	in->live = true;
	in->token = token;
	in->vcpu = vcpu;
	in->seq = o->next_seq++;
	in->hhead = in->htail = NONE;
	return idx;
}

static void inst_free(struct oracle *o, uint32_t idx)
{
	struct inst *in = &o->inst[idx];

	if (in->hhead != NONE) {
		o->hist[in->htail].next = o->hfree;
		o->hfree = in->hhead;
	}
	in->used = false;
	in->gen++;
	o->ifree[o->nifree++] = idx;
}

/* Append an event to an instance's history (at most HIST_MAX kept). */
static void hist_add(struct oracle *o, struct ref r, const struct trace_event *e)
{
	struct inst *in = ref_get(o, r);
	uint32_t h;

	if (!in)
		return;
	if (in->hn >= HIST_MAX) {
		in->hdropped++;
		return;
	}
	if (in->htail != NONE && o->hist[in->htail].t == e->t &&
	    o->hist[in->htail].kind == (uint32_t)e->kind && o->hist[in->htail].a == e->a &&
	    o->hist[in->htail].b == e->b && o->hist[in->htail].c == e->c &&
	    o->hist[in->htail].task == e->task)
		return;		/* the same event attached twice */
	if (o->hfree != NONE) {
		h = o->hfree;
		o->hfree = o->hist[h].next;
	} else {
		if (!grow_zeroed((void **)&o->hist, &o->caphist, o->nhist + 1, sizeof(*o->hist))) {
			o->oom = true;
			return;
		}
		h = o->nhist++;
	}
	in = ref_get(o, r);
	o->hist[h] = (struct hist){ e->t, e->a, e->b, e->c, e->task, (uint32_t)e->kind, NONE };
	if (in->htail == NONE)
		in->hhead = h;
	else
		o->hist[in->htail].next = h;
	in->htail = h;
	in->hn++;
}

/* ---- per-vCPU token map (open addressing; lookups only, never iterated) */

static uint32_t map_hash(uint64_t token, uint32_t cap)
{
	return (uint32_t)((token * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

static struct tokmap_ent *map_find(struct ovcpu *v, uint64_t token)
{
	uint32_t i;

	if (!v->mapcap)
		return NULL;
	for (i = map_hash(token, v->mapcap);; i = (i + 1) & (v->mapcap - 1)) {
		if (!v->map[i].used)
			return NULL;
		if (v->map[i].token == token)
			return &v->map[i];
	}
}

static bool map_put(struct oracle *o, struct ovcpu *v, uint64_t token, struct ref r)
{
	struct tokmap_ent *ent = map_find(v, token);
	uint32_t i;

	if (ent) {
		ent->r = r;
		return true;
	}
	if ((v->mapn + 1) * 2 > v->mapcap) {
		uint32_t ncap = v->mapcap ? v->mapcap * 2 : 64;
		struct tokmap_ent *nm = calloc(ncap, sizeof(*nm));

		if (!nm) {
			o->oom = true;
			return false;
		}
		for (i = 0; i < v->mapcap; i++) {
			uint32_t j;

			if (!v->map[i].used)
				continue;
			for (j = map_hash(v->map[i].token, ncap); nm[j].used; j = (j + 1) & (ncap - 1))
				;
			nm[j] = v->map[i];
		}
		free(v->map);
		v->map = nm;
		v->mapcap = ncap;
	}
	for (i = map_hash(token, v->mapcap); v->map[i].used; i = (i + 1) & (v->mapcap - 1))
		;
	v->map[i] = (struct tokmap_ent){ token, r, true };
	v->mapn++;
	return true;
}

/* ---- lookups ------------------------------------------------------------ */

static struct ovcpu *vcpu_get(struct oracle *o, uint32_t id)
{
	uint32_t n = o->nv;

	if (id >= MAX_ID)
		return NULL;
	if (id >= o->nv) {
		if (!grow_zeroed((void **)&o->v, &n, id + 1, sizeof(*o->v))) {
			o->oom = true;
			return NULL;
		}
		for (uint32_t i = o->nv; i < n; i++)
			o->v[i].np = o->v[i].pr = no_ref;
		o->nv = n;
	}
	return &o->v[id];
}

static struct otask *task_get(struct oracle *o, uint32_t id)
{
	if (id >= MAX_ID)
		return NULL;
	if (id >= o->nt && !grow_zeroed((void **)&o->tasks, &o->nt, id + 1, sizeof(*o->tasks))) {
		o->oom = true;
		return NULL;
	}
	return &o->tasks[id];
}

/* Newest live instance of token on v. */
static struct ref find_live(struct oracle *o, struct ovcpu *v, uint64_t token)
{
	for (uint32_t i = v->nlive; i-- > 0;) {
		struct inst *in = ref_get(o, v->live[i]);

		if (in && in->token == token)
			return v->live[i];
	}
	return no_ref;
}

/* Live instance of token, else the most recent closed one still kept. */
static struct ref find_known(struct oracle *o, struct ovcpu *v, uint64_t token)
{
	struct ref r = find_live(o, v, token);
	struct tokmap_ent *ent;

	if (r.idx != NONE)
		return r;
	ent = map_find(v, token);
	if (ent && ref_get(o, ent->r))
		return ent->r;
	return no_ref;
}

/* New instance of token on vcpu, appended to the live list. */
static struct ref inst_new(struct oracle *o, uint32_t vcpu, uint64_t token, sim_time_t t)
{
	struct ovcpu *v = &o->v[vcpu];
	struct tokmap_ent *ent = map_find(v, token);
	struct ref r;
	uint32_t idx;

	/* A token set up again after its retirement: the arm64 u16 sequence
	 * wrapped, or an x86 id cycle (§2.5, §3.3). */
	if (ent && find_live(o, v, token).idx == NONE)
		o->counts.token_wraps++;
	if (!grow_zeroed((void **)&v->live, &v->caplive, v->nlive + 1, sizeof(*v->live))) {
		o->oom = true;
		return no_ref;
	}
	idx = inst_alloc(o, vcpu, token);
	if (idx == NONE)
		return no_ref;
	r = ref_of(o, idx);
	o->inst[idx].t_setup = t;
	v->live[v->nlive++] = r;
	map_put(o, v, token, r);
	return r;
}

/* Live instance of token, created provisionally if absent: the arch
 * not-present hook (buffer write, tracepoint) runs inside
 * kvm_setup_async_pf before it returns (§1.2 step 4), so these events may
 * precede TR_APF_SETUP; the setup then adopts the instance. */
static struct ref inst_for_write(struct oracle *o, uint32_t vcpu, uint64_t token, sim_time_t t)
{
	struct ref r = find_live(o, &o->v[vcpu], token);

	return r.idx != NONE ? r : inst_new(o, vcpu, token, t);
}

/* ---- closing and recycling --------------------------------------------- */

static void recycle(struct oracle *o, uint32_t idx)
{
	struct inst *in = &o->inst[idx];
	struct tokmap_ent *ent;

	in->in_grave = false;
	if (in->pinned || in->nparked || in->live)
		return;
	ent = map_find(&o->v[in->vcpu], in->token);
	if (ent && ent->r.idx == idx)
		ent->r.idx = NONE;
	inst_free(o, idx);
}

/* A closed instance with no parked task joins its vCPU's FIFO of kept
 * instances; the oldest one beyond cfg.history_keep is recycled. */
static void maybe_grave(struct oracle *o, struct ref r)
{
	struct inst *in = ref_get(o, r);
	struct ovcpu *v;
	uint32_t keep = o->cfg.history_keep;

	if (!in || in->live || in->nparked || in->in_grave)
		return;
	v = &o->v[in->vcpu];
	if (!v->grave) {
		v->grave = calloc(keep, sizeof(*v->grave));
		if (!v->grave) {
			o->oom = true;
			return;
		}
	}
	if (v->gn == keep) {
		uint32_t old = v->grave[v->ghead];

		v->ghead = (v->ghead + 1) % keep;
		v->gn--;
		recycle(o, old);
	}
	in = ref_get(o, r);
	in->in_grave = true;
	v->grave[(v->ghead + v->gn) % keep] = r.idx;
	v->gn++;
}

static void live_remove(struct oracle *o, struct ovcpu *v, struct ref r)
{
	for (uint32_t i = 0; i < v->nlive; i++) {
		if (v->live[i].idx == r.idx && v->live[i].gen == r.gen) {
			memmove(&v->live[i], &v->live[i + 1], (v->nlive - i - 1) * sizeof(*v->live));
			v->nlive--;
			return;
		}
	}
	(void)o;
}

/* ---- violations ---------------------------------------------------------- */

static bool check_on(const struct oracle *o, enum oracle_invariant inv)
{
	return o->cfg.checks & ORACLE_CHECK(inv);
}

static void violate(struct oracle *o, enum oracle_invariant kind, sim_time_t t, uint32_t vcpu,
		    uint64_t token, uint32_t task, struct ref r0, struct ref r1,
		    const char *fmt, ...)
{
	struct vrec *vr;
	va_list ap;

	if (!check_on(o, kind))
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
		struct inst *in = ref_get(o, vr->r[i]);

		if (in)
			in->pinned = true;
		else
			vr->r[i] = no_ref;
	}
}

/* ---- stuck_task deadlines -------------------------------------------------- */

/* Time from which a parked task's wake-up is owed: the token's work
 * completed, or it got an outcome (flush, cancellation), or it was retired;
 * for a park on a token unknown on that vCPU, the park itself.  SIM_TIME_MAX
 * while the work is still in flight. */
static sim_time_t task_ref_time(struct oracle *o, const struct otask *tk)
{
	struct inst *in = ref_get(o, tk->r);

	if (!in)
		return tk->t_park;
	if (in->completed)
		return in->t_completed;
	if (in->outcome != OUT_NONE)
		return in->t_outcome;
	if (!in->live)
		return in->t_closed;
	return SIM_TIME_MAX;
}

static void note_deadline(struct oracle *o, sim_time_t ref)
{
	sim_time_t d;

	if (ref == SIM_TIME_MAX)
		return;
	d = sat_add(ref, o->cfg.stuck_bound_ps);
	if (d < o->next_deadline)
		o->next_deadline = d;
}

static void note_inst_deadline(struct oracle *o, struct ref r)
{
	struct inst *in = ref_get(o, r);

	if (!in || !in->nparked)
		return;
	for (uint32_t i = 0; i < o->nt; i++) {
		struct otask *tk = &o->tasks[i];

		if (tk->parked && tk->r.idx == r.idx && tk->r.gen == r.gen)
			note_deadline(o, task_ref_time(o, tk));
	}
}

static void fmt_time(char *buf, size_t n, sim_time_t t)
{
	snprintf(buf, n, "%" PRIu64 ".%06" PRIu64 " us", t / SIM_US, t % SIM_US);
}

/* stuck_task, on the fly (docs/reference.md §4.5): a parked task not woken more
 * than stuck_bound after its token's work completed.  Scans tasks in id
 * order only when `now` passed the earliest deadline. */
static void check_deadlines(struct oracle *o, sim_time_t now)
{
	sim_time_t next = SIM_TIME_MAX;

	for (uint32_t i = 0; i < o->nt; i++) {
		struct otask *tk = &o->tasks[i];
		sim_time_t ref, d;
		char a[32], b[32], c[32];

		if (!tk->parked || tk->stuck_reported)
			continue;
		ref = task_ref_time(o, tk);
		if (ref == SIM_TIME_MAX)
			continue;
		d = sat_add(ref, o->cfg.stuck_bound_ps);
		if (now > d) {
			struct inst *in = ref_get(o, tk->r);

			tk->stuck_reported = true;
			fmt_time(a, sizeof(a), tk->t_park);
			fmt_time(b, sizeof(b), ref);
			fmt_time(c, sizeof(c), o->cfg.stuck_bound_ps);
			violate(o, ORACLE_STUCK_TASK, now, tk->vcpu, tk->token, i, tk->r, no_ref,
				"task %u parked at %s on token %#" PRIx64 " %s %s, not woken within %s",
				i, a, tk->token,
				!in ? "(never set up on this vCPU), parked since" :
				in->completed ? "whose work completed at" :
				in->outcome == OUT_FLUSHED ? "flushed at" :
				in->outcome == OUT_CANCELLED ? "cancelled at" : "retired at",
				b, c);
		} else if (d < next) {
			next = d;
		}
	}
	o->next_deadline = next;
}

/* ---- per-vCPU time groups --------------------------------------------------- */

/* End of the group of events of one vCPU at one timestamp (v->last_t).  The
 * host writes the buffer, sets pageready_pending and raises the PPI at the
 * same time (§2.7(i)); the guest's IRQ_ACK clears the flag and lowers the
 * line at the same time (§2.7(j)): consistency is judged once the group is
 * complete.  Retirements are judged here too, so a TR_KVM_READY emitted
 * after TR_APF_RETIRED at the same time still counts. */
static void vcpu_group_end(struct oracle *o, uint32_t vid)
{
	struct ovcpu *v = &o->v[vid];

	if (v->ppi_dirty && o->cfg.ppi_intid && v->line != v->pending) {
		struct inst *in = ref_get(o, v->pr);

		violate(o, ORACLE_PPI_PENDING_MISMATCH, v->last_t, vid,
			in ? in->token : ORACLE_NO_TOKEN, TRACE_NO_TASK, v->pr, no_ref,
			"PPI %u is %s while pageready_pending is %s", o->cfg.ppi_intid,
			v->line ? "high" : "low", v->pending ? "set" : "clear");
	}
	v->ppi_dirty = false;

	for (uint32_t i = 0; i < v->nchk; i++) {
		struct inst *in = ref_get(o, v->chk[i]);
		char a[32];

		if (!in)
			continue;
		/* A parked task on it is judged by stuck_task, not twice. */
		if (in->outcome == OUT_NONE && !in->nparked) {
			fmt_time(a, sizeof(a), in->t_closed);
			violate(o, ORACLE_LOST_PAGE_READY, v->last_t, vid, in->token, TRACE_NO_TASK,
				v->chk[i], no_ref,
				"token %#" PRIx64 " retired at %s without page-ready or cancellation",
				in->token, a);
		}
		maybe_grave(o, v->chk[i]);
	}
	v->nchk = 0;
}

/* ---- event handlers ------------------------------------------------------------ */

/* Attach a vCPU-wide event (wake-all, flush) to the instances its parked
 * tasks wait on, so their histories show it. */
static void hist_parked(struct oracle *o, uint32_t vcpu, const struct trace_event *e)
{
	for (uint32_t i = 0; i < o->nt; i++)
		if (o->tasks[i].parked && o->tasks[i].vcpu == vcpu)
			hist_add(o, o->tasks[i].r, e);
}

static void check_outstanding(struct oracle *o, const struct trace_event *e, struct ref r)
{
	if (e->c > o->counts.max_outstanding_seen)
		o->counts.max_outstanding_seen = e->c;
	/* §1.1/§1.2: queued <= ASYNC_PF_PER_VCPU; the 65th fault is synchronous. */
	if (e->c > o->cfg.max_outstanding)
		violate(o, ORACLE_TOO_MANY_OUTSTANDING, e->t, e->vcpu, e->a, TRACE_NO_TASK, r, no_ref,
			"%" PRIu64 " works outstanding after %s of token %#" PRIx64 " (limit %u)",
			e->c, e->kind == TR_APF_SETUP ? "setup" : "retiring", e->a,
			o->cfg.max_outstanding);
}

static void on_setup(struct oracle *o, const struct trace_event *e)
{
	struct ovcpu *v = &o->v[e->vcpu];
	struct ref old = find_live(o, v, e->a), r;
	struct inst *in = ref_get(o, old);

	o->counts.tokens++;
	if (e->a == 0)
		o->counts.zero_tokens++;
	if (in && !in->setup_seen) {
		r = old;	/* adopt the provisional instance */
		old = no_ref;
	} else {
		r = inst_new(o, e->vcpu, e->a, e->t);
	}
	in = ref_get(o, r);
	if (in) {
		in->setup_seen = true;
		in->gfn = e->b;
		in->t_setup = e->t;
	}
	hist_add(o, r, e);
	check_outstanding(o, e, r);
	in = ref_get(o, old);
	/* §2.5/§4.6: tokens must be unique per vCPU while live. */
	if (in) {
		char a[32];

		fmt_time(a, sizeof(a), in->t_setup);
		violate(o, ORACLE_TOKEN_COLLISION, e->t, e->vcpu, e->a, TRACE_NO_TASK, old, r,
			"token %#" PRIx64 " (gfn %#" PRIx64 ") set up while live since %s (gfn %#" PRIx64 ")",
			e->a, e->b, a, in->gfn);
	}
}

static void on_buf_write(struct oracle *o, const struct trace_event *e)
{
	struct ovcpu *v = &o->v[e->vcpu];
	uint64_t prev_reason = e->c >> 32, prev_token = e->c & 0xFFFFFFFFu;
	struct ref r = no_ref, prev = no_ref;

	if (e->a == 1) {
		r = inst_for_write(o, e->vcpu, e->b, e->t);
		v = &o->v[e->vcpu];
		v->np = r;
	} else if (e->a == 2 && e->b == ORACLE_WAKEUP_ALL) {
		hist_parked(o, e->vcpu, e);
		v->pr = no_ref;
	} else if (e->a != 0) {
		r = find_known(o, v, e->b);
		if (e->a == 2)
			v->pr = r;
	}
	if (prev_reason != 0) {
		prev = find_known(o, v, prev_token);
		if (prev.idx == r.idx && prev.gen == r.gen)
			prev = no_ref;
	}
	hist_add(o, r, e);
	hist_add(o, prev, e);

	/* §2.3/§4.2: the host writes only into a free buffer (reason == 0 &&
	 * token == 0); writes of 0/0 are the host's own clears. */
	if (e->a != 0 && e->c != 0)
		violate(o, ORACLE_BUFFER_OVERWRITE, e->t, e->vcpu, e->b, TRACE_NO_TASK, r, prev,
			"host wrote reason %" PRIu64 " token %#" PRIx64
			" over unconsumed reason %" PRIu64 " token %#" PRIx64,
			e->a, e->b, prev_reason, prev_token);

	if (e->a == 2) {
		/* §2.7(g): no page-ready while one is outstanding. */
		if (v->pending)
			violate(o, ORACLE_PPI_PENDING_MISMATCH, e->t, e->vcpu, e->b, TRACE_NO_TASK, r,
				no_ref, "page-ready for token %#" PRIx64
				" written while pageready_pending is still set", e->b);
		v->pending = true;
		v->ppi_dirty = true;
	}
}

static bool sdei_critical(const struct oracle *o, uint64_t ev)
{
	for (int i = 0; i < 4; i++)
		if (o->cfg.sdei_critical[i] && o->cfg.sdei_critical[i] == ev)
			return true;
	return false;
}

static void on_sdei(struct oracle *o, const struct trace_event *e)
{
	struct ovcpu *v = &o->v[e->vcpu];
	bool apf = e->a == o->cfg.sdei_apf_event;
	struct ref np = v->np;

	if (apf)
		hist_add(o, np, e);
	switch (e->kind) {
	case TR_SDEI_DISPATCH:
		o->counts.sdei_dispatches++;
		/* §2.7(e), §4.3: only a critical event may preempt a normal one. */
		if (v->nsdei) {
			uint64_t top = v->sdei_run[v->nsdei - 1];
			char a[32];

			if (!sdei_critical(o, e->a) || sdei_critical(o, top)) {
				fmt_time(a, sizeof(a), v->sdei_t[v->nsdei - 1]);
				violate(o, ORACLE_SDEI_NOT_COMPLETED, e->t, e->vcpu,
					apf && ref_get(o, np) ? ref_get(o, np)->token : ORACLE_NO_TOKEN,
					e->task, apf ? np : no_ref, no_ref,
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
			violate(o, ORACLE_SDEI_NOT_COMPLETED, e->t, e->vcpu, ORACLE_NO_TOKEN, e->task,
				no_ref, no_ref, "EVENT_COMPLETE for SDEI event %#" PRIx64
				" which is not running", e->a);
			break;
		}
		memmove(&v->sdei_run[i - 1], &v->sdei_run[i], (v->nsdei - i) * sizeof(v->sdei_run[0]));
		memmove(&v->sdei_t[i - 1], &v->sdei_t[i], (v->nsdei - i) * sizeof(v->sdei_t[0]));
		v->nsdei--;
		if (apf)
			v->np = no_ref;
		break;
	}
	case TR_SDEI_CANCEL:
		if (apf)
			v->np = no_ref;
		break;
	default:
		break;
	}
}

static void on_ready(struct oracle *o, const struct trace_event *e)
{
	struct ovcpu *v = &o->v[e->vcpu];
	struct ref r;
	struct inst *in;
	static const char *const outname[] = { "none", "page-ready", "wake", "cancellation", "flush" };

	if (e->a == ORACLE_WAKEUP_ALL) {
		hist_parked(o, e->vcpu, e);
		return;
	}
	r = find_known(o, v, e->a);
	in = ref_get(o, r);
	if (!in) {
		o->counts.unknown_page_ready++;
		return;
	}
	o->counts.page_ready++;
	hist_add(o, r, e);
	in = ref_get(o, r);
	if (!in->has_gva) {
		in->has_gva = true;
		in->gva = e->b;
	}
	in->nready++;
	/* The ACK race (§4.1): a completed page whose page-ready waited longer
	 * than the configured bound (only when a bound is given). */
	if (o->cfg.delivery_bound_ps && in->completed && in->nready == 1 &&
	    e->t - in->t_completed > o->cfg.delivery_bound_ps && check_on(o, ORACLE_LATE_PAGE_READY)) {
		char a[32];
		fmt_time(a, sizeof(a), e->t - in->t_completed);
		violate(o, ORACLE_LATE_PAGE_READY, e->t, e->vcpu, in->token, e->task, r, no_ref,
			"page-ready for token %#" PRIx64 " delivered %s after its completion", in->token, a);
	}
	/* §1.4: one page-ready per work (it is unlinked right after). */
	if (in->outcome == OUT_NONE || in->outcome == OUT_WOKEN) {
		if (in->nready > 1)
			goto dup;
		in->outcome = OUT_READY;
		in->t_outcome = e->t;
		note_inst_deadline(o, r);
		return;
	}
dup:
	{
		char a[32];

		fmt_time(a, sizeof(a), in->t_outcome);
		violate(o, ORACLE_DUPLICATE_PAGE_READY, e->t, e->vcpu, e->a, TRACE_NO_TASK, r, no_ref,
			"second page-ready for token %#" PRIx64 " (first outcome: %s at %s)", e->a,
			outname[in->outcome], a);
	}
}

static void on_completed(struct oracle *o, const struct trace_event *e)
{
	/* Correlation (docs/oracle.md): the worker's gva matches an instance
	 * whose TR_KVM_NOT_PRESENT/READY carried that gva, or whose setup gfn
	 * equals gva >> 12.  Only live, not yet completed instances match; with
	 * a vCPU given only that vCPU is searched, otherwise the match set up
	 * first (global order of first appearance) wins. */
	uint32_t lo = 0, hi = o->nv;
	struct ref best = no_ref;
	uint32_t best_seq = UINT32_MAX;
	struct inst *in;

	if (e->vcpu != TRACE_NO_VCPU) {
		lo = e->vcpu;
		hi = e->vcpu + 1 <= o->nv ? e->vcpu + 1 : o->nv;
	}
	for (uint32_t vi = lo; vi < hi; vi++) {
		struct ovcpu *v = &o->v[vi];

		for (uint32_t i = 0; i < v->nlive; i++) {
			in = ref_get(o, v->live[i]);
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
	in = ref_get(o, best);
	if (!in) {
		o->counts.unmatched_completions++;
		return;
	}
	o->counts.completions++;
	in->completed = true;
	in->t_completed = e->t;
	hist_add(o, best, e);
	note_inst_deadline(o, best);
}

static void on_cancelled(struct oracle *o, const struct trace_event *e)
{
	struct ref r = find_known(o, &o->v[e->vcpu], e->a);
	struct inst *in = ref_get(o, r);

	o->counts.cancelled++;
	if (!in)
		return;
	hist_add(o, r, e);
	in = ref_get(o, r);
	if (in->outcome == OUT_NONE) {
		in->outcome = OUT_CANCELLED;
		in->t_outcome = e->t;
		note_inst_deadline(o, r);
	}
}

static void on_retired(struct oracle *o, const struct trace_event *e)
{
	struct ovcpu *v = &o->v[e->vcpu];
	struct ref r = find_live(o, v, e->a);
	struct inst *in;

	check_outstanding(o, e, r);
	in = ref_get(o, r);
	if (!in)
		return;
	hist_add(o, r, e);
	in = ref_get(o, r);
	in->live = false;
	in->t_closed = e->t;
	live_remove(o, v, r);
	if (!grow_zeroed((void **)&v->chk, &v->capchk, v->nchk + 1, sizeof(*v->chk))) {
		o->oom = true;
		return;
	}
	v->chk[v->nchk++] = r;
	note_inst_deadline(o, r);
}

static void on_flush(struct oracle *o, const struct trace_event *e)
{
	struct ovcpu *v = &o->v[e->vcpu];

	/* §1.6: flush discards every work without page-ready; a task parked
	 * on one must be woken by a later wake-all (else stuck_task). */
	hist_parked(o, e->vcpu, e);
	for (uint32_t i = 0; i < v->nlive; i++) {
		struct ref r = v->live[i];
		struct inst *in = ref_get(o, r);

		if (!in)
			continue;
		hist_add(o, r, e);
		in = ref_get(o, r);
		if (in->outcome == OUT_NONE) {
			in->outcome = OUT_FLUSHED;
			in->t_outcome = e->t;
		}
		in->live = false;
		in->t_closed = e->t;
		o->counts.flushed++;
		note_inst_deadline(o, r);
	}
	/* Close them in setup order after the live list is emptied. */
	while (v->nlive) {
		struct ref r = v->live[0];

		live_remove(o, v, r);
		maybe_grave(o, r);
		v = &o->v[e->vcpu];
	}
}

static void unpark(struct oracle *o, struct otask *tk)
{
	struct inst *in = ref_get(o, tk->r);

	tk->parked = false;
	if (in) {
		in->nparked--;
		maybe_grave(o, tk->r);
	}
}

static void on_park(struct oracle *o, const struct trace_event *e)
{
	struct otask *tk;
	struct ref r;
	struct inst *in;

	o->counts.parks++;
	r = find_known(o, &o->v[e->vcpu], e->a);
	hist_add(o, r, e);
	tk = e->task != TRACE_NO_TASK ? task_get(o, e->task) : NULL;
	if (!tk)
		return;
	if (tk->parked && tk->vcpu == e->vcpu && tk->token == e->a)
		return;		/* the wait loop enqueued again */
	if (tk->parked)
		unpark(o, tk);
	*tk = (struct otask){ .parked = true, .vcpu = e->vcpu, .token = e->a, .r = r, .t_park = e->t };
	in = ref_get(o, r);
	if (in)
		in->nparked++;
	note_deadline(o, task_ref_time(o, tk));
}

static void on_wake(struct oracle *o, const struct trace_event *e)
{
	struct ref r = no_ref;
	struct inst *in;
	bool named_parked = e->task < o->nt && o->tasks[e->task].parked;

	o->counts.wakes++;
	if (e->a == ORACLE_WAKEUP_ALL) {
		o->counts.wake_alls++;
	} else {
		/* A wake with the token is a delivered page-ready (§2.8). */
		r = find_known(o, &o->v[e->vcpu], e->a);
		hist_add(o, r, e);
		in = ref_get(o, r);
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
		hist_add(o, tk->r, e);
		unpark(o, tk);
	}
}

/* ---- starved_task ------------------------------------------------------------
 * A task that is runnable (TR_TASK_READY) and does not get a CPU
 * (TR_TASK_SWITCH to it) within the bound waits forever as surely as a
 * parked one: an interrupt storm (a page-ready never acknowledged, §4.2 iii)
 * starves every task this way.  Reported once per wait. */

static void starve_scan(struct oracle *o, sim_time_t now)
{
	sim_time_t next = SIM_TIME_MAX, bound = o->cfg.stuck_bound_ps;
	char a[32];

	for (uint32_t i = 0; i < o->nt; i++) {
		struct otask *tk = &o->tasks[i];

		if (!tk->ready || tk->starve_reported)
			continue;
		if (now - tk->t_ready > bound) {
			tk->starve_reported = true;
			fmt_time(a, sizeof(a), tk->t_ready);
			violate(o, ORACLE_STARVED_TASK, now, tk->vcpu, ORACLE_NO_TOKEN, i, no_ref, no_ref,
				"task %u runnable since %s has not run for longer than the bound", i, a);
		} else if (tk->t_ready + bound < next) {
			next = tk->t_ready + bound;
		}
	}
	o->next_starve = next;
}

static void on_task_ready(struct oracle *o, const struct trace_event *e)
{
	struct otask *tk = task_get(o, e->task);

	if (!tk || tk->ready)
		return;
	tk->ready = true;
	tk->starve_reported = false;
	tk->t_ready = e->t;
	tk->vcpu = e->vcpu;
	if (e->t + o->cfg.stuck_bound_ps < o->next_starve)
		o->next_starve = e->t + o->cfg.stuck_bound_ps;
}

static void on_task_switch(struct oracle *o, const struct trace_event *e)
{
	struct otask *tk = e->b != TRACE_NO_TASK ? task_get(o, (uint32_t)e->b) : NULL;

	if (tk)
		tk->ready = false;
}

void oracle_event(struct oracle *o, const struct trace_event *e)
{
	struct ovcpu *v = NULL;

	if (o->finished)
		return;
	o->counts.events++;
	if (e->t > o->now)
		o->now = e->t;
	if (e->vcpu != TRACE_NO_VCPU) {
		v = vcpu_get(o, e->vcpu);
		if (v && (!v->seen_t || e->t > v->last_t)) {
			if (v->seen_t)
				vcpu_group_end(o, e->vcpu);
			v = &o->v[e->vcpu];
			v->last_t = e->t;
			v->seen_t = true;
		}
	}
	if (o->now > o->next_deadline && check_on(o, ORACLE_STUCK_TASK))
		check_deadlines(o, o->now);
	if (o->now > o->next_starve && check_on(o, ORACLE_STARVED_TASK))
		starve_scan(o, o->now);

	if (e->kind == TR_KVM_COMPLETED) {
		on_completed(o, e);
		return;
	}
	if (!v)
		return;		/* every other kind names its vCPU */

	switch (e->kind) {
	case TR_APF_SETUP:
		on_setup(o, e);
		break;
	case TR_KVM_NOT_PRESENT: {
		struct ref r = inst_for_write(o, e->vcpu, e->a, e->t);
		struct inst *in = ref_get(o, r);

		if (in) {
			in->has_gva = true;
			in->gva = e->b;
		}
		hist_add(o, r, e);
		break;
	}
	case TR_BUF_WRITE:
		on_buf_write(o, e);
		break;
	case TR_SDEI_INJECT:
	case TR_SDEI_DISPATCH:
	case TR_SDEI_COMPLETE:
	case TR_SDEI_CANCEL:
		on_sdei(o, e);
		break;
	case TR_PPI_LEVEL:
		if (o->cfg.ppi_intid && e->a == o->cfg.ppi_intid) {
			v->line = e->b != 0;
			v->ppi_dirty = true;
			hist_add(o, v->pr, e);
		}
		break;
	case TR_IRQ_TAKEN:
		if (o->cfg.ppi_intid && e->a == o->cfg.ppi_intid)
			hist_add(o, v->pr, e);
		break;
	case TR_IRQ_ACK:
		o->counts.irq_acks++;
		hist_add(o, v->pr, e);
		/* §2.7(j): IRQ_ACK reports the flag the host model holds. */
		if ((e->a != 0) != v->pending) {
			struct inst *in = ref_get(o, v->pr);

			violate(o, ORACLE_PPI_PENDING_MISMATCH, e->t, e->vcpu,
				in ? in->token : ORACLE_NO_TOKEN, e->task, v->pr, no_ref,
				"IRQ_ACK saw pageready_pending %" PRIu64 ", expected %d", e->a,
				v->pending);
		}
		v->pending = false;
		v->ppi_dirty = true;
		v->pr = no_ref;
		break;
	case TR_KVM_READY:
		on_ready(o, e);
		break;
	case TR_APF_CANCELLED:
		on_cancelled(o, e);
		break;
	case TR_APF_RETIRED:
		on_retired(o, e);
		break;
	case TR_APF_FLUSH:
		on_flush(o, e);
		break;
	case TR_APF_WAKE_ALL:
		o->counts.wake_all_queued++;
		hist_parked(o, e->vcpu, e);
		break;
	case TR_TASK_PARK:
		on_park(o, e);
		break;
	case TR_TASK_WAKE:
		on_wake(o, e);
		break;
	case TR_TASK_READY:
		on_task_ready(o, e);
		break;
	case TR_TASK_SWITCH:
		on_task_switch(o, e);
		break;
	default:
		break;
	}
}

/* ---- end of run ---------------------------------------------------------------- */

void oracle_finish_check(struct oracle *o, sim_time_t end)
{
	bool strict = o->cfg.checks & ORACLE_STRICT_END;
	char a[32];

	if (o->finished)
		return;
	if (end < o->now)
		end = o->now;
	for (uint32_t vi = 0; vi < o->nv; vi++)
		if (o->v[vi].seen_t)
			vcpu_group_end(o, vi);
	if (check_on(o, ORACLE_STUCK_TASK))
		check_deadlines(o, end);
	if (check_on(o, ORACLE_STARVED_TASK))
		starve_scan(o, end);

	/* Parked at the end: stuck unless the work is still in flight (or
	 * owed for less than the bound); ORACLE_STRICT_END: always stuck. */
	for (uint32_t i = 0; i < o->nt; i++) {
		struct otask *tk = &o->tasks[i];

		if (!tk->parked || tk->stuck_reported)
			continue;
		if (!strict) {
			o->counts.parked_in_flight_at_end++;
			continue;
		}
		tk->stuck_reported = true;
		fmt_time(a, sizeof(a), tk->t_park);
		violate(o, ORACLE_STUCK_TASK, end, tk->vcpu, tk->token, i, tk->r, no_ref,
			"task %u parked at %s on token %#" PRIx64 " still parked at the end of the run",
			i, a, tk->token);
	}

	for (uint32_t vi = 0; vi < o->nv; vi++) {
		struct ovcpu *v = &o->v[vi];

		/* lost_page_ready: completed, no outcome, nobody parked on it. */
		for (uint32_t i = 0; i < v->nlive; i++) {
			struct inst *in = ref_get(o, v->live[i]);

			if (!in || !in->completed || in->outcome != OUT_NONE || in->nparked)
				continue;
			if (!strict && end - in->t_completed <= o->cfg.stuck_bound_ps)
				continue;
			fmt_time(a, sizeof(a), in->t_completed);
			violate(o, ORACLE_LOST_PAGE_READY, end, vi, in->token, TRACE_NO_TASK,
				v->live[i], no_ref,
				"work of token %#" PRIx64 " completed at %s, no page-ready or cancellation by the end",
				in->token, a);
		}
		for (uint32_t i = 0; i < v->nsdei; i++) {
			fmt_time(a, sizeof(a), v->sdei_t[i]);
			violate(o, ORACLE_SDEI_NOT_COMPLETED, end, vi,
				ref_get(o, v->np) ? ref_get(o, v->np)->token : ORACLE_NO_TOKEN,
				TRACE_NO_TASK, v->np, no_ref,
				"SDEI event %#" PRIx64 " dispatched at %s never completed",
				v->sdei_run[i], a);
		}
	}
	o->finished = true;
}

/* ---- creation ------------------------------------------------------------------ */

struct oracle *oracle_create(const struct oracle_cfg *cfg)
{
	struct oracle *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	if (cfg)
		o->cfg = *cfg;
	if (!o->cfg.stuck_bound_ps)
		o->cfg.stuck_bound_ps = ORACLE_DEFAULT_STUCK_BOUND;
	if (!o->cfg.max_outstanding)
		o->cfg.max_outstanding = ORACLE_DEFAULT_MAX_OUTSTANDING;
	if (!(o->cfg.checks & ORACLE_CHECK_ALL))
		o->cfg.checks |= ORACLE_CHECK_ALL;
	if (!o->cfg.sdei_critical[0] && !o->cfg.sdei_critical[1] &&
	    !o->cfg.sdei_critical[2] && !o->cfg.sdei_critical[3])
		o->cfg.sdei_critical[0] = ORACLE_DEFAULT_SDEI_CRITICAL;
	if (!o->cfg.sdei_apf_event)
		o->cfg.sdei_apf_event = ORACLE_DEFAULT_SDEI_CRITICAL;
	if (!o->cfg.max_recorded)
		o->cfg.max_recorded = ORACLE_DEFAULT_MAX_RECORDED;
	if (!o->cfg.history_keep)
		o->cfg.history_keep = DEFAULT_HISTORY_KEEP;
	o->hfree = NONE;
	o->next_deadline = SIM_TIME_MAX;
	o->next_starve = SIM_TIME_MAX;
	if ((o->cfg.nvcpus && !vcpu_get(o, o->cfg.nvcpus - 1)) ||
	    (o->cfg.ntasks && !task_get(o, o->cfg.ntasks - 1))) {
		oracle_destroy(o);
		return NULL;
	}
	return o;
}

void oracle_destroy(struct oracle *o)
{
	if (!o)
		return;
	for (uint32_t i = 0; i < o->nv; i++) {
		free(o->v[i].live);
		free(o->v[i].map);
		free(o->v[i].grave);
		free(o->v[i].chk);
	}
	free(o->v);
	free(o->tasks);
	free(o->inst);
	free(o->ifree);
	free(o->hist);
	free(o->viol);
	free(o);
}

unsigned oracle_violations(const struct oracle *o)
{
	return o->total;
}

unsigned oracle_violations_of(const struct oracle *o, enum oracle_invariant inv)
{
	return (unsigned)inv < ORACLE_INV__COUNT ? o->by_kind[inv] : 0;
}

unsigned oracle_nrecorded(const struct oracle *o)
{
	return o->nviol;
}

const struct oracle_violation *oracle_violation_at(const struct oracle *o, unsigned i)
{
	return i < o->nviol ? &o->viol[i].v : NULL;
}

const struct oracle_counts *oracle_counts(const struct oracle *o)
{
	return &o->counts;
}

/* ---- sink ------------------------------------------------------------------------- */

static void sink_event(void *ctx, const struct trace_event *e)
{
	oracle_event(ctx, e);
}

static int sink_finish(void *ctx, sim_time_t end)
{
	oracle_finish_check(ctx, end);
	return 0;
}

static void sink_destroy(void *ctx)
{
	(void)ctx;		/* the owner destroys the oracle after the report */
}

const struct trace_sink_ops oracle_sink_ops = {
	.name = "oracle",
	.event = sink_event,
	.finish = sink_finish,
	.destroy = sink_destroy,
};

/* ---- report ---------------------------------------------------------------------- */

static const struct inst *cref_get(const struct oracle *o, struct ref r)
{
	return ref_get((struct oracle *)o, r);
}

/* Guest-side and bookkeeping kinds: not a protocol state of the token. */
static bool guest_kind(uint32_t kind)
{
	return kind == TR_TASK_PARK || kind == TR_TASK_WAKE || kind == TR_TASK_SWITCH ||
	       kind == TR_TASK_READY || kind == TR_VCPU_STATE || kind == TR_NOTE;
}

const char *oracle_violation_state(const struct oracle *o, unsigned i)
{
	const struct vrec *vr = i < o->nviol ? &o->viol[i] : NULL;
	const struct inst *in = vr ? cref_get(o, vr->r[0]) : NULL;
	const char *state = "no token";

	if (!in)
		return state;
	for (uint32_t h = in->hhead; h != NONE && o->hist[h].t <= vr->v.t; h = o->hist[h].next)
		if (!guest_kind(o->hist[h].kind))
			state = trace_kind_name((enum trace_kind)o->hist[h].kind);
	return state;
}

/* One history record as text: time, event, decoded arguments, task. */
static void fmt_hist(char *buf, size_t n, const struct hist *h)
{
	char t[32], args[128];
	const char *name = trace_kind_name((enum trace_kind)h->kind);
	int len;

	fmt_time(t, sizeof(t), h->t);
	switch (h->kind) {
	case TR_KVM_TRY_ASYNC_GET_PAGE:
	case TR_KVM_REPEATED_FAULT:
		snprintf(args, sizeof(args), "gva %#" PRIx64 " gfn %#" PRIx64, h->a, h->b);
		break;
	case TR_KVM_NOT_PRESENT:
	case TR_KVM_READY:
		snprintf(args, sizeof(args), "token %#" PRIx64 " gva %#" PRIx64, h->a, h->b);
		break;
	case TR_KVM_COMPLETED:
		snprintf(args, sizeof(args), "gva %#" PRIx64 " address %#" PRIx64, h->b, h->a);
		break;
	case TR_APF_SETUP:
	case TR_APF_RETIRED:
		snprintf(args, sizeof(args), "token %#" PRIx64 " gfn %#" PRIx64 " outstanding %" PRIu64,
			 h->a, h->b, h->c);
		break;
	case TR_APF_CANCELLED:
	case TR_TASK_PARK:
		snprintf(args, sizeof(args), "token %#" PRIx64, h->a);
		break;
	case TR_TASK_WAKE:
		if (h->a == ORACLE_WAKEUP_ALL)
			snprintf(args, sizeof(args), "wake-all");
		else
			snprintf(args, sizeof(args), "token %#" PRIx64, h->a);
		break;
	case TR_APF_FLUSH:
		snprintf(args, sizeof(args), "works dropped %" PRIu64, h->a);
		break;
	case TR_BUF_WRITE:
		snprintf(args, sizeof(args), "reason %" PRIu64 " token %#" PRIx64
			 " (was reason %" PRIu64 " token %#" PRIx64 ")",
			 h->a, h->b, h->c >> 32, h->c & 0xFFFFFFFFu);
		break;
	case TR_SDEI_INJECT:
		snprintf(args, sizeof(args), "event %#" PRIx64 " result %" PRId64, h->a, (int64_t)h->b);
		break;
	case TR_SDEI_DISPATCH:
		snprintf(args, sizeof(args), "event %#" PRIx64 " pc %#" PRIx64 " pstate %#" PRIx64,
			 h->a, h->b, h->c);
		break;
	case TR_SDEI_COMPLETE:
		snprintf(args, sizeof(args), "event %#" PRIx64 " status %" PRId64, h->a, (int64_t)h->b);
		break;
	case TR_SDEI_CANCEL:
		snprintf(args, sizeof(args), "event %#" PRIx64, h->a);
		break;
	case TR_PPI_LEVEL:
		snprintf(args, sizeof(args), "intid %" PRIu64 " level %" PRIu64, h->a, h->b);
		break;
	case TR_IRQ_TAKEN:
		snprintf(args, sizeof(args), "intid %" PRIu64, h->a);
		break;
	case TR_IRQ_ACK:
		snprintf(args, sizeof(args), "pageready_pending was %" PRIu64, h->a);
		break;
	default:
		snprintf(args, sizeof(args), "a %#" PRIx64 " b %#" PRIx64 " c %#" PRIx64,
			 h->a, h->b, h->c);
		break;
	}
	len = snprintf(buf, n, "%16s  %-26s %s", t, name, args);
	if (h->task != TRACE_NO_TASK && len > 0 && (size_t)len < n)
		snprintf(buf + len, n - (size_t)len, " (task %u)", h->task);
}

static void fmt_inst_head(char *buf, size_t n, const struct inst *in)
{
	char t[32];

	fmt_time(t, sizeof(t), in->t_setup);
	if (in->setup_seen)
		snprintf(buf, n, "history of token %#" PRIx64 " on vcpu %u (gfn %#" PRIx64
			 ", set up at %s):", in->token, in->vcpu, in->gfn, t);
	else
		snprintf(buf, n, "history of token %#" PRIx64 " on vcpu %u (no setup seen):",
			 in->token, in->vcpu);
}

static void fmt_violation(char *buf, size_t n, const struct oracle_violation *v)
{
	char t[32], vc[24], tok[32], tk[24];

	fmt_time(t, sizeof(t), v->t);
	if (v->vcpu == TRACE_NO_VCPU)
		snprintf(vc, sizeof(vc), "-");
	else
		snprintf(vc, sizeof(vc), "%u", v->vcpu);
	if (v->token == ORACLE_NO_TOKEN)
		snprintf(tok, sizeof(tok), "-");
	else
		snprintf(tok, sizeof(tok), "%#" PRIx64, v->token);
	if (v->task == TRACE_NO_TASK)
		snprintf(tk, sizeof(tk), "-");
	else
		snprintf(tk, sizeof(tk), "%u", v->task);
	snprintf(buf, n, "%s at %s vcpu %s token %s task %s: %s",
		 oracle_invariant_name(v->kind), t, vc, tok, tk, v->msg);
}

void oracle_report(const struct oracle *o, FILE *f)
{
	const struct oracle_counts *c = &o->counts;
	char line[512];

	fprintf(f, "oracle: %u violation%s%s\n", o->total, o->total == 1 ? "" : "s",
		o->oom ? " (out of memory: checks incomplete)" : "");
	for (int k = 0; k < ORACLE_INV__COUNT; k++)
		fprintf(f, "%s%s %u", k ? ", " : "  ", inv_names[k], o->by_kind[k]);
	fprintf(f, "\n  tokens %" PRIu64 " (zero %" PRIu64 ", wraps %" PRIu64 "), completions %"
		PRIu64 " (unmatched %" PRIu64 "), page-ready %" PRIu64 " (unknown token %" PRIu64
		"), cancelled %" PRIu64 ", flushed %" PRIu64 "\n",
		c->tokens, c->zero_tokens, c->token_wraps, c->completions, c->unmatched_completions,
		c->page_ready, c->unknown_page_ready, c->cancelled, c->flushed);
	fprintf(f, "  parks %" PRIu64 ", wakes %" PRIu64 " (wake-all %" PRIu64 "), wake-all queued %"
		PRIu64 ", IRQ_ACK %" PRIu64 ", SDEI dispatches %" PRIu64 ", max outstanding %" PRIu64
		", parked at end awaiting work %" PRIu64 "\n",
		c->parks, c->wakes, c->wake_alls, c->wake_all_queued, c->irq_acks,
		c->sdei_dispatches, c->max_outstanding_seen, c->parked_in_flight_at_end);
	for (unsigned i = 0; i < o->nviol; i++) {
		const struct vrec *vr = &o->viol[i];

		fmt_violation(line, sizeof(line), &vr->v);
		fprintf(f, "[%u] %s\n", i + 1, line);
		for (int k = 0; k < 2; k++) {
			const struct inst *in = cref_get(o, vr->r[k]);

			if (!in)
				continue;
			fmt_inst_head(line, sizeof(line), in);
			fprintf(f, "    %s\n", line);
			for (uint32_t h = in->hhead; h != NONE; h = o->hist[h].next) {
				fmt_hist(line, sizeof(line), &o->hist[h]);
				fprintf(f, "      %s\n", line);
			}
			if (in->hdropped)
				fprintf(f, "      ... %u later events not kept\n", in->hdropped);
		}
		if (!cref_get(o, vr->r[0]) && vr->v.token != ORACLE_NO_TOKEN)
			fprintf(f, "    no history: token never set up on this vCPU\n");
	}
	if (o->total > o->nviol)
		fprintf(f, "%u more violations not recorded (max_recorded %u)\n",
			o->total - o->nviol, o->cfg.max_recorded);
}

/* ---- JSON ------------------------------------------------------------------------- */

static int jset(json_t *obj, const char *key, json_t *val)
{
	return json_object_set_new(obj, key, val);	/* NULL val fails, reported */
}

static json_t *json_history(const struct oracle *o, const struct inst *in)
{
	json_t *arr = json_array();
	char line[512];

	if (!arr)
		return NULL;
	for (uint32_t h = in->hhead; h != NONE; h = o->hist[h].next) {
		fmt_hist(line, sizeof(line), &o->hist[h]);
		if (json_array_append_new(arr, json_string(line))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

struct json_t *oracle_json(const struct oracle *o)
{
	const struct oracle_counts *c = &o->counts;
	json_t *root = json_object(), *by = json_object(), *cnt = json_object();
	json_t *list = json_array();
	int err = 0;

	if (!root || !by || !cnt || !list)
		goto fail;
	err |= jset(root, "violations", json_integer(o->total));
	err |= jset(root, "incomplete", json_boolean(o->oom));
	for (int k = 0; k < ORACLE_INV__COUNT; k++)
		err |= jset(by, inv_names[k], json_integer(o->by_kind[k]));
#define CNT(name) (err |= jset(cnt, #name, json_integer((json_int_t)c->name)))
	CNT(events);
	CNT(tokens);
	CNT(zero_tokens);
	CNT(token_wraps);
	CNT(completions);
	CNT(unmatched_completions);
	CNT(page_ready);
	CNT(unknown_page_ready);
	CNT(cancelled);
	CNT(flushed);
	CNT(wake_all_queued);
	CNT(parks);
	CNT(wakes);
	CNT(wake_alls);
	CNT(irq_acks);
	CNT(sdei_dispatches);
	CNT(max_outstanding_seen);
	CNT(parked_in_flight_at_end);
#undef CNT
	for (unsigned i = 0; i < o->nviol && !err; i++) {
		const struct vrec *vr = &o->viol[i];
		const struct oracle_violation *v = &vr->v;
		const struct inst *in = cref_get(o, vr->r[0]);
		json_t *jv = json_object();

		if (!jv || json_array_append_new(list, jv)) {
			err = 1;
			break;
		}
		err |= jset(jv, "invariant", json_string(inv_names[v->kind]));
		err |= jset(jv, "t_ps", json_integer((json_int_t)v->t));
		err |= jset(jv, "vcpu", v->vcpu == TRACE_NO_VCPU ? json_null() : json_integer(v->vcpu));
		err |= jset(jv, "token", v->token == ORACLE_NO_TOKEN ? json_null() :
			    json_integer((json_int_t)v->token));
		err |= jset(jv, "task", v->task == TRACE_NO_TASK ? json_null() : json_integer(v->task));
		err |= jset(jv, "message", json_string(v->msg));
		err |= jset(jv, "history", in ? json_history(o, in) : json_array());
	}
	err |= jset(root, "by_invariant", by);
	err |= jset(root, "counts", cnt);
	err |= jset(root, "list", list);
	if (err) {
		json_decref(root);
		return NULL;
	}
	return root;
fail:
	json_decref(root);
	json_decref(by);
	json_decref(cnt);
	json_decref(list);
	return NULL;
}
