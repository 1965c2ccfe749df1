/* acct.h — a closed time account: one timeline cut into buckets.
 *
 * The owner names, at every instant where its activity changes, the bucket
 * the time from that instant on belongs to (acct_to).  Each picosecond
 * between acct_start and acct_close is therefore charged to exactly one
 * bucket, and the buckets sum to close - start by construction.
 *
 * Two counters record what would break the closure and must stay 0 (the
 * time-account test asserts it):
 *   backward_ps      time asked to be charged before the timeline's present
 *                    (a clock that ran backwards: the interval was already
 *                    charged, so it is dropped rather than counted twice);
 *   unwind_short_ps  time charged past the close that could not be taken
 *                    back because it was charged too long ago.
 * Time charged past the close (code that ran inline beyond the end of the
 * run) is taken back from the most recent charges, newest first.
 */
#ifndef APFSIM_MODEL_KERNEL_ACCT_H
#define APFSIM_MODEL_KERNEL_ACCT_H

#include <stdbool.h>
#include <stdint.h>

#include "model/kernel/sim.h"

#define ACCT_MAX_BUCKETS 20
#define ACCT_TAIL 16

struct acct {
	sim_time_t ps[ACCT_MAX_BUCKETS];
	sim_time_t start, since;	/* since: the timeline's present */
	uint32_t cur;			/* the bucket time from `since` goes to */
	bool on, closed;
	sim_time_t backward_ps, unwind_short_ps;
	struct acct_charge {
		uint32_t bucket;
		sim_time_t ps;
	} tail[ACCT_TAIL];		/* the latest charges, a ring */
	uint32_t tail_head, tail_n;
};

/* Open the timeline at `at` in `bucket`. */
void acct_start(struct acct *a, uint32_t bucket, sim_time_t at);
/* From `at` on, time goes to `bucket` (no-op before start / after close). */
void acct_to(struct acct *a, uint32_t bucket, sim_time_t at);
/* Close at `end`: charge up to it, or take back what was charged past it. */
void acct_close(struct acct *a, sim_time_t end);
/* Sum of the buckets. */
sim_time_t acct_total(const struct acct *a);

#endif
