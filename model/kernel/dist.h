/* dist.h — distributions of modelled costs (values are picoseconds when the
 * distribution describes a latency, plain numbers otherwise).
 *
 *   fixed        value a
 *   uniform      [a, b)
 *   exponential  mean a
 *   lognormal    ln(X) ~ N(mu = a, sigma = b), X in the value unit (so for
 *                latencies mu is ln of picoseconds: a YAML mu given for
 *                ln(nanoseconds) becomes a = mu + ln(1000));
 *                dist_lognormal_median_p99() derives mu/sigma
 *   empirical    table of (value, cumulative probability) points, sampled by
 *                inverse CDF with linear interpolation between points
 */
#ifndef APFSIM_MODEL_DIST_H
#define APFSIM_MODEL_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "model/kernel/rng.h"

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
/* Constructors for the other kinds; each returns dist_validate()'s verdict
 * (0, or -1 with *d still filled in). */
int dist_uniform(struct dist *d, double min, double max);
int dist_exponential(struct dist *d, double mean);
int dist_lognormal(struct dist *d, double mu, double sigma);
/* Copies n points; -1 (d untouched) when n is 0 or above DIST_EMPIRICAL_MAX. */
int dist_empirical(struct dist *d, const double *value, const double *cdf, uint32_t n);
/* Returns 0, or -1 when median <= 0 or p99 < median. */
int dist_lognormal_median_p99(struct dist *d, double median, double p99);
double dist_sample(const struct dist *d, struct rng *r);
/* Sample rounded to a non-negative integer (picoseconds for latencies). */
uint64_t dist_sample_u64(const struct dist *d, struct rng *r);
/* Analytic mean (for documentation and tests). */
double dist_mean(const struct dist *d);
/* Inverse CDF: the value x with P(X <= x) = p, p in [0, 1] (clamped).  Exact
 * for every kind; lognormal inverts the normal CDF numerically, so this is
 * for reports and tests, not the sampling hot path. */
double dist_quantile(const struct dist *d, double p);
/* Check d's parameters: a known kind, finite numbers, uniform a <= b,
 * exponential mean > 0, lognormal sigma >= 0, empirical 1 <= n <=
 * DIST_EMPIRICAL_MAX with values and cdf non-decreasing, cdf within [0, 1]
 * and cdf[n-1] == 1.  Returns 0, or -1 with a one-line reason written to
 * why (NUL-terminated, truncated to len; why may be NULL). */
int dist_validate(const struct dist *d, char *why, size_t len);
/* Short human description, e.g. "lognormal(median 15us, p99 80us)"; values
 * are taken as picoseconds and printed with a ps/ns/us/ms/s unit. */
void dist_describe(const struct dist *d, char *buf, size_t len);
/* The same with values printed as plain numbers. */
void dist_describe_unitless(const struct dist *d, char *buf, size_t len);

#endif
