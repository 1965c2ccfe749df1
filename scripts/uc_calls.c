/* uc_calls.c — an LD_PRELOAD counter of Unicorn API calls (scripts/uc-calls.sh).
 *
 * Wraps uc_emu_start, uc_emu_stop and the register calls of whatever
 * program it is preloaded into, forwarding each to libunicorn
 * (dlsym(RTLD_NEXT)), and prints at exit: calls per unit (UC_CALLS_PER,
 * default 1: a round-trip count, say), split into those made inside a
 * uc_emu_start (from hooks) and outside it, register calls by Unicorn's
 * register id, and the wall time spent inside uc_emu_start.  Single-thread
 * use only (apfsim's machines run on one thread).  Counting, not timing:
 * the wrappers cost a few ns per call.
 *
 * A uc_emu_stop made inside a run is what a PC write from a hook costs in
 * Unicorn 2.0.1 (the write stops the engine's loop so the new PC takes
 * effect, docs/cpu.md "Stopping"); uc_reg_read/write reach libunicorn's
 * own batch calls, so only batches of more than one register are counted
 * as batches. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unicorn/unicorn.h>

#define NREG 1024

static unsigned long starts, stops[2], reads[NREG][2], writes[NREG][2], rbatch[2], wbatch[2];
static int in_run;
static double run_s;

static void *next(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		fprintf(stderr, "uc_calls: %s not found\n", name);
		abort();
	}
	return f;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uc_err uc_emu_start(uc_engine *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)
{
	static uc_err (*f)(uc_engine *, uint64_t, uint64_t, uint64_t, size_t);
	double t0;
	uc_err e;

	if (!f)
		f = next("uc_emu_start");
	starts++;
	in_run = 1;
	t0 = now_s();
	e = f(uc, begin, until, timeout, count);
	run_s += now_s() - t0;
	in_run = 0;
	return e;
}

uc_err uc_emu_stop(uc_engine *uc)
{
	static uc_err (*f)(uc_engine *);

	if (!f)
		f = next("uc_emu_stop");
	stops[in_run]++;
	return f(uc);
}

uc_err uc_reg_read(uc_engine *uc, int regid, void *value)
{
	static uc_err (*f)(uc_engine *, int, void *);

	if (!f)
		f = next("uc_reg_read");
	reads[(unsigned)regid % NREG][in_run]++;
	return f(uc, regid, value);
}

uc_err uc_reg_write(uc_engine *uc, int regid, const void *value)
{
	static uc_err (*f)(uc_engine *, int, const void *);

	if (!f)
		f = next("uc_reg_write");
	writes[(unsigned)regid % NREG][in_run]++;
	return f(uc, regid, value);
}

uc_err uc_reg_read_batch(uc_engine *uc, int *regs, void **vals, int count)
{
	static uc_err (*f)(uc_engine *, int *, void **, int);

	if (!f)
		f = next("uc_reg_read_batch");
	if (count > 1)
		rbatch[in_run]++;
	return f(uc, regs, vals, count);
}

uc_err uc_reg_write_batch(uc_engine *uc, int *regs, void *const *vals, int count)
{
	static uc_err (*f)(uc_engine *, int *, void *const *, int);

	if (!f)
		f = next("uc_reg_write_batch");
	if (count > 1)
		wbatch[in_run]++;
	return f(uc, regs, vals, count);
}

__attribute__((destructor)) static void report(void)
{
	const char *per = getenv("UC_CALLS_PER");
	double n = per ? atof(per) : 1.0;

	if (n <= 0)
		n = 1.0;
	fprintf(stderr, "uc_calls: per %g (outside a run / inside, from hooks)\n", n);
	fprintf(stderr, "  uc_emu_start        %.2f  (%.3f s inside, %.0f ns per unit)\n", starts / n, run_s,
		run_s * 1e9 / n);
	fprintf(stderr, "  uc_emu_stop         %.2f / %.2f\n", stops[0] / n, stops[1] / n);
	fprintf(stderr, "  batch read / write  %.2f / %.2f, %.2f / %.2f\n", rbatch[0] / n, rbatch[1] / n,
		wbatch[0] / n, wbatch[1] / n);
	for (int r = 0; r < NREG; r++) {
		if (reads[r][0] + reads[r][1])
			fprintf(stderr, "  read  reg %4d      %.2f / %.2f\n", r, reads[r][0] / n, reads[r][1] / n);
		if (writes[r][0] + writes[r][1])
			fprintf(stderr, "  write reg %4d      %.2f / %.2f\n", r, writes[r][0] / n, writes[r][1] / n);
	}
}
