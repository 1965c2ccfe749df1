/* dist.c — sampling, moments, quantiles, validation and description of the
 * cost distributions declared in dist.h.
 *
 * Every sample consumes a fixed number of draws from the caller's stream
 * (fixed: 0, lognormal: 2, others: 1), so a model's random sequence does
 * not depend on the values it drew.  The code is unit-agnostic; only
 * dist_describe() assumes picoseconds.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model/kernel/dist.h"

/* z such that P(N(0,1) <= z) = 0.99. */
#define DIST_Z99 2.326347874040841
/* M_PI and M_SQRT2 are not ISO C. */
#define DIST_TWO_PI 6.283185307179586
#define DIST_SQRT2 1.4142135623730951

void dist_fixed(struct dist *d, double v)
{
	memset(d, 0, sizeof(*d));
	d->kind = DIST_FIXED;
	d->a = v;
}

int dist_uniform(struct dist *d, double min, double max)
{
	memset(d, 0, sizeof(*d));
	d->kind = DIST_UNIFORM;
	d->a = min;
	d->b = max;
	return dist_validate(d, NULL, 0);
}

int dist_exponential(struct dist *d, double mean)
{
	memset(d, 0, sizeof(*d));
	d->kind = DIST_EXPONENTIAL;
	d->a = mean;
	return dist_validate(d, NULL, 0);
}

int dist_lognormal(struct dist *d, double mu, double sigma)
{
	memset(d, 0, sizeof(*d));
	d->kind = DIST_LOGNORMAL;
	d->a = mu;
	d->b = sigma;
	return dist_validate(d, NULL, 0);
}

/* The 99th percentile of a lognormal is exp(mu + z99 sigma) and its median
 * exp(mu); solving for (mu, sigma) gives the formulas below. */
int dist_lognormal_median_p99(struct dist *d, double median, double p99)
{
	if (!(median > 0) || !(p99 >= median) || !isfinite(p99))
		return -1;
	return dist_lognormal(d, log(median), log(p99 / median) / DIST_Z99);
}

int dist_empirical(struct dist *d, const double *value, const double *cdf, uint32_t n)
{
	if (n == 0 || n > DIST_EMPIRICAL_MAX)
		return -1;
	memset(d, 0, sizeof(*d));
	d->kind = DIST_EMPIRICAL;
	d->n = n;
	memcpy(d->value, value, n * sizeof(*value));
	memcpy(d->cdf, cdf, n * sizeof(*cdf));
	return dist_validate(d, NULL, 0);
}

/* Piecewise-linear inverse CDF.  Below cdf[0] the table has an atom at
 * value[0]; between points it interpolates, and the lerp form returns
 * value[i] exactly at p == cdf[i]. */
static double dist_empirical_inverse(const struct dist *d, double p)
{
	uint32_t lo = 0, hi = d->n - 1;
	double t;

	if (p <= d->cdf[0])
		return d->value[0];
	/* First i with cdf[i] >= p; exists because cdf[n-1] == 1 >= p. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (d->cdf[mid] >= p)
			hi = mid;
		else
			lo = mid + 1;
	}
	/* cdf[lo-1] < p <= cdf[lo], so the denominator is positive. */
	t = (p - d->cdf[lo - 1]) / (d->cdf[lo] - d->cdf[lo - 1]);
	return (1 - t) * d->value[lo - 1] + t * d->value[lo];
}

/* Box–Muller, keeping only the cosine branch: the distribution carries no
 * state, so the spare normal is dropped rather than cached.  u1 is taken in
 * (0, 1] so the logarithm is finite. */
static double dist_std_normal(struct rng *r)
{
	double u1 = 1.0 - rng_uniform01(r);
	double u2 = rng_uniform01(r);

	return sqrt(-2.0 * log(u1)) * cos(DIST_TWO_PI * u2);
}

double dist_sample(const struct dist *d, struct rng *r)
{
	switch (d->kind) {
	case DIST_FIXED:
		return d->a;
	case DIST_UNIFORM:
		return d->a + (d->b - d->a) * rng_uniform01(r);
	case DIST_EXPONENTIAL:
		return -d->a * log(1.0 - rng_uniform01(r));
	case DIST_LOGNORMAL:
		return exp(d->a + d->b * dist_std_normal(r));
	case DIST_EMPIRICAL:
		return dist_empirical_inverse(d, rng_uniform01(r));
	}
	return 0;
}

/* round() to the nearest integer, halves away from zero, clamped to
 * [0, UINT64_MAX] — computed without the libm call: below 2^52 the
 * fraction v - trunc(v) is exact, so comparing it with 0.5 is round()'s
 * own decision; from 2^52 on every double is an integer. */
uint64_t dist_sample_u64(const struct dist *d, struct rng *r)
{
	double v = dist_sample(d, r);
	uint64_t i;

	if (!(v >= 0.5))	/* rounds to 0, negative, or NaN */
		return 0;
	if (v >= 0x1.0p64)	/* round(v) >= 2^64 exactly when v >= 2^64 */
		return UINT64_MAX;
	if (v >= 0x1.0p52)
		return (uint64_t)v;
	i = (uint64_t)v;
	if (v - (double)i >= 0.5)
		i++;
	return i;
}

double dist_mean(const struct dist *d)
{
	double m;

	switch (d->kind) {
	case DIST_FIXED:
		return d->a;
	case DIST_UNIFORM:
		return (d->a + d->b) / 2;
	case DIST_EXPONENTIAL:
		return d->a;
	case DIST_LOGNORMAL:
		return exp(d->a + d->b * d->b / 2);
	case DIST_EMPIRICAL:
		/* Atom at value[0], then uniform mass on each segment. */
		m = d->cdf[0] * d->value[0];
		for (uint32_t i = 1; i < d->n; i++)
			m += (d->cdf[i] - d->cdf[i - 1]) * (d->value[i - 1] + d->value[i]) / 2;
		return m;
	}
	return 0;
}

/* Standard normal CDF through erfc, accurate in both tails. */
static double dist_std_normal_cdf(double z)
{
	return 0.5 * erfc(-z / DIST_SQRT2);
}

/* Bisection on the normal CDF: slow but exact to the last bit, and only
 * used for quantiles in reports and tests. */
static double dist_std_normal_inverse(double p)
{
	double lo = -40, hi = 40;

	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;

		if (mid == lo || mid == hi)
			break;
		if (dist_std_normal_cdf(mid) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

double dist_quantile(const struct dist *d, double p)
{
	if (!(p > 0))
		p = 0;
	if (p > 1)
		p = 1;
	switch (d->kind) {
	case DIST_FIXED:
		return d->a;
	case DIST_UNIFORM:
		return d->a + (d->b - d->a) * p;
	case DIST_EXPONENTIAL:
		return -d->a * log1p(-p);
	case DIST_LOGNORMAL:
		return exp(d->a + d->b * dist_std_normal_inverse(p));
	case DIST_EMPIRICAL:
		return dist_empirical_inverse(d, p);
	}
	return 0;
}

__attribute__((format(printf, 3, 4)))
static int dist_fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why && len > 0) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int dist_validate(const struct dist *d, char *why, size_t len)
{
	switch (d->kind) {
	case DIST_FIXED:
		if (!isfinite(d->a))
			return dist_fail(why, len, "fixed: value %g is not finite", d->a);
		break;
	case DIST_UNIFORM:
		if (!isfinite(d->a) || !isfinite(d->b))
			return dist_fail(why, len, "uniform: min %g and max %g must be finite", d->a, d->b);
		if (d->a > d->b)
			return dist_fail(why, len, "uniform: min %g is greater than max %g", d->a, d->b);
		break;
	case DIST_EXPONENTIAL:
		if (!(d->a > 0) || !isfinite(d->a))
			return dist_fail(why, len, "exponential: mean %g must be positive and finite", d->a);
		break;
	case DIST_LOGNORMAL:
		if (!isfinite(d->a))
			return dist_fail(why, len, "lognormal: mu %g is not finite", d->a);
		if (!(d->b >= 0) || !isfinite(d->b))
			return dist_fail(why, len, "lognormal: sigma %g must be >= 0 and finite", d->b);
		break;
	case DIST_EMPIRICAL:
		if (d->n < 1 || d->n > DIST_EMPIRICAL_MAX)
			return dist_fail(why, len, "empirical: %u points, expected 1 to %d",
					 (unsigned)d->n, DIST_EMPIRICAL_MAX);
		for (uint32_t i = 0; i < d->n; i++) {
			if (!isfinite(d->value[i]))
				return dist_fail(why, len, "empirical: value[%u] = %g is not finite", i, d->value[i]);
			if (!(d->cdf[i] >= 0 && d->cdf[i] <= 1))
				return dist_fail(why, len, "empirical: cdf[%u] = %g is outside [0, 1]", i, d->cdf[i]);
			if (i > 0 && d->value[i] < d->value[i - 1])
				return dist_fail(why, len, "empirical: value[%u] = %g is below the previous value",
						 i, d->value[i]);
			if (i > 0 && d->cdf[i] < d->cdf[i - 1])
				return dist_fail(why, len, "empirical: cdf[%u] = %g is below the previous cdf",
						 i, d->cdf[i]);
		}
		if (d->cdf[d->n - 1] != 1)
			return dist_fail(why, len, "empirical: last cdf is %g, expected 1",
					 d->cdf[d->n - 1]);
		break;
	default:
		return dist_fail(why, len, "unknown distribution kind %d", (int)d->kind);
	}
	if (why && len > 0)
		why[0] = '\0';
	return 0;
}

typedef void (*dist_fmt_fn)(double v, char *buf, size_t len);

/* Picoseconds with the largest unit in which the value is >= 1, four
 * significant digits: 15000000 -> "15us", 1500 -> "1.5ns". */
static void dist_fmt_time(double ps, char *buf, size_t len)
{
	static const struct {
		double scale;
		const char *unit;
	} units[] = {
		{ 1e12, "s" }, { 1e9, "ms" }, { 1e6, "us" }, { 1e3, "ns" },
	};
	double mag = fabs(ps);

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (mag >= units[i].scale) {
			snprintf(buf, len, "%.4g%s", ps / units[i].scale, units[i].unit);
			return;
		}
	}
	snprintf(buf, len, "%.4g%s", ps, "ps");
}

static void dist_fmt_plain(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.6g", v);
}

static void dist_describe_with(const struct dist *d, char *buf, size_t len, dist_fmt_fn fmt)
{
	char x[32], y[32];

	if (!buf || len == 0)
		return;
	switch (d->kind) {
	case DIST_FIXED:
		fmt(d->a, x, sizeof(x));
		snprintf(buf, len, "fixed(%s)", x);
		return;
	case DIST_UNIFORM:
		fmt(d->a, x, sizeof(x));
		fmt(d->b, y, sizeof(y));
		snprintf(buf, len, "uniform(min %s, max %s)", x, y);
		return;
	case DIST_EXPONENTIAL:
		fmt(d->a, x, sizeof(x));
		snprintf(buf, len, "exponential(mean %s)", x);
		return;
	case DIST_LOGNORMAL:
		fmt(exp(d->a), x, sizeof(x));
		fmt(exp(d->a + DIST_Z99 * d->b), y, sizeof(y));
		snprintf(buf, len, "lognormal(median %s, p99 %s)", x, y);
		return;
	case DIST_EMPIRICAL:
		if (d->n < 1 || d->n > DIST_EMPIRICAL_MAX)
			break;
		fmt(d->value[0], x, sizeof(x));
		fmt(d->value[d->n - 1], y, sizeof(y));
		snprintf(buf, len, "empirical(%u points, %s..%s)", (unsigned)d->n, x, y);
		return;
	}
	snprintf(buf, len, "invalid distribution");
}

void dist_describe(const struct dist *d, char *buf, size_t len)
{
	dist_describe_with(d, buf, len, dist_fmt_time);
}

void dist_describe_unitless(const struct dist *d, char *buf, size_t len)
{
	dist_describe_with(d, buf, len, dist_fmt_plain);
}
