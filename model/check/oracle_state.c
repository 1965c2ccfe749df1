/* oracle_state.c — token instances and their history records (pooled, with
 * free lists), the per-vCPU token map, lookups, closing and recycling
 * (oracle_internal.h). */
#include "model/check/oracle.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/kernel/grow.h"

#include "model/check/oracle_internal.h"

/* ---- instances and history -------------------------------------------- */

static struct ref ref_of(struct oracle *o, uint32_t idx)
{
	struct ref r = { idx, idx == NONE ? 0 : o->inst[idx].gen };
	return r;
}

const struct ref orc_no_ref = { NONE, 0 };

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
void orc_hist_add(struct oracle *o, struct ref r, const struct trace_event *e)
{
	struct inst *in = orc_ref_get(o, r);
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
	in = orc_ref_get(o, r);
	o->hist[h] = (struct hist){ e->t, e->a, e->b, e->c, e->task, (uint32_t)e->kind, NONE };
	if (in->htail == NONE)
		in->hhead = h;
	else
		o->hist[in->htail].next = h;
	in->htail = h;
	in->hn++;
}

/* ---- per-vCPU token map (open addressing, linear probing; lookups only,
 * never iterated, so its layout never reaches an output) ------------------ */

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

/* Remove e, shifting back the entries of its probe run that would no
 * longer be found (no tombstones: the map stays as small as its entries). */
static void map_del(struct ovcpu *v, struct tokmap_ent *e)
{
	uint32_t mask = v->mapcap - 1, i = (uint32_t)(e - v->map), j = i;

	for (;;) {
		uint32_t k;

		j = (j + 1) & mask;
		if (!v->map[j].used)
			break;
		k = map_hash(v->map[j].token, v->mapcap);
		/* j stays when its home k lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		v->map[i] = v->map[j];
		i = j;
	}
	v->map[i].used = false;
	v->mapn--;
}

/* ---- lookups ------------------------------------------------------------ */

struct ovcpu *orc_vcpu_get(struct oracle *o, uint32_t id)
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
			o->v[i].np = o->v[i].pr = orc_no_ref;
		o->nv = n;
	}
	return &o->v[id];
}

struct otask *orc_task_get(struct oracle *o, uint32_t id)
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
struct ref orc_find_live(struct oracle *o, struct ovcpu *v, uint64_t token)
{
	for (uint32_t i = v->nlive; i-- > 0;) {
		struct inst *in = orc_ref_get(o, v->live[i]);

		if (in && in->token == token)
			return v->live[i];
	}
	return orc_no_ref;
}

/* Live instance of token, else the most recent closed one still kept. */
struct ref orc_find_known(struct oracle *o, struct ovcpu *v, uint64_t token)
{
	struct ref r = orc_find_live(o, v, token);
	struct tokmap_ent *ent;

	if (r.idx != NONE)
		return r;
	ent = map_find(v, token);
	if (ent && orc_ref_get(o, ent->r))
		return ent->r;
	return orc_no_ref;
}

/* New instance of token on vcpu, appended to the live list. */
struct ref orc_inst_new(struct oracle *o, uint32_t vcpu, uint64_t token, sim_time_t t)
{
	struct ovcpu *v = &o->v[vcpu];
	struct ref r;
	uint32_t idx;

	/* A token set up again after its retirement: the arm64 u16 sequence
	 * wrapped, or an x86 id cycle (§2.5, §3.3). */
	if (orc_seen_add(&v->seen, token, &o->oom) && orc_find_live(o, v, token).idx == NONE)
		o->counts.token_wraps++;
	if (!grow_zeroed((void **)&v->live, &v->caplive, v->nlive + 1, sizeof(*v->live))) {
		o->oom = true;
		return orc_no_ref;
	}
	idx = inst_alloc(o, vcpu, token);
	if (idx == NONE)
		return orc_no_ref;
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
struct ref orc_inst_for_write(struct oracle *o, uint32_t vcpu, uint64_t token, sim_time_t t)
{
	struct ref r = orc_find_live(o, &o->v[vcpu], token);

	return r.idx != NONE ? r : orc_inst_new(o, vcpu, token, t);
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
		map_del(&o->v[in->vcpu], ent);
	inst_free(o, idx);
}

/* A closed instance with no parked task joins its vCPU's FIFO of kept
 * instances; the oldest one beyond cfg.history_keep is recycled. */
void orc_maybe_grave(struct oracle *o, struct ref r)
{
	struct inst *in = orc_ref_get(o, r);
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
	in = orc_ref_get(o, r);
	in->in_grave = true;
	v->grave[(v->ghead + v->gn) % keep] = r.idx;
	v->gn++;
}

void orc_live_remove(struct oracle *o, struct ovcpu *v, struct ref r)
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
