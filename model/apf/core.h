/* apf_core.h — the generic async page fault core (virt/kvm/async_pf.c).
 *
 * Models docs/reference.md §1: per-vCPU `queue` (every work set up and not yet
 * retired), `done` (works whose fault-in finished, FIFO) and `queued`
 * (outstanding count, wake-all items included), the ASYNC_PF_PER_VCPU limit,
 * setup order (§1.2), worker completion with first-on-done notification
 * (§1.3), retiring completions (§1.4), wake-all (§1.5), flush (§1.6), and the
 * tracepoint text of §5.  The gfn slot table (§1.7) lives in apf_slots.h and
 * is embedded per vCPU for the arch hooks to use; the core never touches it
 * after init.
 *
 * Pure state machine: no clock, no event queue, no allocation after init.
 * Everything arch-specific (arm64 §2.7, x86 §3.5) and the host worker pool
 * sit behind struct apf_arch_ops, one hook per kvm_arch_async_page_*().
 *
 * Invariants (checked by apf_check_invariants()):
 *   queued == |queue| + number of wake-all items on done;
 *   every non-wake-all work on done is on queue (state DONE);
 *   every work on queue is IN_WORKER or DONE (QUEUED only inside setup);
 *   |queue| <= ASYNC_PF_PER_VCPU, and at most one wake-all item exists.
 */
#ifndef APFSIM_MODEL_APF_CORE_H
#define APFSIM_MODEL_APF_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/apf/slots.h"

#define APF_ASYNC_PF_PER_VCPU 64u

/*
 * Work pool per vCPU: 64 works + 1 wake-all item live at most, plus 64
 * reserve structs for works cancelled by a flush while their I/O was still
 * in flight (they are off every list but hold their struct until the host
 * model reports the I/O finished, see apf_flush()).
 */
#define APF_WORK_POOL (2u * APF_ASYNC_PF_PER_VCPU + 1u)

enum apf_work_state {
	APF_WORK_RETIRED = 0,	/* free pool entry (never set up, or retired) */
	APF_WORK_QUEUED,	/* on queue, not yet handed to the worker */
	APF_WORK_IN_WORKER,	/* on queue, schedule_work called, I/O pending */
	APF_WORK_DONE,		/* on done (and on queue unless wake-all) */
	APF_WORK_CANCELLED,	/* flushed while in the worker; off every list */
};

/* One outstanding async fault (struct kvm_async_pf). */
struct apf_work {
	uint32_t token;			/* arch token; 0 for a wake-all item */
	uint64_t gfn;			/* 0 for a wake-all item */
	uint64_t cr2_or_gpa;		/* faulting GVA / IPA as KVM saw it */
	uint64_t arch;			/* arch-private, e.g. arm64 saved ESR */
	uint64_t setup_time;		/* ps, supplied by the caller of setup */
	bool wakeup_all;
	bool notpresent_injected;	/* result of ops->not_present */
	enum apf_work_state state;
	/* private to apf_core.c: pool index and list links (-1 = none) */
	int16_t index, q_prev, q_next, d_next;
};

struct apf_vcpu;

/*
 * Arch hooks.  `ctx` is the pointer given to apf_vcpu_init().  Hooks run
 * synchronously inside the core call named below; they may use the slot
 * table, the accessors and apf_work_completed(), but must not call
 * apf_setup(), apf_check_completion(), apf_wakeup_all() or apf_flush()
 * (raise a request instead, as KVM does).
 */
struct apf_arch_ops {
	const char *name;
	/* kvm_arch_async_page_not_present, from apf_setup() after the work is
	 * on queue (state QUEUED), before schedule_work.  Returns whether a
	 * not-present notification was injected. Required. */
	bool (*not_present)(void *ctx, struct apf_vcpu *v, struct apf_work *w);
	/* Host worker: start the fault-in; the host model later calls
	 * apf_work_completed(v, w) (possibly from inside this hook).  Called
	 * with state IN_WORKER.  Required. */
	void (*schedule_work)(void *ctx, struct apf_vcpu *v, struct apf_work *w);
	/* kvm_arch_async_page_present_queued: done went empty -> non-empty
	 * (worker completion or wake-all).  Required. */
	void (*present_queued)(void *ctx, struct apf_vcpu *v);
	/* kvm_arch_can_dequeue_async_page_present: only called while done is
	 * non-empty; apf_done_head() is the candidate.  Required. */
	bool (*can_dequeue)(void *ctx, struct apf_vcpu *v);
	/* kvm_arch_async_page_ready (prefault/replay).  Not called for
	 * wake-all items (both arches skip them).  Optional. */
	void (*page_ready)(void *ctx, struct apf_vcpu *v, struct apf_work *w);
	/* kvm_arch_async_page_present: deliver page-ready.  The work is off
	 * done but still on queue and findable by token.  Required. */
	void (*page_present)(void *ctx, struct apf_vcpu *v, struct apf_work *w);
	/* cancel_work_sync analogue, from apf_flush() for works IN_WORKER:
	 * return true iff the host withdrew the work before its I/O started
	 * (the core frees it now and apf_work_completed() must never be called
	 * for it).  Optional; absent = cannot retract. */
	bool (*cancel_work)(void *ctx, struct apf_vcpu *v, struct apf_work *w);
	/* Tracepoint kvm_async_pf_completed (§5), from apf_work_completed()
	 * after present_queued, for accepted completions only.  Optional. */
	void (*trace_completed)(void *ctx, struct apf_vcpu *v,
				const struct apf_work *w);
	/* __kvm_vcpu_wake_up: every accepted completion wakes a blocked vCPU
	 * (x86 synthetic halt, WFI).  Called last.  Optional. */
	void (*wake_vcpu)(void *ctx, struct apf_vcpu *v);
};

enum apf_refusal {
	APF_REFUSED_NONE = 0,
	APF_REFUSED_LIMIT,	/* queued >= ASYNC_PF_PER_VCPU: go synchronous */
	APF_REFUSED_NOWORK,	/* pool exhausted (the GFP_NOWAIT failure) */
};

struct apf_core_stats {
	uint64_t setups;		/* accepted by apf_setup */
	uint64_t refused_limit;
	uint64_t refused_nowork;
	uint64_t notpresent_injected;	/* not_present hook returned true */
	uint64_t completions;		/* worker completions put on done */
	uint64_t completions_ignored;	/* completions of cancelled works */
	uint64_t present_queued;	/* empty -> non-empty notifications */
	uint64_t retired;		/* by apf_check_completion, wake-alls too */
	uint64_t wakeall_queued;
	uint64_t wakeall_skipped;	/* done was non-empty */
	uint64_t flushes;
	uint64_t flushed;		/* works and wake-alls dropped by flush */
	uint32_t max_queued;
};

struct apf_vcpu {
	uint32_t vcpu_id;
	uint32_t queued;
	const struct apf_arch_ops *ops;
	void *ctx;
	struct apf_slots slots;		/* arch-owned after init (§1.7) */
	enum apf_refusal last_refusal;	/* reason of the last refused setup */
	struct apf_core_stats stats;
	/* private to apf_core.c */
	int16_t q_head, q_tail;		/* queue, doubly linked by q_prev/q_next */
	int16_t d_head, d_tail;		/* done, singly linked by d_next */
	int16_t free_head;		/* free pool entries, linked by d_next */
	uint16_t nr_queue, nr_done, nr_cancelled;
	bool in_hook;			/* re-entrancy guard (wiring check) */
	struct apf_work pool[APF_WORK_POOL];
};

/* Initialise an empty vCPU: lists empty, queued 0, slot table reset,
 * stats zero.  Returns 0, or -EINVAL if a required hook is missing. */
int apf_vcpu_init(struct apf_vcpu *v, uint32_t vcpu_id,
		  const struct apf_arch_ops *ops, void *ctx);

/*
 * kvm_setup_async_pf (§1.2).  The token is allocated by the arch before
 * the call (as KVM does, so a refused setup still consumes a token).
 * Refuses (returns false, *out = NULL, last_refusal set) when queued >= 64
 * or when the pool is exhausted.  Otherwise: fill, append to queue,
 * queued++, w->notpresent_injected = ops->not_present(), state IN_WORKER,
 * ops->schedule_work(); *out = w; true.  *out stays valid until the work
 * is retired or flushed.  `out` may be NULL.
 */
bool apf_setup(struct apf_vcpu *v, uint32_t token, uint64_t gfn,
	       uint64_t cr2_or_gpa, uint64_t arch, uint64_t now,
	       struct apf_work **out);

/*
 * The worker finished the fault-in for w (§1.3 steps 3-5).  For a work in
 * state IN_WORKER: first = done empty; append to done (state DONE); if
 * first ops->present_queued(); ops->trace_completed(); ops->wake_vcpu();
 * returns true.  For a CANCELLED work: the struct is freed silently, no
 * hook runs, returns false.  Any other state (double completion, stale
 * pointer): nothing changes, returns false.
 */
bool apf_work_completed(struct apf_vcpu *v, struct apf_work *w);

/*
 * kvm_check_async_pf_completion (§1.4): while done is non-empty and
 * ops->can_dequeue(): pop the head, ops->page_ready() (not for wake-all),
 * ops->page_present(), unlink from queue, queued--, free.  Returns the
 * number of items retired.
 */
unsigned int apf_check_completion(struct apf_vcpu *v);

/*
 * kvm_async_pf_wakeup_all (§1.5).  If done is non-empty: nothing, 0.
 * Otherwise a zeroed item with wakeup_all = true is appended to done (not
 * on queue), ops->present_queued() (it is first), queued++; returns 0.
 * Returns -ENOMEM if the pool is exhausted (cannot happen unless more
 * than 64 cancelled works are still in flight).
 */
int apf_wakeup_all(struct apf_vcpu *v);

/*
 * kvm_clear_async_pf_completion_queue (§1.6).  For every work on queue, in
 * queue order: unlink; if IN_WORKER, ops->cancel_work() true frees it now,
 * otherwise it becomes CANCELLED and is freed by its later
 * apf_work_completed() (which is then ignored).  Then every item on done is
 * freed (wake-alls included), queued = 0.  No hook notifies anything and
 * the slot table is left alone (resetting it is the arch's decision).
 * Returns how many works it dropped (queue plus done, as the traces count).
 */
uint32_t apf_flush(struct apf_vcpu *v);

/* Accessors for arch code, the protocol variants and the oracle. */
struct apf_work *apf_done_head(const struct apf_vcpu *v);
/* First work on queue whose token matches (wake-all items are never on
 * queue); NULL if none. */
struct apf_work *apf_find_by_token(const struct apf_vcpu *v, uint32_t token);
/* Deterministic iteration over outstanding works in setup order:
 *   for (w = apf_queue_first(v); w; w = apf_queue_next(v, w)) ... */
struct apf_work *apf_queue_first(const struct apf_vcpu *v);
struct apf_work *apf_queue_next(const struct apf_vcpu *v,
				const struct apf_work *w);
/* Iteration over done in FIFO (retirement) order, wake-alls included. */
struct apf_work *apf_done_first(const struct apf_vcpu *v);
struct apf_work *apf_done_next(const struct apf_vcpu *v,
			       const struct apf_work *w);
static inline uint32_t apf_queued(const struct apf_vcpu *v) { return v->queued; }
static inline unsigned int apf_queue_len(const struct apf_vcpu *v) { return v->nr_queue; }
static inline unsigned int apf_done_len(const struct apf_vcpu *v) { return v->nr_done; }
/* Cancelled works whose I/O is still in flight. */
static inline unsigned int apf_cancelled_len(const struct apf_vcpu *v) { return v->nr_cancelled; }
/* kvm_check_async_pf_completion_queue(): done is non-empty. */
static inline bool apf_done_pending(const struct apf_vcpu *v) { return v->nr_done != 0; }

/* Check the invariants listed at the top.  NULL if they hold, else a
 * static description of the first violation. */
const char *apf_check_invariants(const struct apf_vcpu *v);

const char *apf_work_state_name(enum apf_work_state s);
const char *apf_refusal_name(enum apf_refusal r);

/*
 * Tracepoint text (§5), exactly TP_printk of include/trace/events/kvm.h:
 * `%#llx` prints 0 as "0" and anything else as "0x..." in lower case.  The
 * helpers write the payload only (a sink prefixes "<event>: "), return
 * snprintf's result (length that would have been written).
 */
#define APF_TP_TRY_ASYNC_GET_PAGE "kvm_try_async_get_page"
#define APF_TP_REPEATED_FAULT "kvm_async_pf_repeated_fault"
#define APF_TP_NOT_PRESENT "kvm_async_pf_not_present"
#define APF_TP_READY "kvm_async_pf_ready"
#define APF_TP_COMPLETED "kvm_async_pf_completed"

/* "gva = %#llx, gfn = %#llx" */
int apf_trace_fmt_try_async_get_page(char *buf, size_t n, uint64_t gva,
				     uint64_t gfn);
int apf_trace_fmt_repeated_fault(char *buf, size_t n, uint64_t gva,
				 uint64_t gfn);
/* "token %#llx gva %#llx" */
int apf_trace_fmt_not_present(char *buf, size_t n, uint64_t token,
			      uint64_t gva);
int apf_trace_fmt_ready(char *buf, size_t n, uint64_t token, uint64_t gva);
/* "gva %#llx address %#lx" (address = host virtual address of the page) */
int apf_trace_fmt_completed(char *buf, size_t n, uint64_t address,
			    uint64_t gva);

#endif
