/* oracle.h — the invariant oracle: a trace sink that judges a run.
 *
 * The oracle consumes the event stream of model/trace/trace.h and checks the APF
 * invariants of docs/reference.md (generic core §1, arm64 §2.3–§2.8, the races
 * and known bugs of §4) on the fly and at the end of the run:
 *
 *   stuck_task            no task stays parked forever (§4.5)
 *   lost_page_ready       every token set up gets one outcome (§1.4, §1.6, §4.5)
 *   duplicate_page_ready  at most one page-ready per token instance (§1.4)
 *   token_collision       no token set up while still live on its vCPU (§2.5, §4.6)
 *   buffer_overwrite      the host never overwrites an unconsumed buffer (§2.3, §4.2)
 *   too_many_outstanding  outstanding works <= ASYNC_PF_PER_VCPU (§1.1, §1.2)
 *   sdei_not_completed    every SDEI dispatch completes; nesting only
 *                         critical over normal (§2.7(e), §4.3)
 *   ppi_pending_mismatch  the APF PPI is high exactly while pageready_pending
 *                         is set; IRQ_ACK sees the modelled flag (§2.7(i)(j))
 *   lost_not_present      an APF SDEI event the host injected is dispatched or
 *                         cancelled within the stuck bound (§2.7(c), §2.9)
 *
 * A violation records the invariant, time, vCPU, token, task and a one-line
 * message; oracle_report() prints each one followed by the full history of
 * that token instance on that vCPU.  docs/oracle.md describes every rule.
 *
 * The oracle outlives the tracer: oracle_sink_ops.finish runs the end-of-run
 * checks, oracle_sink_ops.destroy does nothing, the owner calls
 * oracle_destroy() after reading the verdict.  Output is a pure function of
 * the event stream (deterministic iteration: vCPU, then token order of first
 * appearance; tasks by id).
 */
#ifndef APFSIM_MODEL_ORACLE_H
#define APFSIM_MODEL_ORACLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/kernel/sim.h"
#include "model/trace/trace.h"

enum oracle_invariant {
	ORACLE_STUCK_TASK,
	ORACLE_LOST_PAGE_READY,
	ORACLE_DUPLICATE_PAGE_READY,
	ORACLE_TOKEN_COLLISION,
	ORACLE_BUFFER_OVERWRITE,
	ORACLE_TOO_MANY_OUTSTANDING,
	ORACLE_SDEI_NOT_COMPLETED,
	ORACLE_PPI_PENDING_MISMATCH,
	ORACLE_STARVED_TASK,	/* runnable, never run, for longer than the bound */
	ORACLE_LATE_PAGE_READY,	/* completion -> page-ready longer than delivery_bound */
	ORACLE_LOST_NOT_PRESENT,	/* injected APF SDEI event neither dispatched nor cancelled */
	ORACLE_INV__COUNT
};

/* Check selection bits (struct oracle_cfg.checks); one per invariant. */
#define ORACLE_CHECK(inv) (1u << (inv))
#define ORACLE_CHECK_ALL ((1u << ORACLE_INV__COUNT) - 1)
/* Strict end: any task still parked at the end is stuck, even if its work
 * is still in flight (by default such a task is only counted, see
 * docs/oracle.md "End of run"). */
#define ORACLE_STRICT_END (1u << 16)

#define ORACLE_DEFAULT_STUCK_BOUND SIM_S
#define ORACLE_DEFAULT_MAX_OUTSTANDING 64	/* ASYNC_PF_PER_VCPU, §1.1 */
#define ORACLE_DEFAULT_SDEI_CRITICAL 0x40400001u	/* KVM_SDEI_ASYNC_PF_NUM, §2.2 */
#define ORACLE_DEFAULT_MAX_RECORDED 1000
#define ORACLE_WAKEUP_ALL 0xFFFFFFFFu	/* wake-all token, §1.5 */
#define ORACLE_NO_TOKEN UINT64_MAX

/*
 * Configuration.  A zero field takes its default, so `{0}` is valid:
 * nvcpus/ntasks are hints (the tables grow on demand); checks 0 = all;
 * ppi_intid 0 = the PPI *line* half of ppi_pending_mismatch is off (the
 * IRQ_ACK half stays on); sdei_critical[] all 0 = { 0x40400001 };
 * sdei_apf_event 0 = 0x40400001 (KVM_SDEI_ASYNC_PF_NUM).
 */
struct oracle_cfg {
	uint32_t nvcpus;
	uint32_t ntasks;
	sim_time_t stuck_bound_ps;	/* default 1 s */
	uint32_t max_outstanding;	/* default 64 */
	uint32_t checks;		/* ORACLE_CHECK(...) | ORACLE_STRICT_END */
	uint32_t ppi_intid;		/* INTID of the APF page-ready PPI */
	sim_time_t delivery_bound_ps;	/* late_page_ready: 0 = not checked */
	uint64_t sdei_critical[4];	/* critical-priority SDEI event numbers */
	uint64_t sdei_apf_event;	/* the not-present event; 0 = 0x40400001 */
	uint32_t max_recorded;		/* violations kept for the report; 1000 */
	uint32_t history_keep;		/* closed token instances kept per vCPU; 64 */
};

struct oracle_violation {
	enum oracle_invariant kind;
	sim_time_t t;
	uint32_t vcpu;		/* TRACE_NO_VCPU if none */
	uint64_t token;		/* ORACLE_NO_TOKEN if none */
	uint32_t task;		/* TRACE_NO_TASK if unknown */
	char msg[192];
};

/* Counters over the whole run (monotonic). */
struct oracle_counts {
	uint64_t events;
	uint64_t tokens;		/* token instances set up (TR_APF_SETUP) */
	uint64_t zero_tokens;		/* of which token 0 (§2.5) */
	uint64_t token_wraps;		/* token set up again after its retirement */
	uint64_t completions;		/* TR_KVM_COMPLETED matched to a token */
	uint64_t unmatched_completions;
	uint64_t page_ready;		/* TR_KVM_READY for a token instance */
	uint64_t unknown_page_ready;	/* TR_KVM_READY naming no known token */
	uint64_t cancelled;		/* TR_APF_CANCELLED */
	uint64_t flushed;		/* token instances dropped by TR_APF_FLUSH */
	uint64_t wake_all_queued;	/* TR_APF_WAKE_ALL */
	uint64_t parks;			/* TR_TASK_PARK */
	uint64_t wakes;			/* TR_TASK_WAKE */
	uint64_t wake_alls;		/* TR_TASK_WAKE with token 0xFFFFFFFF */
	uint64_t irq_acks;		/* TR_IRQ_ACK */
	uint64_t sdei_dispatches;
	uint64_t max_outstanding_seen;
	uint64_t parked_in_flight_at_end; /* parked at end, work still in flight */
};

struct oracle;
struct json_t;

extern const struct trace_sink_ops oracle_sink_ops;	/* ctx = struct oracle * */

/* NULL on allocation failure or an invalid configuration. */
struct oracle *oracle_create(const struct oracle_cfg *cfg);
void oracle_destroy(struct oracle *o);

/* Feed one event (what oracle_sink_ops.event does). */
void oracle_event(struct oracle *o, const struct trace_event *e);

/* End-of-run checks at end_ps; idempotent (the second call does nothing). */
void oracle_finish_check(struct oracle *o, sim_time_t end_ps);

/* Total violations detected (recorded or not). */
unsigned oracle_violations(const struct oracle *o);
/* Violations of one invariant. */
unsigned oracle_violations_of(const struct oracle *o, enum oracle_invariant inv);
/* Recorded violations, in detection order; i < oracle_nrecorded(). */
unsigned oracle_nrecorded(const struct oracle *o);
const struct oracle_violation *oracle_violation_at(const struct oracle *o, unsigned i);
/* The protocol state of recorded violation i, as a stable name: the last
 * host-side event of its token instance at or before the violation (e.g.
 * "apf_flush", "kvm_async_pf_completed"), or "no token" when the
 * violation names no instance.  explore groups violations by it. */
const char *oracle_violation_state(const struct oracle *o, unsigned i);
const struct oracle_counts *oracle_counts(const struct oracle *o);
const char *oracle_invariant_name(enum oracle_invariant inv);

/* Human report: summary, then every recorded violation with the history of
 * its token instance.  Byte-identical for identical event streams. */
void oracle_report(const struct oracle *o, FILE *f);

/* The same as a jansson object (new reference; NULL on allocation failure):
 * { "violations": n, "by_invariant": {...}, "counts": {...},
 *   "list": [ {invariant, t_ps, vcpu, token, task, message, history[]} ] }. */
struct json_t *oracle_json(const struct oracle *o);

#endif
