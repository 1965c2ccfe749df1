/* bench_explore.c — exploration throughput: runs of quickstart.yaml per wall
 * second with two worker processes (oracle on, no shrinking). */
#include <stdio.h>
#include <sys/resource.h>

#include "bench/bench.h"
#include "model/explore/explore.h"

/* User + system CPU seconds of the reaped children so far. */
static double children_cpu_s(void)
{
	struct rusage u;

	if (getrusage(RUSAGE_CHILDREN, &u))
		return -1;
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
	       (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

/* CPU ms per run of the last explore_quickstart(). */
static struct bench_last explore_last_cpu_ms;

static double explore_quickstart(const struct bench_opts *o)
{
	static char path[1024];
	struct explore_opts e = { .jobs = 2, .shrink = false };
	static struct explore_result r;
	double cpu0 = children_cpu_s();

	snprintf(path, sizeof(path), "%s/workloads/scenarios/quickstart.yaml", APFSIM_SOURCE_DIR);
	e.scenario = path;
	e.runs = o->quick ? 20 : 200;
	if (explore_all(&e, &r) || r.wall_s <= 0 || r.runs_done == 0) {
		fprintf(stderr, "bench_explore: %s\n", r.error);
		return -1;
	}
	bench_keep(&explore_last_cpu_ms, cpu0 >= 0 ? (children_cpu_s() - cpu0) * 1e3 / (double)r.runs_done : -1);
	return (double)r.runs_done / r.wall_s;
}

/* The same batch in CPU time: the workers' user + system milliseconds per
 * run (getrusage of the reaped children), which a loaded machine does not
 * inflate as it does wall time.  300 runs/s with 2 workers needs <= 6.7. */
static double explore_quickstart_cpu_ms(const struct bench_opts *o)
{
	if (!bench_fresh(&explore_last_cpu_ms) && explore_quickstart(o) < 0)
		return -1;
	return explore_last_cpu_ms.v;
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
	{ "explore.cpu_ms_per_run.quickstart", explore_quickstart_cpu_ms, "CPU ms/run" },
	{ "explore.chaos.runs_per_s.quickstart", explore_chaos_quickstart, "runs/s" },
	BENCH_END,
};
