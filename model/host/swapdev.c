/* swapdev.c — a multi-server FIFO queue in front of one transfer channel
 * (see swapdev.h for the cost of a request and the invariants).
 *
 * Service times are drawn when a request enters service, from one RNG
 * stream ("swap"), so the draw order follows the (deterministic) service
 * order.  Request records come from a pool that doubles when empty; a
 * waiting request sits on the read or the write list.  Each request takes two events: end of service, then end of its
 * transfer on the channel. */
#include "model/host/swapdev.h"
#include "model/host/swapin.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REQ_NONE UINT32_MAX

static sim_time_t swapdev_transfer_time(uint64_t bandwidth, uint32_t n);

int swapdev_init(struct swapdev *sd, struct sim *sim, const struct swap_cfg *cfg, uint64_t nslots,
		 uint64_t seed)
{
	*sd = (struct swapdev){ 0 };
	sd->sim = sim;
	sd->depth = cfg->queue_depth ? cfg->queue_depth : 1;
	sd->floor = cfg->floor;
	sd->seek_max = cfg->seek_max;
	sd->bandwidth = cfg->bandwidth ? cfg->bandwidth : 1;
	for (uint32_t n = 0; n <= SWAP_REQ_MAX; n++)
		sd->xfer_ps[n] = swapdev_transfer_time(sd->bandwidth, n);
	sd->nslots = nslots ? nslots : 1;
	sd->rd = &cfg->read_latency;
	sd->wr = &cfg->write_latency;
	sd->sched = cfg->scheduler;
	sd->no_merge = swapin_synchronous(cfg);
	sd->free_req = REQ_NONE;
	sd->rhead = sd->rtail = sd->whead = sd->wtail = REQ_NONE;
	rng_stream(&sd->rng, seed, "swap");
	hist_init(&sd->stats.read_wait);
	hist_init(&sd->stats.read_total);
	return 0;
}

void swapdev_fini(struct swapdev *sd)
{
	free(sd->req);
	sd->req = NULL;
}

/* n pages at `bandwidth` bytes per second, rounded up to a picosecond. */
static sim_time_t swapdev_transfer_time(uint64_t bandwidth, uint32_t n)
{
	unsigned __int128 bytes = (unsigned __int128)n * CFG_PAGE_SIZE * SIM_S;

	return (sim_time_t)((bytes + bandwidth - 1) / bandwidth);
}

sim_time_t swapdev_transfer_ps(const struct swapdev *sd, uint32_t n)
{
	if (n <= SWAP_REQ_MAX)
		return sd->xfer_ps[n];
	return swapdev_transfer_time(sd->bandwidth, n);
}

static void swapdev_service_end(void *ctx, uint64_t idx);
static void swapdev_complete(void *ctx, uint64_t idx);
static uint32_t swapdev_dequeue(struct swapdev *sd);

/* Seek time from the head to `slot`: seek_max * sqrt(distance / nslots). */
static sim_time_t swapdev_seek(struct swapdev *sd, const struct swap_req *r)
{
	uint64_t d;

	if (!sd->seek_max || r->slot == SWAP_NO_SLOT)
		return 0;
	d = r->slot > sd->head ? r->slot - sd->head : sd->head - r->slot;
	if (d > sd->nslots)
		d = sd->nslots;
	return (sim_time_t)((double)sd->seek_max * sqrt((double)d / (double)sd->nslots) + 0.5);
}

static void swapdev_start(struct swapdev *sd, uint32_t idx)
{
	struct swap_req *r = &sd->req[idx];
	sim_time_t now = sd->sim->now;
	sim_time_t service = r->write ? dist_sample_u64(sd->wr, &sd->rng)
				      : sd->floor + dist_sample_u64(sd->rd, &sd->rng);

	service += swapdev_seek(sd, r);
	if (r->slot != SWAP_NO_SLOT)
		sd->head = r->slot + r->n;
	if (sd->busy++ == 0)
		sd->busy_since = now;
	if (!r->write)
		hist_add(&sd->stats.read_wait, now - r->submitted);
	sim_after(sd->sim, service, swapdev_service_end, sd, idx);
}

/* Service over: the data crosses the channel after the transfers ahead. */
static void swapdev_service_end(void *ctx, uint64_t idx)
{
	struct swapdev *sd = ctx;
	sim_time_t now = sd->sim->now;
	sim_time_t start = sd->chan_free > now ? sd->chan_free : now;
	sim_time_t xfer = swapdev_transfer_ps(sd, sd->req[idx].n);

	sd->chan_free = start + xfer;
	sd->xfer_sched += xfer;
	sim_at(sd->sim, sd->chan_free, swapdev_complete, sd, idx);
}

static void swapdev_complete(void *ctx, uint64_t idx)
{
	struct swapdev *sd = ctx;
	const struct swap_req *rq = &sd->req[idx];
	sim_time_t now = sd->sim->now;
	bool write = rq->write;
	uint32_t n = rq->n;
	/* The request goes back on the free list before the callbacks, which
	 * may submit new requests into it: keep its pages (only the n used,
	 * not the whole SWAP_REQ_MAX array — that copy was most of this
	 * function's cost). */
	uint32_t gfn[SWAP_REQ_MAX];

	memcpy(gfn, rq->gfn, (size_t)n * sizeof(gfn[0]));
	if (!write)
		hist_add(&sd->stats.read_total, now - rq->submitted);
	sd->req[idx].next = sd->free_req;
	sd->free_req = (uint32_t)idx;
	if (--sd->busy == 0)
		sd->busy_done += now - sd->busy_since;
	if (write) {
		sd->writes_done++;
		sd->stats.pages_written += n;
	} else {
		sd->reads_done++;
		sd->pages_read_pending -= n;
		sd->stats.pages_read += n;
	}
	if (sd->qlen)
		swapdev_start(sd, swapdev_dequeue(sd));
	if (sd->done)
		for (uint32_t i = 0; i < n; i++)
			sd->done(sd->done_ctx, gfn[i], write);
}

static uint32_t list_pop(struct swapdev *sd, uint32_t *head, uint32_t *tail)
{
	uint32_t idx = *head;

	*head = sd->req[idx].next;
	if (*head == REQ_NONE)
		*tail = REQ_NONE;
	sd->qlen--;
	return idx;
}

static void list_push(struct swapdev *sd, uint32_t *head, uint32_t *tail, uint32_t idx)
{
	sd->req[idx].next = REQ_NONE;
	if (*tail == REQ_NONE)
		*head = idx;
	else
		sd->req[*tail].next = idx;
	*tail = idx;
	sd->qlen++;
}

/* The next waiting request to serve (the lists are not both empty). */
static uint32_t swapdev_dequeue(struct swapdev *sd)
{
	bool read;

	if (sd->rhead == REQ_NONE)
		read = false;
	else if (sd->whead == REQ_NONE)
		read = true;
	else if (sd->sched == SWAP_SCHED_MQ_DEADLINE)
		read = sd->starved < MQ_DEADLINE_WRITES_STARVED;
	else
		read = sd->req[sd->rhead].seq < sd->req[sd->whead].seq;
	if (!read) {
		sd->starved = 0;
		return list_pop(sd, &sd->whead, &sd->wtail);
	}
	if (sd->whead != REQ_NONE)
		sd->starved++;
	return list_pop(sd, &sd->rhead, &sd->rtail);
}

/* A free request record; the pool doubles when empty. */
static uint32_t swapdev_alloc_req(struct swapdev *sd)
{
	if (sd->free_req == REQ_NONE) {
		uint32_t n = sd->nreq ? sd->nreq * 2 : 64;
		struct swap_req *nr = realloc(sd->req, n * sizeof(*nr));

		if (!nr)
			return REQ_NONE;
		sd->req = nr;
		for (uint32_t i = n; i-- > sd->nreq;) {
			sd->req[i].next = sd->free_req;
			sd->free_req = i;
		}
		sd->nreq = n;
	}
	uint32_t idx = sd->free_req;
	sd->free_req = sd->req[idx].next;
	return idx;
}

/* A write that continues the last waiting write's slots joins it (the
 * block layer's back-merge of contiguous bios): write-back of pages evicted
 * one after another becomes one sequential request. */
static bool swapdev_merge_write(struct swapdev *sd, uint64_t slot, const uint32_t *gfn, uint32_t n)
{
	struct swap_req *last;

	if (sd->no_merge || sd->wtail == REQ_NONE || slot == SWAP_NO_SLOT)
		return false;
	last = &sd->req[sd->wtail];
	if (last->slot == SWAP_NO_SLOT || last->slot + last->n != slot ||
	    last->n + n > SWAP_REQ_MAX)
		return false;
	for (uint32_t i = 0; i < n; i++)
		last->gfn[last->n + i] = gfn[i];
	last->n += n;
	sd->stats.merged_writes++;
	return true;
}

static int swapdev_submit_now(struct swapdev *sd, bool write, uint64_t slot, const uint32_t *gfn, uint32_t n);

static int swapdev_unplug_run(struct swapdev *sd)
{
	uint32_t n = sd->plug_n;

	sd->plug_n = 0;
	return n ? swapdev_submit_now(sd, true, sd->plug_slot, sd->plug_gfn, n) : 0;
}

void swapdev_plug(struct swapdev *sd, bool on)
{
	if (!on)
		swapdev_unplug_run(sd);
	sd->plugged = on;
}

int swapdev_submit_io(struct swapdev *sd, bool write, uint64_t slot, const uint32_t *gfn, uint32_t n)
{
	int rc = 0;

	if (n == 0 || n > SWAP_REQ_MAX)
		return -1;
	if (!write || !sd->plugged || sd->no_merge || slot == SWAP_NO_SLOT)
		return swapdev_submit_now(sd, write, slot, gfn, n);
	if (sd->plug_n && (sd->plug_slot + sd->plug_n != slot || sd->plug_n + n > SWAP_REQ_MAX))
		rc = swapdev_unplug_run(sd);
	if (sd->plug_n)
		sd->stats.merged_writes++;	/* joins the plugged run */
	else
		sd->plug_slot = slot;
	for (uint32_t i = 0; i < n; i++)
		sd->plug_gfn[sd->plug_n + i] = gfn[i];
	sd->plug_n += n;
	return rc;
}

static int swapdev_submit_now(struct swapdev *sd, bool write, uint64_t slot, const uint32_t *gfn, uint32_t n)
{
	uint32_t idx;

	if (write && swapdev_merge_write(sd, slot, gfn, n))
		return 0;
	idx = swapdev_alloc_req(sd);
	if (idx == REQ_NONE)
		return -1;
	struct swap_req *r = &sd->req[idx];
	r->submitted = sd->sim->now;
	r->slot = slot;
	r->n = n;
	r->write = write;
	r->seq = sd->seq++;
	for (uint32_t i = 0; i < n; i++)
		r->gfn[i] = gfn[i];
	if (write) {
		sd->stats.writes++;
	} else {
		sd->stats.reads++;
		sd->pages_read_pending += n;
	}
	if (sd->busy < sd->depth) {
		swapdev_start(sd, idx);
		return 0;
	}
	if (write)
		list_push(sd, &sd->whead, &sd->wtail, idx);
	else
		list_push(sd, &sd->rhead, &sd->rtail, idx);
	if (sd->qlen > sd->stats.max_queued)
		sd->stats.max_queued = sd->qlen;
	return 0;
}

/* Transfers on the channel are back to back from the first unfinished one
 * (which started by `end`: it was scheduled at or after the previous one's
 * end, or at its service end <= `end`) to chan_free, so the transfer time
 * still ahead of `end` is chan_free - end. */
void swapdev_close(struct swapdev *sd, sim_time_t end)
{
	sim_time_t ahead = sd->chan_free > end ? sd->chan_free - end : 0;

	sd->stats.transfer_ps = sd->xfer_sched - ahead;
	sd->stats.busy_ps = sd->busy_done + (sd->busy && end > sd->busy_since ? end - sd->busy_since : 0);
	sd->stats.reads_unfinished = sd->stats.reads - sd->reads_done;
	sd->stats.writes_unfinished = sd->stats.writes - sd->writes_done;
	sd->stats.pages_read_unfinished = sd->pages_read_pending;
}

int swapdev_submit(struct swapdev *sd, uint64_t gfn, bool write)
{
	uint32_t g = (uint32_t)gfn;

	return swapdev_submit_io(sd, write, SWAP_NO_SLOT, &g, 1);
}
