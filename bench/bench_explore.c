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

/* explore --chaos: the same runs under arm64-v4 (quickstart's own protocol,
 * sync, has no guest driver for most injections to hit), each with its
 * drawn injections. */
static double explore_chaos_quickstart(const struct bench_opts *o)
{
	static char path[1024];
	struct explore_opts e = { .jobs = 2, .shrink = false, .chaos = true };
	static struct explore_result r;

	snprintf(path, sizeof(path), "%s/workloads/scenarios/quickstart.yaml", APFSIM_SOURCE_DIR);
	e.scenario = path;
	e.sets[e.nsets++] = "protocol=arm64-v4";
	e.runs = o->quick ? 20 : 200;
	if (explore_all(&e, &r) || r.wall_s <= 0) {
		fprintf(stderr, "bench_explore: %s\n", r.error);
		return -1;
	}
	return (double)r.runs_done / r.wall_s;
}

const struct bench_case bench_explore[] = {
	{ "explore.runs_per_s.quickstart", explore_quickstart, "runs/s" },
	{ "explore.chaos.runs_per_s.quickstart", explore_chaos_quickstart, "runs/s" },
	BENCH_END,
};
