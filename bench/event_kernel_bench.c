/* event_kernel_bench.c — dispatch throughput of the native event kernel at
 * a steady queue depth.
 *
 * D events stay pending: each handler reschedules itself 1–1000 ns ahead
 * (uniform, from a seeded stream), so every dispatch is one pop plus one
 * push at depth D, as in the model where each vCPU, timer and worker keeps
 * one event outstanding.  The figure is events dispatched per wall second,
 * the handler's RNG draw included.
 */
#include "bench/bench.h"
#include "model/kernel/rng.h"
#include "model/kernel/sim.h"

/* Events dispatched between two looks at the wall clock. */
#define EK_BATCH 1000000ull

struct ek_state {
	struct sim *s;
	struct rng rng;
	uint64_t budget;	/* dispatches left in this batch */
};

static void ek_tick(void *ctx, uint64_t arg)
{
	struct ek_state *st = ctx;

	sim_after(st->s, (rng_below(&st->rng, 1000) + 1) * SIM_NS, ek_tick, st, arg);
	if (--st->budget == 0)
		sim_stop(st->s);
}

static uint64_t ek_batch(struct ek_state *st, uint64_t n)
{
	uint64_t before = st->s->events_run;

	st->budget = n;
	sim_run_until(st->s, SIM_TIME_MAX);
	return st->s->events_run - before;
}

static double ek_run_depth(const struct bench_opts *opts, uint64_t depth)
{
	struct sim s;
	struct ek_state st = { .s = &s };
	uint64_t events = 0, warmup;
	double t0, elapsed;

	if (sim_init(&s, &sim_backend_native) != 0)
		return -1;
	rng_stream(&st.rng, 1, "bench/event_kernel");
	for (uint64_t i = 0; i < depth; i++) {
		sim_event_id id = sim_after(&s, (rng_below(&st.rng, 1000) + 1) * SIM_NS,
					    ek_tick, &st, i);
		if (id.gen == 0) {
			sim_fini(&s);
			return -1;
		}
	}
	/* Warm up until every initial event has been replaced at least once on
	 * average, so the heap shape is the steady-state one. */
	warmup = depth * 4 > EK_BATCH / 4 ? depth * 4 : EK_BATCH / 4;
	ek_batch(&st, opts->quick ? warmup / 4 + 1 : warmup);

	t0 = bench_now();
	do {
		events += ek_batch(&st, opts->quick ? EK_BATCH / 10 : EK_BATCH);
		elapsed = bench_now() - t0;
	} while (elapsed < opts->min_seconds || events < opts->min_ops);
	if (sim_pending(&s) != depth)
		events = 0;	/* lost or duplicated events: report a failure */
	sim_fini(&s);
	return events ? (double)events / elapsed : -1;
}

static double ek_depth16(const struct bench_opts *opts)
{
	return ek_run_depth(opts, 16);
}

static double ek_depth1024(const struct bench_opts *opts)
{
	return ek_run_depth(opts, 1024);
}

static double ek_depth100000(const struct bench_opts *opts)
{
	return ek_run_depth(opts, 100000);
}

const struct bench_case bench_event_kernel[] = {
	{ "event_kernel.native.depth16.events_per_s", ek_depth16, "events/s" },
	{ "event_kernel.native.depth1024.events_per_s", ek_depth1024, "events/s" },
	{ "event_kernel.native.depth100000.events_per_s", ek_depth100000, "events/s" },
	BENCH_END,
};
