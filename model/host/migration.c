/* migration.c — the migration model (see migration.h and docs/migration.md). */
#include "model/host/migration.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/vm/machine.h"
#include "model/apf/protocol.h"
#include "model/report/report.h"

#define PAGE CFG_PAGE_SIZE
#define STREAM_CHUNK 64	/* pages per background-stream event */

static sim_time_t mig_xfer(const struct migration *g, uint64_t bytes)
{
	return (sim_time_t)((unsigned __int128)bytes * SIM_S / g->m->cfg->migration.bandwidth);
}

static void mig_snapshot(struct migration *g, uint64_t *dst)
{
	for (uint32_t i = 0; i < g->m->sched.ntasks; i++)
		dst[i] = g->m->sched.tasks[i].progress;
}

static void mig_note(struct migration *g, const char *what)
{
	struct machine *m = g->m;
	struct trace_event e = { m->sim.now, TRACE_NO_VCPU, TRACE_NO_TASK, 0, TR_NOTE, 0, 0, 0, what };

	if (trace_on(&m->tracer))
		trace_dispatch(&m->tracer, &e);
}

/* Pages with contents (never-touched pages are zero pages: not sent). */
static uint64_t mig_count(struct migration *g, uint8_t bit, bool clear)
{
	struct hostmem *hm = &g->m->hm;
	uint64_t n = 0;

	for (uint64_t p = 0; p < hm->npages; p++) {
		uint8_t s = hm->st[p];
		if (!s || (bit && !(s & bit)))
			continue;
		n++;
		if (clear)
			hm->st[p] = s & (uint8_t)~HM_MIGDIRTY;
	}
	return n;
}

static void mig_round_ev(void *ctx, uint64_t arg);
static void mig_resume_ev(void *ctx, uint64_t arg);
static void mig_stream_ev(void *ctx, uint64_t arg);

/* Send one precopy round: round 0 every page with contents, later rounds
 * what was written since; the dirty bits restart now. */
static void mig_round_start(struct migration *g)
{
	uint64_t pages = g->rounds == 0 ? mig_count(g, 0, true) : mig_count(g, HM_MIGDIRTY, true);

	g->rounds++;
	g->pages_sent += pages;
	g->bytes += pages * PAGE;
	sim_after(&g->m->sim, mig_xfer(g, pages * PAGE) + g->m->cfg->migration.rtt, mig_round_ev, g, 0);
}

/* Stop the vCPUs for `len` (stop-and-copy or the postcopy switch-over). */
static void mig_pause(struct migration *g, sim_time_t len, bool to_postcopy)
{
	struct machine *m = g->m;

	g->phase = MIGP_PAUSED;
	g->to_postcopy = to_postcopy;
	g->downtime_ps = len;
	m->paused_until = m->sim.now + len;
	/* The resume event goes first: at paused_until it runs before the
	 * vCPU steps the pause rescheduled. */
	sim_at(&m->sim, m->paused_until, mig_resume_ev, g, 0);
	for (uint32_t i = 0; i < m->nvcpus; i++)
		vcpu_pause(&m->vcpus[i]);
	mig_note(g, to_postcopy ? "migration: switch-over to postcopy" : "migration: stop-and-copy");
}

static void mig_round_ev(void *ctx, uint64_t arg)
{
	struct migration *g = ctx;
	const struct migration_cfg *c = &g->m->cfg->migration;
	uint64_t dirty = mig_count(g, HM_MIGDIRTY, false);

	(void)arg;
	g->last_dirty = dirty;
	if (c->mode == MIG_PRECOPY && mig_xfer(g, dirty * PAGE) <= c->max_downtime) {
		g->pages_sent += dirty;
		g->bytes += dirty * PAGE;
		mig_pause(g, mig_xfer(g, dirty * PAGE) + c->rtt, false);
		return;
	}
	if (g->rounds >= c->max_rounds) {
		if (c->mode == MIG_HYBRID) {
			mig_pause(g, c->rtt, true);
			return;
		}
		/* The guest dirties memory faster than the network sends it:
		 * give up, the VM keeps running on the source. */
		g->phase = MIGP_FAILED;
		g->result = "not_converged";
		g->end_ps = g->m->sim.now;
		mig_snapshot(g, g->prog_switch);
		mig_snapshot(g, g->prog_end);
		mig_note(g, "migration: precopy did not converge");
		return;
	}
	mig_round_start(g);
}

static void mig_page_arrived(struct migration *g, uint64_t page)
{
	struct machine *m = g->m;

	if (!hostmem_remote_arrived(&m->hm, page)) {
		/* Every page is sent once: the stream skips pages already
		 * requested and requests never target a page on the wire. */
		g->duplicates++;
		machine_fail(m, m->sim.now, "migration: page %#llx delivered twice",
			     (unsigned long long)page);
		return;
	}
	g->arrived++;
	g->remote_left--;
	g->pages_sent++;
	g->bytes += PAGE;
	vcpu_page_resident(m, page);
	workers_page_resident(&m->workers, page);
	if (g->remote_left == 0 && g->phase == MIGP_POSTCOPY) {
		g->phase = MIGP_DONE;
		g->result = "completed";
		g->end_ps = m->sim.now;
		mig_snapshot(g, g->prog_end);
		mig_note(g, "migration: postcopy complete");
		if (g->arrived != g->remote_at_switch)
			machine_fail(m, m->sim.now, "migration: %llu of %llu remote pages arrived",
				     (unsigned long long)g->arrived, (unsigned long long)g->remote_at_switch);
	}
}

/* The destination runs: hand the APF state over, then (postcopy) every page
 * not sent yet is still at the source. */
static void mig_resume_ev(void *ctx, uint64_t arg)
{
	struct migration *g = ctx;
	struct machine *m = g->m;
	struct hostmem *hm = &m->hm;

	(void)arg;
	g->switch_ps = m->sim.now;
	mig_snapshot(g, g->prog_switch);
	/* Stage 2 is empty on the destination. */
	for (uint64_t p = 0; p < hm->npages; p++)
		hm->st[p] &= (uint8_t)~HM_MAPPED;
	if (g->to_postcopy) {
		bool all = m->cfg->migration.mode == MIG_POSTCOPY;
		for (uint64_t p = 0; p < hm->npages; p++) {
			uint8_t s = hm->st[p];
			if (!s || (!all && !(s & HM_MIGDIRTY)))
				continue;
			hostmem_make_remote(hm, p);
			g->remote_left++;
		}
		g->remote_at_switch = g->remote_left;
		g->phase = MIGP_POSTCOPY;
		g->stream_pos = 0;
		if (g->remote_left)
			sim_after(&m->sim, m->cfg->migration.rtt, mig_stream_ev, g, 0);
	} else {
		g->phase = MIGP_DONE;
		g->result = "completed";
		g->end_ps = m->sim.now;
		mig_snapshot(g, g->prog_end);
	}
	m->paused_until = 0;
	if (m->proto->migrate)
		m->proto->migrate(m);
	if (g->phase == MIGP_POSTCOPY) {
		/* Faults in progress at the source now wait for remote pages. */
		for (uint32_t i = 0; i < m->nvcpus; i++)
			if (m->vcpus[i].waiting_io && hm->st[m->vcpus[i].fault_gfn] == HM_REMOTE)
				migration_request(g, m->vcpus[i].fault_gfn);
		for (uint32_t w = 0; w < m->workers.n; w++) {
			struct worker *wk = &m->workers.w[w];
			if (wk->busy && wk->waiting_io && hm->st[wk->job.gfn] == HM_REMOTE)
				migration_request(g, wk->job.gfn);
		}
		if (g->remote_left == 0) {
			g->phase = MIGP_DONE;
			g->result = "completed";
			g->end_ps = m->sim.now;
			mig_snapshot(g, g->prog_end);
		}
	}
	for (uint32_t i = 0; i < m->nvcpus; i++)
		vcpu_unpause(&m->vcpus[i]);
}

/* Background stream: deliver the chunk in flight, then send the next
 * chunk of remote pages in page order (pages already requested are on
 * the wire and skipped). */
static void mig_stream_ev(void *ctx, uint64_t arg)
{
	struct migration *g = ctx;
	struct hostmem *hm = &g->m->hm;
	uint32_t n = 0;

	(void)arg;
	for (uint32_t i = 0; i < g->chunk_n; i++)
		mig_page_arrived(g, g->chunk[i]);
	g->chunk_n = 0;
	if (g->phase != MIGP_POSTCOPY)
		return;
	while (n < STREAM_CHUNK && g->stream_pos < hm->npages) {
		uint64_t p = g->stream_pos++;
		if ((hm->st[p] & HM_REMOTE) && !(hm->st[p] & HM_INFLIGHT)) {
			hostmem_fetch_start(hm, p);
			g->chunk[n++] = p;
		}
	}
	if (!n)
		return;
	g->chunk_n = n;
	sim_after(&g->m->sim, mig_xfer(g, n * PAGE), mig_stream_ev, g, 0);
}

static void mig_urgent_ev(void *ctx, uint64_t page)
{
	mig_page_arrived(ctx, page);
}

/* A fault on a remote page (the vCPU, or an async-PF worker, waits for it
 * like for a swap-in): with postcopy-preempt the page goes on its own
 * channel; without, it queues behind the stream's backlog. */
void migration_request(struct migration *g, uint64_t page)
{
	const struct migration_cfg *c = &g->m->cfg->migration;
	sim_time_t lat = c->rtt + mig_xfer(g, PAGE);

	if (!c->postcopy_preempt)
		lat += mig_xfer(g, c->stream_backlog);
	hostmem_fetch_start(&g->m->hm, page);
	g->requests++;
	hist_add(&g->req_latency, lat);
	sim_after(&g->m->sim, lat, mig_urgent_ev, g, page);
}

static void mig_start_ev(void *ctx, uint64_t arg)
{
	struct migration *g = ctx;
	const struct migration_cfg *c = &g->m->cfg->migration;

	(void)arg;
	g->start_ps = g->m->sim.now;
	if (g->m->cfg->faults.migrate_random)
		faults_record(g->m, TRACE_NO_VCPU, FAULT_MIGRATE_START, 0);
	mig_snapshot(g, g->prog_start);
	mig_note(g, "migration: start");
	if (c->mode == MIG_POSTCOPY) {
		mig_pause(g, c->rtt, true);
		return;
	}
	g->phase = MIGP_PRECOPY;
	/* Dirty tracking starts now: round 0 sends everything. */
	mig_round_start(g);
}

int migration_init(struct migration *g, struct machine *m)
{
	memset(g, 0, sizeof(*g));
	g->m = m;
	hist_init(&g->req_latency);
	if (m->cfg->migration.mode == MIG_NONE)
		return 0;
	g->prog_start = calloc(m->sched.ntasks + 1, sizeof(uint64_t));
	g->prog_switch = calloc(m->sched.ntasks + 1, sizeof(uint64_t));
	g->prog_end = calloc(m->sched.ntasks + 1, sizeof(uint64_t));
	if (!g->prog_start || !g->prog_switch || !g->prog_end)
		return -1;
	sim_time_t start = m->cfg->migration.start;
	/* Injection: the faults stream (seeded by faults_init, which runs
	 * first) picks the instant, so every explored seed migrates at a
	 * different point of the run. */
	if (m->cfg->faults.migrate_random)
		start = (sim_time_t)(rng_uniform01(&m->faults.rng) * (double)m->cfg->run.duration);
	sim_at(&m->sim, start, mig_start_ev, g, 0);
	return 0;
}

void migration_fini(struct migration *g)
{
	free(g->prog_start);
	free(g->prog_switch);
	free(g->prog_end);
	g->prog_start = g->prog_switch = g->prog_end = NULL;
}

static const char *mig_phase_name(enum mig_phase p)
{
	static const char *const n[] = { "not_started", "precopy", "paused", "postcopy", "done", "failed" };
	return n[p];
}

json_t *migration_json(const struct migration *g)
{
	const struct machine *m = g->m;
	const struct migration_cfg *c = &m->cfg->migration;
	json_t *o = json_object(), *tasks = json_array();
	sim_time_t end = g->end_ps ? g->end_ps : m->end_ps;
	double secs = (double)(end > g->start_ps ? end - g->start_ps : 0) / (double)SIM_S;

	json_object_set_new(o, "mode", json_string(cfg_migration_mode_names[c->mode]));
	json_object_set_new(o, "result", g->result ? json_string(g->result) : json_string(mig_phase_name(g->phase)));
	json_object_set_new(o, "start_ps", json_integer((json_int_t)g->start_ps));
	json_object_set_new(o, "switchover_ps", json_integer((json_int_t)g->switch_ps));
	json_object_set_new(o, "end_ps", json_integer((json_int_t)g->end_ps));
	json_object_set_new(o, "total_ps", json_integer((json_int_t)(g->end_ps > g->start_ps ? g->end_ps - g->start_ps : 0)));
	json_object_set_new(o, "downtime_ps", json_integer((json_int_t)g->downtime_ps));
	json_object_set_new(o, "setup_ps", json_integer((json_int_t)c->rtt));
	json_object_set_new(o, "transferred_bytes", json_integer((json_int_t)g->bytes));
	json_object_set_new(o, "precopy_rounds", json_integer((json_int_t)g->rounds));
	json_object_set_new(o, "dirty_pages_last_round", json_integer((json_int_t)g->last_dirty));
	json_object_set_new(o, "pages_per_s", json_real(secs > 0 ? (double)g->pages_sent / secs : 0));
	json_object_set_new(o, "remote_pages_at_switchover", json_integer((json_int_t)g->remote_at_switch));
	json_object_set_new(o, "postcopy_requests", json_integer((json_int_t)g->requests));
	json_object_set_new(o, "remote_pages_arrived", json_integer((json_int_t)g->arrived));
	json_object_set_new(o, "pages_delivered_twice", json_integer((json_int_t)g->duplicates));
	json_object_set_new(o, "postcopy_request_latency_ps", report_hist_json(&g->req_latency));
	for (uint32_t i = 0; g->prog_start && i < m->sched.ntasks; i++) {
		const struct task *t = &m->sched.tasks[i];
		uint64_t before = g->prog_start[i];
		uint64_t mid = (g->start_ps ? (g->end_ps ? g->prog_end[i] : t->progress) : before) - before;
		uint64_t after = g->end_ps ? t->progress - g->prog_end[i] : 0;
		json_array_append_new(tasks, json_pack("{s:s, s:I, s:I, s:I}", "name", t->name,
						       "before", (json_int_t)before, "during", (json_int_t)mid,
						       "after", (json_int_t)after));
	}
	json_object_set_new(o, "tasks", tasks);
	return o;
}

void migration_summary(const struct migration *g, FILE *out)
{
	const struct machine *m = g->m;
	char a[32], b[32], c[32];

	if (m->cfg->migration.mode == MIG_NONE)
		return;
	report_fmt_time(g->end_ps > g->start_ps ? g->end_ps - g->start_ps : 0, a, sizeof(a));
	report_fmt_time(g->downtime_ps, b, sizeof(b));
	report_fmt_time(hist_quantile(&g->req_latency, 0.5), c, sizeof(c));
	fprintf(out, "\nmigration (%s): %s, total %s, downtime %s, %llu precopy rounds, %llu MiB sent,"
		     " %llu postcopy requests (p50 %s)\n",
		cfg_migration_mode_names[m->cfg->migration.mode],
		g->result ? g->result : mig_phase_name(g->phase), a, b, (unsigned long long)g->rounds,
		(unsigned long long)(g->bytes >> 20), (unsigned long long)g->requests, c);
}
