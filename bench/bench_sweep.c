/* bench_sweep.c — parameter-study throughput: points of a sweep of
 * quickstart.yaml per wall second with `apfsim sweep --jobs 2` (each point a
 * full run, oracle on, results.csv written).  20 points: host.swap.queue_depth
 * 1..16 x sync, arm64-v4 x 2 seeds; --quick: 4 points. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"

static double sweep_points_per_s(const struct bench_opts *o)
{
	char cmd[4096], dir[64], line[512];
	unsigned long runs = 0, ok = 0;

	snprintf(dir, sizeof(dir), "/tmp/apfsim-bench-sweep-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd),
		 "%s sweep %s/workloads/scenarios/quickstart.yaml --vary host.swap.queue_depth=%s "
		 "--protocols sync,arm64-v4 --seeds 2 --jobs 2 --out %s > %s.out 2>&1",
		 APFSIM_CLI_BIN, APFSIM_SOURCE_DIR, o->quick ? "4" : "1,2,4,8,16", dir, dir);
	double t0 = bench_now();
	int rc = system(cmd);
	double wall = bench_now() - t0;
	snprintf(line, sizeof(line), "%s.out", dir);
	FILE *f = fopen(line, "r");
	/* "apfsim sweep: SCENARIO: N runs (...): K ok, ..." */
	while (f && fgets(line, sizeof(line), f)) {
		char *r = strstr(line, " runs ("), *k = strstr(line, "): ");
		if (!r || !k)
			continue;
		*r = '\0';
		runs = strtoul(strrchr(line, ' ') + 1, NULL, 10);
		sscanf(k + 3, "%lu ok", &ok);
	}
	if (f)
		fclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s.out", dir, dir);
	if (system(cmd)) {
		/* nothing to do: a temporary left behind is not a failed figure */
	}
	if (rc != 0 || !ok || ok != runs || wall <= 0) {
		fprintf(stderr, "bench_sweep: apfsim sweep failed (status %d, %lu of %lu runs ok)\n", rc, ok, runs);
		return -1;
	}
	return (double)ok / wall;
}

const struct bench_case bench_sweep[] = {
	{ "sweep.points_per_s.quickstart", sweep_points_per_s, "points/s" },
	BENCH_END,
};
