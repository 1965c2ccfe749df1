/* sdei_dispatch.c — host side of the virtual SDEI dispatcher: injection,
 * cancellation, the delivery decision, handler entry and completion.
 * Rules from docs/reference.md §2.7(e)/(i) and §4.3 (KVM SDEI-virt v4) and
 * DEN 0054 §6 (event handling, priorities, preemption).
 *
 * Per vCPU and event, `count` is KVM's refcount: instances injected and
 * not yet completed, the running one included.  Delivery does not change
 * it; COMPLETE decrements it; cancel decrements it only if an instance
 * that is not running remains.
 */
#include <errno.h>
#include <stddef.h>

#include "sdei/sdei_internal.h"

static bool sdei_idx_critical(const struct sdei *s, unsigned idx)
{
	return s->events[idx].info.priority == SDEI_EVENT_PRIORITY_CRITICAL;
}

bool sdei_idx_running(const struct sdei_vcpu_state *v, const struct sdei *s, unsigned idx)
{
	for (unsigned d = 0; d < v->depth; d++)
		if (v->ctx[d].event == s->events[idx].info.num)
			return true;
	return false;
}

/* Instances of idx that are queued and not running. */
static uint32_t sdei_idx_queued(const struct sdei_vcpu_state *v, const struct sdei *s,
				unsigned idx)
{
	uint32_t c = v->ev[idx].count;

	if (c && sdei_idx_running(v, s, idx))
		c--;
	return c;
}

/* The delivery decision (§4.3, DEN 0054 §6.2): nothing while the PE is
 * masked or a critical handler runs; a running normal handler can only
 * be preempted by a critical event; among candidates critical first, then
 * the earliest queued.  Only registered, enabled events are dispatched;
 * instances of disabled events stay queued. */
static int sdei_pick(const struct sdei *s, unsigned vcpu)
{
	const struct sdei_vcpu_state *v = &s->vcpu[vcpu];
	bool need_critical = false;
	int best = -1;

	if (v->masked)
		return -1;
	if (v->depth) {
		int top = sdei_event_index(s, v->ctx[v->depth - 1].event);

		if (top < 0 || sdei_idx_critical(s, (unsigned)top) || v->depth == SDEI_MAX_DEPTH)
			return -1;
		need_critical = true;
	}
	for (unsigned i = 0; i < s->nevents; i++) {
		const struct sdei_event_state *e = &v->ev[i];
		bool crit;

		/* No instance at all: the common case, decided on one field. */
		if (!e->count || !e->registered || !e->enabled || e->unregister_pending)
			continue;
		crit = sdei_idx_critical(s, i);
		if (!sdei_idx_queued(v, s, i) || (need_critical && !crit))
			continue;
		if (best < 0) {
			best = (int)i;
			continue;
		}
		if (crit != sdei_idx_critical(s, (unsigned)best)) {
			if (crit)
				best = (int)i;
		} else if (e->seq < v->ev[best].seq) {
			best = (int)i;
		}
	}
	return best;
}

void sdei_kick(struct sdei *s, unsigned vcpu)
{
	if (s->request && sdei_pick(s, vcpu) >= 0)
		s->request(s->request_ctx, vcpu);
}

int sdei_inject(struct sdei *s, unsigned vcpu, uint64_t event, bool immediate)
{
	struct sdei_vcpu_state *v;
	struct sdei_event_state *e;
	int idx;

	if (vcpu >= s->nvcpus)
		return -EINVAL;
	idx = sdei_event_index(s, event);
	if (idx < 0)
		return -EINVAL;
	v = &s->vcpu[vcpu];
	e = &v->ev[idx];
	if (!e->registered || !e->enabled || e->unregister_pending || v->masked)
		return -EPERM;
	if (immediate) {
		/* A critical event needs no critical one queued; a normal
		 * event needs nothing queued at all. */
		bool crit = sdei_idx_critical(s, (unsigned)idx);

		for (unsigned i = 0; i < s->nevents; i++) {
			if (!v->ev[i].count)
				continue;
			if (!crit || sdei_idx_critical(s, i))
				return -ENOSPC;
		}
	}
	if (e->count++ == 0)
		e->seq = v->next_seq++;
	if (s->request)
		s->request(s->request_ctx, vcpu);
	return 0;
}

int sdei_cancel(struct sdei *s, unsigned vcpu, uint64_t event)
{
	struct sdei_vcpu_state *v;
	int idx;

	if (vcpu >= s->nvcpus)
		return -EINVAL;
	idx = sdei_event_index(s, event);
	if (idx < 0)
		return -EINVAL;
	v = &s->vcpu[vcpu];
	if (!v->ev[idx].count)
		return -ENOENT;
	/* Only an instance that is merely queued can be taken back: the
	 * event is not the running one, or it has a further instance. */
	if (!sdei_idx_queued(v, s, (unsigned)idx))
		return -EBUSY;
	v->ev[idx].count--;
	return 0;
}

unsigned sdei_drop_queued(struct sdei *s, unsigned vcpu, void (*fn)(void *ctx, uint64_t event), void *ctx)
{
	unsigned n = 0;

	if (vcpu >= s->nvcpus)
		return 0;
	for (unsigned i = 0; i < s->nevents; i++)
		while (sdei_cancel(s, vcpu, s->events[i].info.num) == 0) {
			n++;
			if (fn)
				fn(ctx, s->events[i].info.num);
		}
	return n;
}

bool sdei_deliverable(const struct sdei *s, unsigned vcpu, uint64_t *event)
{
	int idx;

	if (vcpu >= s->nvcpus)
		return false;
	idx = sdei_pick(s, vcpu);
	if (idx < 0)
		return false;
	if (event)
		*event = s->events[idx].info.num;
	return true;
}

int sdei_deliver(struct sdei *s, unsigned vcpu, struct sdei_regs *r)
{
	struct sdei_vcpu_state *v;
	struct sdei_context *ctx;
	const struct sdei_event_slot *slot;
	int idx;

	if (vcpu >= s->nvcpus || !r)
		return -EINVAL;
	idx = sdei_pick(s, vcpu);
	if (idx < 0)
		return -ENOENT;
	v = &s->vcpu[vcpu];
	slot = &s->events[idx];

	/* Save the interrupted context: x0-x17, PC, PSTATE. */
	ctx = &v->ctx[v->depth++];
	ctx->event = slot->info.num;
	for (unsigned i = 0; i < SDEI_NR_CTX_REGS; i++)
		ctx->x[i] = r->x[i];
	ctx->pc = r->pc;
	ctx->pstate = r->pstate;

	/* Handler entry (DEN 0054 §6.4; KVM per docs/reference.md §2.7(e)). */
	r->x[0] = slot->info.num;
	r->x[1] = v->ev[idx].arg;
	r->x[2] = ctx->pc;
	r->x[3] = ctx->pstate;
	r->spsr_el1 = ctx->pstate;
	if (s->deliver_writes_elr)
		r->elr_el1 = ctx->pc;
	r->pstate = SDEI_HANDLER_PSTATE;
	r->pc = v->ev[idx].entry;

	if (slot->notify)
		slot->notify(slot->notify_ctx, vcpu, slot->info.num, SDEI_NOTIFY_DELIVERED);
	return 0;
}

bool sdei_unregister_idx(struct sdei *s, unsigned vcpu, unsigned idx)
{
	struct sdei_vcpu_state *v = &s->vcpu[vcpu];
	struct sdei_event_state *e = &v->ev[idx];
	bool running = sdei_idx_running(v, s, idx);
	uint64_t seq = e->seq;

	*e = (struct sdei_event_state){ 0 };
	if (running) {
		/* DEN 0054 §6.1: unregistering a running event leaves it
		 * running and unregistered; it is released at COMPLETE.  The
		 * running instance keeps its count, queued ones are dropped. */
		e->unregister_pending = true;
		e->count = 1;
		e->seq = seq;
	}
	return running;
}

int64_t sdei_complete(struct sdei *s, unsigned vcpu, struct sdei_regs *r,
		      bool resume, uint64_t resume_addr)
{
	struct sdei_vcpu_state *v = &s->vcpu[vcpu];
	struct sdei_context ctx;
	const struct sdei_event_slot *slot;
	struct sdei_event_state *e;
	int idx;

	if (!v->depth) {
		r->x[0] = (uint64_t)(int64_t)SDEI_DENIED;
		return SDEI_CALL_RETURN;
	}
	ctx = v->ctx[--v->depth];
	idx = sdei_event_index(s, ctx.event);

	/* Restore the interrupted context bit for bit. */
	for (unsigned i = 0; i < SDEI_NR_CTX_REGS; i++)
		r->x[i] = ctx.x[i];
	r->pc = ctx.pc;
	r->pstate = ctx.pstate;
	if (resume) {
		/* COMPLETE_AND_RESUME (DEN 0054 §5.2.6): continue at the
		 * resume address as if an IRQ exception had been taken from
		 * the interrupted context: ELR/SPSR describe that context,
		 * PSTATE is the exception-entry state. */
		r->elr_el1 = ctx.pc;
		r->spsr_el1 = ctx.pstate;
		r->pstate = SDEI_HANDLER_PSTATE;
		r->pc = resume_addr;
	}

	if (idx >= 0) {
		e = &v->ev[idx];
		if (e->unregister_pending)
			*e = (struct sdei_event_state){ 0 };
		else if (e->count)
			e->count--;
		slot = &s->events[idx];
		if (slot->notify)
			slot->notify(slot->notify_ctx, vcpu, ctx.event, SDEI_NOTIFY_COMPLETED);
	}
	sdei_kick(s, vcpu);
	return SDEI_CALL_CONTEXT_SWITCHED;
}

bool sdei_event_running(const struct sdei *s, unsigned vcpu, uint64_t *event)
{
	const struct sdei_vcpu_state *v;

	if (vcpu >= s->nvcpus)
		return false;
	v = &s->vcpu[vcpu];
	if (!v->depth)
		return false;
	if (event)
		*event = v->ctx[v->depth - 1].event;
	return true;
}

bool sdei_any_running(const struct sdei *s, unsigned vcpu)
{
	return sdei_event_running(s, vcpu, NULL);
}

unsigned sdei_pending_count(const struct sdei *s, unsigned vcpu, uint64_t event)
{
	int idx;

	if (vcpu >= s->nvcpus)
		return 0;
	idx = sdei_event_index(s, event);
	if (idx < 0)
		return 0;
	return sdei_idx_queued(&s->vcpu[vcpu], s, (unsigned)idx);
}

bool sdei_masked(const struct sdei *s, unsigned vcpu)
{
	return vcpu < s->nvcpus && s->vcpu[vcpu].masked;
}
