// guest_x86_test.cc — the x86-semantics APF driver of the real aarch64 guest
// image (workloads/guest/x86_apf.c, GUEST_BOOT_X86), run by Unicorn through
// model/vm/platform.c with a fake x86 host (platform_x86_ops: MSRs and the
// CPUID feature leaf) and a fake scheduler.
//
// Asserts the guest side of docs/reference.md §3.6/§3.7 as docs/guest-abi.md maps
// it onto aarch64: the enable sequence (features, INT, EN; legacy: EN only),
// the async #PF (read-and-zero flags, park with GUEST_SCHED_WAIT + token),
// the page-ready PPI (EOI first, wake, token = 0, ACK MSR), dummies (wake
// before wait), wake-all per CPU, NO_ACK and legacy delivery from user mode
// and from idle; plus the arm64 driver's broken NO_IRQ_ACK variant.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

extern "C" {
#include "cpu/cpu.h"
#include "gic/gic.h"
#include "model/vm/platform.h"
#include "sdei/sdei.h"
#include "smccc/smccc.h"
}

namespace {

constexpr uint32_t kPpi = 19;
constexpr uint64_t kUserPc = 0x0000aaaa00402000ull;
constexpr uint64_t kAllFeatures = (1u << GUEST_KVM_FEATURE_ASYNC_PF) |
				  (1u << GUEST_KVM_FEATURE_ASYNC_PF_VMEXIT) |
				  (1u << GUEST_KVM_FEATURE_ASYNC_PF_INT);
constexpr uint64_t kEsrUser = APFSIM_ESR_APF(APFSIM_ESR_EC_DABT_LOW);
constexpr uint64_t kEsrKernel = APFSIM_ESR_APF(APFSIM_ESR_EC_DABT_CUR);

struct X86Call {
	char op;  // 'F' features, 'W' write, 'R' read
	uint32_t msr;
	uint64_t val;
	bool operator==(const X86Call &o) const { return op == o.op && msr == o.msr && val == o.val; }
};

struct Fake {
	platform *p = nullptr;
	// x86 host
	std::vector<X86Call> x86;
	uint64_t features = kAllFeatures;
	int64_t en_ret = 0;
	// scheduler
	std::vector<std::pair<uint32_t, uint64_t>> schedules;  // reason, x2
	std::vector<uint32_t> wakes;
	std::vector<bool> ppi_active_at_wake;
	std::vector<std::pair<uint32_t, uint64_t>> warns;
	std::vector<std::pair<uint32_t, uint64_t>> logs;
	std::vector<uint32_t> boot_status;
	bool switch_on_wait = true;
};

int64_t x86_msr_write(void *ctx, unsigned cpu, uint32_t msr, uint64_t val)
{
	auto *f = static_cast<Fake *>(ctx);
	f->x86.push_back({ 'W', msr, val });
	if (msr == GUEST_MSR_KVM_ASYNC_PF_EN)
		return f->en_ret;
	if (msr == GUEST_MSR_KVM_ASYNC_PF_ACK)  // the ACK ends the level PPI
		gic_set_ppi_level(platform_gic(f->p), cpu, kPpi, false);
	return 0;
}
int64_t x86_msr_read(void *ctx, unsigned, uint32_t msr, uint64_t *val)
{
	static_cast<Fake *>(ctx)->x86.push_back({ 'R', msr, 0 });
	*val = 0;
	return 0;
}
uint64_t x86_features(void *ctx, unsigned)
{
	auto *f = static_cast<Fake *>(ctx);
	f->x86.push_back({ 'F', 0, 0 });
	return f->features;
}
const platform_x86_ops kX86Ops = { x86_msr_write, x86_msr_read, x86_features };

// arm64 host for the NO_IRQ_ACK variant.
int arm_irq_acks = 0;
bool apf_present(void *, unsigned) { return true; }
int64_t apf_version(void *, unsigned, uint64_t *a1) { *a1 = 0x010000; return SMCCC_RET_SUCCESS; }
int64_t apf_slots(void *, unsigned, uint64_t *a1) { *a1 = 64; return SMCCC_RET_SUCCESS; }
int64_t apf_sdei(void *, unsigned, uint64_t *a1) { *a1 = KVM_SDEI_ASYNC_PF_NUM; return SMCCC_RET_SUCCESS; }
int64_t apf_irq(void *, unsigned, uint64_t *a1) { *a1 = kPpi; return SMCCC_RET_SUCCESS; }
int64_t apf_enable(void *, unsigned, uint64_t) { return SMCCC_RET_SUCCESS; }
int64_t apf_irq_ack(void *, unsigned) { arm_irq_acks++; return SMCCC_RET_SUCCESS; }
const smccc_apf_ops kApfOps = { apf_present, apf_version, apf_slots, apf_sdei,
				apf_irq,     apf_enable,  apf_irq_ack };

bool sched_schedule(void *ctx, unsigned cpu, uint32_t reason)
{
	auto *f = static_cast<Fake *>(ctx);
	// The token rides in x2 of the simulator call.
	f->schedules.emplace_back(reason, cpu_reg(platform_cpu(f->p, cpu), 2));
	guest_task *t = platform_task(f->p, platform_percpu(f->p, cpu)->current);
	t->flags &= ~GUEST_TIF_NEED_RESCHED;
	return reason == GUEST_SCHED_WAIT ? f->switch_on_wait : false;
}
void sched_wake(void *ctx, unsigned cpu, uint32_t task)
{
	auto *f = static_cast<Fake *>(ctx);
	f->wakes.push_back(task);
	f->ppi_active_at_wake.push_back(gic_is_active(platform_gic(f->p), cpu, kPpi));
}
void sched_warn(void *ctx, unsigned, uint32_t code, uint64_t arg)
{
	static_cast<Fake *>(ctx)->warns.emplace_back(code, arg);
}
void sched_log(void *ctx, unsigned, uint32_t code, uint64_t arg)
{
	static_cast<Fake *>(ctx)->logs.emplace_back(code, arg);
}
void sched_boot_done(void *ctx, unsigned, uint32_t status)
{
	static_cast<Fake *>(ctx)->boot_status.push_back(status);
}
const platform_sched_ops kSchedOps = { sched_schedule, sched_wake, sched_warn, sched_log,
				       sched_boot_done, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr };

uint32_t hash8(uint32_t token) { return (token * 0x61C88647u) >> 24; }

class GuestX86 : public ::testing::Test {
protected:
	Fake f;
	platform *p = nullptr;

	void make(uint32_t flags, unsigned ncpus = 1, bool x86_ops = true)
	{
		platform_config cfg = {};
		char err[512] = "";
		platform_destroy(p);
		f = Fake();
		cfg.ncpus = ncpus;
		cfg.boot_flags = flags;
		cfg.apf_ops = &kApfOps;
		cfg.x86_ops = x86_ops ? &kX86Ops : nullptr;
		cfg.x86_ctx = &f;
		cfg.sched = &kSchedOps;
		cfg.sched_ctx = &f;
		cfg.record_calls = true;
		p = platform_create(&cfg, err, sizeof(err));
		ASSERT_NE(p, nullptr) << err;
		f.p = p;
		platform_boot_params(p)->x86_irq = kPpi;
	}
	void TearDown() override { platform_destroy(p); }

	void boot(unsigned cpu = 0)
	{
		ASSERT_EQ(platform_boot(p, cpu), 0) << platform_error(p);
		ASSERT_EQ(f.boot_status.back(), uint32_t(GUEST_BOOT_APF_ON));
		platform_clear_calls(p);
		f.x86.clear();
		f.logs.clear();
	}
	guest_percpu *pc(unsigned cpu = 0) { return platform_percpu(p, cpu); }
	guest_task *task(uint32_t t) { return platform_task(p, t); }
	guest_x86_sleepers *sleepers()
	{
		uint64_t a = platform_symbol(p, GUEST_SYM_X86_SLEEPERS);
		return static_cast<guest_x86_sleepers *>(platform_guest_ptr(p, a, sizeof(guest_x86_sleepers)));
	}
	guest_x86_node &node(uint32_t idx) { return sleepers()->nodes[idx]; }
	// Refs (index + 1) chained in token's bucket, head first.
	std::vector<uint32_t> bucket(uint32_t token)
	{
		std::vector<uint32_t> out;
		for (uint32_t r = sleepers()->heads[hash8(token)]; r != GUEST_X86_NIL; r = node(r - 1).next)
			out.push_back(r);
		return out;
	}
	void run_task_in_user(uint32_t t, unsigned cpu = 0)
	{
		pc(cpu)->current = t;
		task(t)->state = GUEST_TASK_RUNNING;
		task(t)->cpu = cpu;
		platform_enter_user(p, cpu, kUserPc);
	}
	// The host injects an async not-present for `token` into user task t.
	platform_run_result not_present(uint32_t t, uint32_t token, unsigned cpu = 0)
	{
		run_task_in_user(t, cpu);
		pc(cpu)->apf.flags = GUEST_KVM_PV_FLAG_PAGE_NOT_PRESENT;
		return platform_exception(p, cpu, kEsrUser, token, 0);
	}
	// The host signals page ready for `token` while task t runs in user mode.
	platform_run_result page_ready(uint32_t t, uint32_t token, unsigned cpu = 0)
	{
		run_task_in_user(t, cpu);
		pc(cpu)->apf.token = token;
		gic_set_ppi_level(platform_gic(p), cpu, kPpi, true);
		return platform_irq_from_user(p, cpu, 0);
	}
	std::vector<platform_call> calls()
	{
		size_t n;
		const platform_call *c = platform_calls(p, &n);
		return std::vector<platform_call>(c, c + n);
	}
	size_t acks() const
	{
		size_t n = 0;
		for (const X86Call &c : f.x86)
			n += c.op == 'W' && c.msr == GUEST_MSR_KVM_ASYNC_PF_ACK && c.val == 1;
		return n;
	}
	uint64_t percpu_pa(unsigned cpu) const
	{
		return platform_symbol(p, GUEST_SYM_PERCPU) + cpu * sizeof(guest_percpu);
	}
};

TEST_F(GuestX86, EnableQueriesFeaturesThenWritesIntThenEn)
{
	make(GUEST_BOOT_X86);
	ASSERT_EQ(platform_boot(p, 0), 0) << platform_error(p);
	const uint64_t en = percpu_pa(0) | GUEST_KVM_ASYNC_PF_ENABLED | GUEST_KVM_ASYNC_PF_DELIVERY_AS_INT;
	EXPECT_EQ(f.x86, (std::vector<X86Call>{ { 'F', 0, 0 },
						{ 'W', GUEST_MSR_KVM_ASYNC_PF_INT, kPpi },
						{ 'W', GUEST_MSR_KVM_ASYNC_PF_EN, en } }));
	EXPECT_EQ(en & 0x30, 0u);  // reserved bits 5:4 clear
	EXPECT_EQ(pc()->apf.enabled, 1u);
	EXPECT_EQ(pc()->apf_irq, kPpi);
	EXPECT_TRUE(gic_is_enabled(platform_gic(p), 0, kPpi));
	EXPECT_TRUE(f.warns.empty());
	EXPECT_EQ(f.boot_status, std::vector<uint32_t>{ GUEST_BOOT_APF_ON });
	ASSERT_EQ(f.logs.size(), 1u);
	EXPECT_EQ(f.logs[0].first, uint32_t(GUEST_LOG_APF_ENABLED));

	// The calls went through hvc #0 with the apfsim IDs; the arm64 driver
	// (UID, vendor-hyp ASYNC_PF, SDEI event registration) stayed silent.
	std::vector<uint32_t> funcs;
	for (const platform_call &c : calls())
		funcs.push_back(c.func);
	EXPECT_EQ(funcs, (std::vector<uint32_t>{ GUEST_SDEI_VERSION, GUEST_SDEI_PE_UNMASK,
						 APFSIM_HC_KVM_FEATURES, APFSIM_HC_MSR_WRITE,
						 APFSIM_HC_MSR_WRITE }));
	std::vector<platform_call> c = calls();
	EXPECT_EQ(c[2].ret[0], 0u);
	EXPECT_EQ(c[2].ret[1], kAllFeatures);
	EXPECT_EQ(c[4].arg[0], GUEST_MSR_KVM_ASYNC_PF_EN);
	EXPECT_EQ(c[4].arg[1], en);
	EXPECT_EQ(cpu_sysreg(platform_cpu(p, 0), CPU_SYSREG_VBAR_EL1),
		  platform_symbol(p, "guest_x86_vectors"));
	// Every hvc #0 is a hypercall; smccc only saw the SDEI client's two.
	EXPECT_EQ(platform_hypercalls(p), 5u);
	EXPECT_EQ(smccc_calls_total(platform_smccc(p)), 2u);
}

TEST_F(GuestX86, LegacyEnableWritesOnlyEnWithoutDeliveryAsInt)
{
	make(GUEST_BOOT_X86 | GUEST_BOOT_X86_LEGACY);
	f.features = 1u << GUEST_KVM_FEATURE_ASYNC_PF;  // an old host: no INT
	ASSERT_EQ(platform_boot(p, 0), 0) << platform_error(p);
	EXPECT_EQ(f.x86, (std::vector<X86Call>{
				 { 'F', 0, 0 },
				 { 'W', GUEST_MSR_KVM_ASYNC_PF_EN, percpu_pa(0) | GUEST_KVM_ASYNC_PF_ENABLED } }));
	EXPECT_EQ(pc()->apf.enabled, 1u);
	EXPECT_EQ(pc()->apf_irq, 0u);
	EXPECT_FALSE(gic_is_enabled(platform_gic(p), 0, kPpi));
	EXPECT_EQ(f.boot_status, std::vector<uint32_t>{ GUEST_BOOT_APF_ON });
}

TEST_F(GuestX86, ModernGuestRequiresInterruptDelivery)
{
	make(GUEST_BOOT_X86);
	f.features = 1u << GUEST_KVM_FEATURE_ASYNC_PF;
	ASSERT_EQ(platform_boot(p, 0), 0) << platform_error(p);
	EXPECT_EQ(f.x86.size(), 1u);  // features only, no MSR write
	ASSERT_EQ(f.warns.size(), 1u);
	EXPECT_EQ(f.warns[0], std::make_pair(uint32_t(GUEST_WARN_X86_FEATURES), f.features));
	EXPECT_EQ(pc()->apf.enabled, 0u);
	EXPECT_EQ(f.boot_status, std::vector<uint32_t>{ GUEST_BOOT_APF_OFF });
}

TEST_F(GuestX86, NoX86OpsMeansNoFeatures)
{
	make(GUEST_BOOT_X86, 1, false);
	ASSERT_EQ(platform_boot(p, 0), 0) << platform_error(p);
	ASSERT_EQ(f.warns.size(), 1u);
	EXPECT_EQ(f.warns[0], std::make_pair(uint32_t(GUEST_WARN_X86_FEATURES), uint64_t(0)));
	EXPECT_EQ(f.boot_status, std::vector<uint32_t>{ GUEST_BOOT_APF_OFF });
}

TEST_F(GuestX86, EnGpLeavesApfOff)
{
	make(GUEST_BOOT_X86);
	f.en_ret = -1;
	ASSERT_EQ(platform_boot(p, 0), 0) << platform_error(p);
	ASSERT_EQ(f.warns.size(), 1u);
	EXPECT_EQ(f.warns[0], std::make_pair(uint32_t(GUEST_WARN_X86_MSR_EN), uint64_t(-1)));
	EXPECT_EQ(pc()->apf.enabled, 0u);
	EXPECT_EQ(pc()->apf_irq, 0u);
	EXPECT_FALSE(gic_is_enabled(platform_gic(p), 0, kPpi));
	EXPECT_EQ(f.boot_status, std::vector<uint32_t>{ GUEST_BOOT_APF_OFF });
}

TEST_F(GuestX86, BadVectorAndNoKvmApf)
{
	make(GUEST_BOOT_X86);
	platform_boot_params(p)->x86_irq = 40;  // not a PPI
	ASSERT_EQ(platform_boot(p, 0), 0) << platform_error(p);
	ASSERT_EQ(f.warns.size(), 1u);
	EXPECT_EQ(f.warns[0], std::make_pair(uint32_t(GUEST_WARN_X86_IRQ), uint64_t(40)));

	make(GUEST_BOOT_X86 | GUEST_BOOT_NO_KVMAPF);
	ASSERT_EQ(platform_boot(p, 0), 0) << platform_error(p);
	EXPECT_TRUE(f.x86.empty());
	ASSERT_EQ(f.logs.size(), 1u);
	EXPECT_EQ(f.logs[0].first, uint32_t(GUEST_LOG_APF_DISABLED_CMDLINE));
	EXPECT_EQ(f.boot_status, std::vector<uint32_t>{ GUEST_BOOT_APF_OFF });
}

TEST_F(GuestX86, AsyncPfFromUserParksTaskWithItsToken)
{
	make(GUEST_BOOT_X86);
	boot();
	const uint32_t token = 0x5001;
	platform_run_result r = not_present(5, token);
	ASSERT_EQ(r.reason, PLATFORM_STOP_SWITCH) << platform_error(p);
	ASSERT_EQ(f.schedules.size(), 1u);
	EXPECT_EQ(f.schedules[0], std::make_pair(uint32_t(GUEST_SCHED_WAIT), uint64_t(token)));
	EXPECT_EQ(pc()->apf.flags, 0u);  // read and cleared
	EXPECT_EQ(node(5).token, token);
	EXPECT_EQ(node(5).cpu, 0u);
	EXPECT_EQ(node(5).kind, uint32_t(GUEST_X86_NODE_WAITER));
	EXPECT_EQ(bucket(token), std::vector<uint32_t>{ GUEST_X86_REF(5) });
	EXPECT_EQ(pc()->x86.waits, 1u);
	EXPECT_TRUE(f.warns.empty());
	EXPECT_TRUE(f.wakes.empty());
	// The exception was taken from EL0 at the user PC with ESR/FAR as sent.
	cpu *c = platform_cpu(p, 0);
	EXPECT_EQ(cpu_sysreg(c, CPU_SYSREG_ELR_EL1), kUserPc);
	EXPECT_EQ(cpu_sysreg(c, CPU_SYSREG_FAR_EL1), token);
	EXPECT_EQ(cpu_sysreg(c, CPU_SYSREG_ESR_EL1), kEsrUser);
	EXPECT_FALSE(platform_in_user(p, 0));
}

TEST_F(GuestX86, PageReadyEoisFirstWakesClearsTokenAndAcks)
{
	make(GUEST_BOOT_X86);
	boot();
	const uint32_t token = 0x7001;
	ASSERT_EQ(not_present(5, token).reason, PLATFORM_STOP_SWITCH) << platform_error(p);
	f.x86.clear();

	platform_run_result r = page_ready(6, token);
	ASSERT_EQ(r.reason, PLATFORM_STOP_USER) << platform_error(p);
	EXPECT_EQ(r.pc, kUserPc);
	EXPECT_EQ(f.wakes, std::vector<uint32_t>{ 5 });
	EXPECT_EQ(f.ppi_active_at_wake, std::vector<bool>{ false });  // EOI before the wake
	EXPECT_EQ(pc()->apf.token, 0u);
	EXPECT_EQ(f.x86, (std::vector<X86Call>{ { 'W', GUEST_MSR_KVM_ASYNC_PF_ACK, 1 } }));
	EXPECT_EQ(node(5).kind, uint32_t(GUEST_X86_NODE_UNHASHED));
	EXPECT_TRUE(bucket(token).empty());
	EXPECT_EQ(pc()->stats.wakes, 1u);
	EXPECT_EQ(pc()->stats.acks, 1u);
	EXPECT_FALSE(gic_is_active(platform_gic(p), 0, kPpi));
	EXPECT_FALSE(gic_is_pending(platform_gic(p), 0, kPpi));
	EXPECT_EQ(f.schedules.size(), 1u);  // only the earlier WAIT
	EXPECT_TRUE(f.warns.empty());
}

TEST_F(GuestX86, PageReadyInIdleReturnsToTheWfi)
{
	make(GUEST_BOOT_X86);
	boot();
	ASSERT_EQ(not_present(5, 0x9001).reason, PLATFORM_STOP_SWITCH);
	platform_run_result r = platform_enter_idle(p, 0, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_WFI) << platform_error(p);
	const uint64_t wfi_next = r.pc;
	pc()->apf.token = 0x9001;
	gic_set_ppi_level(platform_gic(p), 0, kPpi, true);
	r = platform_run(p, 0, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_WFI) << platform_error(p);
	EXPECT_EQ(r.pc, wfi_next);
	EXPECT_EQ(f.wakes, std::vector<uint32_t>{ 5 });
	EXPECT_EQ(acks(), 1u);
	EXPECT_EQ(cpu_sp(platform_cpu(p, 0)), pc()->kstack_top);
}

TEST_F(GuestX86, WakeBeforeWaitLeavesADummyThatTheWaitConsumes)
{
	make(GUEST_BOOT_X86);
	boot();
	const uint32_t token = 0x3002;
	ASSERT_EQ(page_ready(6, token).reason, PLATFORM_STOP_USER) << platform_error(p);
	EXPECT_TRUE(f.wakes.empty());
	EXPECT_EQ(acks(), 1u);
	const uint32_t d = GUEST_X86_DUMMY_NODE(0);
	EXPECT_EQ(bucket(token), std::vector<uint32_t>{ GUEST_X86_REF(d) });
	EXPECT_EQ(node(d).kind, uint32_t(GUEST_X86_NODE_DUMMY));
	EXPECT_EQ(node(d).token, token);
	EXPECT_EQ(pc()->x86.dummies, 1u);

	// The #PF for the same token returns to user mode without sleeping.
	platform_run_result r = not_present(5, token);
	ASSERT_EQ(r.reason, PLATFORM_STOP_USER) << platform_error(p);
	EXPECT_EQ(r.pc, kUserPc);
	EXPECT_TRUE(f.schedules.empty());
	EXPECT_TRUE(bucket(token).empty());
	EXPECT_EQ(node(d).kind, uint32_t(GUEST_X86_NODE_UNHASHED));
	EXPECT_EQ(node(5).kind, uint32_t(GUEST_X86_NODE_UNHASHED));
	EXPECT_EQ(pc()->x86.dummy_hits, 1u);
	EXPECT_EQ(pc()->apf.flags, 0u);
	// The dummy went back to the pool: the next one reuses it.
	EXPECT_EQ(sleepers()->dummy_free, GUEST_X86_REF(d));
	ASSERT_EQ(page_ready(6, 0x4002).reason, PLATFORM_STOP_USER);
	EXPECT_EQ(bucket(0x4002), std::vector<uint32_t>{ GUEST_X86_REF(d) });
	EXPECT_EQ(sleepers()->dummy_bump, 1u);
	EXPECT_TRUE(f.warns.empty());
}

TEST_F(GuestX86, SecondWakeForADummyRecyclesIt)
{
	make(GUEST_BOOT_X86);
	boot();
	ASSERT_EQ(page_ready(6, 0x1003).reason, PLATFORM_STOP_USER);
	ASSERT_EQ(page_ready(6, 0x1003).reason, PLATFORM_STOP_USER);
	EXPECT_TRUE(bucket(0x1003).empty());
	EXPECT_EQ(pc()->x86.stale_dummies, 1u);
	EXPECT_TRUE(f.wakes.empty());
	EXPECT_EQ(acks(), 2u);
}

TEST_F(GuestX86, DummyPoolExhaustionWarnsAndDropsTheWake)
{
	make(GUEST_BOOT_X86);
	boot();
	sleepers()->dummy_bump = GUEST_X86_NR_DUMMIES;  // every dummy handed out
	ASSERT_EQ(page_ready(6, 0x2004).reason, PLATFORM_STOP_USER);
	ASSERT_EQ(f.warns.size(), 1u);
	EXPECT_EQ(f.warns[0], std::make_pair(uint32_t(GUEST_WARN_X86_DUMMY_POOL), uint64_t(0x2004)));
	EXPECT_EQ(pc()->x86.dummy_drops, 1u);
	EXPECT_TRUE(bucket(0x2004).empty());
	EXPECT_EQ(pc()->apf.token, 0u);
	EXPECT_EQ(acks(), 1u);
}

TEST_F(GuestX86, WakeAllWakesThisCpusWaitersOnly)
{
	make(GUEST_BOOT_X86, 2);
	boot(0);
	boot(1);
	// Waiters 1, 2 on CPU 0 and 3 on CPU 1; a dummy of each CPU.  Tokens
	// 0x1000/0x2000/0x3000 (cpu 0) and 0x1001 (cpu 1) as x86 makes them.
	ASSERT_EQ(not_present(1, 0x1000, 0).reason, PLATFORM_STOP_SWITCH) << platform_error(p);
	ASSERT_EQ(not_present(2, 0x2000, 0).reason, PLATFORM_STOP_SWITCH) << platform_error(p);
	ASSERT_EQ(not_present(3, 0x1001, 1).reason, PLATFORM_STOP_SWITCH) << platform_error(p);
	ASSERT_EQ(page_ready(4, 0x3000, 0).reason, PLATFORM_STOP_USER) << platform_error(p);
	ASSERT_EQ(page_ready(7, 0x2001, 1).reason, PLATFORM_STOP_USER) << platform_error(p);
	ASSERT_TRUE(f.wakes.empty());

	ASSERT_EQ(page_ready(4, GUEST_APF_WAKE_ALL_TOKEN, 0).reason, PLATFORM_STOP_USER)
		<< platform_error(p);
	std::vector<uint32_t> woken = f.wakes;
	std::sort(woken.begin(), woken.end());
	EXPECT_EQ(woken, (std::vector<uint32_t>{ 1, 2 }));
	EXPECT_EQ(node(1).kind, uint32_t(GUEST_X86_NODE_UNHASHED));
	EXPECT_EQ(node(2).kind, uint32_t(GUEST_X86_NODE_UNHASHED));
	EXPECT_TRUE(bucket(0x3000).empty());  // cpu 0's dummy unlinked
	EXPECT_EQ(pc(0)->x86.stale_dummies, 1u);
	// CPU 1's waiter and dummy are untouched.
	EXPECT_EQ(node(3).kind, uint32_t(GUEST_X86_NODE_WAITER));
	EXPECT_EQ(bucket(0x1001), std::vector<uint32_t>{ GUEST_X86_REF(3) });
	ASSERT_EQ(bucket(0x2001).size(), 1u);
	EXPECT_EQ(node(bucket(0x2001)[0] - 1).kind, uint32_t(GUEST_X86_NODE_DUMMY));
	EXPECT_EQ(pc(0)->stats.wakes, 2u);
	EXPECT_EQ(pc()->apf.token, 0u);
}

// Offline (§3.6): EN = 0 first, then this CPU's sleepers are woken (their
// page ready will not come); other CPUs' sleepers stay.  Online: INT, then
// EN again, exactly as at boot.
TEST_F(GuestX86, CpuDownWritesEnZeroThenWakesThisCpusSleepers)
{
	make(GUEST_BOOT_X86, 2);
	boot(0);
	boot(1);
	ASSERT_EQ(not_present(1, 0x1000, 0).reason, PLATFORM_STOP_SWITCH) << platform_error(p);
	ASSERT_EQ(not_present(2, 0x1001, 1).reason, PLATFORM_STOP_SWITCH) << platform_error(p);
	f.x86.clear();
	platform_run_result r = platform_hotplug(p, 0, GUEST_HOTPLUG_CPU_DOWN);
	ASSERT_EQ(r.reason, PLATFORM_STOP_HOTPLUG_DONE) << platform_error(p);
	ASSERT_FALSE(f.x86.empty());
	EXPECT_EQ(f.x86.front(), (X86Call{ 'W', GUEST_MSR_KVM_ASYNC_PF_EN, 0 }));
	EXPECT_EQ(f.wakes, std::vector<uint32_t>{ 1 });
	EXPECT_EQ(node(1).kind, uint32_t(GUEST_X86_NODE_UNHASHED));
	EXPECT_EQ(node(2).kind, uint32_t(GUEST_X86_NODE_WAITER));
	EXPECT_EQ(pc(0)->apf.enabled, 0u);

	f.x86.clear();
	r = platform_hotplug(p, 0, GUEST_HOTPLUG_CPU_UP);
	ASSERT_EQ(r.reason, PLATFORM_STOP_HOTPLUG_DONE) << platform_error(p);
	std::vector<X86Call> writes;
	for (const X86Call &c : f.x86)
		if (c.op == 'W')
			writes.push_back(c);
	ASSERT_EQ(writes.size(), 2u);
	EXPECT_EQ(writes[0], (X86Call{ 'W', GUEST_MSR_KVM_ASYNC_PF_INT, kPpi }));
	EXPECT_EQ(writes[1].msr, uint32_t(GUEST_MSR_KVM_ASYNC_PF_EN));
	EXPECT_EQ(writes[1].val, percpu_pa(0) | GUEST_KVM_ASYNC_PF_ENABLED | GUEST_KVM_ASYNC_PF_DELIVERY_AS_INT);
	EXPECT_EQ(pc(0)->apf.enabled, 1u);
	EXPECT_EQ(f.boot_status.back(), uint32_t(GUEST_BOOT_APF_ON));
}

TEST_F(GuestX86, NoAckModeNeverWritesTheAckMsr)
{
	make(GUEST_BOOT_X86 | GUEST_BOOT_X86_NO_ACK);
	boot();
	ASSERT_EQ(not_present(5, 0x6001).reason, PLATFORM_STOP_SWITCH);
	ASSERT_EQ(page_ready(6, 0x6001).reason, PLATFORM_STOP_USER) << platform_error(p);
	EXPECT_EQ(f.wakes, std::vector<uint32_t>{ 5 });
	EXPECT_EQ(pc()->apf.token, 0u);
	EXPECT_EQ(acks(), 0u);
	for (const platform_call &c : calls())
		EXPECT_FALSE(c.func == APFSIM_HC_MSR_WRITE && c.arg[0] == GUEST_MSR_KVM_ASYNC_PF_ACK);
	EXPECT_EQ(pc()->stats.acks, 0u);
	EXPECT_EQ(pc()->stats.wakes, 1u);
	gic_set_ppi_level(platform_gic(p), 0, kPpi, false);  // the host's business
}

TEST_F(GuestX86, FlagsZeroIsAnOrdinaryFaultAndOddFlagsWarn)
{
	make(GUEST_BOOT_X86);
	boot();
	run_task_in_user(5);
	pc()->apf.flags = 0;
	platform_run_result r = platform_exception(p, 0, kEsrUser, 0xdead000, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_USER) << platform_error(p);
	run_task_in_user(5);
	pc()->apf.flags = 2;
	ASSERT_EQ(platform_exception(p, 0, kEsrUser, 0x1234, 0).reason, PLATFORM_STOP_USER);
	EXPECT_EQ(f.warns, (std::vector<std::pair<uint32_t, uint64_t>>{
				   { GUEST_WARN_X86_ORDINARY_PF, 0xdead000 },
				   { GUEST_WARN_X86_UNEXPECTED_FLAGS, 2 } }));
	EXPECT_EQ(pc()->apf.flags, 0u);
	EXPECT_EQ(pc()->x86.bogus, 2u);
	EXPECT_TRUE(f.schedules.empty());
}

TEST_F(GuestX86, OtherSynchronousExceptionsAreStillGuestFaults)
{
	make(GUEST_BOOT_X86);
	boot();
	run_task_in_user(5);
	// A translation fault (DFSC 0x07), not the async #PF.
	const uint64_t esr = (uint64_t(APFSIM_ESR_EC_DABT_LOW) << 26) | APFSIM_ESR_IL | 0x07;
	platform_run_result r = platform_exception(p, 0, esr, 0x1000, 0);
	EXPECT_EQ(r.reason, PLATFORM_STOP_FAULT);
	EXPECT_NE(std::string(platform_error(p)).find("undefined instruction"), std::string::npos)
		<< platform_error(p);
	// It stopped at the vector's old `udf #0x400`, registers restored.
	EXPECT_EQ(*static_cast<uint32_t *>(platform_guest_ptr(p, r.pc, 4)), 0x400u);

	// The arm64 driver does not take the x86 #PF either.
	make(0);
	ASSERT_EQ(platform_boot(p, 0), 0) << platform_error(p);
	run_task_in_user(5);
	r = platform_exception(p, 0, kEsrUser, 0x1000, 0);
	EXPECT_EQ(r.reason, PLATFORM_STOP_FAULT);
	EXPECT_EQ(*static_cast<uint32_t *>(platform_guest_ptr(p, r.pc, 4)), 0x400u);
	// Nor an EL1 one from idle: `udf #0x200`.
	ASSERT_EQ(platform_enter_idle(p, 0, 0).reason, PLATFORM_STOP_WFI);
	r = platform_exception(p, 0, kEsrKernel, 0x1000, 0);
	EXPECT_EQ(r.reason, PLATFORM_STOP_FAULT);
	EXPECT_EQ(*static_cast<uint32_t *>(platform_guest_ptr(p, r.pc, 4)), 0x200u);
}

TEST_F(GuestX86, SchedulerKeepingAWaiterIsReported)
{
	make(GUEST_BOOT_X86);
	boot();
	f.switch_on_wait = false;
	EXPECT_EQ(not_present(5, 0x8001).reason, PLATFORM_STOP_FAULT);
	EXPECT_NE(std::string(platform_error(p)).find("GUEST_SCHED_WAIT"), std::string::npos)
		<< platform_error(p);
}

TEST_F(GuestX86, LegacyReasonOneParksAndReasonTwoWakesFromUser)
{
	make(GUEST_BOOT_X86 | GUEST_BOOT_X86_LEGACY);
	boot();
	run_task_in_user(5);
	pc()->apf.reason = GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT;
	ASSERT_EQ(platform_exception(p, 0, kEsrUser, 0xA001, 0).reason, PLATFORM_STOP_SWITCH)
		<< platform_error(p);
	ASSERT_EQ(f.schedules.size(), 1u);
	EXPECT_EQ(f.schedules[0], std::make_pair(uint32_t(GUEST_SCHED_WAIT), uint64_t(0xA001)));
	EXPECT_EQ(pc()->apf.reason, 0u);

	run_task_in_user(6);
	pc()->apf.reason = GUEST_KVM_PV_REASON_PAGE_READY;
	platform_run_result r = platform_exception(p, 0, kEsrUser, 0xA001, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_USER) << platform_error(p);
	EXPECT_EQ(r.pc, kUserPc);
	EXPECT_EQ(f.wakes, std::vector<uint32_t>{ 5 });
	EXPECT_EQ(pc()->apf.reason, 0u);
	EXPECT_EQ(node(5).kind, uint32_t(GUEST_X86_NODE_UNHASHED));
	EXPECT_TRUE(f.x86.empty());  // legacy: no ACK
	EXPECT_TRUE(f.warns.empty());
}

TEST_F(GuestX86, LegacyPageReadyFromIdleWakesAndReturnsToTheWfi)
{
	make(GUEST_BOOT_X86 | GUEST_BOOT_X86_LEGACY);
	boot();
	run_task_in_user(5);
	pc()->apf.reason = GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT;
	ASSERT_EQ(platform_exception(p, 0, kEsrUser, 0xB001, 0).reason, PLATFORM_STOP_SWITCH);

	platform_run_result r = platform_enter_idle(p, 0, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_WFI) << platform_error(p);
	const uint64_t wfi_next = r.pc;
	pc()->apf.reason = GUEST_KVM_PV_REASON_PAGE_READY;
	r = platform_exception(p, 0, kEsrKernel, 0xB001, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_WFI) << platform_error(p);
	EXPECT_EQ(r.pc, wfi_next);
	EXPECT_EQ(f.wakes, std::vector<uint32_t>{ 5 });
	EXPECT_EQ(pc()->apf.reason, 0u);
	EXPECT_EQ(cpu_sp(platform_cpu(p, 0)), pc()->kstack_top);
	EXPECT_EQ(cpu_sysreg(platform_cpu(p, 0), CPU_SYSREG_ELR_EL1), wfi_next);

	// A page ready for a token nobody waits on: a dummy, still in idle.
	pc()->apf.reason = GUEST_KVM_PV_REASON_PAGE_READY;
	ASSERT_EQ(platform_exception(p, 0, kEsrKernel, 0xC001, 0).reason, PLATFORM_STOP_WFI);
	EXPECT_EQ(bucket(0xC001).size(), 1u);
	// A not-present in kernel mode cannot wait: warned, back to idle.
	pc()->apf.reason = GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT;
	ASSERT_EQ(platform_exception(p, 0, kEsrKernel, 0xD001, 0).reason, PLATFORM_STOP_WFI);
	ASSERT_EQ(f.warns.size(), 1u);
	EXPECT_EQ(f.warns[0], std::make_pair(uint32_t(GUEST_WARN_X86_KERNEL_MODE), uint64_t(0xD001)));
	EXPECT_EQ(f.schedules.size(), 1u);
}

// The arm64 driver's deliberately broken variant: page ready wakes and
// clears the buffer but never issues IRQ_ACK.
TEST_F(GuestX86, Arm64NoIrqAckVariantNeverAcks)
{
	make(GUEST_BOOT_NO_IRQ_ACK);
	arm_irq_acks = 0;
	ASSERT_EQ(platform_boot(p, 0), 0) << platform_error(p);
	ASSERT_EQ(pc()->apf.enabled, 1u);
	platform_clear_calls(p);
	pc()->waiters[0].token = 0x3000;
	pc()->waiters[0].task = 5;
	pc()->wait_count = 1;
	task(5)->flags |= GUEST_TIF_ASYNC_PF;
	task(5)->wait_ref = GUEST_WAIT_REF(0, 0);
	run_task_in_user(6);
	pc()->apf.token = 0x3000;
	pc()->apf.reason = GUEST_KVM_PV_REASON_PAGE_READY;
	gic_set_ppi_level(platform_gic(p), 0, kPpi, true);
	ASSERT_EQ(platform_irq_from_user(p, 0, 0).reason, PLATFORM_STOP_USER) << platform_error(p);
	EXPECT_EQ(f.wakes, std::vector<uint32_t>{ 5 });
	EXPECT_EQ(pc()->apf.reason, 0u);
	EXPECT_EQ(pc()->apf.token, 0u);
	EXPECT_EQ(arm_irq_acks, 0);
	for (const platform_call &c : calls())
		EXPECT_NE(c.func, GUEST_SMCCC_VENDOR_HYP_KVM_ASYNC_PF);
	EXPECT_EQ(pc()->stats.wakes, 1u);
	EXPECT_EQ(pc()->stats.acks, 0u);
	gic_set_ppi_level(platform_gic(p), 0, kPpi, false);
}

TEST(GuestAbiX86, LayoutAndEncodings)
{
	EXPECT_EQ(offsetof(kvm_vcpu_pv_apf_data, flags), 0u);  // §3.2
	EXPECT_EQ(offsetof(kvm_vcpu_pv_apf_data, token), 4u);
	EXPECT_EQ(offsetof(kvm_vcpu_pv_apf_data, enabled), 64u);
	EXPECT_EQ(offsetof(guest_boot_params, x86_irq), 8u);
	EXPECT_EQ(kEsrUser, 0x92000034u);  // EC 0x24, IL, DFSC 0x34
	EXPECT_EQ(kEsrKernel, 0x96000034u);
	EXPECT_EQ(hash8(0x1000), (0x1000u * 0x61C88647u) >> 24);
	EXPECT_EQ(GUEST_X86_HASH_SIZE, 256);
}

}  // namespace
