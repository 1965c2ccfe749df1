/* swapdev.h — the swap device (docs/scenario.md, "The swap device model").
 *
 * A request reads or writes 1 to SWAP_REQ_MAX pages at consecutive swap
 * slots.  At most `queue_depth` requests are in service at once; the rest
 * wait FIFO.  A request in service costs
 *
 *   service  = floor + draw(read_latency) + seek      (reads)
 *            = draw(write_latency) + seek             (writes)
 *   seek     = seek_max * sqrt(|slot - head| / nslots) (0 when seek_max is 0)
 *
 * and then its transfer, npages * 4 KiB / bandwidth, on the device's one
 * transfer channel: transfers never overlap, in the order their service
 * ends.  The request leaves service (freeing its queue slot) when its
 * transfer ends.  A write contiguous with the last waiting write joins it
 * (up to SWAP_REQ_MAX pages), as the block layer back-merges bios.  The
 * waiting requests are served in submission order (scheduler `none`) or
 * reads first (`mq-deadline`, simplified: after MQ_DEADLINE_WRITES_STARVED
 * reads have passed waiting writes, the oldest write goes next).
 *
 * Invariants: no read completes sooner than floor + its transfer after it
 * entered service; bytes moved / time the channel was busy <= bandwidth;
 * the number of requests in service never exceeds queue_depth; a transfer
 * happens while its request is in service, so transfer_ps <= busy_ps.
 *
 * The statistics (docs/output.md, host.swap): `reads` and `writes` count
 * requests when submitted (a write merged into a waiting one is not a new
 * request), `pages_read`/`pages_written` count pages when their request
 * completes; a request still waiting or in service when the run ends is
 * `*_unfinished`, so pages_read >= reads - reads_unfinished.  busy_ps and
 * transfer_ps are time up to swapdev_close(); they are final only after it.
 */
#ifndef APFSIM_MODEL_SWAPDEV_H
#define APFSIM_MODEL_SWAPDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "model/config/config.h"
#include "model/kernel/dist.h"
#include "model/kernel/histogram.h"
#include "model/kernel/rng.h"
#include "model/kernel/sim.h"

#define SWAP_REQ_MAX 64		/* pages per request: 2^page_cluster, page_cluster <= 6 */
#define SWAP_NO_SLOT UINT64_MAX	/* a request with no slot: no seek, head unchanged */
#define MQ_DEADLINE_WRITES_STARVED 2	/* mq-deadline's writes_starved default */

struct swap_req {
	sim_time_t submitted;
	uint64_t slot;		/* first swap slot, or SWAP_NO_SLOT */
	uint32_t n;		/* pages */
	bool write;
	uint64_t seq;		/* submission order */
	uint32_t next;		/* free list, or the wait list it is on */
	uint32_t gfn[SWAP_REQ_MAX];
};

struct swapdev_stats {
	uint64_t reads, writes;		/* requests */
	uint64_t pages_read, pages_written;
	uint64_t merged_writes;		/* writes joined to a contiguous write (waiting or plugged) */
	uint64_t max_queued;		/* deepest wait queue seen */
	uint64_t reads_unfinished;	/* read requests not completed at close */
	uint64_t pages_read_unfinished;	/* their pages */
	uint64_t writes_unfinished;	/* write requests not completed at close */
	sim_time_t busy_ps;		/* time with at least one request in service, up to close */
	sim_time_t transfer_ps;		/* time the transfer channel was busy, up to close */
	struct histogram read_wait;	/* submit -> service start, per read request */
	struct histogram read_total;	/* submit -> completion, per read request */
};

struct swapdev {
	struct sim *sim;
	uint32_t depth;
	uint32_t busy;			/* requests in service */
	sim_time_t floor, seek_max;
	uint64_t bandwidth;		/* bytes per second */
	/* swapdev_transfer_ps(sd, n) for n <= SWAP_REQ_MAX, computed once at
	 * init (bandwidth never changes): a 64-bit division per I/O was 1-2 %
	 * of an explore run. */
	sim_time_t xfer_ps[SWAP_REQ_MAX + 1];
	uint64_t nslots;		/* size of the swap area, for seek distances */
	uint64_t head;			/* slot after the last request served */
	const struct dist *rd, *wr;
	struct rng rng;
	sim_time_t chan_free;		/* the transfer channel is busy until then */
	sim_time_t xfer_sched;		/* transfer time of every transfer scheduled so far */
	sim_time_t busy_since;		/* start of the current busy period (busy > 0) */
	sim_time_t busy_done;		/* busy time of the busy periods that ended */
	uint64_t reads_done, writes_done;	/* requests completed */
	uint64_t pages_read_pending;	/* pages of reads submitted, not completed */
	struct swap_req *req;		/* request pool */
	uint32_t nreq, free_req;
	uint32_t sched;			/* enum swap_sched */
	uint32_t starved;		/* reads dispatched past waiting writes */
	uint64_t seq;
	/* Waiting requests: reads and writes on two FIFO lists (linked by
	 * swap_req.next); `none` serves them in submission order across both. */
	uint32_t rhead, rtail, whead, wtail;
	uint64_t qlen;
	/* A bio-based driver (zram: zram_submit_bio handles each bio as it
	 * comes, compressing page by page): no request queue, so neither the
	 * plug nor a waiting write merges anything. */
	bool no_merge;
	/* The block plug (swapdev_plug): contiguous writes submitted while
	 * plugged gather into one run, sent as one request at the unplug or
	 * when a write does not continue it. */
	bool plugged;
	uint64_t plug_slot;
	uint32_t plug_n;
	uint32_t plug_gfn[SWAP_REQ_MAX];
	struct swapdev_stats stats;
	/* Completion, once per page of a request (reads: the page may now be
	 * made resident). */
	void (*done)(void *ctx, uint64_t gfn, bool write);
	void *done_ctx;
};

/* `nslots`: the swap area's size in slots (for the seek distance). */
int swapdev_init(struct swapdev *sd, struct sim *sim, const struct swap_cfg *cfg, uint64_t nslots,
		 uint64_t seed);
void swapdev_fini(struct swapdev *sd);
/* One request of n (1..SWAP_REQ_MAX) pages starting at `slot`.  0, or -1
 * when the request pool or wait queue could not grow. */
int swapdev_submit_io(struct swapdev *sd, bool write, uint64_t slot, const uint32_t *gfn, uint32_t n);
/* Plug (true) / unplug (false) the queue, as reclaim does around one batch
 * of write-backs (blk_start_plug / blk_finish_plug): contiguous writes
 * meanwhile become one request (up to SWAP_REQ_MAX pages) whether or not
 * the device is busy.  Unplugging submits what gathered. */
void swapdev_plug(struct swapdev *sd, bool on);
/* One page with no known slot. */
int swapdev_submit(struct swapdev *sd, uint64_t gfn, bool write);
/* Bring the time statistics (busy_ps, transfer_ps) and the *_unfinished
 * counts up to `end` (the end of the run): a busy period or a transfer still
 * going at `end` counts up to `end`.  Idempotent; may be called again for a
 * later `end`.  `end` must be >= the time of the last device event. */
void swapdev_close(struct swapdev *sd, sim_time_t end);
/* Transfer time of n pages at the device bandwidth (rounded up). */
sim_time_t swapdev_transfer_ps(const struct swapdev *sd, uint32_t n);

#endif
