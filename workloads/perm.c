/* perm.c — keying of the cycle-walking page permutation (see perm.h). */
#include <assert.h>

#include "workloads/perm.h"

void wl_perm_init(struct wl_perm *p, uint64_t n, struct rng *r)
{
	unsigned int b = 0;

	assert(n >= 1 && n <= (1ULL << 62));
	while ((1ULL << b) < n)
		b++;
	p->n = n;
	p->mask = (1ULL << b) - 1;
	/* Shifting by about half the width folds the high bits, which the
	 * multiplications mixed, back into the low ones. */
	p->shift = b > 1 ? (b + 1) / 2 : 1;
	for (int i = 0; i < WL_PERM_ROUNDS; i++) {
		p->add[i] = rng_next(r) & p->mask;
		p->mul[i] = rng_next(r) | 1;
	}
}
