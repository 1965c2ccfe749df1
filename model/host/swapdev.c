/* swapdev.c — a multi-server FIFO queue in front of the backing store.
 * Service times are drawn when a request starts service, from one RNG
 * stream ("swap"), so the draw order follows the (deterministic) service
 * order. */
#include "model/host/swapdev.h"

#include <stdlib.h>

int swapdev_init(struct swapdev *sd, struct sim *sim, uint32_t depth, const struct dist *rd,
		 const struct dist *wr, uint64_t seed)
{
	*sd = (struct swapdev){ 0 };
	sd->sim = sim;
	sd->depth = depth ? depth : 1;
	sd->rd = rd;
	sd->wr = wr;
	rng_stream(&sd->rng, seed, "swap");
	hist_init(&sd->stats.read_wait);
	hist_init(&sd->stats.read_total);
	sd->qcap = 256;
	sd->q = malloc(sd->qcap * sizeof(*sd->q));
	return sd->q ? 0 : -1;
}

void swapdev_fini(struct swapdev *sd)
{
	free(sd->q);
	sd->q = NULL;
}


/* Completion event: arg = gfn << 1 | write. */
static void swapdev_complete(void *ctx, uint64_t arg);

static void swapdev_start(struct swapdev *sd, const struct swap_req *r)
{
	sim_time_t now = sd->sim->now;
	sim_time_t service = dist_sample_u64(r->write ? sd->wr : sd->rd, &sd->rng);

	sd->busy++;
	if (!r->write) {
		hist_add(&sd->stats.read_wait, now - r->submitted);
		hist_add(&sd->stats.read_total, now - r->submitted + service);
	}
	sim_after(sd->sim, service, swapdev_complete, sd, r->gfn << 1 | (r->write ? 1 : 0));
}

static void swapdev_complete(void *ctx, uint64_t arg)
{
	struct swapdev *sd = ctx;
	bool write = arg & 1;

	sd->busy--;
	if (sd->qlen) {
		struct swap_req r = sd->q[sd->qhead];

		sd->qhead = (sd->qhead + 1) % sd->qcap;
		sd->qlen--;
		swapdev_start(sd, &r);
	}
	if (sd->done)
		sd->done(sd->done_ctx, arg >> 1, write);
}

static int swapdev_grow(struct swapdev *sd)
{
	uint32_t ncap = sd->qcap * 2;
	struct swap_req *nq = malloc(ncap * sizeof(*nq));

	if (!nq)
		return -1;
	for (uint32_t i = 0; i < sd->qlen; i++)
		nq[i] = sd->q[(sd->qhead + i) % sd->qcap];
	free(sd->q);
	sd->q = nq;
	sd->qcap = ncap;
	sd->qhead = 0;
	return 0;
}

int swapdev_submit(struct swapdev *sd, uint64_t gfn, bool write)
{
	struct swap_req r = { gfn, sd->sim->now, write };

	if (write)
		sd->stats.writes++;
	else
		sd->stats.reads++;
	if (sd->busy < sd->depth) {
		swapdev_start(sd, &r);
		return 0;
	}
	if (sd->qlen == sd->qcap && swapdev_grow(sd))
		return -1;
	sd->q[(sd->qhead + sd->qlen) % sd->qcap] = r;
	sd->qlen++;
	if (sd->qlen > sd->stats.max_queued)
		sd->stats.max_queued = sd->qlen;
	return 0;
}
