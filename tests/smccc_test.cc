// smccc_test.cc — SMCCC function-ID decoding (DEN 0028) and the dispatch
// of the architecture service, the KVM vendor hypervisor service with the
// APF function (docs/reference.md §2.2), and the SDEI range.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

extern "C" {
#include "smccc/smccc.h"
}

namespace {

// A fake APF host side recording what it was called with.
struct FakeApf {
	bool present = true;
	std::vector<const char *> calls;
	uint64_t control = 0;
	unsigned vcpu = ~0u;

	static FakeApf *of(void *ctx) { return static_cast<FakeApf *>(ctx); }
	static bool present_cb(void *ctx, unsigned) { return of(ctx)->present; }
	static int64_t version_cb(void *ctx, unsigned v, uint64_t *a1)
	{
		of(ctx)->calls.push_back("version");
		of(ctx)->vcpu = v;
		*a1 = 0x010000;
		return SMCCC_RET_SUCCESS;
	}
	static int64_t slots_cb(void *ctx, unsigned, uint64_t *a1)
	{
		of(ctx)->calls.push_back("slots");
		*a1 = 64;
		return SMCCC_RET_SUCCESS;
	}
	static int64_t sdei_cb(void *ctx, unsigned, uint64_t *a1)
	{
		of(ctx)->calls.push_back("sdei");
		*a1 = KVM_SDEI_ASYNC_PF_NUM;
		return SMCCC_RET_SUCCESS;
	}
	static int64_t irq_cb(void *ctx, unsigned, uint64_t *a1)
	{
		of(ctx)->calls.push_back("irq");
		*a1 = 17;
		return SMCCC_RET_SUCCESS;
	}
	static int64_t enable_cb(void *ctx, unsigned, uint64_t control)
	{
		of(ctx)->calls.push_back("enable");
		of(ctx)->control = control;
		return SMCCC_RET_NOT_REQUIRED;
	}
	static int64_t irq_ack_cb(void *ctx, unsigned)
	{
		of(ctx)->calls.push_back("irq_ack");
		return SMCCC_RET_SUCCESS;
	}
};

const struct smccc_apf_ops kOps = {
	FakeApf::present_cb, FakeApf::version_cb, FakeApf::slots_cb, FakeApf::sdei_cb,
	FakeApf::irq_cb, FakeApf::enable_cb, FakeApf::irq_ack_cb,
};

class SmcccTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		sd = sdei_create(2);
		ASSERT_NE(sd, nullptr);
		sc = smccc_create(2, sd, &kOps, &apf);
		ASSERT_NE(sc, nullptr);
	}
	void TearDown() override
	{
		smccc_destroy(sc);
		sdei_destroy(sd);
	}
	struct sdei_regs call(uint64_t x0, uint64_t x1 = 0, uint64_t x2 = 0, uint64_t x3 = 0,
			      unsigned vcpu = 0)
	{
		struct sdei_regs r;
		memset(&r, 0xA5, sizeof(r));
		r.x[0] = x0, r.x[1] = x1, r.x[2] = x2, r.x[3] = x3;
		r.x[4] = r.x[5] = 0;	// SDEI flags / affinity
		last_rc = smccc_dispatch(sc, vcpu, &r);
		return r;
	}

	struct sdei *sd = nullptr;
	struct smccc *sc = nullptr;
	FakeApf apf;
	int last_rc = 0;
};

TEST(SmcccDecode, FunctionIdFields)
{
	EXPECT_EQ(SMCCC_CALL_VAL(SMCCC_FAST_CALL, SMCCC_SMC_32, SMCCC_OWNER_VENDOR_HYP, 2),
		  0x86000002u);
	EXPECT_EQ(SMCCC_VENDOR_HYP_KVM_FEATURES_FUNC_ID, 0x86000000u);
	EXPECT_EQ(SMCCC_CALL_VAL(SMCCC_FAST_CALL, SMCCC_SMC_64, SMCCC_OWNER_STANDARD, 0x20),
		  0xC4000020u);
	EXPECT_EQ(SMCCC_CALL_VAL(SMCCC_YIELDING_CALL, SMCCC_SMC_32, SMCCC_OWNER_TRUSTED_OS_END, 0xFFFF),
		  0x3F00FFFFu);
	EXPECT_TRUE(SMCCC_IS_FAST_CALL(0x8600FF01u));
	EXPECT_FALSE(SMCCC_IS_SMC64(0x8600FF01u));
	EXPECT_TRUE(SMCCC_IS_SMC64(0xC4000021u));
	EXPECT_EQ(SMCCC_OWNER(0x8600FF01u), (unsigned)SMCCC_OWNER_VENDOR_HYP);
	EXPECT_EQ(SMCCC_OWNER(0xC4000021u), (unsigned)SMCCC_OWNER_STANDARD);
	EXPECT_EQ(SMCCC_OWNER(0xB2000000u), (unsigned)SMCCC_OWNER_TRUSTED_OS);
	EXPECT_EQ(SMCCC_FUNC_NUM(0x8600FF01u), 0xFF01u);
	EXPECT_FALSE(SMCCC_IS_FAST_CALL(0x06000000u));
	EXPECT_TRUE(SDEI_IS_FN(0x84000020u));
	EXPECT_TRUE(SDEI_IS_FN(0xC400003Fu));
	EXPECT_FALSE(SDEI_IS_FN(0xC4000040u));
	EXPECT_FALSE(SDEI_IS_FN(0xC4000000u));
}

TEST_F(SmcccTest, ArchitectureCalls)
{
	struct sdei_regs r = call(SMCCC_VERSION_FUNC_ID);
	EXPECT_EQ(r.x[0], 0x10001u);
	EXPECT_EQ(call(SMCCC_ARCH_FEATURES_FUNC_ID, SMCCC_VERSION_FUNC_ID).x[0], 0u);
	EXPECT_EQ(call(SMCCC_ARCH_FEATURES_FUNC_ID, SMCCC_ARCH_FEATURES_FUNC_ID).x[0], 0u);
	EXPECT_EQ((int64_t)call(SMCCC_ARCH_FEATURES_FUNC_ID, 0x80008000).x[0], -1);	// WORKAROUND_1
	EXPECT_EQ(smccc_stat_count(sc, SMCCC_STAT_ARCH_FEATURES), 3u);
}

TEST_F(SmcccTest, KvmUidWords)
{
	struct sdei_regs r = call(SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID);
	EXPECT_EQ(r.x[0], 0xb66fb428u);
	EXPECT_EQ(r.x[1], 0xe911c52eu);
	EXPECT_EQ(r.x[2], 0x564bcaa9u);
	EXPECT_EQ(r.x[3], 0x743a004du);
	EXPECT_EQ(last_rc, SDEI_CALL_RETURN);
}

TEST_F(SmcccTest, FeaturesBitFollowsApfBlock)
{
	struct sdei_regs r = call(SMCCC_VENDOR_HYP_KVM_FEATURES_FUNC_ID);
	EXPECT_EQ(r.x[0], (uint64_t)(SMCCC_KVM_FEATURE_FEATURES | SMCCC_KVM_FEATURE_ASYNC_PF));
	EXPECT_EQ(r.x[1], 0u);
	apf.present = false;
	r = call(SMCCC_VENDOR_HYP_KVM_FEATURES_FUNC_ID);
	EXPECT_EQ(r.x[0], (uint64_t)SMCCC_KVM_FEATURE_FEATURES);
}

TEST_F(SmcccTest, AsyncPfSubFunctionsRouted)
{
	const uint32_t fn = SMCCC_VENDOR_HYP_KVM_ASYNC_PF_FUNC_ID;
	struct sdei_regs r = call(fn, SMCCC_KVM_ASYNC_PF_VERSION, 0, 0, 1);
	EXPECT_EQ(r.x[0], 0u);
	EXPECT_EQ(r.x[1], 0x010000u);
	EXPECT_EQ(r.x[2], 0u);
	EXPECT_EQ(r.x[3], 0u);
	EXPECT_EQ(apf.vcpu, 1u);
	EXPECT_EQ(call(fn, SMCCC_KVM_ASYNC_PF_SLOTS).x[1], 64u);
	EXPECT_EQ(call(fn, SMCCC_KVM_ASYNC_PF_SDEI).x[1], KVM_SDEI_ASYNC_PF_NUM);
	EXPECT_EQ(call(fn, SMCCC_KVM_ASYNC_PF_IRQ).x[1], 17u);

	// ENABLE: control = x3 << 32 | x2, x2 not masked to 32 bits.
	r = call(fn, SMCCC_KVM_ASYNC_PF_ENABLE, 0x00000001'4000A041ull, 0x2);
	EXPECT_EQ(apf.control, (0x2ull << 32) | 0x00000001'4000A041ull);
	EXPECT_EQ((int64_t)r.x[0], SMCCC_RET_NOT_REQUIRED);	// the op's a0 is passed on
	EXPECT_EQ(r.x[1], 0u);

	r = call(fn, SMCCC_KVM_ASYNC_PF_IRQ_ACK);
	EXPECT_EQ(r.x[0], 0u);
	const std::vector<const char *> want = { "version", "slots", "sdei", "irq", "enable",
						 "irq_ack" };
	ASSERT_EQ(apf.calls.size(), want.size());
	for (size_t i = 0; i < want.size(); i++)
		EXPECT_STREQ(apf.calls[i], want[i]);

	// Unknown sub-function -> NOT_SUPPORTED, op table untouched.
	EXPECT_EQ((int64_t)call(fn, 6).x[0], SMCCC_RET_NOT_SUPPORTED);
	EXPECT_EQ(apf.calls.size(), want.size());
	EXPECT_EQ(smccc_stat_count(sc, SMCCC_STAT_APF_UNKNOWN), 1u);
	EXPECT_EQ(smccc_stat_count(sc, SMCCC_STAT_APF_ENABLE), 1u);

	// No APF block -> NOT_SUPPORTED for every sub-function.
	apf.present = false;
	for (uint64_t sub = 0; sub <= SMCCC_KVM_ASYNC_PF_IRQ_ACK; sub++)
		EXPECT_EQ((int64_t)call(fn, sub).x[0], SMCCC_RET_NOT_SUPPORTED) << sub;
	EXPECT_EQ(apf.calls.size(), want.size());
}

TEST_F(SmcccTest, NoOpsTableMeansNotSupported)
{
	struct smccc *bare = smccc_create(1, nullptr, nullptr, nullptr);
	ASSERT_NE(bare, nullptr);
	struct sdei_regs r;
	memset(&r, 0, sizeof(r));
	r.x[0] = SMCCC_VENDOR_HYP_KVM_ASYNC_PF_FUNC_ID;
	EXPECT_EQ(smccc_dispatch(bare, 0, &r), SDEI_CALL_RETURN);
	EXPECT_EQ((int64_t)r.x[0], SMCCC_RET_NOT_SUPPORTED);
	r.x[0] = SDEI_VERSION;
	smccc_dispatch(bare, 0, &r);
	EXPECT_EQ((int64_t)r.x[0], SMCCC_RET_NOT_SUPPORTED);
	EXPECT_EQ(smccc_dispatch(bare, 1, &r), -EINVAL);
	smccc_destroy(bare);
}

TEST_F(SmcccTest, UnknownFunctionsNotSupported)
{
	for (uint64_t id : { 0x84000000ull, 0xC6000002ull, 0x8600FF00ull, 0x86000001ull,
			     0x82000000ull, 0xB2000000ull, 0x80000002ull, 0xC4000040ull }) {
		struct sdei_regs r = call(id);
		EXPECT_EQ((int64_t)r.x[0], SMCCC_RET_NOT_SUPPORTED) << std::hex << id;
		EXPECT_EQ(r.x[1], 0u);
	}
	EXPECT_EQ(smccc_stat_count(sc, SMCCC_STAT_UNKNOWN), 8u);
	// Only W0 is the function ID.
	EXPECT_EQ(call(0xFFFFFFFF00000000ull | SMCCC_VERSION_FUNC_ID).x[0], 0x10001u);
}

TEST_F(SmcccTest, SdeiRangeRouted)
{
	EXPECT_EQ(call(SDEI_VERSION).x[0], SDEI_VERSION_VALUE);
	EXPECT_EQ(call(SDEI_FN_BASE_SMC32).x[0], SDEI_VERSION_VALUE);
	EXPECT_EQ(call(SDEI_EVENT_REGISTER, KVM_SDEI_ASYNC_PF_NUM, 0x40001000, 0).x[0], 0u);
	EXPECT_EQ(call(SDEI_EVENT_ENABLE, KVM_SDEI_ASYNC_PF_NUM).x[0], 0u);
	EXPECT_EQ(call(SDEI_PE_UNMASK).x[0], 0u);
	EXPECT_EQ(smccc_stat_count(sc, (smccc_stat)(SMCCC_STAT_SDEI_FIRST + 1)), 1u);
	EXPECT_STREQ(smccc_stat_name((smccc_stat)(SMCCC_STAT_SDEI_FIRST + 1)), "sdei_event_register");

	// A delivered event completes through the SMCCC entry point.
	ASSERT_EQ(sdei_inject(sd, 0, KVM_SDEI_ASYNC_PF_NUM, true), 0);
	struct sdei_regs r;
	memset(&r, 0, sizeof(r));
	r.pc = 0x1234;
	ASSERT_EQ(sdei_deliver(sd, 0, &r), 0);
	r.x[0] = SDEI_EVENT_COMPLETE;
	EXPECT_EQ(smccc_dispatch(sc, 0, &r), SDEI_CALL_CONTEXT_SWITCHED);
	EXPECT_EQ(r.pc, 0x1234u);
}

} // namespace
