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
uint64_t rng_next(struct rng *r);
/* Uniform in [0, 1) with 53 bits. */
double rng_uniform01(struct rng *r);
/* Uniform integer in [0, n); n > 0; unbiased. */
uint64_t rng_below(struct rng *r, uint64_t n);

#endif
