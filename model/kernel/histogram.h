/* histogram.h — fixed-memory log-linear latency histogram.
 *
 * Values (picoseconds) fall into buckets of 1/32 of a power of two, so any
 * reported percentile is within ~3 % of the exact value; min, max, count and
 * sum are exact.  No allocation; deterministic.
 */
#ifndef APFSIM_MODEL_HISTOGRAM_H
#define APFSIM_MODEL_HISTOGRAM_H

#include <stdint.h>

#define HIST_SUB_BITS 5
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS (64u * HIST_SUB)

struct histogram {
	uint64_t count;
	uint64_t sum;		/* saturating */
	uint64_t min, max;
	uint64_t bucket[HIST_BUCKETS];
};

void hist_init(struct histogram *h);
void hist_add(struct histogram *h, uint64_t v);
/* q in [0, 1]; 0 when empty.  Returns the upper edge of the bucket that
 * holds the q-quantile, clamped to [min, max]. */
uint64_t hist_quantile(const struct histogram *h, double q);
uint64_t hist_mean(const struct histogram *h);
void hist_merge(struct histogram *dst, const struct histogram *src);

#endif
