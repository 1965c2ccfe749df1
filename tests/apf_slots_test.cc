// apf_slots_test.cc — the per-vCPU gfn slot table of docs/reference.md §1.7,
// checked against hand-worked layouts.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <vector>

extern "C" {
#include "model/apf/slots.h"
}

namespace {

constexpr uint64_t E = APF_SLOT_EMPTY;

// Homes worked by hand from ((u32)gfn * 0x61C88647) >> 26, e.g.
//   55 * 0x61C88647 = 90229233985; mod 2^32 = 34920769;  >> 26 = 0
//   68 * 0x61C88647 = 111556143836; mod 2^32 = 4181961436; >> 26 = 62
// Four gfns with home 62, and one each for homes 63, 0 and 1.
constexpr uint64_t A62 = 68, B62 = 123, C62 = 212, D62 = 301;
constexpr uint64_t E63 = 34, F0 = 55, G1 = 21;

void expect_layout(const apf_slots &s, const uint64_t (&want)[APF_SLOTS_NR])
{
	for (unsigned i = 0; i < APF_SLOTS_NR; i++)
		EXPECT_EQ(s.gfns[i], want[i]) << "slot " << i;
}

void empty_layout(uint64_t (&want)[APF_SLOTS_NR])
{
	for (auto &g : want)
		g = E;
}

}  // namespace

TEST(ApfSlots, HashIsHash32OfLow32Bits)
{
	EXPECT_EQ(apf_slot_hash(0), 0u);
	EXPECT_EQ(apf_slot_hash(55), 0u);
	EXPECT_EQ(apf_slot_hash(21), 1u);
	EXPECT_EQ(apf_slot_hash(34), 63u);
	EXPECT_EQ(apf_slot_hash(68), 62u);
	EXPECT_EQ(apf_slot_hash(123), 62u);
	EXPECT_EQ(apf_slot_hash(212), 62u);
	EXPECT_EQ(apf_slot_hash(301), 62u);
	// only (u32)gfn enters the hash
	EXPECT_EQ(apf_slot_hash(0x100000000ull + 68), 62u);
	EXPECT_EQ(apf_slot_hash(0xABCD00000000ull + 55), 0u);
}

TEST(ApfSlots, ResetEmptiesEverySlot)
{
	apf_slots s;
	std::memset(&s, 0x5a, sizeof(s));
	apf_slots_reset(&s);
	uint64_t want[APF_SLOTS_NR];
	empty_layout(want);
	expect_layout(s, want);
	EXPECT_EQ(apf_slots_count(&s), 0u);
	EXPECT_FALSE(apf_slots_find(&s, 0));
}

TEST(ApfSlots, CollidingChainWrapsFrom63To0)
{
	apf_slots s;
	apf_slots_reset(&s);
	for (uint64_t g : {A62, B62, C62, E63, F0, D62})
		ASSERT_EQ(apf_slots_add(&s, g), 0);

	// A at home 62; B, C probe on to 63 and 0; E (home 63) finds 63 and 0
	// taken -> 1; F (home 0) -> 2; D (home 62) walks 62..2 -> 3.
	uint64_t want[APF_SLOTS_NR];
	empty_layout(want);
	want[62] = A62;
	want[63] = B62;
	want[0] = C62;
	want[1] = E63;
	want[2] = F0;
	want[3] = D62;
	expect_layout(s, want);
	for (uint64_t g : {A62, B62, C62, D62, E63, F0})
		EXPECT_TRUE(apf_slots_find(&s, g)) << g;
	EXPECT_FALSE(apf_slots_find(&s, G1));	// home 1, stops at empty 4
	EXPECT_EQ(apf_slots_count(&s), 6u);
}

TEST(ApfSlots, RemoveFromMiddleShiftsEveryDisplacedEntryBack)
{
	apf_slots s;
	apf_slots_reset(&s);
	for (uint64_t g : {A62, B62, C62, E63, F0, D62})
		ASSERT_EQ(apf_slots_add(&s, g), 0);

	// Remove B at 63: hole 63.  C (home 62) at 0: 62 not in (63,0] -> 63.
	// E (home 63) at 1: not in (0,1] -> 0.  F (home 0) at 2: not in (1,2]
	// -> 1.  D (home 62) at 3: not in (2,3] -> 2.  Slot 4 empty: stop.
	ASSERT_EQ(apf_slots_remove(&s, B62), 0);
	uint64_t want[APF_SLOTS_NR];
	empty_layout(want);
	want[62] = A62;
	want[63] = C62;
	want[0] = E63;
	want[1] = F0;
	want[2] = D62;
	expect_layout(s, want);
	for (uint64_t g : {A62, C62, D62, E63, F0})
		EXPECT_TRUE(apf_slots_find(&s, g)) << g;
	EXPECT_FALSE(apf_slots_find(&s, B62));
}

TEST(ApfSlots, RemoveLeavesEntriesWhoseHomeIsCyclicallyBetween)
{
	apf_slots s;
	apf_slots_reset(&s);
	const uint64_t H0 = 144;	// second gfn with home 0
	ASSERT_EQ(apf_slot_hash(H0), 0u);
	for (uint64_t g : {A62, B62, H0, C62})
		ASSERT_EQ(apf_slots_add(&s, g), 0);
	// layout: 62 A, 63 B, 0 H, 1 C
	uint64_t want[APF_SLOTS_NR];
	empty_layout(want);
	want[62] = A62;
	want[63] = B62;
	want[0] = H0;
	want[1] = C62;
	expect_layout(s, want);

	// Remove A: hole 62.  B (home 62) at 63: 62 not in (62,63] -> 62, hole
	// 63.  H (home 0) at 0: 0 in (63,0] (wrapped) -> stays.  C (home 62)
	// at 1: 62 not in (63,1] -> 63, hole 1.  Slot 2 empty: stop.
	ASSERT_EQ(apf_slots_remove(&s, A62), 0);
	empty_layout(want);
	want[62] = B62;
	want[63] = C62;
	want[0] = H0;
	expect_layout(s, want);
	for (uint64_t g : {B62, C62, H0})
		EXPECT_TRUE(apf_slots_find(&s, g)) << g;
}

TEST(ApfSlots, RemoveAbsentIsAnErrorAndChangesNothing)
{
	apf_slots s;
	apf_slots_reset(&s);
	for (uint64_t g : {A62, B62, C62})
		ASSERT_EQ(apf_slots_add(&s, g), 0);
	apf_slots before = s;

	// D shares the chain's home but is not stored; G1 has its own home.
	EXPECT_EQ(apf_slots_remove(&s, D62), -ENOENT);
	EXPECT_EQ(apf_slots_remove(&s, G1), -ENOENT);
	EXPECT_EQ(apf_slots_remove(&s, APF_SLOT_EMPTY), -ENOENT);
	EXPECT_EQ(std::memcmp(&before, &s, sizeof(s)), 0);

	// removing twice: the second is the WARN case
	EXPECT_EQ(apf_slots_remove(&s, B62), 0);
	before = s;
	EXPECT_EQ(apf_slots_remove(&s, B62), -ENOENT);
	EXPECT_EQ(std::memcmp(&before, &s, sizeof(s)), 0);
}

TEST(ApfSlots, FullTableFindsEveryGfnAndDrainsInAnyOrder)
{
	apf_slots s;
	apf_slots_reset(&s);
	uint64_t gfns[APF_SLOTS_NR];
	// 64 gfns in a stride-8 block; their homes collide in long chains
	for (unsigned i = 0; i < APF_SLOTS_NR; i++) {
		gfns[i] = 0x40000 + 8 * i;
		ASSERT_EQ(apf_slots_add(&s, gfns[i]), 0);
	}
	EXPECT_EQ(apf_slots_count(&s), APF_SLOTS_NR);
	EXPECT_EQ(apf_slots_add(&s, 7), -ENOSPC);
	EXPECT_FALSE(apf_slots_find(&s, 7));	// 64 probes, no empty slot
	for (uint64_t g : gfns)
		EXPECT_TRUE(apf_slots_find(&s, g));

	// remove every third, then all remaining must still be found
	for (unsigned i = 0; i < APF_SLOTS_NR; i += 3)
		ASSERT_EQ(apf_slots_remove(&s, gfns[i]), 0);
	for (unsigned i = 0; i < APF_SLOTS_NR; i++)
		EXPECT_EQ(apf_slots_find(&s, gfns[i]), i % 3 != 0) << i;
	for (unsigned i = 0; i < APF_SLOTS_NR; i++) {
		if (i % 3) {
			ASSERT_EQ(apf_slots_remove(&s, gfns[i]), 0);
		}
	}
	EXPECT_EQ(apf_slots_count(&s), 0u);
}

TEST(ApfSlots, EmptyMarkerIsNotAGfn)
{
	apf_slots s;
	apf_slots_reset(&s);
	EXPECT_EQ(apf_slots_add(&s, APF_SLOT_EMPTY), -EINVAL);
	EXPECT_FALSE(apf_slots_find(&s, APF_SLOT_EMPTY));
	EXPECT_EQ(apf_slots_lookup(&s, A62), -1);
	ASSERT_EQ(apf_slots_add(&s, A62), 0);
	EXPECT_EQ(apf_slots_lookup(&s, A62), 62);
}

// Random add/remove against a set: find must agree with membership after
// every step, and no stored gfn may sit behind an empty slot on its probe
// path (the invariant of §1.7).  Fixed seed, small gfn range for collisions.
TEST(ApfSlots, RandomChurnAgreesWithASet)
{
	apf_slots s;
	apf_slots_reset(&s);
	std::set<uint64_t> in;
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (int step = 0; step < 20000; step++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t g = x % 300;
		if (in.count(g)) {
			ASSERT_EQ(apf_slots_remove(&s, g), 0);
			in.erase(g);
		} else if (in.size() < APF_SLOTS_NR) {
			ASSERT_EQ(apf_slots_add(&s, g), 0);
			in.insert(g);
		}
		ASSERT_EQ(apf_slots_count(&s), in.size());
		for (uint64_t q = 0; q < 300; q += 7)
			ASSERT_EQ(apf_slots_find(&s, q), in.count(q) == 1) << step;
		for (uint32_t i = 0; i < APF_SLOTS_NR; i++) {
			if (s.gfns[i] == APF_SLOT_EMPTY)
				continue;
			for (uint32_t k = apf_slot_hash(s.gfns[i]); k != i;
			     k = apf_slot_next(k))
				ASSERT_NE(s.gfns[k], APF_SLOT_EMPTY) << step;
		}
	}
}
