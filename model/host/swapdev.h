/* swapdev.h — the swap device: `queue_depth` requests in service at once,
 * FIFO beyond that, each with a service time drawn from the configured
 * read or write latency distribution.  Reads are swap-ins of one 4 KiB
 * page, writes are write-backs of evicted dirty pages; both share the
 * queue, so reclaim traffic delays fault-ins as it does on a real disk. */
#ifndef APFSIM_MODEL_SWAPDEV_H
#define APFSIM_MODEL_SWAPDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "model/kernel/dist.h"
#include "model/kernel/histogram.h"
#include "model/kernel/rng.h"
#include "model/kernel/sim.h"

struct swap_req {
	uint64_t gfn;
	sim_time_t submitted;
	bool write;
};

struct swapdev_stats {
	uint64_t reads, writes;
	uint64_t max_queued;		/* deepest wait queue seen */
	struct histogram read_wait;	/* submit -> service start */
	struct histogram read_total;	/* submit -> completion */
};

struct swapdev {
	struct sim *sim;
	uint32_t depth;
	uint32_t busy;
	const struct dist *rd, *wr;
	struct rng rng;
	struct swap_req *q;	/* ring of waiting requests */
	uint32_t qcap, qhead, qlen;
	struct swapdev_stats stats;
	/* Completion of a request (reads: the page may now be made resident). */
	void (*done)(void *ctx, uint64_t gfn, bool write);
	void *done_ctx;
};

int swapdev_init(struct swapdev *sd, struct sim *sim, uint32_t depth, const struct dist *rd,
		 const struct dist *wr, uint64_t seed);
void swapdev_fini(struct swapdev *sd);
/* Returns 0, or -1 when the wait queue could not grow. */
int swapdev_submit(struct swapdev *sd, uint64_t gfn, bool write);

#endif
