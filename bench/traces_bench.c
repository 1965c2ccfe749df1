/* traces_bench.c — the SystemC event-kernel backend beside the native one,
 * and the size of the Perfetto traces per event.
 *
 * event_kernel.systemc.depthD.events_per_s: the workload of
 * event_kernel_bench.c (D events pending, each handler re-arms itself
 * 1–1000 ns ahead from a seeded stream) under run.kernel: systemc.
 *
 * trace.perfetto_{proto,json}.bytes_per_event: quickstart under arm64-v4
 * (20 ms with --quick, else 1 s) written by the Perfetto protobuf and JSON
 * writers; bytes of the file per event the model emitted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench.h"
#include "model/config/config.h"
#include "model/kernel/rng.h"
#include "model/kernel/sim.h"
#include "model/trace/trace.h"
#include "model/vm/machine.h"

#ifdef APFSIM_HAVE_SYSTEMC
#define SC_BATCH 1000000ull

struct sc_state {
	struct sim *s;
	struct rng rng;
	uint64_t budget;
};

static void sc_tick(void *ctx, uint64_t arg)
{
	struct sc_state *st = ctx;

	sim_after(st->s, (rng_below(&st->rng, 1000) + 1) * SIM_NS, sc_tick, st, arg);
	if (--st->budget == 0)
		sim_stop(st->s);
}

static uint64_t sc_batch(struct sc_state *st, uint64_t n)
{
	uint64_t before = st->s->events_run;

	st->budget = n;
	sim_run_until(st->s, SIM_TIME_MAX);
	return st->s->events_run - before;
}

static double sc_run_depth(const struct bench_opts *opts, uint64_t depth)
{
	const struct sim_backend_ops *ops = sim_backend_named("systemc");
	struct sim s;
	struct sc_state st = { .s = &s };
	uint64_t events = 0, warmup;
	double t0, elapsed;

	if (!ops || sim_init(&s, ops) != 0)
		return -1;
	rng_stream(&st.rng, 1, "bench/event_kernel");
	for (uint64_t i = 0; i < depth; i++)
		sim_after(&s, (rng_below(&st.rng, 1000) + 1) * SIM_NS, sc_tick, &st, i);
	warmup = depth * 4 > SC_BATCH / 4 ? depth * 4 : SC_BATCH / 4;
	sc_batch(&st, opts->quick ? warmup / 4 + 1 : warmup);
	t0 = bench_now();
	do {
		events += sc_batch(&st, opts->quick ? SC_BATCH / 10 : SC_BATCH);
		elapsed = bench_now() - t0;
	} while (elapsed < opts->min_seconds || events < opts->min_ops);
	if (sim_pending(&s) != depth)
		events = 0;
	sim_fini(&s);
	return events ? (double)events / elapsed : -1;
}

static double sc_depth16(const struct bench_opts *o) { return sc_run_depth(o, 16); }
static double sc_depth1024(const struct bench_opts *o) { return sc_run_depth(o, 1024); }
static double sc_depth100000(const struct bench_opts *o) { return sc_run_depth(o, 100000); }
#endif

/* ---- Perfetto bytes per event ------------------------------------------- */

static void count_event(void *ctx, const struct trace_event *e)
{
	(void)e;
	++*(uint64_t *)ctx;
}

static const struct trace_sink_ops count_ops = { "count", count_event, NULL, NULL };

static double pf_bytes_per_event(const struct bench_opts *o, bool proto)
{
	char path[1024], out[64], err[512];
	struct apf_config cfg;
	struct cfg_error cerr;
	struct machine *m = malloc(sizeof(*m));
	uint64_t events = 0;
	struct stat st;
	double r = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/workloads/scenarios/quickstart.yaml", APFSIM_SOURCE_DIR);
	snprintf(out, sizeof(out), "/tmp/apfsim-bench-pf-XXXXXX");
	fd = mkstemp(out);
	if (!m || fd < 0 || config_load_file(&cfg, path, &cerr)) {
		free(m);
		return -1;
	}
	close(fd);
	if (config_set(&cfg, "protocol=arm64-v4", &cerr) ||
	    config_set(&cfg, o->quick ? "run.duration=20ms" : "run.duration=1s", &cerr) || machine_init(m, &cfg))
		goto out;
	trace_add_sink(&m->tracer, &count_ops, &events);
	if ((proto ? trace_perfetto_proto_open(&m->tracer, out, err, sizeof(err))
		   : trace_perfetto_open(&m->tracer, out, err, sizeof(err))) == 0) {
		machine_run_until(m, SIM_TIME_MAX);
		machine_finish(m);
		if (trace_finish(&m->tracer, m->end_ps) == 0 && stat(out, &st) == 0 && events)
			r = (double)st.st_size / (double)events;
	}
out:
	trace_abandon(&m->tracer);
	machine_fini(m);
	free(m);
	config_free(&cfg);
	unlink(out);
	return r;
}

static double pf_proto(const struct bench_opts *o) { return pf_bytes_per_event(o, true); }
static double pf_json(const struct bench_opts *o) { return pf_bytes_per_event(o, false); }

const struct bench_case bench_traces[] = {
#ifdef APFSIM_HAVE_SYSTEMC
	{ "event_kernel.systemc.depth16.events_per_s", sc_depth16, "events/s" },
	{ "event_kernel.systemc.depth1024.events_per_s", sc_depth1024, "events/s" },
	{ "event_kernel.systemc.depth100000.events_per_s", sc_depth100000, "events/s" },
#endif
	{ "trace.perfetto_proto.bytes_per_event", pf_proto, "bytes/event" },
	{ "trace.perfetto_json.bytes_per_event", pf_json, "bytes/event" },
	BENCH_END,
};
