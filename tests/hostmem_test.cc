// Host memory model: residency states, the cgroup limit and reclaim.
#include <gtest/gtest.h>

#include <vector>

extern "C" {
#include "model/config/config.h"
#include "model/host/hostmem.h"
}

namespace {

struct Recorder {
	std::vector<uint64_t> written;
	static void cb(void *ctx, uint64_t gfn) { static_cast<Recorder *>(ctx)->written.push_back(gfn); }
};

TEST(Hostmem, FirstTouchIsZeroFillThenMapped)
{
	struct hostmem hm;
	char err[128];
	ASSERT_EQ(hostmem_init(&hm, 16, 16, RECLAIM_CLOCK, err, sizeof(err)), 0);
	EXPECT_EQ(hostmem_classify(&hm, 3), HM_FAULT_ZERO);
	hostmem_zero_fill(&hm, 3);
	EXPECT_EQ(hostmem_classify(&hm, 3), HM_FAULT_MINOR);
	hostmem_map(&hm, 3);
	EXPECT_EQ(hostmem_classify(&hm, 3), HM_FAULT_NONE);
	EXPECT_EQ(hm.resident, 1u);
	EXPECT_EQ(hm.stats.zero_fills, 1u);
	hostmem_fini(&hm);
}

TEST(Hostmem, LimitForcesReclaimAndDirtyPagesCostWriteBack)
{
	for (uint32_t policy : { (uint32_t)RECLAIM_CLOCK, (uint32_t)RECLAIM_LRU }) {
		struct hostmem hm;
		char err[128];
		Recorder rec;
		ASSERT_EQ(hostmem_init(&hm, 64, 8, policy, err, sizeof(err)), 0);
		hm.writeback = Recorder::cb;
		hm.wb_ctx = &rec;
		for (uint64_t g = 0; g < 32; g++) {
			hostmem_zero_fill(&hm, g);
			hostmem_map(&hm, g);
			hostmem_access(&hm, g, true);
			EXPECT_LE(hm.resident, 8u) << "policy " << policy;
		}
		EXPECT_EQ(hm.resident, 8u);
		EXPECT_EQ(hm.stats.reclaims, 24u);
		// Freshly allocated pages have no swap copy: every eviction writes back.
		EXPECT_EQ(hm.stats.writebacks, 24u);
		EXPECT_EQ(rec.written.size(), 24u);
		// The evicted pages are swapped: the next access is a major fault.
		EXPECT_EQ(hostmem_classify(&hm, rec.written[0]), HM_FAULT_MAJOR);
		hostmem_fini(&hm);
	}
}

// A charge at the limit reclaims a batch (memcg direct reclaim asks for
// SWAP_CLUSTER_MAX = 32 pages), inside one plug; the next charges find room.
TEST(Hostmem, AReclaimAtTheLimitFreesABatchUnderOnePlug)
{
	struct Plugs {
		std::vector<int> log;	// +1 plug, -1 unplug, 0 a write-back
	} p;
	struct hostmem hm;
	char err[128];
	ASSERT_EQ(hostmem_init(&hm, 256, 64, RECLAIM_LRU, err, sizeof(err)), 0);
	hm.batch = 32;
	hm.writeback = [](void *ctx, uint64_t) { static_cast<Plugs *>(ctx)->log.push_back(0); };
	hm.plug = [](void *ctx, bool on) { static_cast<Plugs *>(ctx)->log.push_back(on ? 1 : -1); };
	hm.wb_ctx = &p;
	for (uint64_t g = 0; g < 64; g++)
		hostmem_zero_fill(&hm, g);
	EXPECT_EQ(hm.stats.reclaims, 0u) << "up to the limit, no reclaim";
	hostmem_zero_fill(&hm, 64);
	EXPECT_EQ(hm.stats.reclaims, 32u) << "one charge at the limit frees a batch";
	EXPECT_EQ(hm.resident, 64u - 32u + 1u);
	for (uint64_t g = 65; g < 96; g++)
		hostmem_zero_fill(&hm, g);
	EXPECT_EQ(hm.stats.reclaims, 32u) << "the next 31 charges find room";
	hostmem_zero_fill(&hm, 96);
	EXPECT_EQ(hm.stats.reclaims, 64u);
	// Each batch's 32 write-backs sit between one plug and its unplug.
	std::vector<int> one = { 1 };
	one.insert(one.end(), 32, 0);
	one.push_back(-1);
	std::vector<int> two = one;
	two.insert(two.end(), one.begin(), one.end());
	EXPECT_EQ(p.log, two);
	// LRU: the 32 oldest went first, in age order.
	EXPECT_EQ(hostmem_classify(&hm, 0), HM_FAULT_MAJOR);
	EXPECT_EQ(hostmem_classify(&hm, 31), HM_FAULT_MAJOR);
	EXPECT_EQ(hostmem_classify(&hm, 64), HM_FAULT_MINOR);
	hostmem_fini(&hm);
}

TEST(Hostmem, CleanSwappedInPageIsDroppedWithoutWriteBack)
{
	struct hostmem hm;
	char err[128];
	Recorder rec;
	ASSERT_EQ(hostmem_init(&hm, 4, 1, RECLAIM_LRU, err, sizeof(err)), 0);
	hm.writeback = Recorder::cb;
	hm.wb_ctx = &rec;
	hostmem_prefill_swapped(&hm);
	hostmem_swapin_start(&hm, 0);
	EXPECT_EQ(hostmem_classify(&hm, 0), HM_FAULT_INFLIGHT);
	hostmem_swapin_done(&hm, 0);
	hostmem_map(&hm, 0);
	hostmem_access(&hm, 0, false); // read only: stays clean
	hostmem_swapin_start(&hm, 1);
	hostmem_swapin_done(&hm, 1); // evicts page 0
	EXPECT_EQ(hm.stats.reclaims, 1u);
	EXPECT_EQ(hm.stats.writebacks, 0u);
	EXPECT_TRUE(rec.written.empty());
	EXPECT_EQ(hostmem_classify(&hm, 0), HM_FAULT_MAJOR);
	hostmem_fini(&hm);
}

TEST(Hostmem, LruEvictsLeastRecentlyUsed)
{
	struct hostmem hm;
	char err[128];
	ASSERT_EQ(hostmem_init(&hm, 8, 3, RECLAIM_LRU, err, sizeof(err)), 0);
	for (uint64_t g = 0; g < 3; g++) {
		hostmem_zero_fill(&hm, g);
		hostmem_map(&hm, g);
	}
	hostmem_access(&hm, 0, false); // order now 0 (newest), 2, 1 (oldest)
	hostmem_zero_fill(&hm, 5);
	EXPECT_EQ(hostmem_classify(&hm, 1), HM_FAULT_MAJOR);
	EXPECT_EQ(hostmem_classify(&hm, 0), HM_FAULT_NONE);
	EXPECT_EQ(hostmem_classify(&hm, 2), HM_FAULT_NONE);
	hostmem_fini(&hm);
}

TEST(Hostmem, ClockGivesReferencedPagesASecondChance)
{
	struct hostmem hm;
	char err[128];
	ASSERT_EQ(hostmem_init(&hm, 8, 3, RECLAIM_CLOCK, err, sizeof(err)), 0);
	for (uint64_t g = 0; g < 3; g++) {
		hostmem_zero_fill(&hm, g);
		hostmem_map(&hm, g);
	}
	// All three are referenced; the hand clears 0,1,2 and evicts 0.
	hostmem_zero_fill(&hm, 3);
	EXPECT_EQ(hostmem_classify(&hm, 0), HM_FAULT_MAJOR);
	// Touch 1 again: the next victim skips it and takes 2.
	hostmem_access(&hm, 1, false);
	hostmem_zero_fill(&hm, 4);
	EXPECT_EQ(hostmem_classify(&hm, 2), HM_FAULT_MAJOR);
	EXPECT_EQ(hostmem_classify(&hm, 1), HM_FAULT_NONE);
	hostmem_fini(&hm);
}

} // namespace
