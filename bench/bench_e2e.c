/* bench_e2e.c — end-to-end simulation speed: simulated seconds per wall
 * second for the example scenarios (whole runs, parse excluded). */
#include <stdio.h>

#include "bench/bench.h"
#include "model/session/session.h"
#include "model/vm/machine.h"
#include "model/apf/proto/arm64.h"

/* Load (not timed), then build, run and finish (timed) one session. */
static int e2e_run(const struct session_spec *spec, struct session *ss, double *wall)
{
	struct cfg_error err;

	if (session_load(ss, spec, &err)) {
		cfg_error_print(&err, stderr);
		return -1;
	}
	double t0 = bench_now();
	if (session_build(ss, NULL)) {
		fprintf(stderr, "%s\n", ss->err);
		session_end(ss);
		return -1;
	}
	session_run(ss, NULL);
	session_finish(ss);
	*wall = bench_now() - t0;
	return 0;
}

static double e2e_sim_rate(const char *scenario, const char *protocol, const struct bench_opts *o)
{
	char path[1024], set[128];
	const char *sets[] = { set, "run.duration=20s" };
	struct session ss;
	double wall;

	snprintf(path, sizeof(path), "%s/workloads/scenarios/%s", APFSIM_SOURCE_DIR, scenario);
	snprintf(set, sizeof(set), "protocol=%s", protocol);
	struct session_spec spec = { .scenario = path, .sets = sets, .nsets = o->quick ? 2 : 1 };
	if (e2e_run(&spec, &ss, &wall))
		return -1;
	double sim = (double)ss.m->end_ps / (double)SIM_S;
	session_end(&ss);
	return wall > 0 ? sim / wall : -1;
}

static double e2e_testsuite_mem_sync(const struct bench_opts *o)
{
	return e2e_sim_rate("testsuite-mem.yaml", "sync", o);
}

static double e2e_testsuite_mem_arm64(const struct bench_opts *o)
{
	return e2e_sim_rate("testsuite-mem.yaml", "arm64-v4", o);
}

#define E2E_PAIRS 5

/* What turning APF on costs: arm64-v4 speed over sync speed on the same
 * scenario (1 = free).  The machine's speed drifts between minutes, so
 * each ratio comes from a sync run and an arm64-v4 run made back to back,
 * and the key is the median of E2E_PAIRS such pairs (one with --quick). */
static double e2e_apf_over_sync(const struct bench_opts *o)
{
	double r[E2E_PAIRS];
	int n = o->quick ? 1 : E2E_PAIRS;

	for (int i = 0; i < n; i++) {
		double sync = e2e_testsuite_mem_sync(o);
		double apf = e2e_testsuite_mem_arm64(o);

		if (sync <= 0 || apf <= 0)
			return -1;
		r[i] = apf / sync;
	}
	return bench_median(r, n);
}

/* Complete APF round trips (fault -> not-present SDEI -> park -> worker ->
 * page-ready PPI -> wake -> IRQ_ACK) per wall second: one vCPU, a memory hog
 * over memory that starts on swap, so every page is one async fault.  Swap
 * readahead is off (page_cluster 0): with the default 8-page cluster only
 * one page in 8 is a round trip and the other 7 are swap-cache minor
 * faults, which this key does not measure. */
static double e2e_apf_roundtrips(const struct bench_opts *o)
{
	static const char yaml[] =
		"protocol: arm64-v4\n"
		"vm: {vcpus: 1, memory: 1GiB, kernel_reserved: 32MiB}\n"
		"host: {initial_state: swapped, swap: {queue_depth: 64, read_latency: 20us, page_cluster: 0}}\n"
		"tasks:\n"
		"  - {name: hog, workload: memhog, share: 90%, passes: 1}\n"
		"run: {duration: 600s, until_done: true}\n";
	const char *sets[] = { "tasks.0.share=20%" };
	struct session_spec spec = { .yaml = yaml, .yaml_name = "bench", .sets = sets, .nsets = o->quick ? 1 : 0 };
	struct session ss;
	double wall;

	if (e2e_run(&spec, &ss, &wall))
		return -1;
	const struct apf_host *a = ss.m->proto_env.state;
	double trips = (double)(a->st.pageready - a->st.pageready_wakeall);
	session_end(&ss);
	return wall > 0 ? trips / wall : -1;
}

const struct bench_case bench_e2e[] = {
	{ "e2e.testsuite-mem.sync.sim_seconds_per_wall_second", e2e_testsuite_mem_sync, "sim-s/s" },
	{ "e2e.testsuite-mem.arm64-v4.sim_seconds_per_wall_second", e2e_testsuite_mem_arm64, "sim-s/s" },
	{ "e2e.testsuite-mem.apf_over_sync", e2e_apf_over_sync, "ratio" },
	{ "e2e.apf_roundtrips_per_s", e2e_apf_roundtrips, "round trips/s" },
	BENCH_END,
};
