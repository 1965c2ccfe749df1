/* bench_main.c — apfsim-bench: runs the registered benchmark cases and
 * prints one JSON object {key: number, ...} on stdout; a human summary with
 * units goes to stderr.
 *
 *   apfsim-bench [--quick] [--cpu-time] [--only PREFIX]... [--list]
 *
 * --only may be repeated; a case runs when its key starts with any PREFIX.
 * Exit status: 0, 1 when a case failed (reported as null), 2 on bad usage
 * or when --only matches no case.
 */
#include <stdio.h>
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
};

#define BENCH_MAX_ONLY 16

bool bench_cpu_time;

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
	fputs("usage: apfsim-bench [--quick] [--cpu-time] [--only PREFIX]... [--list]\n"
	      "  --quick        short runs (CI smoke test), rough figures\n"
	      "  --cpu-time     per CPU second of this process instead of per wall second\n"
	      "                 (shared machines; explore.* and test.* stay wall time)\n"
	      "  --only PREFIX  run only cases whose key starts with PREFIX\n"
	      "  --list         print the case keys and units, run nothing\n", f);
}

int main(int argc, char **argv)
{
	const char *only[BENCH_MAX_ONLY];
	int n_only = 0, status = 0;
	bool list = false, first = true;
	struct bench_opts opts = { .quick = false, .min_seconds = 0.5, .min_ops = 2000000 };

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			opts.quick = true;
			opts.min_seconds = 0.05;
			opts.min_ops = 200000;
		} else if (strcmp(argv[i], "--cpu-time") == 0) {
			bench_cpu_time = true;
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
	if (!list)
		fputs("{", stdout);
	for (size_t s = 0; s < sizeof(bench_suites) / sizeof(bench_suites[0]); s++) {
		for (const struct bench_case *c = bench_suites[s]; c->key; c++) {
			double v;

			if (!bench_selected(c->key, only, n_only))
				continue;
			if (list) {
				printf("%s\t%s\n", c->key, c->unit);
				continue;
			}
			v = c->run(&opts);
			printf("%s\n  \"%s\": ", first ? "" : ",", c->key);
			if (v < 0) {
				fputs("null", stdout);
				fprintf(stderr, "%-50s FAILED\n", c->key);
				status = 1;
			} else {
				printf("%.6g", v);
				fprintf(stderr, "%-50s %12.4g %s\n", c->key, v, c->unit);
			}
			fflush(stdout);
			first = false;
		}
	}
	if (!list)
		fputs(first ? "}\n" : "\n}\n", stdout);
	return status;
}
