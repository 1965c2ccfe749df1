// rng_test.cc — seeded streams: reproducible, independent per component,
// unbiased bounded integers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

extern "C" {
#include "model/kernel/rng.h"
}

namespace {

std::vector<uint64_t> draw(struct rng *r, int n)
{
	std::vector<uint64_t> v;
	for (int i = 0; i < n; i++)
		v.push_back(rng_next(r));
	return v;
}

TEST(Rng, SameSeedSameSequence)
{
	struct rng a, b, c;
	rng_seed(&a, 12345);
	rng_seed(&b, 12345);
	rng_seed(&c, 12346);
	auto va = draw(&a, 1000);
	EXPECT_EQ(va, draw(&b, 1000));
	EXPECT_NE(va, draw(&c, 1000));
}

TEST(Rng, KnownXoshiroOutput)
{
	// xoshiro256** reference: state {1, 2, 3, 4} yields 11520, 0, 1509978240.
	struct rng r = { { 1, 2, 3, 4 } };
	EXPECT_EQ(rng_next(&r), 11520u);
	EXPECT_EQ(rng_next(&r), 0u);
	EXPECT_EQ(rng_next(&r), 1509978240u);
}

TEST(Rng, StreamsAreStableAndDistinct)
{
	struct rng swap1, swap2, hog, other_seed;
	rng_stream(&swap1, 1, "swap");
	rng_stream(&swap2, 1, "swap");
	rng_stream(&hog, 1, "task/hog");
	rng_stream(&other_seed, 2, "swap");
	auto v = draw(&swap1, 100);
	EXPECT_EQ(v, draw(&swap2, 100));
	EXPECT_NE(v, draw(&hog, 100));
	EXPECT_NE(v, draw(&other_seed, 100));
}

TEST(Rng, AddingAStreamDoesNotPerturbAnother)
{
	struct rng alone, with_neighbour, neighbour;
	rng_stream(&alone, 9, "vcpu0");
	auto want = draw(&alone, 200);

	rng_stream(&with_neighbour, 9, "vcpu0");
	rng_stream(&neighbour, 9, "vcpu1");
	std::vector<uint64_t> got;
	for (int i = 0; i < 200; i++) {
		rng_next(&neighbour);	// interleaved consumer
		got.push_back(rng_next(&with_neighbour));
	}
	EXPECT_EQ(want, got);
}

double correlation(const std::vector<double> &x, const std::vector<double> &y)
{
	double n = x.size(), sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
	for (size_t i = 0; i < x.size(); i++) {
		sx += x[i];
		sy += y[i];
		sxx += x[i] * x[i];
		syy += y[i] * y[i];
		sxy += x[i] * y[i];
	}
	double cov = sxy / n - (sx / n) * (sy / n);
	return cov / std::sqrt((sxx / n - sx * sx / n / n) * (syy / n - sy * sy / n / n));
}

TEST(Rng, NeighbouringStreamsAreUncorrelated)
{
	const int n = 100000;
	// Names one character apart and neighbouring seeds are the risky cases.
	const char *names[][2] = { { "vcpu0", "vcpu1" }, { "swap", "task/hog" }, { "a", "b" } };
	for (auto &pair : names) {
		struct rng a, b;
		rng_stream(&a, 1, pair[0]);
		rng_stream(&b, 1, pair[1]);
		std::vector<double> x, y;
		for (int i = 0; i < n; i++) {
			x.push_back(rng_uniform01(&a));
			y.push_back(rng_uniform01(&b));
		}
		EXPECT_LT(std::fabs(correlation(x, y)), 0.01) << pair[0] << " vs " << pair[1];
	}
	struct rng s1, s2;
	rng_stream(&s1, 1, "swap");
	rng_stream(&s2, 2, "swap");
	std::vector<double> x, y;
	for (int i = 0; i < n; i++) {
		x.push_back(rng_uniform01(&s1));
		y.push_back(rng_uniform01(&s2));
	}
	EXPECT_LT(std::fabs(correlation(x, y)), 0.01) << "seeds 1 and 2";
}

TEST(Rng, Uniform01InUnitInterval)
{
	struct rng r;
	rng_seed(&r, 3);
	double sum = 0;
	for (int i = 0; i < 100000; i++) {
		double u = rng_uniform01(&r);
		ASSERT_GE(u, 0.0);
		ASSERT_LT(u, 1.0);
		sum += u;
	}
	EXPECT_NEAR(sum / 100000, 0.5, 0.005);
}

TEST(Rng, BelowStaysInRangeAndIsUniform)
{
	struct rng r;
	rng_seed(&r, 77);
	const uint64_t k = 100;
	const int n = 1000000;
	std::vector<int> count(k, 0);
	for (int i = 0; i < n; i++) {
		uint64_t x = rng_below(&r, k);
		ASSERT_LT(x, k);
		count[x]++;
	}
	double chi2 = 0, expect = double(n) / k;
	for (int c : count)
		chi2 += (c - expect) * (c - expect) / expect;
	// 99 degrees of freedom: P(chi2 > 148.2) = 0.001.
	EXPECT_LT(chi2, 148.2);

	for (int i = 0; i < 1000; i++)
		ASSERT_EQ(rng_below(&r, 1), 0u);
}

TEST(Rng, BelowIsUnbiasedForHugeBounds)
{
	// With n = 2/3 of 2^64, "next() % n" would land below n/2 two times in
	// three; an unbiased draw does so half the time.
	struct rng r;
	rng_seed(&r, 5);
	const uint64_t n = 0xAAAAAAAAAAAAAAAAull;
	int low = 0;
	const int trials = 200000;
	for (int i = 0; i < trials; i++) {
		uint64_t x = rng_below(&r, n);
		ASSERT_LT(x, n);
		low += x < n / 2;
	}
	EXPECT_NEAR(double(low) / trials, 0.5, 0.01);
}

} // namespace
