/* report.h — the results of a run: a human summary table and a JSON
 * document with stable keys (docs/output.md).  Both are pure functions of
 * the finished machine, so they are byte-identical for the same scenario
 * and seed. */
#ifndef APFSIM_MODEL_REPORT_H
#define APFSIM_MODEL_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "model/vm/machine.h"

/* The layout version of every JSON document apfsim writes (top-level key
 * `format_version`; docs/output.md).  Bumped when a key is removed or
 * renamed or its meaning changes; adding keys does not bump it.  2: the time
 * account, fault classes, swap and migration keys. */
#define APFSIM_JSON_FORMAT_VERSION 2

/* The document; the caller owns the reference. */
json_t *report_json(const struct machine *m, const char *version);
void report_summary(const struct machine *m, FILE *out);
/* The closed time account of every vCPU and task (summary section). */
void report_account_summary(const struct machine *m, FILE *out);
/* What a task's account sums to: start to exit, or to `end` if alive. */
sim_time_t report_task_lifetime(const struct task *t, sim_time_t end);
/* Human time: "12.345 ms". */
void report_fmt_time(sim_time_t ps, char *buf, size_t len);
/* A latency histogram as {count, mean, p50, p90, p99, max, min} (ps). */
json_t *report_hist_json(const struct histogram *h);
/* {"issued", "zero", "wraps"} of a token allocator's totals. */
struct apf_token_stats;
json_t *report_tokens_json(const struct apf_token_stats *t);
/* The fault counters every host protocol family reports first, in this
 * order: faults, async, sync_total, sync {reason: n}, repeated_faults.
 * Returns the number handled synchronously (sync_total). */
uint64_t report_faults_json(json_t *o, uint64_t faults, uint64_t async, uint64_t repeated,
			    const uint64_t sync[TR_SYNC__COUNT]);
/* "  LABEL  p50 .. p90 .. p99 .. max .." (or "-" when empty). */
void report_pct_line(FILE *out, const char *label, int width, const struct histogram *h);

#endif
