/* workers.c — FIFO job queue in front of `n` workers; see workers.h. */
#include "model/host/workers.h"

#include <stdlib.h>
#include <string.h>

#include "model/config/config.h"
#include "model/host/faults.h"
#include "model/host/host.h"
#include "model/host/hostmem.h"
#include "model/host/migration.h"
#include "model/host/swapin.h"

int workers_init(struct workers *ws, const struct host_parts *h, uint32_t n)
{
	memset(ws, 0, sizeof(*ws));
	ws->h = h;
	ws->n = n ? n : 1;
	ws->w = calloc(ws->n, sizeof(*ws->w));
	ws->qcap = 64;
	ws->q = malloc(ws->qcap * sizeof(*ws->q));
	hist_init(&ws->stats.queue_wait);
	hist_init(&ws->stats.fault_in);
	return ws->w && ws->q ? 0 : -1;
}

void workers_fini(struct workers *ws)
{
	free(ws->w);
	free(ws->q);
	ws->w = NULL;
	ws->q = NULL;
}

static void worker_finish(struct workers *ws, uint32_t i);

/* Every change of waiting_io goes through here, keeping n_waiting_io exact. */
static inline void worker_set_waiting(struct workers *ws, struct worker *w, bool waiting)
{
	if (w->waiting_io == waiting)
		return;
	w->waiting_io = waiting;
	if (waiting)
		ws->n_waiting_io++;
	else
		ws->n_waiting_io--;
}

/* Event: a worker begins the fault-in of its job (after worker_start). */
static void worker_run_ev(void *ctx, uint64_t i)
{
	struct workers *ws = ctx;
	const struct host_parts *h = ws->h;
	struct worker *w = &ws->w[i];
	uint64_t gfn = w->job.gfn;

	if (faults_draw(h->faults, h->cfg->faults.worker_fail)) {
		/* The fault-in failed; the worker notifies anyway (§1.3), the
		 * page stays out and the guest's retry faults again. */
		faults_record(h->faults, w->job.vcpu, FAULT_WORKER_FAIL, gfn);
		worker_finish(ws, (uint32_t)i);
		return;
	}
	switch (hostmem_classify(h->hm, gfn)) {
	case HM_FAULT_NONE:
	case HM_FAULT_MINOR:
		ws->stats.no_io++;
		worker_finish(ws, (uint32_t)i);
		return;
	case HM_FAULT_ZERO:
		ws->stats.zero_fills++;
		hostmem_zero_fill(h->hm, gfn);
		worker_finish(ws, (uint32_t)i);
		return;
	case HM_FAULT_MAJOR:
		ws->stats.swap_ins++;
		swapin_start(h->hm, h->swap, &h->cfg->host.swap, gfn);
		worker_set_waiting(ws, w, true);
		return;
	case HM_FAULT_REMOTE:
		/* Postcopy: fetched from the migration source. */
		migration_request(h->mig, gfn);
		worker_set_waiting(ws, w, true);
		return;
	case HM_FAULT_INFLIGHT:
		worker_set_waiting(ws, w, true);
		return;
	}
}

static void worker_take(struct workers *ws, uint32_t i, const struct worker_job *job)
{
	struct worker *w = &ws->w[i];
	const struct host_parts *h = ws->h;

	w->busy = true;
	worker_set_waiting(ws, w, false);
	w->job = *job;
	hist_add(&ws->stats.queue_wait, h->sim->now - job->submitted);
	sim_after(h->sim, h->cfg->host.worker_start, worker_run_ev, ws, i);
}

static void worker_finish(struct workers *ws, uint32_t i)
{
	struct worker *w = &ws->w[i];
	struct worker_job job = w->job;

	hist_add(&ws->stats.fault_in, ws->h->sim->now - job.submitted);
	w->busy = false;
	worker_set_waiting(ws, w, false);
	if (ws->qlen) {
		struct worker_job next = ws->q[ws->qhead];
		ws->qhead = (ws->qhead + 1) % ws->qcap;
		ws->qlen--;
		worker_take(ws, i, &next);
	}
	if (ws->complete)
		ws->complete(ws->ctx, &job, i);
}

int workers_submit(struct workers *ws, uint32_t vcpu, void *work, uint64_t gfn)
{
	struct worker_job job = { vcpu, work, gfn, ws->h->sim->now };

	ws->stats.jobs++;
	for (uint32_t i = 0; i < ws->n; i++) {
		if (!ws->w[i].busy) {
			worker_take(ws, i, &job);
			return 0;
		}
	}
	if (ws->qlen == ws->qcap) {
		uint32_t ncap = ws->qcap * 2;
		struct worker_job *nq = malloc(ncap * sizeof(*nq));
		if (!nq)
			return -1;
		for (uint32_t k = 0; k < ws->qlen; k++)
			nq[k] = ws->q[(ws->qhead + k) % ws->qcap];
		free(ws->q);
		ws->q = nq;
		ws->qcap = ncap;
		ws->qhead = 0;
	}
	ws->q[(ws->qhead + ws->qlen) % ws->qcap] = job;
	ws->qlen++;
	return 0;
}

bool workers_cancel(struct workers *ws, const void *work)
{
	for (uint32_t k = 0; k < ws->qlen; k++) {
		uint32_t at = (ws->qhead + k) % ws->qcap;
		if (ws->q[at].work != work)
			continue;
		/* close the gap, keeping FIFO order */
		for (uint32_t j = k; j + 1 < ws->qlen; j++)
			ws->q[(ws->qhead + j) % ws->qcap] = ws->q[(ws->qhead + j + 1) % ws->qcap];
		ws->qlen--;
		ws->stats.cancelled++;
		return true;
	}
	return false;
}

/* Release the waiting workers in index order, as a scan of all of them
 * would.  Only an event (worker_run_ev) sets waiting_io, never a completion
 * callback run from here, so the workers to release are exactly those
 * waiting on entry, and the scan can stop once it has seen `left` of them. */
void workers_page_resident(struct workers *ws, uint64_t gfn)
{
	uint32_t left = ws->n_waiting_io;

	for (uint32_t i = 0; i < ws->n && left > 0; i++) {
		struct worker *w = &ws->w[i];

		if (!w->waiting_io)
			continue;
		left--;
		if (w->busy && w->job.gfn == gfn)
			worker_finish(ws, i);
	}
}
