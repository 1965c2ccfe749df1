/* bench_e2e.c — end-to-end simulation speed: simulated seconds per wall
 * second for the example scenarios (whole runs, parse excluded). */
#include <stdio.h>

#include "bench/bench.h"
#include "model/config.h"
#include "model/machine.h"

static double e2e_sim_rate(const char *scenario, const char *protocol, const struct bench_opts *o)
{
	char path[1024], set[128];
	struct apf_config cfg;
	struct cfg_error err;
	struct machine m;

	snprintf(path, sizeof(path), "%s/workloads/scenarios/%s", APFSIM_SOURCE_DIR, scenario);
	if (config_load_file(&cfg, path, &err)) {
		cfg_error_print(&err, stderr);
		return -1;
	}
	snprintf(set, sizeof(set), "protocol=%s", protocol);
	if (config_set(&cfg, set, &err) || (o->quick && config_set(&cfg, "run.duration=20s", &err))) {
		cfg_error_print(&err, stderr);
		config_free(&cfg);
		return -1;
	}
	double t0 = bench_now();
	if (machine_init(&m, &cfg)) {
		fprintf(stderr, "%s\n", m.err);
		machine_fini(&m);
		config_free(&cfg);
		return -1;
	}
	machine_run_until(&m, SIM_TIME_MAX);
	machine_finish(&m);
	double wall = bench_now() - t0;
	double sim = (double)m.end_ps / (double)SIM_S;
	machine_fini(&m);
	config_free(&cfg);
	return wall > 0 ? sim / wall : -1;
}

static double e2e_testsuite_mem_sync(const struct bench_opts *o)
{
	return e2e_sim_rate("testsuite-mem.yaml", "sync", o);
}

const struct bench_case bench_e2e[] = {
	{ "e2e.testsuite-mem.sync.sim_seconds_per_wall_second", e2e_testsuite_mem_sync, "sim-s/s" },
	BENCH_END,
};
