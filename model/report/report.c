/* report.c — the pieces every report is made of (report.h): times,
 * histograms, accounts, the fault counters, as JSON (via jansson, which
 * keeps insertion order with JSON_PRESERVE_ORDER, escapes strings
 * correctly and prints integers exactly; all times are integers of
 * picoseconds) and as summary text. */
#include "model/report/report.h"

#include <inttypes.h>
#include <string.h>

void report_fmt_time(sim_time_t ps, char *buf, size_t len)
{
	double v = (double)ps;

	if (ps >= SIM_S)
		snprintf(buf, len, "%.3f s", v / (double)SIM_S);
	else if (ps >= SIM_MS)
		snprintf(buf, len, "%.3f ms", v / (double)SIM_MS);
	else if (ps >= SIM_US)
		snprintf(buf, len, "%.3f us", v / (double)SIM_US);
	else
		snprintf(buf, len, "%.3f ns", v / (double)SIM_NS);
}

uint64_t report_faults_json(json_t *o, uint64_t faults, uint64_t async, uint64_t repeated,
			    const uint64_t sync[TR_SYNC__COUNT])
{
	json_t *by = json_object();
	uint64_t nsync = 0;

	for (int r = 0; r < TR_SYNC__COUNT; r++) {
		json_object_set_new(by, trace_sync_reason_name((enum trace_sync_reason)r),
				    json_integer((json_int_t)sync[r]));
		nsync += sync[r];
	}
	json_object_set_new(o, "faults", json_integer((json_int_t)faults));
	json_object_set_new(o, "async", json_integer((json_int_t)async));
	json_object_set_new(o, "sync_total", json_integer((json_int_t)nsync));
	json_object_set_new(o, "sync", by);
	json_object_set_new(o, "repeated_faults", json_integer((json_int_t)repeated));
	return nsync;
}

json_t *report_hist_json(const struct histogram *h)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "count", (json_int_t)h->count,
			 "mean", (json_int_t)hist_mean(h),
			 "p50", (json_int_t)hist_quantile(h, 0.50),
			 "p90", (json_int_t)hist_quantile(h, 0.90),
			 "p99", (json_int_t)hist_quantile(h, 0.99),
			 "max", (json_int_t)(h->count ? h->max : 0),
			 "min", (json_int_t)(h->count ? h->min : 0));
}

json_t *report_account_json(const struct acct *a, const struct account_bucket_desc *d, uint32_t n)
{
	json_t *o = json_object();

	for (uint32_t i = 0; i < n; i++)
		json_object_set_new(o, d[i].key, json_integer((json_int_t)a->ps[i]));
	return o;
}

void report_pct_line(FILE *out, const char *label, int width, const struct histogram *h)
{
	char a[32], b[32], c[32], d[32];

	if (!h->count) {
		fprintf(out, "  %-*s -\n", width, label);
		return;
	}
	report_fmt_time(hist_quantile(h, 0.50), a, sizeof(a));
	report_fmt_time(hist_quantile(h, 0.90), b, sizeof(b));
	report_fmt_time(hist_quantile(h, 0.99), c, sizeof(c));
	report_fmt_time(h->max, d, sizeof(d));
	fprintf(out, "  %-*s p50 %-12s p90 %-12s p99 %-12s max %s\n", width, label, a, b, c, d);
}

void report_account_lines(FILE *out, const char *who, const struct acct *a,
			  const struct account_bucket_desc *d, uint32_t n, sim_time_t total)
{
	char t0[32];
	uint32_t col = 0;

	fprintf(out, "  %-12s", who);
	for (uint32_t i = 0; i < n; i++) {
		if (!a->ps[i])
			continue;
		if (col && col % 4 == 0)
			fprintf(out, "\n  %-12s", "");
		report_fmt_time(a->ps[i], t0, sizeof(t0));
		fprintf(out, " %s %s (%.1f%%)", d[i].key, t0,
			total ? 100.0 * (double)a->ps[i] / (double)total : 0.0);
		col++;
	}
	fprintf(out, "\n");
}

