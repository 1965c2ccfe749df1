/* bench_scale.c — how quickstart.yaml grows: wall time, CPU time and peak
 * RSS of `apfsim run` at 1, 8 and 64 vCPUs and at 4 and 64 GiB of guest
 * memory (other keys as in the scenario; oracle off).
 *
 * Each configuration runs once, in its own process, and ru_maxrss comes
 * from wait4 on that child.  Linux carries the spawning process's RSS
 * high-water mark into the child at exec (posix_spawn shares our memory
 * until then), so the figure is max(our peak so far, the run's peak): these
 * cases run first, while apfsim-bench is small, and a figure that does not
 * exceed our own peak is reported as a failure (null), never as the run's.
 * The three keys of one configuration share that run.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/bench.h"

struct scale_cfg {
	const char *name;	/* key part: scale.quickstart.NAME.metric */
	const char *sets[3];	/* --set KEY=VALUE overrides, NULL-terminated */
	bool done, ok;
	double wall_s, cpu_s, rss_kib;
};

static struct scale_cfg scale_cfgs[] = {
	/* quickstart pins its compute task to vCPU 1: one vCPU needs it on 0 */
	{ .name = "vcpus1", .sets = { "tasks.1.vcpu=0", "vm.vcpus=1", NULL } },
	{ .name = "vcpus8", .sets = { "vm.vcpus=8", NULL } },
	{ .name = "vcpus64", .sets = { "vm.vcpus=64", NULL } },
	{ .name = "mem4GiB", .sets = { "vm.memory=4GiB", NULL } },
	{ .name = "mem64GiB", .sets = { "vm.memory=64GiB", NULL } },
};

static void scale_run(struct scale_cfg *c)
{
	char path[1024], *argv[16];
	struct bench_child child;
	int argc = 0;

	c->done = true;
	snprintf(path, sizeof(path), "%s/workloads/scenarios/quickstart.yaml", APFSIM_SOURCE_DIR);
	argv[argc++] = (char *)APFSIM_CLI_BIN;
	argv[argc++] = (char *)"run";
	argv[argc++] = path;
	argv[argc++] = (char *)"--oracle=off";
	argv[argc++] = (char *)"--quiet";
	for (int i = 0; c->sets[i]; i++) {
		argv[argc++] = (char *)"--set";
		argv[argc++] = (char *)c->sets[i];
	}
	argv[argc] = NULL;
	if (bench_spawn(argv, &child) != 0) {
		fprintf(stderr, "bench_scale: %s: apfsim run failed\n", c->name);
		return;
	}
	c->wall_s = child.wall_s;
	c->cpu_s = child.cpu_s;
	c->rss_kib = (double)child.maxrss_kib;
	{
		struct rusage self;

		getrusage(RUSAGE_SELF, &self);
		if (child.maxrss_kib <= self.ru_maxrss) {
			fprintf(stderr, "bench_scale: %s: peak RSS %ld KiB is not above apfsim-bench's own "
				"(%ld KiB): not measurable in this order\n", c->name, child.maxrss_kib,
				self.ru_maxrss);
			return;
		}
	}
	c->ok = true;
}

static struct scale_cfg *scale_get(size_t i)
{
	if (!scale_cfgs[i].done)
		scale_run(&scale_cfgs[i]);
	return scale_cfgs[i].ok ? &scale_cfgs[i] : NULL;
}

#define SCALE_CASE(I)                                                           \
	static double scale_wall_##I(const struct bench_opts *o)               \
	{                                                                       \
		(void)o;                                                        \
		struct scale_cfg *c = scale_get(I);                             \
		return c ? c->wall_s : -1;                                      \
	}                                                                       \
	static double scale_cpu_##I(const struct bench_opts *o)                \
	{                                                                       \
		(void)o;                                                        \
		struct scale_cfg *c = scale_get(I);                             \
		return c ? c->cpu_s : -1;                                       \
	}                                                                       \
	static double scale_rss_##I(const struct bench_opts *o)                \
	{                                                                       \
		(void)o;                                                        \
		struct scale_cfg *c = scale_get(I);                             \
		return c ? c->rss_kib : -1;                                     \
	}

SCALE_CASE(0)
SCALE_CASE(1)
SCALE_CASE(2)
SCALE_CASE(3)
SCALE_CASE(4)

#define SCALE_KEYS(I, NAME)                                                                  \
	{ "scale.quickstart." NAME ".wall_s", scale_wall_##I, "s" },                         \
	{ "scale.quickstart." NAME ".cpu_s", scale_cpu_##I, "s" },                           \
	{ "scale.quickstart." NAME ".peak_rss_kib", scale_rss_##I, "KiB" }

const struct bench_case bench_scale[] = {
	SCALE_KEYS(0, "vcpus1"),
	SCALE_KEYS(1, "vcpus8"),
	SCALE_KEYS(2, "vcpus64"),
	SCALE_KEYS(3, "mem4GiB"),
	SCALE_KEYS(4, "mem64GiB"),
	BENCH_END,
};
