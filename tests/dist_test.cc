// dist_test.cc — cost distributions: samples match the analytic moments,
// lognormal round-trips its median/p99, empirical tables invert exactly at
// their points, and bad parameters are rejected with a reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

extern "C" {
#include "model/kernel/dist.h"
#include "model/kernel/sim.h"
}

namespace {

const int kSamples = 200000;

std::vector<double> sample(const struct dist *d, const char *stream)
{
	struct rng r;
	rng_stream(&r, 2024, stream);
	std::vector<double> v;
	for (int i = 0; i < kSamples; i++)
		v.push_back(dist_sample(d, &r));
	return v;
}

void moments(const std::vector<double> &v, double *mean, double *var)
{
	double s = 0, ss = 0;
	for (double x : v)
		s += x;
	*mean = s / v.size();
	for (double x : v)
		ss += (x - *mean) * (x - *mean);
	*var = ss / (v.size() - 1);
}

double quantile(std::vector<double> v, double p)
{
	std::sort(v.begin(), v.end());
	return v[size_t(p * (v.size() - 1))];
}

void expect_moments(const struct dist *d, double want_var, const char *what)
{
	double mean, var;
	moments(sample(d, what), &mean, &var);
	EXPECT_NEAR(mean, dist_mean(d), 0.02 * std::fabs(dist_mean(d))) << what;
	EXPECT_NEAR(var, want_var, 0.04 * want_var) << what;
}

TEST(Dist, FixedAlwaysReturnsItsValue)
{
	struct dist d;
	struct rng r;
	rng_seed(&r, 1);
	dist_fixed(&d, 15 * double(SIM_US));
	for (int i = 0; i < 100; i++)
		EXPECT_EQ(dist_sample_u64(&d, &r), 15 * SIM_US);
	EXPECT_EQ(dist_mean(&d), 15 * double(SIM_US));
}

TEST(Dist, UniformMoments)
{
	struct dist d;
	ASSERT_EQ(dist_uniform(&d, 2 * double(SIM_US), 10 * double(SIM_US)), 0);
	double w = 8 * double(SIM_US);
	expect_moments(&d, w * w / 12, "uniform");
	for (double x : sample(&d, "uniform-range")) {
		ASSERT_GE(x, 2 * double(SIM_US));
		ASSERT_LT(x, 10 * double(SIM_US));
	}
}

TEST(Dist, ExponentialMoments)
{
	struct dist d;
	ASSERT_EQ(dist_exponential(&d, 40 * double(SIM_US)), 0);
	double m = 40 * double(SIM_US);
	expect_moments(&d, m * m, "exponential");
	EXPECT_NEAR(quantile(sample(&d, "exponential"), 0.5), m * std::log(2.0), 0.02 * m);
}

TEST(Dist, LognormalMoments)
{
	struct dist d;
	double mu = std::log(15e6), sigma = 0.5;
	ASSERT_EQ(dist_lognormal(&d, mu, sigma), 0);
	double want_var = (std::exp(sigma * sigma) - 1) * std::exp(2 * mu + sigma * sigma);
	EXPECT_DOUBLE_EQ(dist_mean(&d), std::exp(mu + sigma * sigma / 2));
	expect_moments(&d, want_var, "lognormal");
}

TEST(Dist, LognormalMedianP99RoundTrip)
{
	struct dist d;
	ASSERT_EQ(dist_lognormal_median_p99(&d, 15 * double(SIM_US), 80 * double(SIM_US)), 0);
	EXPECT_NEAR(dist_quantile(&d, 0.5), 15 * double(SIM_US), 1.0);
	EXPECT_NEAR(dist_quantile(&d, 0.99), 80 * double(SIM_US), 1.0);
	auto v = sample(&d, "lognormal-p99");
	EXPECT_NEAR(quantile(v, 0.5), 15 * double(SIM_US), 0.02 * 15 * double(SIM_US));
	EXPECT_NEAR(quantile(v, 0.99), 80 * double(SIM_US), 0.04 * 80 * double(SIM_US));

	char buf[96];
	dist_describe(&d, buf, sizeof(buf));
	EXPECT_STREQ(buf, "lognormal(median 15us, p99 80us)");

	EXPECT_EQ(dist_lognormal_median_p99(&d, 0, 1), -1);
	EXPECT_EQ(dist_lognormal_median_p99(&d, 10, 5), -1) << "p99 below the median";
	EXPECT_EQ(dist_lognormal_median_p99(&d, 10, 10), 0) << "sigma 0 is a point mass";
}

struct dist make_empirical()
{
	// Atom of 10% at 1us, then piecewise-linear up to 50us.
	const double value[] = { 1e6, 2e6, 10e6, 50e6 };
	const double cdf[] = { 0.1, 0.5, 0.9, 1.0 };
	struct dist d;
	EXPECT_EQ(dist_empirical(&d, value, cdf, 4), 0);
	return d;
}

TEST(Dist, EmpiricalInverseCdfIsExactAtThePoints)
{
	struct dist d = make_empirical();
	for (uint32_t i = 0; i < d.n; i++)
		EXPECT_EQ(dist_quantile(&d, d.cdf[i]), d.value[i]) << "point " << i;
	EXPECT_EQ(dist_quantile(&d, 0.0), 1e6) << "below cdf[0] is value[0]";
	EXPECT_EQ(dist_quantile(&d, 0.05), 1e6);
	EXPECT_NEAR(dist_quantile(&d, 0.3), 1.5e6, 1e-3) << "halfway between points";
	EXPECT_NEAR(dist_quantile(&d, 0.95), 30e6, 1e-3);
}

TEST(Dist, EmpiricalMoments)
{
	struct dist d = make_empirical();
	// E[X^2] of the atom plus each uniform segment.
	double m2 = d.cdf[0] * d.value[0] * d.value[0];
	for (uint32_t i = 1; i < d.n; i++) {
		double a = d.value[i - 1], b = d.value[i];
		m2 += (d.cdf[i] - d.cdf[i - 1]) * (a * a + a * b + b * b) / 3;
	}
	double mean = dist_mean(&d);
	EXPECT_DOUBLE_EQ(mean, 0.1 * 1e6 + 0.4 * 1.5e6 + 0.4 * 6e6 + 0.1 * 30e6);
	expect_moments(&d, m2 - mean * mean, "empirical");
}

TEST(Dist, SampleU64RoundsAndClampsAtZero)
{
	struct dist d;
	struct rng r;
	rng_seed(&r, 1);
	dist_fixed(&d, 2.5);
	EXPECT_EQ(dist_sample_u64(&d, &r), 3u);
	dist_fixed(&d, -7);
	EXPECT_EQ(dist_sample_u64(&d, &r), 0u);
	dist_fixed(&d, 1e30);
	EXPECT_EQ(dist_sample_u64(&d, &r), UINT64_MAX);
}

/* dist_sample_u64 rounds without libm's round(): it must agree with
 * round() (halves away from zero) and the clamps at every edge — the
 * largest double below 0.5, the halves, the seam at 2^52, the top of the
 * range — and on a sweep of lognormal draws (the model's latencies). */
static uint64_t reference_u64(double v)
{
	double x = std::round(v);
	if (!(x > 0))
		return 0;
	if (x >= 18446744073709551616.0)
		return UINT64_MAX;
	return (uint64_t)x;
}

TEST(Dist, SampleU64AgreesWithRoundEverywhere)
{
	const double edges[] = { 0.0, -0.0, 0.49999999999999994, 0.5, 0.5000000000000001, 1.5, 2.5,
				 3.4999999999999996, 4503599627370495.5, 4503599627370496.0,
				 4503599627370497.0, 9007199254740993.0, 1.8446744073709550e19,
				 18446744073709551616.0, 1e30, -1e30, std::nan(""), INFINITY, -INFINITY };
	struct dist d;
	struct rng r;
	rng_seed(&r, 1);
	for (double v : edges) {
		dist_fixed(&d, v);
		EXPECT_EQ(dist_sample_u64(&d, &r), reference_u64(v)) << v;
	}
	ASSERT_EQ(dist_lognormal_median_p99(&d, 15e6, 80e6), 0);
	struct rng a, b;
	rng_seed(&a, 7);
	rng_seed(&b, 7);
	for (int i = 0; i < 200000; i++)
		ASSERT_EQ(dist_sample_u64(&d, &a), reference_u64(dist_sample(&d, &b))) << i;
	dist_uniform(&d, 0, 4);	/* many values near the halves */
	for (int i = 0; i < 200000; i++)
		ASSERT_EQ(dist_sample_u64(&d, &a), reference_u64(dist_sample(&d, &b))) << i;
}

TEST(Dist, SamplingIsReproducible)
{
	struct dist d;
	ASSERT_EQ(dist_lognormal_median_p99(&d, 15e6, 80e6), 0);
	EXPECT_EQ(sample(&d, "same"), sample(&d, "same"));
}

std::string why(const struct dist *d)
{
	char buf[128] = "untouched";
	EXPECT_EQ(dist_validate(d, buf, sizeof(buf)), -1);
	return buf;
}

TEST(Dist, ValidateRejectsBadParameters)
{
	struct dist d;
	char buf[128];

	dist_uniform(&d, 5, 3);
	EXPECT_NE(why(&d).find("min 5 is greater than max 3"), std::string::npos) << why(&d);
	dist_exponential(&d, 0);
	EXPECT_NE(why(&d).find("mean"), std::string::npos);
	dist_lognormal(&d, 1, -0.1);
	EXPECT_NE(why(&d).find("sigma"), std::string::npos);
	dist_lognormal(&d, NAN, 1);
	EXPECT_NE(why(&d).find("mu"), std::string::npos);

	d = make_empirical();
	d.cdf[3] = 0.99;
	EXPECT_NE(why(&d).find("last cdf is 0.99"), std::string::npos) << why(&d);
	d = make_empirical();
	d.value[2] = 1.5e6;
	EXPECT_NE(why(&d).find("value[2]"), std::string::npos) << why(&d);
	d = make_empirical();
	d.cdf[1] = 0.05;
	EXPECT_NE(why(&d).find("cdf[1]"), std::string::npos) << why(&d);
	d = make_empirical();
	d.n = 0;
	EXPECT_NE(why(&d).find("0 points"), std::string::npos) << why(&d);
	d.n = DIST_EMPIRICAL_MAX + 1;
	EXPECT_EQ(dist_validate(&d, nullptr, 0), -1);

	d = make_empirical();
	EXPECT_EQ(dist_validate(&d, buf, sizeof(buf)), 0);
	EXPECT_STREQ(buf, "");
	ASSERT_EQ(dist_uniform(&d, 3, 3), 0) << "a degenerate range is allowed";
	const double one[] = { 7 }, all[] = { 1 };
	EXPECT_EQ(dist_empirical(&d, one, all, 1), 0) << "a single point";
}

TEST(Dist, DescribeUsesTimeUnits)
{
	struct dist d;
	char buf[96];
	dist_fixed(&d, 1500);
	dist_describe(&d, buf, sizeof(buf));
	EXPECT_STREQ(buf, "fixed(1.5ns)");
	dist_uniform(&d, 250e6, 2e9);
	dist_describe(&d, buf, sizeof(buf));
	EXPECT_STREQ(buf, "uniform(min 250us, max 2ms)");
	dist_exponential(&d, 40);
	dist_describe(&d, buf, sizeof(buf));
	EXPECT_STREQ(buf, "exponential(mean 40ps)");
	d = make_empirical();
	dist_describe(&d, buf, sizeof(buf));
	EXPECT_STREQ(buf, "empirical(4 points, 1us..50us)");
	dist_describe_unitless(&d, buf, sizeof(buf));
	EXPECT_STREQ(buf, "empirical(4 points, 1e+06..5e+07)");
}

} // namespace
