/* apf_slots.c — per-vCPU gfn slot table, docs/reference.md §1.7.
 *
 * Open addressing with linear probing over 64 slots and backward-shift
 * deletion.  See apf_slots.h for the invariant every operation keeps.
 */
#include "model/apf/slots.h"

#include <errno.h>

#define APF_SLOT_HASH_MUL 0x61C88647u	/* GOLDEN_RATIO_32 of linux/hash.h */

uint32_t apf_slot_hash(uint64_t gfn)
{
	/* hash_32() multiplies in 32 bits and keeps the top `bits` bits. */
	return ((uint32_t)gfn * APF_SLOT_HASH_MUL) >> (32u - APF_SLOTS_SHIFT);
}

void apf_slots_reset(struct apf_slots *s)
{
	for (uint32_t i = 0; i < APF_SLOTS_NR; i++)
		s->gfns[i] = APF_SLOT_EMPTY;
}

int apf_slots_add(struct apf_slots *s, uint64_t gfn)
{
	uint32_t key = apf_slot_hash(gfn);

	if (gfn == APF_SLOT_EMPTY)
		return -EINVAL;
	for (uint32_t n = 0; n < APF_SLOTS_NR; n++) {
		if (s->gfns[key] == APF_SLOT_EMPTY) {
			s->gfns[key] = gfn;
			return 0;
		}
		key = apf_slot_next(key);
	}
	return -ENOSPC;
}

/*
 * The probe shared by find and remove: from the home slot, walk at most 64
 * slots and stop on the gfn or on an empty slot.  Returns the slot where the
 * walk stopped (the kernel's kvm_async_pf_gfn_slot()); the caller compares.
 */
static uint32_t apf_slots_probe(const struct apf_slots *s, uint64_t gfn)
{
	uint32_t key = apf_slot_hash(gfn);

	for (uint32_t n = 0; n < APF_SLOTS_NR; n++) {
		if (s->gfns[key] == gfn || s->gfns[key] == APF_SLOT_EMPTY)
			break;
		key = apf_slot_next(key);
	}
	return key;
}

int apf_slots_lookup(const struct apf_slots *s, uint64_t gfn)
{
	uint32_t slot;

	if (gfn == APF_SLOT_EMPTY)
		return -1;
	slot = apf_slots_probe(s, gfn);
	return s->gfns[slot] == gfn ? (int)slot : -1;
}

bool apf_slots_find(const struct apf_slots *s, uint64_t gfn)
{
	return apf_slots_lookup(s, gfn) >= 0;
}

/* True iff k lies cyclically in the half-open interval (i, j]. */
static bool apf_slot_in_range(uint32_t i, uint32_t k, uint32_t j)
{
	if (i <= j)
		return i < k && k <= j;
	return i < k || k <= j;		/* the interval wraps past slot 63 */
}

int apf_slots_remove(struct apf_slots *s, uint64_t gfn)
{
	int found = apf_slots_lookup(s, gfn);
	uint32_t hole, j;

	if (found < 0)
		return -ENOENT;

	/*
	 * Backward shift: `hole` is the slot just emptied.  Scan forward from
	 * it; an entry at j whose home k lies in (hole, j] is still reachable
	 * from k and stays.  Any other entry was probed past the hole, so it
	 * moves into the hole and its old slot becomes the new hole.  The scan
	 * ends at the first empty slot, which always exists (the hole itself,
	 * at the latest after a full turn).
	 */
	hole = (uint32_t)found;
	s->gfns[hole] = APF_SLOT_EMPTY;
	j = hole;
	for (;;) {
		uint32_t home;

		j = apf_slot_next(j);
		if (s->gfns[j] == APF_SLOT_EMPTY)
			return 0;
		home = apf_slot_hash(s->gfns[j]);
		if (apf_slot_in_range(hole, home, j))
			continue;
		s->gfns[hole] = s->gfns[j];
		s->gfns[j] = APF_SLOT_EMPTY;
		hole = j;
	}
}

unsigned int apf_slots_count(const struct apf_slots *s)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < APF_SLOTS_NR; i++)
		n += s->gfns[i] != APF_SLOT_EMPTY;
	return n;
}
