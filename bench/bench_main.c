/* bench_main.c — apfsim-bench: runs the registered benchmark cases and
 * prints one JSON object {key: number, ...} on stdout; a human summary with
 * units goes to stderr.
 *
 *   apfsim-bench [--quick] [--cpu-time] [--repeat N] [--only PREFIX]... [--list]
 *
 * --only may be repeated; a case runs when its key starts with any PREFIX.
 * --repeat N makes N passes over the selected cases (each pass in the
 * registration order, so a derived key sees the figures of its own pass)
 * and reports each key's median; stderr adds the lowest and highest.
 * Exit status: 0, 1 when a case failed (reported as null), 2 on bad usage
 * or when --only matches no case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"

/* Every suite, in output order.  Add one line per benchmark file. */
static const struct bench_case *const bench_suites[] = {
	bench_scale,		/* first: see bench_scale.c on ru_maxrss */
	bench_event_kernel,
	bench_traces,
	bench_e2e,
	bench_guest,
	bench_cpu,
	bench_explore,
	bench_suite,
	bench_sweep,
	bench_cli,
};

#define BENCH_MAX_ONLY 16
#define BENCH_MAX_REPEAT 100

bool bench_cpu_time;
unsigned bench_pass;

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(bench_cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool bench_selected(const char *key, const char *const *only, int n_only)
{
	if (n_only == 0)
		return true;
	for (int i = 0; i < n_only; i++)
		if (strncmp(key, only[i], strlen(only[i])) == 0)
			return true;
	return false;
}

static bool bench_any_selected(const char *const *only, int n_only)
{
	for (size_t s = 0; s < sizeof(bench_suites) / sizeof(bench_suites[0]); s++)
		for (const struct bench_case *c = bench_suites[s]; c->key; c++)
			if (bench_selected(c->key, only, n_only))
				return true;
	return false;
}

static void bench_usage(FILE *f)
{
	fputs("usage: apfsim-bench [--quick] [--cpu-time] [--repeat N] [--only PREFIX]... [--list]\n"
	      "  --quick        short runs (CI smoke test), rough figures\n"
	      "  --cpu-time     per CPU second of this process instead of per wall second\n"
	      "                 (shared machines; explore.* and test.* stay wall time)\n"
	      "  --repeat N     N passes over the cases (1 to 100); each key's median\n"
	      "                 is reported, with the lowest and highest on stderr\n"
	      "  --only PREFIX  run only cases whose key starts with PREFIX\n"
	      "  --list         print the case keys and units, run nothing\n", f);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return v[(n - 1) / 2];
}

/* Parse --repeat's value: 1 to BENCH_MAX_REPEAT, or 0 when it is not one. */
static int bench_parse_repeat(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	return *s && !*end && n >= 1 && n <= BENCH_MAX_REPEAT ? (int)n : 0;
}

/* One selected case and its figure of each pass (negative: failed). */
struct bench_row {
	const struct bench_case *c;
	double v[BENCH_MAX_REPEAT];
};

static void bench_report(const struct bench_row *row, int repeat, bool first, int *status)
{
	double sorted[BENCH_MAX_REPEAT], median;
	bool failed = false;

	for (int p = 0; p < repeat; p++) {
		sorted[p] = row->v[p];
		failed |= row->v[p] < 0;
	}
	printf("%s\n  \"%s\": ", first ? "" : ",", row->c->key);
	if (failed) {
		fputs("null", stdout);
		fprintf(stderr, "%-50s FAILED\n", row->c->key);
		*status = 1;
		return;
	}
	median = bench_median(sorted, repeat);
	printf("%.6g", median);
	if (repeat == 1)
		fprintf(stderr, "%-50s %12.4g %s\n", row->c->key, median, row->c->unit);
	else
		fprintf(stderr, "%-50s %12.4g %s (median of %d; %.4g-%.4g)\n", row->c->key, median,
			row->c->unit, repeat, sorted[0], sorted[repeat - 1]);
}

int main(int argc, char **argv)
{
	const char *only[BENCH_MAX_ONLY];
	int n_only = 0, status = 0, repeat = 1, nrows = 0;
	bool list = false;
	struct bench_opts opts = { .quick = false, .min_seconds = 0.5, .min_ops = 2000000 };
	struct bench_row *rows;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			opts.quick = true;
			opts.min_seconds = 0.05;
			opts.min_ops = 200000;
		} else if (strcmp(argv[i], "--cpu-time") == 0) {
			bench_cpu_time = true;
		} else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
			repeat = bench_parse_repeat(argv[++i]);
			if (!repeat) {
				fprintf(stderr, "apfsim-bench: --repeat '%s': expected a whole number from 1 to %d\n",
					argv[i], BENCH_MAX_REPEAT);
				return 2;
			}
		} else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			if (n_only == BENCH_MAX_ONLY) {
				fprintf(stderr, "apfsim-bench: at most %d --only options\n", BENCH_MAX_ONLY);
				return 2;
			}
			only[n_only++] = argv[++i];
		} else if (strcmp(argv[i], "--list") == 0) {
			list = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			bench_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "apfsim-bench: unknown or incomplete option '%s'\n", argv[i]);
			bench_usage(stderr);
			return 2;
		}
	}

	if (!bench_any_selected(only, n_only)) {
		fprintf(stderr, "apfsim-bench: no benchmark key matches --only\n");
		return 2;
	}
	if (list) {
		for (size_t s = 0; s < sizeof(bench_suites) / sizeof(bench_suites[0]); s++)
			for (const struct bench_case *c = bench_suites[s]; c->key; c++)
				if (bench_selected(c->key, only, n_only))
					printf("%s\t%s\n", c->key, c->unit);
		return 0;
	}
	for (size_t s = 0; s < sizeof(bench_suites) / sizeof(bench_suites[0]); s++)
		for (const struct bench_case *c = bench_suites[s]; c->key; c++)
			nrows += bench_selected(c->key, only, n_only);
	rows = calloc((size_t)nrows, sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "apfsim-bench: out of memory\n");
		return 1;
	}
	nrows = 0;
	for (size_t s = 0; s < sizeof(bench_suites) / sizeof(bench_suites[0]); s++)
		for (const struct bench_case *c = bench_suites[s]; c->key; c++)
			if (bench_selected(c->key, only, n_only))
				rows[nrows++].c = c;

	/* With one pass each key is printed as soon as it is measured. */
	fputs("{", stdout);
	for (int p = 0; p < repeat; p++) {
		bench_pass = (unsigned)p + 1;
		for (int r = 0; r < nrows; r++) {
			rows[r].v[p] = rows[r].c->run(&opts);
			if (repeat == 1) {
				bench_report(&rows[r], 1, r == 0, &status);
				fflush(stdout);
			}
		}
		if (repeat > 1)
			fprintf(stderr, "apfsim-bench: pass %d of %d done\n", p + 1, repeat);
	}
	for (int r = 0; repeat > 1 && r < nrows; r++)
		bench_report(&rows[r], repeat, r == 0, &status);
	fputs(nrows ? "\n}\n" : "}\n", stdout);
	free(rows);
	return status;
}
