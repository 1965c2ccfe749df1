/* oracle_seen.c — the set of tokens ever set up on one vCPU (token_wraps,
 * oracle_internal.h).
 *
 * Split as a Roaring bitmap is: the high 48 bits of a token choose a box
 * (open addressing on them), the low 16 bits live in the box — a sorted
 * array of up to SEEN_ARRAY_MAX values, then a 65 536-bit bitmap.  The
 * token generators are counters (arm64: a 16-bit sequence; x86: an id
 * above the vCPU number), so a box holds a run of neighbours and the set
 * costs a few bytes per token where a hash map of tokens cost ~50.
 *
 * Invariant: a box's array is sorted and free of duplicates; a box turns
 * into a bitmap once and never back.  The set is only queried (add and
 * test in one), never iterated, so its layout never reaches an output. */
#include <stdlib.h>
#include <string.h>

#include "model/check/oracle_internal.h"

#define SEEN_ARRAY_MAX 4096	/* 8 KiB of uint16: the size of the bitmap */
#define SEEN_BITMAP_WORDS (65536 / 64)

static uint32_t box_hash(uint64_t hi, uint32_t cap)
{
	return (uint32_t)((hi * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

/* The box for hi, created empty when absent; NULL when out of memory. */
static struct seen_box *box_get(struct seen_set *s, uint64_t hi)
{
	uint32_t i;

	if ((s->n + 1) * 2 > s->cap) {
		uint32_t ncap = s->cap ? s->cap * 2 : 16;
		struct seen_box *nb = calloc(ncap, sizeof(*nb));

		if (!nb)
			return NULL;
		for (uint32_t k = 0; k < s->cap; k++) {
			if (!s->box[k].used)
				continue;
			for (i = box_hash(s->box[k].hi, ncap); nb[i].used; i = (i + 1) & (ncap - 1))
				;
			nb[i] = s->box[k];
		}
		free(s->box);
		s->box = nb;
		s->cap = ncap;
	}
	for (i = box_hash(hi, s->cap); s->box[i].used; i = (i + 1) & (s->cap - 1))
		if (s->box[i].hi == hi)
			return &s->box[i];
	s->box[i] = (struct seen_box){ .hi = hi, .used = true };
	s->n++;
	return &s->box[i];
}

static int box_to_bitmap(struct seen_box *b)
{
	uint64_t *bm = calloc(SEEN_BITMAP_WORDS, sizeof(*bm));
	const uint16_t *a = b->data;

	if (!bm)
		return -1;
	for (uint32_t k = 0; k < b->n; k++)
		bm[a[k] >> 6] |= 1ull << (a[k] & 63);
	free(b->data);
	b->data = bm;
	b->bitmap = true;
	return 0;
}

/* Insert lo into the sorted array (room made as needed): true if present. */
static bool array_add(struct seen_box *b, uint16_t lo, bool *oom)
{
	uint16_t *a = b->data;
	uint32_t l = 0, h = b->n;

	while (l < h) {
		uint32_t m = (l + h) / 2;

		if (a[m] < lo)
			l = m + 1;
		else
			h = m;
	}
	if (l < b->n && a[l] == lo)
		return true;
	if (b->n == b->cap) {
		uint32_t ncap = b->cap ? b->cap * 2 : 8;
		uint16_t *na = realloc(a, ncap * sizeof(*na));

		if (!na) {
			*oom = true;
			return false;
		}
		b->data = a = na;
		b->cap = ncap;
	}
	memmove(&a[l + 1], &a[l], (b->n - l) * sizeof(*a));
	a[l] = lo;
	b->n++;
	return false;
}

bool orc_seen_add(struct seen_set *s, uint64_t token, bool *oom)
{
	struct seen_box *b = box_get(s, token >> 16);
	uint16_t lo = (uint16_t)token;

	if (!b) {
		*oom = true;
		return false;
	}
	if (!b->bitmap && b->n == SEEN_ARRAY_MAX && box_to_bitmap(b)) {
		*oom = true;
		return false;
	}
	if (b->bitmap) {
		uint64_t *w = &((uint64_t *)b->data)[lo >> 6], bit = 1ull << (lo & 63);
		bool had = *w & bit;

		*w |= bit;
		return had;
	}
	return array_add(b, lo, oom);
}

void orc_seen_free(struct seen_set *s)
{
	for (uint32_t i = 0; i < s->cap; i++)
		free(s->box[i].data);
	free(s->box);
	*s = (struct seen_set){ 0 };
}
