/* rng.h — seeded pseudo-random streams.
 *
 * One stream per component, derived from the scenario seed and a stable
 * component name, so adding a consumer never perturbs the others.  The
 * generator is xoshiro256** seeded through splitmix64; it never reads the
 * wall clock or any address.
 */
#ifndef APFSIM_MODEL_RNG_H
#define APFSIM_MODEL_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
/* Stream for `component` (e.g. "swap", "task/hog"), independent of others. */
void rng_stream(struct rng *r, uint64_t scenario_seed, const char *component);

/* xoshiro256** (Blackman & Vigna, 2018).  Inline: the model draws several
 * numbers per event, and the call was ~1 % of an explore run. */
static inline uint64_t rng_rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	const uint64_t result = rng_rotl64(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl64(s[3], 45);
	return result;
}

/* Uniform in [0, 1) with 53 bits: the top 53 bits times 2^-53 (exact). */
static inline double rng_uniform01(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}
/* Uniform integer in [0, n); n > 0; unbiased. */
uint64_t rng_below(struct rng *r, uint64_t n);

#endif
