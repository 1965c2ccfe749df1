// oracle_seen_test.cc — the per-vCPU set of tokens ever set up
// (model/check/oracle_seen.c), which token_wraps counts against: exact
// membership across the array-to-bitmap switch and across boxes.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>

extern "C" {
#include "model/check/oracle_internal.h"
}

namespace {

TEST(OracleSeen, AddAnswersWhetherTheTokenWasThereBefore)
{
	seen_set s = {};
	bool oom = false;

	EXPECT_FALSE(orc_seen_add(&s, 0x1003, &oom));
	EXPECT_TRUE(orc_seen_add(&s, 0x1003, &oom));
	EXPECT_FALSE(orc_seen_add(&s, 0x21003, &oom));	// same low 16 bits, another box
	EXPECT_TRUE(orc_seen_add(&s, 0x21003, &oom));
	EXPECT_FALSE(orc_seen_add(&s, 0, &oom));
	EXPECT_FALSE(orc_seen_add(&s, UINT64_MAX, &oom));
	EXPECT_TRUE(orc_seen_add(&s, UINT64_MAX, &oom));
	EXPECT_FALSE(oom);
	orc_seen_free(&s);
}

// The generators' shapes: an arm64 16-bit sequence (one box, past the
// array limit into a bitmap) and x86 ids above a vCPU number (a stride of
// 4096, sixteen per box, thousands of boxes), in a scrambled order, against
// std::set.
TEST(OracleSeen, AgreesWithAReferenceSetOnCounterShapedTokens)
{
	for (uint64_t stride : { (uint64_t)1, (uint64_t)4096 }) {
		seen_set s = {};
		std::set<uint64_t> ref;
		bool oom = false;
		uint64_t x = 12345;

		for (int i = 0; i < 60000; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			uint64_t t = ((x >> 33) % 20000) * stride + 3;
			bool had = ref.count(t) != 0;

			ref.insert(t);
			ASSERT_EQ(orc_seen_add(&s, t, &oom), had) << "stride " << stride << " token " << t;
		}
		EXPECT_FALSE(oom);
		for (uint64_t t : ref)
			EXPECT_TRUE(orc_seen_add(&s, t, &oom));
		orc_seen_free(&s);
	}
}

}  // namespace
