/* rng.c — xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64.
 *
 * Stream derivation: the 64-bit seed of the stream for component C under
 * scenario seed S is
 *
 *     splitmix64_mix(splitmix64_mix(S) ^ fnv1a64(C))
 *
 * and the four state words are the next four outputs of splitmix64 from
 * that seed.  Mixing S before the XOR keeps nearby scenario seeds (1, 2, 3)
 * from producing related stream seeds; mixing again after it spreads a
 * one-character name change over all 64 bits.  splitmix64 outputs for four
 * consecutive counters are distinct, so the state is never all zero.
 *
 * Nothing here reads the clock or an address: a stream depends only on
 * (S, C) and on how many numbers were drawn from it.
 */
#include "model/kernel/rng.h"

#define SPLITMIX64_GAMMA 0x9e3779b97f4a7c15ULL
#define FNV1A64_OFFSET 0xcbf29ce484222325ULL
#define FNV1A64_PRIME 0x100000001b3ULL

static uint64_t splitmix64_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t fnv1a64(const char *str)
{
	uint64_t h = FNV1A64_OFFSET;

	for (; *str; str++) {
		h ^= (unsigned char)*str;
		h *= FNV1A64_PRIME;
	}
	return h;
}

void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		seed += SPLITMIX64_GAMMA;
		r->s[i] = splitmix64_mix(seed);
	}
}

void rng_stream(struct rng *r, uint64_t scenario_seed, const char *component)
{
	uint64_t h = fnv1a64(component ? component : "");

	rng_seed(r, splitmix64_mix(splitmix64_mix(scenario_seed) ^ h));
}

/* Lemire's multiply-shift with rejection (ACM TOMACS 2019): the high word of
 * x * n is uniform on [0, n) once the low words that would over-represent
 * some outputs (fewer than 2^64 mod n of them) are rejected.  The rejection
 * test costs a division only when the cheap bound says it might apply. */
uint64_t rng_below(struct rng *r, uint64_t n)
{
	unsigned __int128 m;
	uint64_t low;

	if (n == 0)
		return 0;
	m = (unsigned __int128)rng_next(r) * n;
	low = (uint64_t)m;
	if (low < n) {
		const uint64_t threshold = -n % n;

		while (low < threshold) {
			m = (unsigned __int128)rng_next(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}
