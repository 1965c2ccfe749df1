/* perm.h — keyed pseudo-random bijections on [0, n) in O(1) memory, shared
 * by the workloads that shuffle (memhog's random order) or scatter (the
 * hot ranks of random's zipf) guest pages.
 *
 * Construction: a few keyed rounds of "multiply by an odd key, xor-shift
 * right" on the smallest power-of-two domain 2^b >= n (each step is a
 * bijection modulo 2^b), made into a bijection on [0, n) by cycle walking:
 * apply the permutation again until the value falls below n.  Since
 * 2^b < 2n, a walk takes fewer than two rounds on average, and it always
 * terminates because the cycle through an in-range start returns to range.
 */
#ifndef APFSIM_WORKLOADS_PERM_H
#define APFSIM_WORKLOADS_PERM_H

#include <stdint.h>

#include "model/kernel/rng.h"

#define WL_PERM_ROUNDS 3

struct wl_perm {
	uint64_t n;			/* domain size, 1 <= n <= 2^62 */
	uint64_t mask;			/* 2^b - 1 */
	unsigned int shift;		/* >= 1: xor-shift stays invertible */
	uint64_t add[WL_PERM_ROUNDS];	/* round keys, < 2^b */
	uint64_t mul[WL_PERM_ROUNDS];	/* odd multipliers */
};

/* Draw fresh keys from `r` for a permutation of [0, n). */
void wl_perm_init(struct wl_perm *p, uint64_t n, struct rng *r);

/* Image of x (x < n) under the permutation; branch-free per round. */
static inline uint64_t wl_perm_apply(const struct wl_perm *p, uint64_t x)
{
	do {
		for (int i = 0; i < WL_PERM_ROUNDS; i++) {
			x = ((x ^ p->add[i]) * p->mul[i]) & p->mask;
			x ^= x >> p->shift;
		}
	} while (x >= p->n);
	return x;
}

#endif
