/* session.h — the one run harness: load a scenario with its overrides,
 * build the machine, run it, collect its results as plain structs.
 *
 * Every command that simulates (apfsim run, validate, compare, explore,
 * test, sweep), apfsim-bench and the test fixtures go through these calls,
 * so the sequence is written once:
 *
 *     struct session s;
 *     session_load(&s, &spec, &err);          config + overrides (bad input)
 *     session_build(&s, &build);              machine (+ oracle); sinks may
 *                                             now be added to s.m->tracer
 *     session_run(&s, &run);                  to the end, or a signal
 *     session_finish(&s);                     close the books, flush traces
 *     session_collect(&s, &copts, &res);      figures, summary, JSON tree
 *     session_end(&s);                        res stays valid
 *
 * Invariants: results depend on the scenario, the overrides (in order) and
 * the seed only — never on the caller, the number of slices a run is cut
 * into, or where the machine lives in memory.  A session owns its config,
 * machine and oracle; session_end frees them whatever step failed (it may
 * be called after any step, also after a failed session_load).
 */
#ifndef APFSIM_MODEL_SESSION_H
#define APFSIM_MODEL_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/config/config.h"
#include "model/kernel/sim.h"
#include "model/report/account.h"

struct machine;
struct oracle;
struct json_t;

/* What to simulate: a YAML file (or text), then KEY=VALUE overrides. */
struct session_spec {
	const char *scenario;		/* YAML file; NULL: `yaml` below */
	const char *yaml;		/* scenario text (benchmarks, tests) */
	const char *yaml_name;		/* its name in error messages */
	const char *const *sets;	/* overrides, applied in order as one batch */
	unsigned nsets;
};

/* How to build: options that are not part of the scenario. */
struct session_build {
	bool oracle;			/* attach the protocol oracle (a trace sink) */
	FILE *insn_trace;		/* capstone trace of every guest instruction */
};

/* How to run.  slices == 0: one machine_run_until to the end.  Otherwise
 * the run advances in `slices` steps of duration/slices (at least 1 ps)
 * and calls progress(ctx, fraction done) after each.  Either way the run
 * stops at an event boundary when sim_interrupted is set. */
struct session_run {
	unsigned slices;
	void (*progress)(void *ctx, double fraction);
	void *ctx;
};

struct session {
	struct apf_config cfg;		/* valid after session_load */
	bool loaded;
	struct machine *m;		/* after session_build */
	bool built;			/* machine_init succeeded (its tracer is live) */
	struct oracle *orc;		/* after session_build with .oracle */
	int interrupted;		/* the signal that stopped session_run, or 0 */
	sim_time_t stopped_ps;		/* simulated time reached then */
	char err[1024];			/* why session_build / session_finish failed */
};

/* Return codes of session_build. */
#define SESSION_BAD_INPUT (-1)		/* s->err: the machine cannot be built */
#define SESSION_NO_ORACLE (-2)		/* out of memory or of sink slots */

/* Load spec into s->cfg; 0, or -1 with err (FILE:LINE:COL).  Nothing to
 * free on failure, but session_end is harmless. */
int session_load(struct session *s, const struct session_spec *spec, struct cfg_error *err);
/* session_load from an already loaded config (copied; `base` is not
 * changed): what a batch of runs of one scenario uses to parse it once.
 * The session is the one session_load of the same text and overrides
 * gives.  -1 only when out of memory. */
int session_load_copy(struct session *s, const struct apf_config *base);
/* One more override on a loaded session (before session_build). */
int session_set(struct session *s, const char *assignment, struct cfg_error *err);
/* n overrides as one batch (config_set_list): valid-only-together ones are
 * accepted in any order; all or nothing. */
int session_set_list(struct session *s, const char *const *assignments, unsigned n, struct cfg_error *err);
/* Build the machine (and oracle); 0, SESSION_BAD_INPUT or SESSION_NO_ORACLE. */
int session_build(struct session *s, const struct session_build *b);
/* Run (see struct session_run); returns s->interrupted: 0 when the run
 * reached its end.  After an interrupt nothing of the run should be kept:
 * the caller skips session_finish and calls session_end, which abandons
 * the trace sinks (their files are the caller's to remove). */
int session_run(struct session *s, const struct session_run *r);
/* Close the books at the end time and finish the trace sinks; 0, or -1
 * with s->err when a sink could not write its file. */
int session_finish(struct session *s);
/* Free the oracle and the machine (abandoning unfinished sinks); the
 * config stays, so the session can be built and run again (the second run
 * of --check-determinism).  Results already collected stay valid. */
void session_reset(struct session *s);
/* session_reset, then free the config. */
void session_end(struct session *s);

/* ---- results (result.c) ------------------------------------------------ */

/* The figures of the compare table that exist under some protocols only
 * (absent: has[] false, printed "-").  Each is a key path of the run JSON
 * (docs/output.md), listed once in session_fig_paths[]. */
enum session_fig {
	SF_HOST_FAULTS,			/* host.faults.total */
	SF_APF_FAULTS, SF_APF_ASYNC, SF_APF_SYNC, SF_APF_REPEATED,
	SF_NOTPRESENT_INJECTED, SF_NOTPRESENT_DELIVERED, SF_PAGEREADY_DELIVERED,
	SF_ACKS, SF_TOKENS_ISSUED, SF_TOKENS_ZERO,
	SF_FAULT_LAT_P50, SF_FAULT_LAT_P99,
	SF_C2R_P50, SF_C2R_P99, SF_C2R_MAX,	/* completion -> page-ready */
	SF_R2R_P50,				/* page-ready -> running */
	SF_PARKED_P50, SF_PARKED_P99,
	SF_ORACLE_VIOLATIONS,			/* oracle.violations */
	SF__COUNT
};
extern const char *const session_fig_paths[SF__COUNT];

struct session_task_result {
	char name[80];
	uint64_t progress;
	sim_time_t cpu_ps, stall_ps, parked_ps;
	sim_time_t lifetime_ps;		/* what account_ps sums to */
	sim_time_t account_ps[TB_COUNT];
};

struct session_vcpu_result {
	uint64_t exits;
	sim_time_t account_ps[VB_COUNT];	/* sums to sim_time_ps */
};

/* The first oracle violation or the guest fault of a failed run. */
struct session_failure {
	char invariant[32];		/* oracle_invariant_name, "guest_fault"; "" if none */
	char state[32];			/* protocol state at the violation, "" if none */
	char message[256];
	sim_time_t t_ps;
	uint32_t vcpu;			/* UINT32_MAX if none */
};

struct session_collect {
	const char *version;		/* apfsim_version in the JSON */
	bool summary;			/* render the summary text */
	bool json;			/* build the JSON document tree */
};

struct session_result {
	bool failed;			/* guest fault or model failure (exit 1) */
	bool oracle;			/* an oracle judged the run */
	unsigned violations;		/* oracle violations (0 without oracle) */
	struct session_failure first;
	sim_time_t sim_time_ps;
	unsigned ntasks, nvcpus;
	struct session_task_result *tasks;
	struct session_vcpu_result *vcpus;
	bool has[SF__COUNT];
	int64_t fig[SF__COUNT];
	char *summary;			/* the summary table (+ oracle line) */
	size_t summary_len;
	struct json_t *doc;		/* the run document (docs/output.md), owned */
};

/* Collect the results of a finished session; 0, or -1 out of memory.  The
 * result holds no pointer into the session. */
int session_collect(const struct session *s, const struct session_collect *c, struct session_result *r);
void session_result_free(struct session_result *r);
/* A value of a run document by a dotted path of object keys
 * ("host.fault_latency_ps.p99"), or NULL. */
struct json_t *session_json_path(struct json_t *doc, const char *path);

#endif
