/* bench.h — the apfsim-bench harness: benchmark cases and their registry.
 *
 * A benchmark file defines a `const struct bench_case NAME[]` terminated by
 * BENCH_END, declares it below, and adds NAME to the suite list in
 * bench_main.c (one line each; see bench/README.md).  apfsim-bench prints one
 * JSON object whose keys are the case keys, in registration order, and whose
 * values are the numbers the cases return.
 */
#ifndef APFSIM_BENCH_BENCH_H
#define APFSIM_BENCH_BENCH_H

#include <stdbool.h>
#include <stdint.h>

struct bench_opts {
	bool quick;		/* CI smoke: short runs, rough figures */
	double min_seconds;	/* measure for at least this much wall time */
	uint64_t min_ops;	/* ... and at least this many operations */
};

struct bench_case {
	const char *key;	/* "area.variant.metric", e.g. "event_kernel.native.depth16.events_per_s" */
	double (*run)(const struct bench_opts *opts);	/* the figure; negative = failed */
	const char *unit;	/* human unit for the stderr summary, e.g. "events/s" */
};

#define BENCH_END { NULL, NULL, NULL }

/* Monotonic wall-clock seconds (bench code only: the model never reads it).
 * With `apfsim-bench --cpu-time` it is this process's CPU time instead
 * (CLOCK_PROCESS_CPUTIME_ID): steadier on a shared, oversubscribed machine,
 * where wall time measures the other tenants.  Figures that come from child
 * processes (explore.*, test.*) are wall time either way. */
double bench_now(void);
extern bool bench_cpu_time;

/* Sorts v[0..n) in place (ascending) and returns its median; of an even
 * count the lower middle figure, so the value is one that was measured. */
double bench_median(double *v, int n);

/* A figure kept for a derived key (a ratio or sum of other keys' figures),
 * stamped with the pass that measured it: with `apfsim-bench --repeat` a
 * derived key reuses a figure of its own pass only and measures it again
 * otherwise.  bench_pass is 1 in the first pass (bench_main.c). */
struct bench_last {
	double v;
	unsigned pass;		/* 0: never measured */
};
extern unsigned bench_pass;

static inline double bench_keep(struct bench_last *l, double v)
{
	l->v = v;
	l->pass = bench_pass;
	return v;
}

static inline bool bench_fresh(const struct bench_last *l)
{
	return l->pass == bench_pass && l->v > 0;
}

/* One child process: argv[0] is the program's path.  0 with its figures
 * when it exited with status 0; -1 (and a line on stderr) otherwise. */
struct bench_child {
	double wall_s, cpu_s;	/* its wall time; its user + system CPU time */
	long maxrss_kib;	/* its peak RSS (see bench_scale.c) */
};
int bench_spawn(char *const argv[], struct bench_child *out);

/* Suites (one per benchmark file). */
extern const struct bench_case bench_event_kernel[];	/* event_kernel_bench.c */
extern const struct bench_case bench_e2e[];		/* bench_e2e.c */
extern const struct bench_case bench_guest[];		/* bench_guest.c */
extern const struct bench_case bench_cpu[];		/* bench_cpu.c */
extern const struct bench_case bench_explore[];		/* bench_explore.c */
extern const struct bench_case bench_suite[];		/* bench_suite.c */
extern const struct bench_case bench_traces[];		/* traces_bench.c */
extern const struct bench_case bench_scale[];		/* bench_scale.c */
extern const struct bench_case bench_sweep[];		/* bench_sweep.c */
extern const struct bench_case bench_cli[];		/* bench_cli.c */

#endif
