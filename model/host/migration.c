/* migration.c — the migration model (see migration.h and docs/migration.md). */
#include "model/host/migration.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>

#include "model/config/config.h"
#include "model/host/faults.h"
#include "model/host/host.h"
#include "model/host/hostmem.h"
#include "model/host/swapdev.h"
#include "model/host/workers.h"
#include "model/report/report.h"
#include "model/trace/trace.h"

#define PAGE CFG_PAGE_SIZE
#define BIT_TEST(bm, i) (((bm)[(i) >> 6] >> ((i) & 63)) & 1)
#define BIT_SET(bm, i) ((bm)[(i) >> 6] |= 1ULL << ((i) & 63))
#define BIT_CLEAR(bm, i) ((bm)[(i) >> 6] &= ~(1ULL << ((i) & 63)))

static sim_time_t mig_at_rate(uint64_t bytes, uint64_t rate)
{
	return (sim_time_t)((unsigned __int128)bytes * SIM_S / rate);
}

static void mig_snapshot(struct migration *g, uint64_t *dst)
{
	g->h->vm->progress(g->h->vm_ctx, dst);
}

/* A broken model invariant: the machine stops the run with the message. */
static void mig_fail(struct migration *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mig_fail(struct migration *g, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	g->h->vm->fail(g->h->vm_ctx, msg);
}

static void mig_note(struct migration *g, const char *what)
{
	const struct host_parts *h = g->h;
	struct trace_event e = { h->sim->now, TRACE_NO_VCPU, TRACE_NO_TASK, 0, TR_NOTE, 0, 0, 0, what };

	if (trace_on(h->tracer))
		trace_dispatch(h->tracer, &e);
}

/* Pages with contents (never-touched pages are zero pages: not sent). */
static uint64_t mig_count(struct migration *g, uint8_t bit)
{
	struct hostmem *hm = g->h->hm;
	uint64_t n = 0;

	for (uint64_t p = 0; p < hm->npages; p++) {
		uint8_t s = hm->st[p];
		if (s && (!bit || (s & bit)))
			n++;
	}
	return n;
}

static void mig_round_ev(void *ctx, uint64_t arg);
static void mig_resume_ev(void *ctx, uint64_t arg);
static void mig_pump(struct migration *g);

/* --- the sender ------------------------------------------------------ */

static bool mig_candidate(const struct migration *g, uint64_t p)
{
	uint8_t s = g->h->hm->st[p];

	switch (g->sender) {
	case MIGS_ROUND:
		return BIT_TEST(g->bm_send, p);
	case MIGS_PREREAD:
		return (s & HM_MIGDIRTY) && (s & (HM_SWAPPED | HM_INFLIGHT));
	case MIGS_STREAM:
		return (s & HM_REMOTE) && !(s & HM_INFLIGHT);
	default:
		return false;
	}
}

/* The source reads a swapped-out page through the swap device before it
 * can send it (QEMU's migration thread faults it in: one at a time).
 * Returns true when the sender must wait for page `p`. */
static bool mig_must_read(struct migration *g, uint64_t p)
{
	const struct host_parts *h = g->h;
	uint8_t s = h->hm->st[p];

	if (g->sender == MIGS_STREAM) {
		if (!BIT_TEST(g->bm_src_swapped, p))
			return false;
		if (!BIT_TEST(g->bm_src_reading, p)) {
			BIT_SET(g->bm_src_reading, p);
			g->src_swapins++;
			swapdev_submit(h->swap, p, false);
		}
	} else if (s & HM_SWAPPED) {
		hostmem_read_start(h->hm, p);	/* not a fault: not a swap-in */
		g->src_swapins++;
		swapdev_submit(h->swap, p, false);
	} else if (!(s & HM_INFLIGHT)) {
		return false;	/* resident: send it */
	}
	g->waiting = true;
	g->wait_gfn = p;
	return true;
}

/* The round ends `delay` from now.  A hybrid round past max_rounds ends
 * in the switch-over to postcopy whatever it measured: known now. */
static void mig_round_after(struct migration *g, sim_time_t delay)
{
	const struct migration_cfg *c = &g->h->cfg->migration;

	sim_after(g->h->sim, delay, mig_round_ev, g, 0);
	if (c->mode == MIG_HYBRID && g->rounds >= c->max_rounds) {
		g->pause_known = true;
		g->pause_at = g->h->sim->now + delay;
	}
}

static void mig_pump_ev(void *ctx, uint64_t arg)
{
	struct migration *g = ctx;

	(void)arg;
	g->timer = false;
	mig_pump(g);
}

static void mig_link_room(void *ctx)
{
	mig_pump(ctx);
}

static void mig_stop_and_copy(struct migration *g);

static void mig_sender_done(struct migration *g)
{
	enum mig_sender was = g->sender;

	g->sender = MIGS_IDLE;
	if (was == MIGS_ROUND) {
		if (g->link.inflight == 0)
			mig_round_after(g, g->h->cfg->migration.rtt);
		else
			g->draining = true;	/* the last delivery ends the round */
	} else if (was == MIGS_PREREAD) {
		mig_stop_and_copy(g);
	}
}

/* Commit stream units while the backlog (socket buffer) has room and the
 * throttle allows; stop at a page that must be read from swap first.
 * Throttle invariant: bytes committed since the stream began never exceed
 * throttle x elapsed time (each unit is earned before it is sent). */
static void mig_pump(struct migration *g)
{
	const struct host_parts *h = g->h;
	struct hostmem *hm = h->hm;
	const struct migration_cfg *c = &h->cfg->migration;
	sim_time_t now = h->sim->now;

	if (g->sender == MIGS_IDLE || g->waiting)
		return;
	for (;;) {
		bool sending = g->sender != MIGS_PREREAD;
		if (sending && g->link.stream_queued && g->link.stream_queued >= c->stream_backlog)
			return;	/* mig_link_room resumes */
		if (sending && g->throttle) {
			sim_time_t ok = g->credit_at + mig_at_rate(MIGLINK_UNIT_PAGES * PAGE, g->throttle);
			if (now < ok) {
				if (!g->timer) {
					g->timer = true;
					sim_at(h->sim, ok, mig_pump_ev, g, 0);
				}
				return;
			}
		}
		struct mig_unit u = { .n = 0 };
		bool blocked = false;
		while (u.n < MIGLINK_UNIT_PAGES && g->pos < hm->npages) {
			uint64_t p = g->pos;
			if (!mig_candidate(g, p)) {
				g->pos++;
				continue;
			}
			if (mig_must_read(g, p)) {
				blocked = true;
				break;
			}
			g->pos++;
			if (!sending)
				continue;
			if (g->sender == MIGS_STREAM)
				hostmem_fetch_start(hm, p);
			u.page[u.n++] = p;
		}
		if (u.n) {
			if (g->throttle) {
				sim_time_t earned = g->credit_at + mig_at_rate(u.n * PAGE, g->throttle);
				sim_time_t floor = now - mig_at_rate(MIGLINK_UNIT_PAGES * PAGE, g->throttle);
				g->credit_at = earned > floor ? earned : floor;
			}
			if (miglink_send(&g->link, &u))
				mig_fail(g, "migration: out of memory for the link queue");
		}
		if (blocked)
			return;
		if (g->pos >= hm->npages) {
			mig_sender_done(g);
			return;
		}
	}
}

static void mig_sender_start(struct migration *g, enum mig_sender what)
{
	g->sender = what;
	g->pos = 0;
	g->waiting = false;
	mig_pump(g);
}

/* --- precopy ---------------------------------------------------------- */

/* Send one precopy round: round 0 every page with contents, later rounds
 * what was written since; the dirty bits restart now (QEMU's bitmap sync). */
static void mig_round_start(struct migration *g)
{
	struct hostmem *hm = g->h->hm;

	memset(g->bm_send, 0, ((hm->npages + 63) / 64) * sizeof(uint64_t));
	for (uint64_t p = 0; p < hm->npages; p++) {
		uint8_t s = hm->st[p];
		if (!s || (g->rounds && !(s & HM_MIGDIRTY)))
			continue;
		BIT_SET(g->bm_send, p);
		hm->st[p] = s & (uint8_t)~HM_MIGDIRTY;
	}
	g->rounds++;
	g->round_start_ps = g->h->sim->now;
	g->round_bytes = 0;
	mig_sender_start(g, MIGS_ROUND);
}

/* Stop the vCPUs for `len` (stop-and-copy or the postcopy switch-over). */
static void mig_pause(struct migration *g, sim_time_t len, bool to_postcopy)
{
	const struct host_parts *h = g->h;

	g->phase = MIGP_PAUSED;
	g->pause_known = false;
	g->to_postcopy = to_postcopy;
	g->downtime_ps = len;
	g->stop_ps = h->sim->now;
	g->precopy_bytes = g->bytes;
	/* The resume event goes first: at the end of the downtime it runs
	 * before the vCPU steps the pause rescheduled. */
	sim_at(h->sim, h->sim->now + len, mig_resume_ev, g, 0);
	h->vm->pause(h->vm_ctx, h->sim->now + len);
	mig_note(g, to_postcopy ? "migration: switch-over to postcopy" : "migration: stop-and-copy");
}

/* The VM stops; the dirty rest and the device state cross the link at its
 * full bandwidth (QEMU lifts the rate limit for the completion), then one
 * round trip hands over.  The pause length is fixed when it starts, so the
 * dirty pages still on the source's swap were read just before
 * (MIGS_PREREAD). */
static void mig_stop_and_copy(struct migration *g)
{
	const struct migration_cfg *c = &g->h->cfg->migration;
	uint64_t dirty = mig_count(g, HM_MIGDIRTY);
	uint64_t bytes = dirty * PAGE + c->device_state;

	g->last_dirty = dirty;
	mig_pause(g, miglink_block(&g->link, bytes) + c->rtt, false);
	g->pages_sent += dirty;
	g->bytes += bytes;
}

/* The postcopy switch-over: the device state, then one round trip. */
static void mig_to_postcopy(struct migration *g)
{
	const struct migration_cfg *c = &g->h->cfg->migration;

	mig_pause(g, miglink_block(&g->link, c->device_state) + c->rtt, true);
	g->bytes += c->device_state;
}

static void mig_round_ev(void *ctx, uint64_t arg)
{
	struct migration *g = ctx;
	const struct host_parts *h = g->h;
	const struct migration_cfg *c = &h->cfg->migration;
	uint64_t dirty = mig_count(g, HM_MIGDIRTY);
	sim_time_t dur = h->sim->now - g->round_start_ps;
	/* QEMU's switch-over test: the rest fits downtime-limit at the
	 * bandwidth measured over the round just finished. */
	double bw = dur && g->round_bytes ? (double)g->round_bytes * (double)SIM_S / (double)dur
					  : (double)(g->throttle ? g->throttle : c->bandwidth);
	double threshold = bw * (double)c->downtime_limit / (double)SIM_S;

	/* hybrid completes like precopy when a round converges before
	 * max_rounds (QEMU completes a converged precopy before any
	 * postcopy start); its last round always ends in postcopy, as
	 * mig_round_after announced. */
	bool may_complete = c->mode == MIG_PRECOPY || (c->mode == MIG_HYBRID && g->rounds < c->max_rounds);

	(void)arg;
	g->last_dirty = dirty;
	if (may_complete && (double)(dirty * PAGE) <= threshold) {
		bool swapped = false;
		for (uint64_t p = 0; p < h->hm->npages && !swapped; p++)
			swapped = (h->hm->st[p] & HM_MIGDIRTY) && (h->hm->st[p] & (HM_SWAPPED | HM_INFLIGHT));
		if (swapped)
			mig_sender_start(g, MIGS_PREREAD);
		else
			mig_stop_and_copy(g);
		return;
	}
	if (g->rounds >= c->max_rounds) {
		if (c->mode == MIG_HYBRID) {
			mig_to_postcopy(g);
			return;
		}
		/* The guest dirties memory faster than the network sends it:
		 * give up, the VM keeps running on the source (QEMU never
		 * forces a switch-over on its own). */
		g->phase = MIGP_FAILED;
		g->result = "not_converged";
		g->end_ps = h->sim->now;
		mig_snapshot(g, g->prog_switch);
		mig_snapshot(g, g->prog_end);
		mig_note(g, "migration: precopy did not converge");
		return;
	}
	mig_round_start(g);
}

/* --- postcopy --------------------------------------------------------- */

static void mig_page_arrived(struct migration *g, uint64_t page)
{
	const struct host_parts *h = g->h;

	if (!hostmem_remote_arrived(h->hm, page)) {
		/* Every page is sent once: the stream skips pages already
		 * requested and requests never target a page on the wire. */
		g->duplicates++;
		mig_fail(g, "migration: page %#llx delivered twice",
			 (unsigned long long)page);
		return;
	}
	g->arrived++;
	g->remote_left--;
	g->pages_sent++;
	g->bytes += PAGE;
	h->vm->page_resident(h->vm_ctx, page);
	workers_page_resident(h->workers, page);
	if (g->remote_left == 0 && g->phase == MIGP_POSTCOPY) {
		g->phase = MIGP_DONE;
		g->result = "completed";
		g->end_ps = h->sim->now;
		mig_snapshot(g, g->prog_end);
		mig_note(g, "migration: postcopy complete");
		if (g->arrived != g->remote_at_switch)
			mig_fail(g, "migration: %llu of %llu remote pages arrived",
				 (unsigned long long)g->arrived, (unsigned long long)g->remote_at_switch);
	}
}

/* A unit reached the destination. */
static void mig_deliver(void *ctx, const struct mig_unit *u)
{
	struct migration *g = ctx;
	sim_time_t now = g->h->sim->now;

	if (u->urgent)
		hist_add(&g->req_latency, now - u->t_req);
	if (g->phase == MIGP_PRECOPY) {
		g->bytes += u->n * PAGE;
		g->pages_sent += u->n;
		g->round_bytes += u->n * PAGE;
	} else {
		for (uint32_t i = 0; i < u->n; i++)
			mig_page_arrived(g, u->page[i]);
	}
	if (g->draining && g->link.inflight == 0) {
		/* The round's last page is in: its acknowledgement returns. */
		g->draining = false;
		mig_round_after(g, g->link.half_rtt);
	}
}

/* The destination runs: hand the APF state over, then (postcopy) every page
 * not sent yet is still at the source. */
static void mig_resume_ev(void *ctx, uint64_t arg)
{
	struct migration *g = ctx;
	const struct host_parts *h = g->h;
	struct hostmem *hm = h->hm;

	(void)arg;
	g->switch_ps = h->sim->now;
	mig_snapshot(g, g->prog_switch);
	/* Stage 2 is empty on the destination. */
	for (uint64_t p = 0; p < hm->npages; p++)
		hm->st[p] &= (uint8_t)~HM_MAPPED;
	if (g->to_postcopy) {
		bool all = h->cfg->migration.mode == MIG_POSTCOPY;
		for (uint64_t p = 0; p < hm->npages; p++) {
			uint8_t s = hm->st[p];
			if (!s || (!all && !(s & HM_MIGDIRTY)))
				continue;
			/* The source keeps what it had on swap; a swap-in in
			 * flight there finishes as the source's read. */
			if (s & (HM_SWAPPED | HM_INFLIGHT))
				BIT_SET(g->bm_src_swapped, p);
			if ((s & HM_INFLIGHT) && !(s & HM_REMOTE))
				BIT_SET(g->bm_src_reading, p);
			hostmem_make_remote(hm, p);
			g->remote_left++;
		}
		g->remote_at_switch = g->remote_left;
		g->phase = MIGP_POSTCOPY;
		g->throttle = h->cfg->migration.max_postcopy_bandwidth;
		if (g->throttle >= h->cfg->migration.bandwidth)
			g->throttle = 0;
		g->credit_at = h->sim->now;
	} else {
		g->phase = MIGP_DONE;
		g->result = "completed";
		g->end_ps = h->sim->now;
		mig_snapshot(g, g->prog_end);
	}
	h->vm->switch_over(h->vm_ctx);
	if (g->phase == MIGP_POSTCOPY) {
		/* Faults in progress at the source now wait for remote pages. */
		for (uint32_t i = 0; i < h->nvcpus; i++) {
			uint64_t gfn;
			if (h->vm->vcpu_waiting(h->vm_ctx, i, &gfn) && hm->st[gfn] == HM_REMOTE)
				migration_request(g, gfn);
		}
		for (uint32_t w = 0; w < h->workers->n; w++) {
			struct worker *wk = &h->workers->w[w];
			if (wk->busy && wk->waiting_io && hm->st[wk->job.gfn] == HM_REMOTE)
				migration_request(g, wk->job.gfn);
		}
		if (g->remote_left == 0) {
			g->phase = MIGP_DONE;
			g->result = "completed";
			g->end_ps = h->sim->now;
			mig_snapshot(g, g->prog_end);
		} else {
			mig_sender_start(g, MIGS_STREAM);
		}
	}
	h->vm->unpause(h->vm_ctx);
}

static void mig_send_urgent(struct migration *g, uint64_t page, sim_time_t t_req)
{
	struct mig_unit u = { .n = 1, .urgent = true, .t_req = t_req };

	u.page[0] = page;
	if (miglink_send(&g->link, &u))
		mig_fail(g, "migration: out of memory for the link queue");
}

static void mig_pend_remove(struct migration *g, uint32_t i)
{
	g->pend[i] = g->pend[--g->npend];
}

/* The request reached the source: send the page, or read it from the
 * source's swap first. */
static void mig_request_at_source_ev(void *ctx, uint64_t page)
{
	struct migration *g = ctx;

	for (uint32_t i = 0; i < g->npend; i++) {
		struct mig_pending *pd = &g->pend[i];
		if (pd->gfn != page || pd->at_source)
			continue;
		if (BIT_TEST(g->bm_src_swapped, page)) {
			pd->at_source = true;
			if (!BIT_TEST(g->bm_src_reading, page)) {
				BIT_SET(g->bm_src_reading, page);
				g->src_swapins++;
				swapdev_submit(g->h->swap, page, false);
			}
			return;
		}
		sim_time_t t = pd->t_req;
		mig_pend_remove(g, i);
		mig_send_urgent(g, page, t);
		return;
	}
}

/* A fault on a remote page (the vCPU, or an async-PF worker, waits for it
 * like for a swap-in): the request takes half a round trip to the source,
 * which puts the page on the link — behind the stream's backlog without
 * preempt, ahead of it with preempt — and it arrives half a round trip
 * after leaving the wire. */
void migration_request(struct migration *g, uint64_t page)
{
	hostmem_fetch_start(g->h->hm, page);
	g->requests++;
	if (g->npend == g->cappend) {
		uint32_t ncap = g->cappend ? g->cappend * 2 : 64;
		struct mig_pending *np = realloc(g->pend, ncap * sizeof(*np));
		if (!np) {
			mig_fail(g, "migration: out of memory for requests");
			return;
		}
		g->pend = np;
		g->cappend = ncap;
	}
	g->pend[g->npend++] = (struct mig_pending){ page, g->h->sim->now, false };
	sim_after(g->h->sim, g->link.half_rtt, mig_request_at_source_ev, g, page);
}

bool migration_source_read_done(struct migration *g, uint64_t gfn)
{
	if (!g->bm_src_reading || !BIT_TEST(g->bm_src_reading, gfn))
		return false;
	BIT_CLEAR(g->bm_src_reading, gfn);
	BIT_CLEAR(g->bm_src_swapped, gfn);
	for (uint32_t i = 0; i < g->npend; i++) {
		if (g->pend[i].gfn == gfn && g->pend[i].at_source) {
			sim_time_t t = g->pend[i].t_req;
			mig_pend_remove(g, i);
			mig_send_urgent(g, gfn, t);
			break;
		}
	}
	migration_page_resident(g, gfn);
	return true;
}

void migration_page_resident(struct migration *g, uint64_t gfn)
{
	if (g->waiting && g->wait_gfn == gfn) {
		g->waiting = false;
		mig_pump(g);
	}
}

static void mig_start_ev(void *ctx, uint64_t arg)
{
	struct migration *g = ctx;
	const struct migration_cfg *c = &g->h->cfg->migration;

	(void)arg;
	g->start_ps = g->h->sim->now;
	if (g->h->cfg->faults.migrate_random)
		faults_record(g->h->faults, TRACE_NO_VCPU, FAULT_MIGRATE_START, 0);
	mig_snapshot(g, g->prog_start);
	mig_note(g, "migration: start");
	if (c->mode == MIG_POSTCOPY) {
		mig_to_postcopy(g);
		return;
	}
	g->phase = MIGP_PRECOPY;
	g->throttle = c->max_bandwidth < c->bandwidth ? c->max_bandwidth : 0;
	g->credit_at = g->h->sim->now;
	/* Dirty tracking starts now: round 0 sends everything. */
	mig_round_start(g);
}

int migration_init(struct migration *g, const struct host_parts *h)
{
	memset(g, 0, sizeof(*g));
	g->h = h;
	hist_init(&g->req_latency);
	if (h->cfg->migration.mode == MIG_NONE)
		return 0;
	g->prog_start = calloc(h->ntasks + 1, sizeof(uint64_t));
	g->prog_switch = calloc(h->ntasks + 1, sizeof(uint64_t));
	g->prog_end = calloc(h->ntasks + 1, sizeof(uint64_t));
	size_t words = (h->hm->npages + 63) / 64;
	g->bm_send = calloc(words, sizeof(uint64_t));
	g->bm_src_swapped = calloc(words, sizeof(uint64_t));
	g->bm_src_reading = calloc(words, sizeof(uint64_t));
	if (!g->prog_start || !g->prog_switch || !g->prog_end || !g->bm_send || !g->bm_src_swapped ||
	    !g->bm_src_reading)
		return -1;
	const struct migration_cfg *c = &h->cfg->migration;
	miglink_init(&g->link, h->sim, c->bandwidth, c->rtt, c->postcopy_preempt);
	g->link.deliver = mig_deliver;
	g->link.room = mig_link_room;
	g->link.ctx = g;
	sim_time_t start = h->cfg->migration.start;
	/* Injection: the faults stream (seeded by faults_init, which runs
	 * first) picks the instant, so every explored seed migrates at a
	 * different point of the run. */
	if (h->cfg->faults.migrate_random)
		start = (sim_time_t)(rng_uniform01(&h->faults->rng) * (double)h->cfg->run.duration);
	sim_at(h->sim, start, mig_start_ev, g, 0);
	if (c->mode == MIG_POSTCOPY) {
		g->pause_known = true;	/* mig_start_ev switches over at once */
		g->pause_at = start;
	}
	return 0;
}

bool migration_pause_at(const struct migration *g, sim_time_t *at)
{
	if (!g->pause_known)
		return false;
	*at = g->pause_at;
	return true;
}

void migration_fini(struct migration *g)
{
	free(g->prog_start);
	free(g->prog_switch);
	free(g->prog_end);
	free(g->bm_send);
	free(g->bm_src_swapped);
	free(g->bm_src_reading);
	free(g->pend);
	miglink_fini(&g->link);
	g->prog_start = g->prog_switch = g->prog_end = NULL;
	g->bm_send = g->bm_src_swapped = g->bm_src_reading = NULL;
	g->pend = NULL;
}

static const char *mig_phase_name(enum mig_phase p)
{
	static const char *const n[] = { "not_started", "precopy", "paused", "postcopy", "done", "failed" };
	return n[p];
}

/* What the report says of a migration at the end of the run.  The counters
 * hold a stop-and-copy or switch-over block whole from its start; a run that
 * ends inside the pause has sent only the block's part up to its end (the
 * dirty pages first, the device state last) and lived only that much
 * downtime.  A migration that never stopped the VM (still in precopy, or
 * not converged) has been in precopy all along.  Invariants:
 * bytes <= link bandwidth x elapsed, downtime <= run end - stop. */
struct mig_account {
	uint64_t bytes, pages, precopy_bytes;
	sim_time_t downtime, precopy;
	double secs;		/* start to the end (or the run's end) */
};

static void mig_account(const struct migration *g, sim_time_t run_end, struct mig_account *a)
{
	sim_time_t end = g->end_ps ? g->end_ps : run_end;
	uint64_t unsent = g->phase == MIGP_PAUSED ? miglink_block_unsent(&g->link, run_end) : 0;
	uint64_t dev = g->h->cfg->migration.device_state;

	a->secs = (double)(end > g->start_ps ? end - g->start_ps : 0) / (double)SIM_S;
	a->bytes = g->bytes - unsent;
	a->pages = g->pages_sent;
	if (unsent > dev && !g->to_postcopy)
		a->pages -= (unsent - dev + PAGE - 1) / PAGE;
	a->downtime = g->downtime_ps;
	if (g->phase == MIGP_PAUSED && run_end < g->stop_ps + g->downtime_ps)
		a->downtime = run_end > g->stop_ps ? run_end - g->stop_ps : 0;
	if (g->stop_ps) {
		a->precopy_bytes = g->precopy_bytes;
		a->precopy = g->stop_ps > g->start_ps ? g->stop_ps - g->start_ps : 0;
	} else if (g->phase == MIGP_PRECOPY || (g->phase == MIGP_FAILED && g->rounds)) {
		a->precopy_bytes = g->bytes;
		a->precopy = end > g->start_ps ? end - g->start_ps : 0;
	} else {
		a->precopy_bytes = 0;
		a->precopy = 0;
	}
}

json_t *migration_json(const struct migration *g, sim_time_t run_end)
{
	const struct host_parts *h = g->h;
	const struct migration_cfg *c = &h->cfg->migration;
	json_t *o = json_object(), *tasks = json_array();
	struct mig_account a;
	double secs;

	mig_account(g, run_end, &a);
	secs = a.secs;

	json_object_set_new(o, "mode", json_string(cfg_migration_mode_names[c->mode]));
	json_object_set_new(o, "result", g->result ? json_string(g->result) : json_string(mig_phase_name(g->phase)));
	json_object_set_new(o, "start_ps", json_integer((json_int_t)g->start_ps));
	json_object_set_new(o, "switchover_ps", json_integer((json_int_t)g->switch_ps));
	json_object_set_new(o, "end_ps", json_integer((json_int_t)g->end_ps));
	json_object_set_new(o, "total_ps", json_integer((json_int_t)(g->end_ps > g->start_ps ? g->end_ps - g->start_ps : 0)));
	json_object_set_new(o, "downtime_ps", json_integer((json_int_t)a.downtime));
	json_object_set_new(o, "setup_ps", json_integer((json_int_t)c->rtt));
	json_object_set_new(o, "transferred_bytes", json_integer((json_int_t)a.bytes));
	json_object_set_new(o, "precopy_rounds", json_integer((json_int_t)g->rounds));
	json_object_set_new(o, "dirty_pages_last_round", json_integer((json_int_t)g->last_dirty));
	json_object_set_new(o, "pages_per_s", json_real(secs > 0 ? (double)a.pages / secs : 0));
	json_object_set_new(o, "remote_pages_at_switchover", json_integer((json_int_t)g->remote_at_switch));
	json_object_set_new(o, "postcopy_requests", json_integer((json_int_t)g->requests));
	json_object_set_new(o, "remote_pages_arrived", json_integer((json_int_t)g->arrived));
	json_object_set_new(o, "pages_delivered_twice", json_integer((json_int_t)g->duplicates));
	json_object_set_new(o, "postcopy_request_latency_ps", report_hist_json(&g->req_latency));
	json_object_set_new(o, "effective_bytes_per_s", json_real(secs > 0 ? (double)a.bytes / secs : 0));
	json_object_set_new(o, "link_bytes_per_s", json_integer((json_int_t)c->bandwidth));
	json_object_set_new(o, "link_busy_ps", json_integer((json_int_t)g->link.busy_ps));
	json_object_set_new(o, "precopy_bytes", json_integer((json_int_t)a.precopy_bytes));
	json_object_set_new(o, "precopy_ps", json_integer((json_int_t)a.precopy));
	json_object_set_new(o, "device_state_bytes", json_integer((json_int_t)c->device_state));
	json_object_set_new(o, "source_swap_ins", json_integer((json_int_t)g->src_swapins));
	uint64_t *now = g->prog_start ? calloc(h->ntasks + 1, sizeof(uint64_t)) : NULL;

	if (now)
		h->vm->progress(h->vm_ctx, now);
	for (uint32_t i = 0; now && i < h->ntasks; i++) {
		uint64_t before = g->prog_start[i];
		uint64_t mid = (g->start_ps ? (g->end_ps ? g->prog_end[i] : now[i]) : before) - before;
		uint64_t after = g->end_ps ? now[i] - g->prog_end[i] : 0;
		json_array_append_new(tasks, json_pack("{s:s, s:I, s:I, s:I}", "name", h->vm->task_name(h->vm_ctx, i),
						       "before", (json_int_t)before, "during", (json_int_t)mid,
						       "after", (json_int_t)after));
	}
	free(now);
	json_object_set_new(o, "tasks", tasks);
	return o;
}

void migration_summary(const struct migration *g, sim_time_t run_end, FILE *out)
{
	const struct host_parts *h = g->h;
	const struct migration_cfg *cf = &h->cfg->migration;
	char a[32], b[32], c[32], d[32], e[32], f[32];
	sim_time_t total = g->end_ps > g->start_ps ? g->end_ps - g->start_ps : 0;
	struct mig_account ac;	/* as in the JSON */
	double secs;

	if (cf->mode == MIG_NONE)
		return;
	mig_account(g, run_end, &ac);
	secs = ac.secs;
	report_fmt_time(total, a, sizeof(a));
	report_fmt_time(ac.downtime, b, sizeof(b));
	report_fmt_time(hist_quantile(&g->req_latency, 0.5), c, sizeof(c));
	report_fmt_time(hist_quantile(&g->req_latency, 0.99), d, sizeof(d));
	report_fmt_time(g->req_latency.count ? g->req_latency.min : 0, e, sizeof(e));
	report_fmt_time(g->req_latency.count ? g->req_latency.max : 0, f, sizeof(f));
	fprintf(out, "\nmigration (%s): %s, total %s, downtime %s, %llu precopy rounds, %llu MiB sent,"
		     " %llu postcopy requests (p50 %s)\n",
		cfg_migration_mode_names[cf->mode],
		g->result ? g->result : mig_phase_name(g->phase), a, b, (unsigned long long)g->rounds,
		(unsigned long long)(ac.bytes >> 20), (unsigned long long)g->requests, c);
	fprintf(out, "  link: %.3f of %.3f Gbit/s effective, %.0f pages/s, %llu source swap-ins;"
		     " request latency p50 %s p99 %s min %s max %s\n",
		secs > 0 ? (double)ac.bytes * 8 / secs / 1e9 : 0.0, (double)cf->bandwidth * 8 / 1e9,
		secs > 0 ? (double)ac.pages / secs : 0.0, (unsigned long long)g->src_swapins, c, d, e, f);
}
