// apf_token_test.cc — token sequences of docs/reference.md §2.5 (arm64) and
// §3.3 (x86, with and without the 2022 zero skip).
#include <gtest/gtest.h>

extern "C" {
#include "model/apf/token.h"
}

TEST(ApfTokenArm64, FirstTokensOfVcpu0AndVcpu5)
{
	apf_token t0, t5;
	apf_token_init(&t0, 16, false);
	apf_token_init(&t5, 16, false);

	EXPECT_EQ(apf_token_alloc(&t0, 0), 0x0u);	// the zero token
	EXPECT_EQ(apf_token_alloc(&t0, 0), 0x1000u);
	EXPECT_EQ(apf_token_alloc(&t0, 0), 0x2000u);
	EXPECT_EQ(apf_token_alloc(&t5, 5), 0x5u);
	EXPECT_EQ(apf_token_alloc(&t5, 5), 0x1005u);
	EXPECT_EQ(t0.stats.issued, 3u);
	EXPECT_EQ(t0.stats.zero, 1u);
	EXPECT_EQ(t5.stats.zero, 0u);
}

TEST(ApfTokenArm64, WrapsAfter65536AndGivesZeroAgain)
{
	apf_token t;
	apf_token_init(&t, 16, false);
	uint32_t last = 0;
	for (uint32_t n = 0; n < 65536; n++) {
		uint32_t tok = apf_token_alloc(&t, 0);
		EXPECT_EQ(tok, n << 12);
		last = tok;
	}
	EXPECT_EQ(last, 0x0FFFF000u);	// largest sequence, bits [27:12]
	EXPECT_EQ(t.stats.wraps, 1u);
	EXPECT_EQ(t.stats.zero, 1u);

	EXPECT_EQ(apf_token_alloc(&t, 0), 0u);	// after the wrap
	EXPECT_EQ(t.stats.zero, 2u);
	EXPECT_EQ(t.stats.issued, 65537u);
	EXPECT_EQ(t.stats.wakeup_all, 0u);
}

TEST(ApfTokenArm64, LargestTokenIsNotWakeAll)
{
	apf_token t;
	apf_token_init(&t, 16, false);
	t.id = 0xFFFF;
	EXPECT_EQ(apf_token_alloc(&t, 0xFFF), 0x0FFFFFFFu);
	EXPECT_EQ(t.stats.wakeup_all, 0u);
	EXPECT_EQ(t.stats.wraps, 1u);
	EXPECT_EQ(apf_token_alloc(&t, 0xFFF), 0xFFFu);
}

TEST(ApfTokenX86, SkipOnStartsAt0x1000)
{
	apf_token t;
	apf_token_init(&t, 32, true);
	EXPECT_EQ(apf_token_alloc(&t, 0), 0x1000u);
	EXPECT_EQ(apf_token_alloc(&t, 0), 0x2000u);

	apf_token t3;
	apf_token_init(&t3, 32, true);
	EXPECT_EQ(apf_token_alloc(&t3, 3), 0x1003u);
	EXPECT_EQ(t3.stats.wraps, 0u);
}

TEST(ApfTokenX86, SkipOnWrapRegionGoes0xFFFFF000Then0x1000)
{
	apf_token t;
	apf_token_init(&t, 32, true);
	t.id = 0xFFFFE;
	EXPECT_EQ(apf_token_alloc(&t, 0), 0xFFFFE000u);
	EXPECT_EQ(apf_token_alloc(&t, 0), 0xFFFFF000u);
	EXPECT_EQ(t.stats.wraps, 1u);
	EXPECT_EQ(apf_token_alloc(&t, 0), 0x1000u);	// 0 skipped
	EXPECT_EQ(t.stats.zero, 0u);
}

TEST(ApfTokenX86, SkipOnNeverZeroOverMoreThan2To20Allocations)
{
	apf_token t;
	apf_token_init(&t, 32, true);
	const uint32_t n = (1u << 20) + 4096;
	for (uint32_t i = 0; i < n; i++)
		ASSERT_NE(apf_token_alloc(&t, 0), 0u) << "allocation " << i;
	EXPECT_EQ(t.stats.zero, 0u);
	EXPECT_EQ(t.stats.issued, n);
	EXPECT_EQ(t.stats.wraps, 1u);	// sequence 1..0xFFFFF per turn
}

TEST(ApfTokenX86, SkipOnU32IdWrapAlsoSkipsZero)
{
	apf_token t;
	apf_token_init(&t, 32, true);
	t.id = 0xFFFFFFFF;	// (u32)(id << 12) == 0xFFFFF000
	EXPECT_EQ(apf_token_alloc(&t, 0), 0xFFFFF000u);
	EXPECT_EQ(t.id, 0u);
	EXPECT_EQ(apf_token_alloc(&t, 0), 0x1000u);
}

TEST(ApfTokenX86, SkipOffGivesZeroTokenAtIdZero)
{
	apf_token t;
	apf_token_init(&t, 32, false);
	EXPECT_EQ(apf_token_alloc(&t, 0), 0u);
	EXPECT_EQ(apf_token_alloc(&t, 0), 0x1000u);
	EXPECT_EQ(t.stats.zero, 1u);

	// and again when the 20-bit sequence wraps
	t.id = 0xFFFFF;
	EXPECT_EQ(apf_token_alloc(&t, 0), 0xFFFFF000u);
	EXPECT_EQ(t.stats.wraps, 1u);
	EXPECT_EQ(apf_token_alloc(&t, 0), 0u);
	EXPECT_EQ(t.stats.zero, 2u);
}

TEST(ApfTokenX86, Vcpu4095LastSequenceIsTheWakeAllValue)
{
	apf_token t;
	apf_token_init(&t, 32, true);
	t.id = 0xFFFFF;
	EXPECT_EQ(apf_token_alloc(&t, 4095), APF_TOKEN_WAKEUP_ALL);
	EXPECT_EQ(t.stats.wakeup_all, 1u);
}
