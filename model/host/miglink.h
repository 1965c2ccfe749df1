/* miglink.h — the one network link between migration source and
 * destination (docs/migration.md "The link").
 *
 * A single server that puts one unit at a time on the wire at `bw` bytes
 * per second: the background stream's units (up to MIGLINK_UNIT_PAGES
 * pages) and urgent postcopy pages share it.  Without preempt there is one
 * FIFO: an urgent page waits behind every unit committed before it.  With
 * preempt urgent pages have their own queue, served before the FIFO when
 * the unit on the wire ends (they jump the queue, never the link).  A unit
 * leaves the wire after its bytes / bw and reaches the destination half a
 * round trip later.
 *
 * Invariants: at most one unit on the wire; units are delivered in the
 * order they left the wire; bytes on the wire / busy time == bw exactly,
 * so no traffic ever exceeds the link.
 */
#ifndef APFSIM_MODEL_MIGLINK_H
#define APFSIM_MODEL_MIGLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "model/kernel/sim.h"

/* 64 KiB: one TSO segment, the largest block a NIC puts on the wire at
 * once (assumption); an urgent page with preempt waits at most this long
 * behind the stream. */
#define MIGLINK_UNIT_PAGES 16

struct mig_unit {
	uint64_t page[MIGLINK_UNIT_PAGES];
	uint32_t n;
	bool urgent;
	sim_time_t t_req;	/* urgent: when the destination faulted */
};

struct mig_ring {
	struct mig_unit *u;
	uint32_t cap, head, len;
};

struct miglink {
	struct sim *sim;
	uint64_t bw;		/* bytes per second */
	sim_time_t half_rtt;
	bool preempt;
	struct mig_ring fifo, urg, prop;	/* waiting, urgent (preempt), propagating */
	bool busy;
	struct mig_unit cur;
	uint64_t stream_queued;	/* stream bytes committed, not yet off the wire */
	uint64_t inflight;	/* units committed, not yet delivered */
	uint64_t bytes;		/* off the wire */
	sim_time_t busy_ps;	/* time the wire carried data, up to miglink_close() */
	sim_time_t busy_done;	/* ... of the units off the wire and the blocks */
	sim_time_t wire_start, wire_end;	/* the unit on the wire (busy) */
	/* The last block (miglink_block): counted whole in bytes and
	 * busy_done when it starts; a run that ends inside it has sent only
	 * the part up to its end (miglink_block_unsent). */
	sim_time_t block_start, block_end;
	uint64_t block_bytes;
	/* A unit reached the destination. */
	void (*deliver)(void *ctx, const struct mig_unit *u);
	/* A stream unit left the wire: room for the sender to commit more. */
	void (*room)(void *ctx);
	void *ctx;
};

int miglink_init(struct miglink *l, struct sim *sim, uint64_t bw, sim_time_t rtt, bool preempt);
void miglink_fini(struct miglink *l);
/* Commit a unit: stream units and (without preempt) urgent ones go to the
 * FIFO, urgent ones with preempt to their own queue.  -1: out of memory. */
int miglink_send(struct miglink *l, const struct mig_unit *u);
/* The VM is stopped and the stream drained (stop-and-copy, the postcopy
 * switch-over): `bytes` cross the link as one block at its bandwidth.
 * Counts them and their wire time; returns that time. */
sim_time_t miglink_block(struct miglink *l, uint64_t bytes);
/* busy_ps up to `end` (the end of the run): a unit or a block still on the
 * wire counts up to `end`.  Idempotent. */
void miglink_close(struct miglink *l, sim_time_t end);
/* Bytes of the last block not yet off the wire at `end` (0 once it is
 * through): what the counters hold beyond what has crossed by `end`. */
uint64_t miglink_block_unsent(const struct miglink *l, sim_time_t end);
/* Time to put `bytes` on the wire at the link bandwidth. */
sim_time_t miglink_xfer(const struct miglink *l, uint64_t bytes);

#endif
