/* compare_explain.c — `apfsim compare --explain`: where the seconds went.
 *
 * For the first protocol (the base) against each other one, per vCPU and
 * per task, the difference of the closed time accounts (the session
 * results; account_ps of the run JSON, docs/output.md) bucket by bucket.
 * The bucket names come from the one table (model/report/account.c), so
 * this file lists none.  Invariant: the per-bucket differences sum to the
 * difference of the totals (simulated time per vCPU, lifetime per task),
 * because each account sums to its total.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "model/report/account.h"
#include "model/vm/machine_report.h"
#include "model/session/session.h"

static long long jint(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* {buckets: {KEY: {base, other, delta}}, total_delta_ps} of two accounts
 * of n buckets named by the table d (model/report/account.c). */
static json_t *account_diff(const struct account_bucket_desc *d, unsigned n, const sim_time_t *a,
			    const sim_time_t *b, long long total_a, long long total_b)
{
	json_t *o = json_object(), *bk = json_object();

	for (unsigned i = 0; i < n; i++) {
		long long x = (long long)a[i], y = (long long)b[i];

		json_object_set_new(bk, d[i].key, json_pack("{s:I, s:I, s:I}", "base", (json_int_t)x, "other",
							     (json_int_t)y, "delta", (json_int_t)(y - x)));
	}
	json_object_set_new(o, "total_base_ps", json_integer((json_int_t)total_a));
	json_object_set_new(o, "total_other_ps", json_integer((json_int_t)total_b));
	json_object_set_new(o, "total_delta_ps", json_integer((json_int_t)(total_b - total_a)));
	json_object_set_new(o, "buckets", bk);
	return o;
}

json_t *compare_explain(const char *base, const struct session_result *a, const char *other,
			const struct session_result *b)
{
	json_t *ex = json_object(), *vcpus = json_array(), *tasks = json_array();
	long long sa = (long long)a->sim_time_ps, sb = (long long)b->sim_time_ps;

	json_object_set_new(ex, "base", json_string(base));
	json_object_set_new(ex, "other", json_string(other));
	for (unsigned i = 0; i < a->nvcpus && i < b->nvcpus; i++) {
		json_t *d = account_diff(vcpu_buckets, VB_COUNT, a->vcpus[i].account_ps, b->vcpus[i].account_ps,
					 sa, sb);

		json_object_set_new(d, "id", json_integer((json_int_t)i));
		json_array_append_new(vcpus, d);
	}
	for (unsigned i = 0; i < a->ntasks && i < b->ntasks; i++) {
		const struct session_task_result *x = &a->tasks[i], *y = &b->tasks[i];
		json_t *d = account_diff(task_buckets, TB_COUNT, x->account_ps, y->account_ps,
					 (long long)x->lifetime_ps, (long long)y->lifetime_ps);

		json_object_set_new(d, "name", json_string(x->name));
		json_object_set_new(d, "progress_base", json_integer((json_int_t)x->progress));
		json_object_set_new(d, "progress_other", json_integer((json_int_t)y->progress));
		json_object_set_new(d, "cpu_delta_ps",
				    json_integer((json_int_t)((long long)y->cpu_ps - (long long)x->cpu_ps)));
		json_array_append_new(tasks, d);
	}
	json_object_set_new(ex, "vcpus", vcpus);
	json_object_set_new(ex, "tasks", tasks);
	return ex;
}

static void fmt_delta(long long d, char *buf, size_t len)	/* len >= 32 */
{
	char t[24];

	report_fmt_time((sim_time_t)(d < 0 ? -d : d), t, sizeof(t));
	snprintf(buf, len, "%s%s", d < 0 ? "-" : d > 0 ? "+" : " ", t);
}

/* One account's table: buckets that differ or are non-zero in either run. */
static void print_diff(FILE *out, const char *who, json_t *d)
{
	char x[32], y[32], z[40];
	const char *key;
	json_t *v;

	fprintf(out, "  %s\n", who);
	json_object_foreach(json_object_get(d, "buckets"), key, v) {
		long long b = jint(v, "base"), o = jint(v, "other");

		if (!b && !o)
			continue;
		report_fmt_time((sim_time_t)b, x, sizeof(x));
		report_fmt_time((sim_time_t)o, y, sizeof(y));
		fmt_delta(o - b, z, sizeof(z));
		fprintf(out, "    %-26s %14s %14s %15s\n", key, x, y, z);
	}
	report_fmt_time((sim_time_t)jint(d, "total_base_ps"), x, sizeof(x));
	report_fmt_time((sim_time_t)jint(d, "total_other_ps"), y, sizeof(y));
	fmt_delta(jint(d, "total_delta_ps"), z, sizeof(z));
	fprintf(out, "    %-26s %14s %14s %15s\n", "total", x, y, z);
}

void compare_explain_print(json_t *ex, FILE *out)
{
	const char *base = json_string_value(json_object_get(ex, "base"));
	const char *other = json_string_value(json_object_get(ex, "other"));
	char who[160];
	size_t i;
	json_t *d;

	fprintf(out, "\nexplain: %s -> %s, time account bucket by bucket (delta = %s - %s)\n", base, other,
		other, base);
	fprintf(out, "    %-26s %14s %14s %15s\n", "", base, other, "delta");
	json_array_foreach(json_object_get(ex, "tasks"), i, d) {
		snprintf(who, sizeof(who), "task %s: progress %lld -> %lld", json_string_value(json_object_get(d, "name")),
			 jint(d, "progress_base"), jint(d, "progress_other"));
		print_diff(out, who, d);
	}
	json_array_foreach(json_object_get(ex, "vcpus"), i, d) {
		snprintf(who, sizeof(who), "vcpu %zu", i);
		print_diff(out, who, d);
	}
}
