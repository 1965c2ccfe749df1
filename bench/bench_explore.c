/* bench_explore.c — exploration throughput: runs of quickstart.yaml per wall
 * second with two worker processes (oracle on, no shrinking). */
#include <stdio.h>

#include "bench/bench.h"
#include "model/explore/explore.h"

static double explore_quickstart(const struct bench_opts *o)
{
	static char path[1024];
	struct explore_opts e = { .jobs = 2, .shrink = false };
	static struct explore_result r;

	snprintf(path, sizeof(path), "%s/workloads/scenarios/quickstart.yaml", APFSIM_SOURCE_DIR);
	e.scenario = path;
	e.runs = o->quick ? 20 : 200;
	if (explore_all(&e, &r) || r.wall_s <= 0) {
		fprintf(stderr, "bench_explore: %s\n", r.error);
		return -1;
	}
	return (double)r.runs_done / r.wall_s;
}

const struct bench_case bench_explore[] = {
	{ "explore.runs_per_s.quickstart", explore_quickstart, "runs/s" },
	BENCH_END,
};
