/* dist.h — distributions of modelled costs (values are picoseconds when the
 * distribution describes a latency, plain numbers otherwise).
 *
 *   fixed        value a
 *   uniform      [a, b)
 *   exponential  mean a
 *   lognormal    ln(X) ~ N(mu = a, sigma = b), X in the value unit;
 *                dist_lognormal_median_p99() derives mu/sigma
 *   empirical    table of (value, cumulative probability) points, sampled by
 *                inverse CDF with linear interpolation between points
 */
#ifndef APFSIM_MODEL_DIST_H
#define APFSIM_MODEL_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "model/rng.h"

enum dist_kind {
	DIST_FIXED,
	DIST_UNIFORM,
	DIST_EXPONENTIAL,
	DIST_LOGNORMAL,
	DIST_EMPIRICAL,
};

#define DIST_EMPIRICAL_MAX 64

struct dist {
	enum dist_kind kind;
	double a, b;
	uint32_t n;			  /* empirical points */
	double value[DIST_EMPIRICAL_MAX]; /* ascending */
	double cdf[DIST_EMPIRICAL_MAX];	  /* ascending, last == 1 */
};

void dist_fixed(struct dist *d, double v);
/* Returns 0, or -1 when median <= 0 or p99 < median. */
int dist_lognormal_median_p99(struct dist *d, double median, double p99);
double dist_sample(const struct dist *d, struct rng *r);
/* Sample rounded to a non-negative integer (picoseconds for latencies). */
uint64_t dist_sample_u64(const struct dist *d, struct rng *r);
/* Analytic mean (for documentation and tests). */
double dist_mean(const struct dist *d);
/* Short human description, e.g. "lognormal(median 15us, p99 80us)". */
void dist_describe(const struct dist *d, char *buf, size_t len);

#endif
