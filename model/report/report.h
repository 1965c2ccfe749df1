/* report.h — the pieces the reports of a run are made of: human times,
 * latency histograms, closed time accounts and the fault counters, as JSON
 * (stable keys, docs/output.md) and as summary text.  Each takes the plain
 * values or stats struct it prints, so every part writes its own section
 * with them; the run's document and summary table are assembled from the
 * parts by model/vm/machine_report.h.  Pure functions: byte-identical for
 * the same scenario and seed. */
#ifndef APFSIM_MODEL_REPORT_H
#define APFSIM_MODEL_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "model/kernel/acct.h"
#include "model/kernel/histogram.h"
#include "model/kernel/sim.h"
#include "model/report/account.h"
#include "model/trace/trace.h"

/* The layout version of every JSON document apfsim writes (top-level key
 * `format_version`; docs/output.md).  Bumped when a key is removed or
 * renamed or its meaning changes; adding keys does not bump it.  2: the time
 * account, fault classes, swap and migration keys. */
#define APFSIM_JSON_FORMAT_VERSION 2

/* Human time: "12.345 ms". */
void report_fmt_time(sim_time_t ps, char *buf, size_t len);
/* A latency histogram as {count, mean, p50, p90, p99, max, min} (ps). */
json_t *report_hist_json(const struct histogram *h);
/* The fault counters every host protocol family reports first, in this
 * order: faults, async, sync_total, sync {reason: n}, repeated_faults.
 * Returns the number handled synchronously (sync_total). */
uint64_t report_faults_json(json_t *o, uint64_t faults, uint64_t async, uint64_t repeated,
			    const uint64_t sync[TR_SYNC__COUNT]);
/* "  LABEL  p50 .. p90 .. p99 .. max .." (or "-" when empty). */
void report_pct_line(FILE *out, const char *label, int width, const struct histogram *h);
/* {KEY: ps} of an account, in the order of its bucket table. */
json_t *report_account_json(const struct acct *a, const struct account_bucket_desc *d, uint32_t n);
/* One account as "label time (share)" pairs, non-zero buckets only, four
 * to a line; `total` is what the buckets sum to. */
void report_account_lines(FILE *out, const char *who, const struct acct *a,
			  const struct account_bucket_desc *d, uint32_t n, sim_time_t total);

#endif
