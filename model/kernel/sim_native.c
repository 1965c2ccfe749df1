/* sim_native.c — the native event-kernel backend: an implicit d-ary
 * min-heap over an event pool, with lazy cancellation.
 *
 * Layout.  The pool holds one 32-byte slot per scheduled event (handler,
 * context, argument, generation), cache-line aligned.  The heap holds
 * 16-byte entries {time, tie, slot} ordered by (time, seq).  tie is
 * native_tie(seq), a 32-bit monotone (non-decreasing) image of seq, so
 * (time, tie) orders two entries exactly unless both are equal; only then
 * is seq read, from a side array kept for seq >= 2^31 only.  Ties
 * on time are frequent at large depth (many events per nanosecond), and
 * reading seq from the pool for them was a cache miss per comparison.  The
 * heap array is placed so that every family of four children (indices
 * 4i+1 .. 4i+4) fills exactly one 64-byte cache line.
 *
 * Lazy cancellation.  A cancelled event's entry stays in the heap as a
 * tombstone (its slot has fn == NULL and is not on the free list) and is
 * dropped when it reaches the root.  So the heap needs no position index:
 * the pos[slot] array the previous version kept cost one scattered store per
 * entry moved, the main cost at large depths.  Cancels are rare in the model
 * (a vCPU step re-planned early); when tombstones outnumber live entries the
 * heap is rebuilt without them, which bounds memory.
 *
 * Invariants.
 *   - Slot states: live (fn != NULL, exactly one heap entry), tombstone
 *     (fn == NULL, exactly one heap entry, not on the free list), free
 *     (fn == NULL, no heap entry, on the free list).  `tombs` counts the
 *     tombstones; pending = n - tombs (- the dead root).
 *   - A tombstone's slot is not reused before its entry leaves the heap, so
 *     its seq (the tie-break) never changes while it is there: the heap
 *     order stays a strict total order over the entries.
 *   - A slot's gen changes every time its event runs or is cancelled and is
 *     never 0, so a handle taken before that no longer matches (gen wraps
 *     after 2^32 reuses of one slot; such a stale handle would be accepted).
 *   - The root (heap[0]) is never a tombstone between operations: every
 *     operation that exposes a new root drops tombstones first.
 *   - Pool and heap grow together by doubling (realloc) and never shrink, so
 *     the heap never needs more room than the pool; nothing is allocated per
 *     event once the pool is large enough.
 *   - The free list is LIFO: a handler that reschedules itself reuses the
 *     slot it just freed, which is still in cache.
 */
#include <stdlib.h>
#include <string.h>

#include "model/kernel/sim.h"

#define NATIVE_MIN_CAPACITY 64u
#define NATIVE_NIL UINT32_MAX
#ifndef NATIVE_ARITY
#define NATIVE_ARITY 4u		/* see docs/event-kernel.md for the measurements */
#endif
/* Prefetch the next event's slot above this depth (below it, the pool is
 * in cache and the look-ahead costs more than it saves). */
#define NATIVE_PREFETCH_DEPTH 4096u
/* Rebuild the heap without tombstones once they are this many and more
 * than the live entries. */
#define NATIVE_COMPACT_MIN 1024u

struct native_ent {
	sim_time_t time;
	uint32_t tie;		/* native_tie(seq) */
	uint32_t slot;
};

/* Cache line size the heap's families are aligned to. */
#define NATIVE_LINE 64u
/* Entries before heap[0] in the allocation, so that &heap[1] is aligned. */
#define NATIVE_HEAP_PAD (NATIVE_LINE / sizeof(struct native_ent) - 1u)

/* A 32-bit monotone image of the 64-bit seq key: a <= b implies
 * tie(a) <= tie(b), so a differing tie decides the order exactly.  Plain
 * insertion sequence numbers (below 2^31) map to themselves; the perturbed
 * keys of `apfsim explore` (spread over all 64 bits) keep their top 31 bits.
 * Monotone at the seam: 2^31 - 1 maps to 2^31 - 1, 2^31 to 2^31. */
static inline uint32_t native_tie(uint64_t seq)
{
	if (seq < (UINT64_C(1) << 31))
		return (uint32_t)seq;
	return (uint32_t)((UINT64_C(1) << 31) + (seq >> 33));
}

/* 32 bytes, and the pool is NATIVE_LINE-aligned: a slot never straddles
 * two cache lines, so dispatching an event costs one line of the pool.  seq
 * is not here: it is needed only to order two entries with equal (time,
 * tie), and those have tie >= 2^31 (below 2^31, tie is seq itself, which is
 * unique), so it is kept apart in q->seq, written only for seq >= 2^31. */
struct native_slot {
	sim_handler_fn fn;	/* NULL when the slot is free or a tombstone */
	void *ctx;
	uint64_t arg;
	uint32_t gen;
	uint32_t next_free;	/* free-list link while the slot is free */
};

_Static_assert(sizeof(struct native_slot) == 32, "a slot is half a cache line");

struct native {
	struct native_ent *heap;	/* heap_mem + NATIVE_HEAP_PAD */
	struct native_ent *heap_mem;	/* NATIVE_LINE-aligned allocation */
	struct native_slot *pool;	/* NATIVE_LINE-aligned */
	uint64_t *seq;		/* seq of slot i, written only when >= 2^31 */
	uint32_t n;		/* entries in the heap, tombstones included */
	uint32_t tombs;		/* cancelled entries still in the heap */
	uint32_t used;		/* pool slots ever handed out (prefix of pool) */
	uint32_t cap;		/* capacity of both heap and pool */
	uint32_t free_head;	/* NATIVE_NIL when no freed slot is waiting */
	bool dead_root;		/* heap[0] was dispatched but not yet removed */
};

#define native_unlikely(x) __builtin_expect(!!(x), 0)

/* (time, seq) order.  seq is unique, so this is a strict total order.  Equal
 * (time, tie) pairs are rare and have seq >= 2^31 (native_slot), so seq is
 * fetched from q->seq only then. */
static inline bool native_less(const struct native *q, struct native_ent a,
			       struct native_ent b)
{
	if (native_unlikely(a.time == b.time)) {
		if (native_unlikely(a.tie == b.tie))
			return q->seq[a.slot] < q->seq[b.slot];
		return a.tie < b.tie;
	}
	return a.time < b.time;
}

/* Move e up from hole i until its parent is not greater. */
static void native_sift_up(struct native *q, uint32_t i, struct native_ent e)
{
	struct native_ent *h = q->heap;

	while (i > 0) {
		uint32_t p = (i - 1) / NATIVE_ARITY;

		if (!native_less(q, e, h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = e;
}

/* Index of the smallest of the children c .. end-1 (end > c).  A full set
 * of children is compared as a tournament whose winners are selected
 * without branches (which child is smallest is a coin toss; a mispredicted
 * branch per level was most of the cost of a pop).  Equal times need the seq
 * tie-break and take the exact path, as does a partial last family. */
static inline uint32_t native_min_child(const struct native *q, uint32_t c, uint32_t end)
{
	const struct native_ent *h = q->heap;

	if (native_unlikely(end - c != NATIVE_ARITY)) {
		uint32_t m = c;

		for (uint32_t k = c + 1; k < end; k++)
			if (native_less(q, h[k], h[m]))
				m = k;
		return m;
	}
#if NATIVE_ARITY == 4
	{
		sim_time_t t0 = h[c].time, t1 = h[c + 1].time;
		sim_time_t t2 = h[c + 2].time, t3 = h[c + 3].time;

		if (native_unlikely(t0 == t1 || t2 == t3)) {
			uint32_t m = c;

			for (uint32_t k = c + 1; k < end; k++)
				if (native_less(q, h[k], h[m]))
					m = k;
			return m;
		}
		uint32_t a = c + (uint32_t)(t1 < t0);
		uint32_t b = c + 2 + (uint32_t)(t3 < t2);
		sim_time_t ta = t1 < t0 ? t1 : t0;
		sim_time_t tb = t3 < t2 ? t3 : t2;

		if (native_unlikely(ta == tb))
			return native_less(q, h[b], h[a]) ? b : a;
		return tb < ta ? b : a;
	}
#else
	return native_less(q, h[c + 1], h[c]) ? c + 1 : c;
#endif
}

/* Move e down from hole i until no child is smaller. */
static void native_sift_down(struct native *q, uint32_t i, struct native_ent e)
{
	struct native_ent *h = q->heap;
	const uint32_t n = q->n;

	for (;;) {
		uint32_t c = i * NATIVE_ARITY + 1;
		uint32_t m;

		if (c >= n)
			break;
		/* Deep heaps: the next level's families are cache misses;
		 * fetch all four (one line each) while this one is compared. */
		if (n > NATIVE_PREFETCH_DEPTH && c * NATIVE_ARITY + 1 < n)
			for (uint32_t k = 0; k < NATIVE_ARITY; k++)
				__builtin_prefetch(&h[(c + k) * NATIVE_ARITY + 1]);
		m = native_min_child(q, c, c + NATIVE_ARITY < n ? c + NATIVE_ARITY : n);
		if (!native_less(q, h[m], e))
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = e;
}

/* Put e in place of the root (n >= 1).  Floyd's bottom-up variant: the
 * hole walks down to a leaf along the smallest children without comparing
 * against e, which then sifts up from there.  e is usually among the
 * largest (the last entry on a pop; an event scheduled ahead of the others
 * on a re-arm), so it rarely climbs far: one comparison per level saved, and
 * the unpredictable "stop here?" branch with it. */
static void native_replace_root(struct native *q, struct native_ent e)
{
	struct native_ent *h = q->heap;
	const uint32_t n = q->n;
	uint32_t i = 0;

	for (;;) {
		uint32_t c = i * NATIVE_ARITY + 1;
		uint32_t m;

		if (c >= n)
			break;
		m = native_min_child(q, c, c + NATIVE_ARITY < n ? c + NATIVE_ARITY : n);
		h[i] = h[m];
		i = m;
	}
	native_sift_up(q, i, e);
}

/* Remove the root entry (live, dead or tombstone). */
static void native_pop_root(struct native *q)
{
	struct native_ent last = q->heap[--q->n];

	if (q->n == 0)
		return;
	native_replace_root(q, last);
}

static void native_free_slot(struct native *q, uint32_t slot)
{
	struct native_slot *sl = &q->pool[slot];

	sl->fn = NULL;
	sl->next_free = q->free_head;
	q->free_head = slot;
}

/* The slot's event ran or was cancelled: every handle on it goes stale. */
static inline void native_retire(struct native_slot *sl)
{
	sl->fn = NULL;
	if (++sl->gen == 0)
		sl->gen = 1;
}

/* Drop tombstones from the root until it is live or the heap is empty. */
static void native_drop_tombs_slow(struct native *q)
{
	while (q->tombs > 0 && q->n > 0 && q->pool[q->heap[0].slot].fn == NULL) {
		uint32_t slot = q->heap[0].slot;

		native_pop_root(q);
		native_free_slot(q, slot);
		q->tombs--;
	}
}

/* Most calls find no tombstone at all: test that inline, without the call
 * (its prologue was 1.3 % of an explore run). */
static inline void native_drop_tombs(struct native *q)
{
	if (native_unlikely(q->tombs > 0))
		native_drop_tombs_slow(q);
}

/* Remove every tombstone and rebuild the heap bottom-up (O(n)).  The order
 * is a strict total order, so the dispatch sequence does not depend on the
 * heap's shape. */
static void native_compact(struct native *q)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < q->n; i++) {
		uint32_t slot = q->heap[i].slot;

		if (q->pool[slot].fn == NULL)
			native_free_slot(q, slot);
		else
			q->heap[k++] = q->heap[i];
	}
	q->n = k;
	q->tombs = 0;
	if (k > 1)
		for (uint32_t i = (k - 2) / NATIVE_ARITY + 1; i-- > 0;)
			native_sift_down(q, i, q->heap[i]);
}

/* Room for a heap of cap entries whose families are cache-line aligned. */
static struct native_ent *native_heap_alloc(size_t cap)
{
	/* cap is a power of two >= NATIVE_MIN_CAPACITY, so the size is a
	 * multiple of the alignment, as aligned_alloc requires. */
	return aligned_alloc(NATIVE_LINE, (cap + NATIVE_HEAP_PAD + 1) * sizeof(struct native_ent));
}

/* Room for a pool of cap slots, each within one cache line. */
static struct native_slot *native_pool_alloc(size_t cap)
{
	/* cap * 32 is a multiple of 64 (cap is a power of two >= 64). */
	return aligned_alloc(NATIVE_LINE, cap * sizeof(struct native_slot));
}

/* Double the capacity of heap and pool.  Each array is committed as soon as
 * it is reallocated, so a failure part-way leaves both at least `cap` long
 * and the queue intact. */
static int native_grow(struct native *q)
{
	uint32_t cap;
	void *p;

	if (q->cap > UINT32_MAX / 2)
		return -1;
	cap = q->cap * 2;
	p = native_heap_alloc(cap);
	if (!p)
		return -1;
	memcpy((struct native_ent *)p + NATIVE_HEAP_PAD, q->heap, (size_t)q->n * sizeof(*q->heap));
	free(q->heap_mem);
	q->heap_mem = p;
	q->heap = q->heap_mem + NATIVE_HEAP_PAD;
	p = native_pool_alloc(cap);
	if (!p)
		return -1;
	memcpy(p, q->pool, (size_t)q->used * sizeof(*q->pool));
	free(q->pool);
	q->pool = p;
	p = realloc(q->seq, (size_t)cap * sizeof(*q->seq));
	if (!p)
		return -1;
	q->seq = p;
	q->cap = cap;
	return 0;
}

/* A slot off the free list, or a fresh one; NATIVE_NIL when out of memory. */
static uint32_t native_alloc_slot(struct native *q)
{
	uint32_t slot = q->free_head;

	if (slot != NATIVE_NIL) {
		q->free_head = q->pool[slot].next_free;
		return slot;
	}
	if (q->used == q->cap && native_grow(q) != 0)
		return NATIVE_NIL;
	slot = q->used++;
	q->pool[slot].gen = 1;
	return slot;
}

static void *native_create(size_t initial_capacity)
{
	struct native *q = calloc(1, sizeof(*q));
	size_t cap = NATIVE_MIN_CAPACITY;

	if (!q)
		return NULL;
	while (cap < initial_capacity && cap <= UINT32_MAX / 4)
		cap *= 2;
	q->cap = (uint32_t)cap;
	q->free_head = NATIVE_NIL;
	q->heap_mem = native_heap_alloc(cap);
	q->pool = native_pool_alloc(cap);
	q->seq = malloc(cap * sizeof(*q->seq));
	if (!q->heap_mem || !q->pool || !q->seq) {
		free(q->heap_mem);
		free(q->pool);
		free(q->seq);
		free(q);
		return NULL;
	}
	q->heap = q->heap_mem + NATIVE_HEAP_PAD;
	return q;
}

static void native_destroy(void *impl)
{
	struct native *q = impl;

	if (!q)
		return;
	free(q->heap_mem);
	free(q->pool);
	free(q->seq);
	free(q);
}

static sim_event_id native_schedule(void *impl, sim_time_t when, uint64_t seq,
				    sim_handler_fn fn, void *ctx, uint64_t arg)
{
	struct native *q = impl;
	sim_event_id id = { 0, 0 };
	struct native_slot *sl;
	uint32_t slot;

	if (!fn)
		return id;
	slot = native_alloc_slot(q);
	if (slot == NATIVE_NIL)
		return id;
	sl = &q->pool[slot];
	sl->fn = fn;
	sl->ctx = ctx;
	sl->arg = arg;
	if (native_unlikely(seq >= (UINT64_C(1) << 31)))
		q->seq[slot] = seq;
	if (q->dead_root) {
		/* Fill the dispatched root's place: one sift instead of a
		 * removal plus an insertion. */
		q->dead_root = false;
		native_sift_down(q, 0, (struct native_ent){ .time = when, .tie = native_tie(seq), .slot = slot });
		native_drop_tombs(q);
	} else {
		q->n++;
		native_sift_up(q, q->n - 1, (struct native_ent){ .time = when, .tie = native_tie(seq), .slot = slot });
	}
	id.slot = slot;
	id.gen = sl->gen;
	return id;
}

static bool native_live(const struct native *q, sim_event_id id)
{
	return id.gen != 0 && id.slot < q->used && q->pool[id.slot].gen == id.gen &&
	       q->pool[id.slot].fn != NULL;
}

/* Remove a dispatched root that no schedule() replaced, then any
 * tombstones that surface. */
static inline void native_settle(struct native *q)
{
	if (q->dead_root) {
		q->dead_root = false;
		native_pop_root(q);
		native_drop_tombs(q);
	}
}

static bool native_cancel(void *impl, sim_event_id id)
{
	struct native *q = impl;

	if (!native_live(q, id))
		return false;
	native_settle(q);
	native_retire(&q->pool[id.slot]);
	q->tombs++;
	native_drop_tombs(q);
	if (q->tombs >= NATIVE_COMPACT_MIN && q->tombs > q->n - q->tombs)
		native_compact(q);
	return true;
}

static bool native_is_pending(void *impl, sim_event_id id)
{
	return native_live(impl, id);
}

static bool native_next_time(void *impl, sim_time_t *when)
{
	struct native *q = impl;

	native_settle(q);
	if (q->n == 0)
		return false;
	*when = q->heap[0].time;
	return true;
}

static size_t native_pending(void *impl)
{
	const struct native *q = impl;

	return q->n - q->tombs - (q->dead_root ? 1 : 0);
}

/* Pop in (time, seq) order.  The slot is freed before its handler runs, so
 * the handler sees its own event as no longer pending and may reuse the slot
 * for what it schedules next.  The root entry itself stays in the heap,
 * marked dead, while the handler runs: the first event the handler schedules
 * takes its place (most handlers re-arm themselves), and whatever is left is
 * removed when the handler returns.  Every other operation settles the dead
 * root first, so none of them ever sees it. */
static void native_run(struct sim *s, sim_time_t limit)
{
	struct native *q = s->impl;

	native_settle(q);
	while (!s->stop && !sim_interrupted && q->n > 0) {
		struct native_ent top = q->heap[0];
		struct native_slot *sl;
		sim_handler_fn fn;
		void *ctx;
		uint64_t arg;

		if (top.time > limit)
			break;
		if (s->max_events && s->events_run >= s->max_events) {
			s->budget_hit = true;
			break;
		}
		sl = &q->pool[top.slot];
		fn = sl->fn;
		ctx = sl->ctx;
		arg = sl->arg;
		native_retire(sl);
		native_free_slot(q, top.slot);
		q->dead_root = true;
		/* Deep queues: the next event is most likely the root's
		 * smallest child, and its slot a cache miss (the main cost of
		 * a dispatch there): fetch it while the handler runs. */
		if (q->n > NATIVE_PREFETCH_DEPTH) {
			uint32_t end = NATIVE_ARITY + 1;

			__builtin_prefetch(&q->pool[q->heap[native_min_child(q, 1, end)].slot]);
		}
		s->now = top.time;
		s->events_run++;
		fn(ctx, arg);
		native_settle(q);
	}
}

const struct sim_backend_ops sim_backend_native = {
	.name = "native",
	.create = native_create,
	.destroy = native_destroy,
	.schedule = native_schedule,
	.cancel = native_cancel,
	.is_pending = native_is_pending,
	.next_time = native_next_time,
	.pending = native_pending,
	.run = native_run,
};
