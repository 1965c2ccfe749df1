/* grow.c — see grow.h. */
#include "model/kernel/grow.h"

#include <stdlib.h>
#include <string.h>

bool grow_zeroed(void **p, uint32_t *cap, uint32_t need, size_t sz)
{
	uint32_t ncap;
	void *q;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap : 8;
	while (ncap < need)
		ncap *= 2;
	q = realloc(*p, (size_t)ncap * sz);
	if (!q)
		return false;
	memset((char *)q + (size_t)*cap * sz, 0, (size_t)(ncap - *cap) * sz);
	*p = q;
	*cap = ncap;
	return true;
}
