/* oracle_internal.h — the state the files of the oracle share (the public
 * interface is oracle.h).  The oracle is cut by concern, one file per
 * family of invariants (docs/oracle.md):
 *
 *   oracle.c            the event dispatcher, end of run, creation, the sink
 *   oracle_state.c      token instances and their history, the per-vCPU token
 *                       map, lookups, closing and recycling
 *   oracle_seen.c       the set of tokens ever set up per vCPU (token_wraps)
 *   oracle_violation.c  recording a violation
 *   oracle_deadline.c   stuck_task / lost_page_ready deadlines, per-vCPU time
 *                       groups
 *   oracle_token.c      setup and buffer writes: token_collision,
 *                       buffer_overwrite, too_many_outstanding
 *   oracle_sdei.c       SDEI delivery: sdei_not_completed
 *   oracle_pageready.c  page-ready, completion, cancel, retire, flush:
 *                       lost / duplicate / late page-ready, ppi_pending_mismatch
 *   oracle_park.c       parking and waking tasks: stuck_task
 *   oracle_starve.c     starved_task
 *   oracle_report.c     the text report and the JSON verdict
 *
 * Invariant (as before the cut): pointers into the pools are re-derived
 * after any call that may grow them. */
#ifndef APFSIM_MODEL_CHECK_ORACLE_INTERNAL_H
#define APFSIM_MODEL_CHECK_ORACLE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "model/check/oracle.h"

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

/* The token map holds the instances not yet recycled (live, kept in the
 * grave, or pinned by a parked task), the newest per token. */
struct tokmap_ent {
	uint64_t token;
	struct ref r;
	bool used;
};

/* oracle_seen.c: every token ever set up on one vCPU. */
struct seen_box {
	uint64_t hi;		/* token >> 16 */
	void *data;		/* sorted uint16_t[n], or a 65 536-bit bitmap */
	uint32_t n, cap;
	bool used, bitmap;
};

struct seen_set {
	struct seen_box *box;
	uint32_t cap, n;
};

/* Add token: true when it was in the set already.  Out of memory: false
 * and *oom set. */
bool orc_seen_add(struct seen_set *s, uint64_t token, bool *oom);
void orc_seen_free(struct seen_set *s);

struct ovcpu {
	struct ref *live;	/* live instances, setup order */
	uint32_t nlive, caplive;
	struct tokmap_ent *map;
	uint32_t mapcap, mapn;
	struct seen_set seen;	/* tokens ever set up here */
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
	/* lost_not_present: the APF event was injected (result 0) at np_inject_t
	 * and has been neither dispatched nor cancelled since. */
	bool np_queued, np_lost_reported;
	sim_time_t np_inject_t;
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
	sim_time_t next_np;		/* earliest np_inject_t + bound of a queued APF event */
	uint32_t next_seq;
	bool finished, oom;
};

static inline sim_time_t orc_sat_add(sim_time_t a, sim_time_t b)
{
	return a > SIM_TIME_MAX - b ? SIM_TIME_MAX : a + b;
}


/* oracle_state.c */
extern const struct ref orc_no_ref;
void orc_hist_add(struct oracle *o, struct ref r, const struct trace_event *e);
struct ovcpu *orc_vcpu_get(struct oracle *o, uint32_t id);
struct otask *orc_task_get(struct oracle *o, uint32_t id);
struct ref orc_find_live(struct oracle *o, struct ovcpu *v, uint64_t token);
struct ref orc_find_known(struct oracle *o, struct ovcpu *v, uint64_t token);
struct ref orc_inst_new(struct oracle *o, uint32_t vcpu, uint64_t token, sim_time_t t);
struct ref orc_inst_for_write(struct oracle *o, uint32_t vcpu, uint64_t token, sim_time_t t);
void orc_maybe_grave(struct oracle *o, struct ref r);
void orc_live_remove(struct oracle *o, struct ovcpu *v, struct ref r);
/* oracle_violation.c */
void orc_violate(struct oracle *o, enum oracle_invariant kind, sim_time_t t, uint32_t vcpu,
		    uint64_t token, uint32_t task, struct ref r0, struct ref r1,
		    const char *fmt, ...);
/* oracle_deadline.c */
sim_time_t orc_task_ref_time(struct oracle *o, const struct otask *tk);
void orc_note_deadline(struct oracle *o, sim_time_t ref);
void orc_note_inst_deadline(struct oracle *o, struct ref r);
void orc_fmt_time(char *buf, size_t n, sim_time_t t);
void orc_check_deadlines(struct oracle *o, sim_time_t now);
void orc_vcpu_group_end(struct oracle *o, uint32_t vid);
/* oracle_token.c */
void orc_hist_parked(struct oracle *o, uint32_t vcpu, const struct trace_event *e);
void orc_check_outstanding(struct oracle *o, const struct trace_event *e, struct ref r);
void orc_on_setup(struct oracle *o, const struct trace_event *e);
void orc_on_buf_write(struct oracle *o, const struct trace_event *e);
/* oracle_sdei.c */
bool orc_sdei_critical(const struct oracle *o, uint64_t ev);
void orc_on_sdei(struct oracle *o, const struct trace_event *e);
void orc_np_scan(struct oracle *o, sim_time_t now, bool at_end);
/* oracle_pageready.c */
void orc_on_ready(struct oracle *o, const struct trace_event *e);
void orc_on_completed(struct oracle *o, const struct trace_event *e);
void orc_on_cancelled(struct oracle *o, const struct trace_event *e);
void orc_on_retired(struct oracle *o, const struct trace_event *e);
void orc_on_flush(struct oracle *o, const struct trace_event *e);
/* oracle_park.c */
void orc_on_park(struct oracle *o, const struct trace_event *e);
void orc_on_wake(struct oracle *o, const struct trace_event *e);
/* oracle_starve.c */
void orc_starve_scan(struct oracle *o, sim_time_t now);
void orc_on_task_ready(struct oracle *o, const struct trace_event *e);
void orc_on_task_switch(struct oracle *o, const struct trace_event *e);

/* Hot-path helpers, inline in every file of the oracle. */
static inline struct inst *orc_ref_get(struct oracle *o, struct ref r)
{
	if (r.idx == NONE || r.idx >= o->ninst)
		return NULL;
	if (!o->inst[r.idx].used || o->inst[r.idx].gen != r.gen)
		return NULL;
	return &o->inst[r.idx];
}

static inline bool orc_check_on(const struct oracle *o, enum oracle_invariant inv)
{
	return o->cfg.checks & ORACLE_CHECK(inv);
}

#endif
