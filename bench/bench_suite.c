/* bench_suite.c — regression-suite throughput: cases of the repository suite
 * (workloads/suites/, docs/testing.md) judged per wall second by
 * `apfsim test --jobs 2`, the command CI runs.  --quick: the bugs/ folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"

static double suite_cases_per_s(const struct bench_opts *o)
{
	char cmd[4096], out[64], line[512];
	unsigned passed = 0, failed = 0;

	snprintf(out, sizeof(out), "/tmp/apfsim-bench-suite-%d.txt", (int)getpid());
	snprintf(cmd, sizeof(cmd), "%s test %s/workloads/suites%s --jobs 2 > %s 2>&1", APFSIM_CLI_BIN,
		 APFSIM_SOURCE_DIR, o->quick ? "/bugs" : "", out);
	double t0 = bench_now();
	int rc = system(cmd);
	double wall = bench_now() - t0;
	FILE *f = fopen(out, "r");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "%u passed, %u failed", &passed, &failed);
	if (f)
		fclose(f);
	remove(out);
	if (rc != 0 || failed || !passed || wall <= 0) {
		fprintf(stderr, "bench_suite: apfsim test failed (status %d, %u passed, %u failed)\n", rc,
			passed, failed);
		return -1;
	}
	return (double)passed / wall;
}

const struct bench_case bench_suite[] = {
	{ "test.cases_per_s", suite_cases_per_s, "cases/s" },
	BENCH_END,
};
