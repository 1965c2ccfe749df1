/* bench_cli.c — what one `apfsim` command costs as a process: start-up
 * (`apfsim --version`) and whole runs of quickstart.yaml, in the child's CPU
 * milliseconds (user + system, from wait4: steadier than wall time on a
 * shared machine), each the median of several processes.  Users who drive
 * apfsim from scripts, one process per seed, pay start-up every time
 * (docs/performance.md, twelfth round: libraries opened on first use).
 */
#include <stdio.h>

#include "bench/bench.h"

#define CLI_MAX_RUNS 64

/* Median CPU ms of `runs` processes of argv; -1 if one failed. */
static double cli_cpu_ms(char *const argv[], int runs)
{
	double ms[CLI_MAX_RUNS];
	struct bench_child child;

	if (runs > CLI_MAX_RUNS)
		runs = CLI_MAX_RUNS;
	for (int i = 0; i < runs; i++) {
		if (bench_spawn(argv, &child) != 0)
			return -1;
		ms[i] = child.cpu_s * 1e3;
	}
	return bench_median(ms, runs);
}

/* The figures of this pass, for the start-up share. */
static struct bench_last last_version, last_sync;

static double cli_version(const struct bench_opts *o)
{
	char *argv[] = { (char *)APFSIM_CLI_BIN, (char *)"--version", NULL };

	return bench_keep(&last_version, cli_cpu_ms(argv, o->quick ? 5 : 31));
}

/* quickstart.yaml as given (sync: no guest code) or under `protocol`. */
static double cli_quickstart(const struct bench_opts *o, const char *protocol)
{
	static char path[1024];
	char *argv[8];
	int argc = 0;

	snprintf(path, sizeof(path), "%s/workloads/scenarios/quickstart.yaml", APFSIM_SOURCE_DIR);
	argv[argc++] = (char *)APFSIM_CLI_BIN;
	argv[argc++] = (char *)"run";
	argv[argc++] = path;
	argv[argc++] = (char *)"--quiet";
	if (protocol) {
		argv[argc++] = (char *)"--protocol";
		argv[argc++] = (char *)protocol;
	}
	argv[argc] = NULL;
	return cli_cpu_ms(argv, o->quick ? 3 : 11);
}

static double cli_quickstart_sync(const struct bench_opts *o)
{
	return bench_keep(&last_sync, cli_quickstart(o, NULL));
}

/* What share of a sync quickstart run is the process's start-up: the two
 * figures above, from the same pass. */
static double cli_startup_share(const struct bench_opts *o)
{
	if (!bench_fresh(&last_version) && cli_version(o) < 0)
		return -1;
	if (!bench_fresh(&last_sync) && cli_quickstart_sync(o) < 0)
		return -1;
	return last_version.v / last_sync.v;
}

static double cli_quickstart_arm64(const struct bench_opts *o)
{
	return cli_quickstart(o, "arm64-v4");
}

const struct bench_case bench_cli[] = {
	{ "cli.version.cpu_ms", cli_version, "CPU ms/process" },
	{ "cli.run.quickstart.sync.cpu_ms", cli_quickstart_sync, "CPU ms/process" },
	{ "cli.run.quickstart.arm64-v4.cpu_ms", cli_quickstart_arm64, "CPU ms/process" },
	{ "cli.startup_share.quickstart.sync", cli_startup_share, "ratio" },
	BENCH_END,
};
