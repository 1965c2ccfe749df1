/* apf_core.c — the generic async page fault core, docs/reference.md §1 and §5.
 *
 * Lists are index-linked inside a fixed per-vCPU pool (no allocation after
 * apf_vcpu_init), so iteration order depends only on the order of calls,
 * never on addresses.  `queue` is doubly linked because retirement unlinks
 * from its middle; `done` and the free list are singly linked FIFOs that
 * share the d_next link (an entry is never on both).
 */
#include "model/apf/core.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define APF_NIL ((int16_t)-1)

static struct apf_work *apf_at(const struct apf_vcpu *v, int16_t idx)
{
	return idx == APF_NIL ? NULL : (struct apf_work *)&v->pool[idx];
}

/* ---- pool ------------------------------------------------------------ */

static struct apf_work *apf_work_alloc(struct apf_vcpu *v)
{
	struct apf_work *w = apf_at(v, v->free_head);
	int16_t index;

	if (!w)
		return NULL;
	v->free_head = w->d_next;
	/* zeroed like kmem_cache_zalloc; the index survives */
	index = w->index;
	memset(w, 0, sizeof(*w));
	w->index = index;
	w->q_prev = w->q_next = w->d_next = APF_NIL;
	return w;
}

/* Return w to the free list.  Freed entries read as RETIRED, so a stale
 * pointer held by a host model is recognisable until the entry is reused. */
static void apf_work_free(struct apf_vcpu *v, struct apf_work *w)
{
	w->state = APF_WORK_RETIRED;
	w->q_prev = w->q_next = APF_NIL;
	w->d_next = v->free_head;
	v->free_head = w->index;
}

/* ---- queue and done lists ---------------------------------------------- */

static void apf_queue_append(struct apf_vcpu *v, struct apf_work *w)
{
	w->q_prev = v->q_tail;
	w->q_next = APF_NIL;
	if (v->q_tail == APF_NIL)
		v->q_head = w->index;
	else
		v->pool[v->q_tail].q_next = w->index;
	v->q_tail = w->index;
	v->nr_queue++;
}

static void apf_queue_unlink(struct apf_vcpu *v, struct apf_work *w)
{
	if (w->q_prev == APF_NIL)
		v->q_head = w->q_next;
	else
		v->pool[w->q_prev].q_next = w->q_next;
	if (w->q_next == APF_NIL)
		v->q_tail = w->q_prev;
	else
		v->pool[w->q_next].q_prev = w->q_prev;
	w->q_prev = w->q_next = APF_NIL;
	v->nr_queue--;
}

/* Append to done; returns whether done was empty before ("first"). */
static bool apf_done_append(struct apf_vcpu *v, struct apf_work *w)
{
	bool first = v->d_head == APF_NIL;

	w->d_next = APF_NIL;
	if (first)
		v->d_head = w->index;
	else
		v->pool[v->d_tail].d_next = w->index;
	v->d_tail = w->index;
	v->nr_done++;
	w->state = APF_WORK_DONE;
	return first;
}

static struct apf_work *apf_done_pop(struct apf_vcpu *v)
{
	struct apf_work *w = apf_at(v, v->d_head);

	if (!w)
		return NULL;
	v->d_head = w->d_next;
	if (v->d_head == APF_NIL)
		v->d_tail = APF_NIL;
	w->d_next = APF_NIL;
	v->nr_done--;
	return w;
}

static void apf_note_queued(struct apf_vcpu *v)
{
	if (v->queued > v->stats.max_queued)
		v->stats.max_queued = v->queued;
}

/* ---- public API ------------------------------------------------------- */

int apf_vcpu_init(struct apf_vcpu *v, uint32_t vcpu_id,
		  const struct apf_arch_ops *ops, void *ctx)
{
	if (!ops || !ops->not_present || !ops->schedule_work ||
	    !ops->present_queued || !ops->can_dequeue || !ops->page_present)
		return -EINVAL;

	memset(v, 0, sizeof(*v));
	v->vcpu_id = vcpu_id;
	v->ops = ops;
	v->ctx = ctx;
	apf_slots_reset(&v->slots);
	v->q_head = v->q_tail = APF_NIL;
	v->d_head = v->d_tail = APF_NIL;
	/* free list in index order, so allocation order is reproducible */
	for (unsigned int i = 0; i < APF_WORK_POOL; i++) {
		struct apf_work *w = &v->pool[i];

		w->index = (int16_t)i;
		w->state = APF_WORK_RETIRED;
		w->q_prev = w->q_next = APF_NIL;
		w->d_next = i + 1 < APF_WORK_POOL ? (int16_t)(i + 1) : APF_NIL;
	}
	v->free_head = 0;
	return 0;
}

bool apf_setup(struct apf_vcpu *v, uint32_t token, uint64_t gfn,
	       uint64_t cr2_or_gpa, uint64_t arch, uint64_t now,
	       struct apf_work **out)
{
	struct apf_work *w;

	assert(!v->in_hook);
	if (out)
		*out = NULL;

	/* At the limit the caller faults the page in synchronously (§1.2). */
	if (v->queued >= APF_ASYNC_PF_PER_VCPU) {
		v->last_refusal = APF_REFUSED_LIMIT;
		v->stats.refused_limit++;
		return false;
	}
	w = apf_work_alloc(v);
	if (!w) {
		v->last_refusal = APF_REFUSED_NOWORK;
		v->stats.refused_nowork++;
		return false;
	}

	w->token = token;
	w->gfn = gfn;
	w->cr2_or_gpa = cr2_or_gpa;
	w->arch = arch;
	w->setup_time = now;
	w->wakeup_all = false;
	w->state = APF_WORK_QUEUED;
	apf_queue_append(v, w);
	v->queued++;
	apf_note_queued(v);
	v->last_refusal = APF_REFUSED_NONE;
	v->stats.setups++;
	if (out)
		*out = w;

	/*
	 * Not-present bookkeeping (slot insert, shared buffer write) must be
	 * complete before the worker can possibly finish, hence before
	 * schedule_work (the post-5.10 order).
	 */
	v->in_hook = true;
	w->notpresent_injected = v->ops->not_present(v->ctx, v, w);
	v->in_hook = false;
	v->stats.notpresent_injected += w->notpresent_injected;

	w->state = APF_WORK_IN_WORKER;
	v->in_hook = true;
	v->ops->schedule_work(v->ctx, v, w);
	v->in_hook = false;
	return true;
}

bool apf_work_completed(struct apf_vcpu *v, struct apf_work *w)
{
	bool first, saved = v->in_hook;

	if (w->state == APF_WORK_CANCELLED) {
		/* The vCPU flushed this work; the I/O result has no reader. */
		v->nr_cancelled--;
		v->stats.completions_ignored++;
		apf_work_free(v, w);
		return false;
	}
	if (w->state != APF_WORK_IN_WORKER)
		return false;

	/* Only the first completion on an empty done notifies; later ones
	 * are found by the retirement loop. */
	first = apf_done_append(v, w);
	v->stats.completions++;
	v->in_hook = true;
	if (first) {
		v->stats.present_queued++;
		v->ops->present_queued(v->ctx, v);
	}
	if (v->ops->trace_completed)
		v->ops->trace_completed(v->ctx, v, w);
	if (v->ops->wake_vcpu)
		v->ops->wake_vcpu(v->ctx, v);
	v->in_hook = saved;
	return true;
}

unsigned int apf_check_completion(struct apf_vcpu *v)
{
	unsigned int retired = 0;

	assert(!v->in_hook);
	for (;;) {
		struct apf_work *w;
		bool ok;

		/* can_dequeue is consulted only while something is on done */
		if (!apf_done_pending(v))
			break;
		v->in_hook = true;
		ok = v->ops->can_dequeue(v->ctx, v);
		v->in_hook = false;
		if (!ok)
			break;

		w = apf_done_pop(v);
		v->in_hook = true;
		if (!w->wakeup_all && v->ops->page_ready)
			v->ops->page_ready(v->ctx, v, w);
		v->ops->page_present(v->ctx, v, w);
		v->in_hook = false;

		/* a wake-all item was never on queue */
		if (!w->wakeup_all)
			apf_queue_unlink(v, w);
		v->queued--;
		apf_work_free(v, w);
		v->stats.retired++;
		retired++;
	}
	return retired;
}

int apf_wakeup_all(struct apf_vcpu *v)
{
	struct apf_work *w;

	assert(!v->in_hook);
	if (apf_done_pending(v)) {
		v->stats.wakeall_skipped++;
		return 0;
	}
	w = apf_work_alloc(v);
	if (!w)
		return -ENOMEM;
	w->wakeup_all = true;
	apf_done_append(v, w);	/* first: done was empty */
	v->stats.wakeall_queued++;
	v->stats.present_queued++;
	v->in_hook = true;
	v->ops->present_queued(v->ctx, v);
	v->in_hook = false;
	v->queued++;
	apf_note_queued(v);
	return 0;
}

uint32_t apf_flush(struct apf_vcpu *v)
{
	uint32_t dropped = apf_queue_len(v) + apf_done_len(v);
	struct apf_work *w;

	assert(!v->in_hook);
	v->stats.flushes++;

	while ((w = apf_queue_first(v)) != NULL) {
		bool withdrawn;

		apf_queue_unlink(v, w);
		if (w->state == APF_WORK_DONE)
			continue;	/* freed with done below */
		v->stats.flushed++;
		v->in_hook = true;
		withdrawn = v->ops->cancel_work &&
			    v->ops->cancel_work(v->ctx, v, w);
		v->in_hook = false;
		if (withdrawn) {
			apf_work_free(v, w);
		} else {
			/* The I/O cannot be retracted: keep the struct until
			 * apf_work_completed() reports it, then drop it. */
			w->state = APF_WORK_CANCELLED;
			v->nr_cancelled++;
		}
	}
	while ((w = apf_done_pop(v)) != NULL) {
		v->stats.flushed++;
		apf_work_free(v, w);
	}
	v->queued = 0;
	return dropped;
}

struct apf_work *apf_done_head(const struct apf_vcpu *v)
{
	return apf_at(v, v->d_head);
}

struct apf_work *apf_done_first(const struct apf_vcpu *v)
{
	return apf_at(v, v->d_head);
}

struct apf_work *apf_done_next(const struct apf_vcpu *v,
			       const struct apf_work *w)
{
	return apf_at(v, w->d_next);
}

struct apf_work *apf_queue_first(const struct apf_vcpu *v)
{
	return apf_at(v, v->q_head);
}

struct apf_work *apf_queue_next(const struct apf_vcpu *v,
				const struct apf_work *w)
{
	return apf_at(v, w->q_next);
}

struct apf_work *apf_find_by_token(const struct apf_vcpu *v, uint32_t token)
{
	struct apf_work *w;

	for (w = apf_queue_first(v); w; w = apf_queue_next(v, w))
		if (w->token == token)
			return w;
	return NULL;
}

const char *apf_check_invariants(const struct apf_vcpu *v)
{
	unsigned int nq = 0, nd = 0, wakeall = 0, on_done_real = 0;
	const struct apf_work *w;

	for (w = apf_queue_first(v); w; w = apf_queue_next(v, w)) {
		if (++nq > APF_ASYNC_PF_PER_VCPU)
			return "more than ASYNC_PF_PER_VCPU works on queue";
		if (w->wakeup_all)
			return "wake-all item on queue";
		if (w->state != APF_WORK_IN_WORKER && w->state != APF_WORK_DONE &&
		    !(w->state == APF_WORK_QUEUED && v->in_hook))
			return "work on queue in a state other than in-worker/done";
	}
	for (w = apf_done_first(v); w; w = apf_done_next(v, w)) {
		if (++nd > APF_WORK_POOL)
			return "done list is cyclic";
		if (w->state != APF_WORK_DONE)
			return "work on done not in state done";
		if (w->wakeup_all) {
			wakeall++;
			continue;
		}
		on_done_real++;
	}
	if (nq != v->nr_queue || nd != v->nr_done)
		return "list length counters out of sync";
	if (wakeall > 1)
		return "more than one wake-all item on done";
	if (v->queued != nq + wakeall)
		return "queued != |queue| + wake-all items on done";
	nq = 0;
	for (w = apf_queue_first(v); w; w = apf_queue_next(v, w))
		nq += w->state == APF_WORK_DONE;
	/* every real work on done is DONE, and every DONE work on queue is
	 * on done: equal counts mean equal sets */
	if (nq != on_done_real)
		return "work on done is not on queue (or vice versa)";
	nq = 0;
	for (unsigned int i = 0; i < APF_WORK_POOL; i++)
		nq += v->pool[i].state == APF_WORK_CANCELLED;
	if (nq != v->nr_cancelled)
		return "cancelled-work counter out of sync";
	return NULL;
}

const char *apf_work_state_name(enum apf_work_state s)
{
	switch (s) {
	case APF_WORK_RETIRED:
		return "retired";
	case APF_WORK_QUEUED:
		return "queued";
	case APF_WORK_IN_WORKER:
		return "in-worker";
	case APF_WORK_DONE:
		return "done";
	case APF_WORK_CANCELLED:
		return "cancelled";
	}
	return "?";
}

const char *apf_refusal_name(enum apf_refusal r)
{
	switch (r) {
	case APF_REFUSED_NONE:
		return "none";
	case APF_REFUSED_LIMIT:
		return "limit reached (ASYNC_PF_PER_VCPU)";
	case APF_REFUSED_NOWORK:
		return "work pool exhausted";
	}
	return "?";
}

/* ---- tracepoint text (§5) --------------------------------------------- */

/* C's "%#" PRIx64 is the kernel's %#llx: "0" for zero, else "0x..." */

int apf_trace_fmt_try_async_get_page(char *buf, size_t n, uint64_t gva,
				     uint64_t gfn)
{
	return snprintf(buf, n, "gva = %#" PRIx64 ", gfn = %#" PRIx64, gva, gfn);
}

int apf_trace_fmt_repeated_fault(char *buf, size_t n, uint64_t gva,
				 uint64_t gfn)
{
	return apf_trace_fmt_try_async_get_page(buf, n, gva, gfn);
}

int apf_trace_fmt_not_present(char *buf, size_t n, uint64_t token,
			      uint64_t gva)
{
	return snprintf(buf, n, "token %#" PRIx64 " gva %#" PRIx64, token, gva);
}

int apf_trace_fmt_ready(char *buf, size_t n, uint64_t token, uint64_t gva)
{
	return apf_trace_fmt_not_present(buf, n, token, gva);
}

int apf_trace_fmt_completed(char *buf, size_t n, uint64_t address,
			    uint64_t gva)
{
	return snprintf(buf, n, "gva %#" PRIx64 " address %#" PRIx64, gva, address);
}
