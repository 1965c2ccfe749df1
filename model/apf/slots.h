/* apf_slots.h — the per-vCPU gfn slot table ("repeated fault" detector).
 *
 * Models docs/reference.md §1.7: a 64-entry open-addressing hash of guest frame
 * numbers that have an async fault outstanding.  x86 keeps it private
 * (vcpu->arch.apf.gfns); Gavin Shan's arm64 series moves it to generic code
 * as kvm_async_pf_{reset,add,remove,find}_slot.  Behaviour is identical:
 *
 *   hash    home(gfn) = ((u32)gfn * 0x61C88647) >> 26      (hash_32(gfn, 6))
 *   probe   next = (slot + 1) & 63                         (linear, cyclic)
 *   empty   ~0 (all ones)
 *   remove  backward-shift deletion, no tombstones
 *
 * Invariant kept by every operation: each stored gfn is reachable from its
 * home slot by linear probing without crossing an empty slot.  That is what
 * lets find stop at the first empty slot, and what remove restores after it
 * empties a slot in the middle of a probe chain.
 *
 * The table only ever holds gfns of outstanding works, so it cannot fill
 * beyond ASYNC_PF_PER_VCPU entries; the caller of add guarantees space.
 */
#ifndef APFSIM_MODEL_APF_SLOTS_H
#define APFSIM_MODEL_APF_SLOTS_H

#include <stdbool.h>
#include <stdint.h>

#define APF_SLOTS_NR 64u			/* = ASYNC_PF_PER_VCPU, power of two */
#define APF_SLOTS_SHIFT 6u			/* log2(APF_SLOTS_NR) */
#define APF_SLOT_EMPTY (~(uint64_t)0)		/* empty marker, also never a valid gfn */

struct apf_slots {
	uint64_t gfns[APF_SLOTS_NR];
};

/* Home slot of a gfn: hash_32((u32)gfn, 6).  Exported so tests and the
 * oracle can construct collisions. */
uint32_t apf_slot_hash(uint64_t gfn);

/* Next probe position after `slot`, cyclic over the 64 slots. */
static inline uint32_t apf_slot_next(uint32_t slot)
{
	return (slot + 1) & (APF_SLOTS_NR - 1);
}

/* Fill every slot with APF_SLOT_EMPTY. */
void apf_slots_reset(struct apf_slots *s);

/* Store gfn in the first empty slot probing from its home.  Duplicates are
 * not detected (the kernel does not either; callers look up first).
 * Returns 0, or -EINVAL for gfn == APF_SLOT_EMPTY, or -ENOSPC when all 64
 * slots are occupied (the kernel would spin forever; a caller bug here). */
int apf_slots_add(struct apf_slots *s, uint64_t gfn);

/* True iff gfn is stored.  Probes at most 64 slots from the home slot and
 * stops at the gfn or at an empty slot.  Always false for APF_SLOT_EMPTY. */
bool apf_slots_find(const struct apf_slots *s, uint64_t gfn);

/* Slot index holding gfn, or -1 if absent (same probe as find). */
int apf_slots_lookup(const struct apf_slots *s, uint64_t gfn);

/* Remove gfn with backward-shift deletion.  Returns 0, or -ENOENT when gfn
 * is absent (the kernel's WARN_ON_ONCE case); the table is then unchanged. */
int apf_slots_remove(struct apf_slots *s, uint64_t gfn);

/* Number of occupied slots (for statistics and the oracle). */
unsigned int apf_slots_count(const struct apf_slots *s);

#endif
