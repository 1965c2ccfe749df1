// guest_image_test.cc — the real aarch64 guest image (workloads/guest/),
// run by Unicorn through model/vm/platform.c against the real GIC/SDEI/SMCCC
// models, with a fake APF host (smccc_apf_ops) and a fake scheduler.
//
// Asserts the guest side of docs/reference.md §2.8: the init call sequence and
// arguments, the SDEI page-not-present handler (waiter table, TIF_ASYNC_PF,
// buffer clear order, reschedule SGI, EVENT_COMPLETE restoring the
// interrupted context), the PPI page-ready handler (wake, clear, IRQ_ACK,
// EOIR, wake-all, bogus reasons), and the return-to-user order
// (TIF_ASYNC_PF before TIF_NEED_RESCHED).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" {
#include "cpu/cpu.h"
#include "gic/gic.h"
#include "guest_image.h"
#include "model/vm/platform.h"
#include "sdei/sdei.h"
#include "smccc/smccc.h"
}

namespace {

constexpr uint32_t kPpi = 18;
constexpr uint64_t kEvent = KVM_SDEI_ASYNC_PF_NUM;
constexpr uint64_t kUserPc = 0x0000aaaa00401000ull;

struct Fake {
	platform *p = nullptr;
	// APF host
	std::vector<uint64_t> enables;
	int irq_acks = 0;
	int64_t enable_ret = SMCCC_RET_SUCCESS;
	uint64_t version = 0x010000;
	// scheduler
	std::vector<uint32_t> schedules;
	std::vector<uint32_t> wakes;
	std::vector<std::pair<uint32_t, uint64_t>> warns;
	std::vector<std::pair<uint32_t, uint64_t>> logs;
	std::vector<uint32_t> boot_status;
	bool switch_on_park = true;
	bool switch_on_yield = false;
};

bool apf_present(void *, unsigned) { return true; }
int64_t apf_version(void *ctx, unsigned, uint64_t *a1)
{
	*a1 = static_cast<Fake *>(ctx)->version;
	return SMCCC_RET_SUCCESS;
}
int64_t apf_slots(void *, unsigned, uint64_t *a1) { *a1 = 64; return SMCCC_RET_SUCCESS; }
int64_t apf_sdei(void *, unsigned, uint64_t *a1) { *a1 = kEvent; return SMCCC_RET_SUCCESS; }
int64_t apf_irq(void *, unsigned, uint64_t *a1) { *a1 = kPpi; return SMCCC_RET_SUCCESS; }
int64_t apf_enable(void *ctx, unsigned, uint64_t control)
{
	auto *f = static_cast<Fake *>(ctx);
	f->enables.push_back(control);
	return f->enable_ret;
}
// As KVM (§2.7 j): the ACK lowers the level-sensitive PPI line.
int64_t apf_irq_ack(void *ctx, unsigned vcpu)
{
	auto *f = static_cast<Fake *>(ctx);
	f->irq_acks++;
	gic_set_ppi_level(platform_gic(f->p), vcpu, kPpi, false);
	return SMCCC_RET_SUCCESS;
}

const smccc_apf_ops kApfOps = { apf_present, apf_version, apf_slots, apf_sdei,
				apf_irq,     apf_enable,  apf_irq_ack };

bool sched_schedule(void *ctx, unsigned cpu, uint32_t reason)
{
	auto *f = static_cast<Fake *>(ctx);
	f->schedules.push_back(reason);
	guest_task *t = platform_task(f->p, platform_percpu(f->p, cpu)->current);
	t->flags &= ~GUEST_TIF_NEED_RESCHED;  // schedule() clears it
	if (reason == GUEST_SCHED_PARK)
		return f->switch_on_park;
	return f->switch_on_yield;
}
void sched_wake(void *ctx, unsigned, uint32_t task) { static_cast<Fake *>(ctx)->wakes.push_back(task); }
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

class GuestImage : public ::testing::Test {
protected:
	Fake f;
	platform *p = nullptr;
	bool chain = false;

	platform *make(unsigned ncpus = 1, const char *image = nullptr, std::string *err_out = nullptr)
	{
		platform_config cfg = {};
		char err[512] = "";
		cfg.ncpus = ncpus;
		cfg.guest_image = image;
		cfg.apf_ops = &kApfOps;
		cfg.apf_ctx = &f;
		cfg.sched = &kSchedOps;
		cfg.sched_ctx = &f;
		cfg.record_calls = true;
		cfg.chain_irq = chain;
		platform *np = platform_create(&cfg, err, sizeof(err));
		if (err_out)
			*err_out = err;
		return np;
	}

	void SetUp() override
	{
		std::string err;
		p = make(1, nullptr, &err);
		ASSERT_NE(p, nullptr) << err;
		f.p = p;
	}
	void TearDown() override { platform_destroy(p); }

	void boot(unsigned cpu = 0)
	{
		ASSERT_EQ(platform_boot(p, cpu), 0) << platform_error(p);
		platform_clear_calls(p);
	}
	guest_percpu *pc(unsigned cpu = 0) { return platform_percpu(p, cpu); }
	guest_task *task(uint32_t t) { return platform_task(p, t); }

	// The scheduler model puts task t in user mode on cpu.
	void run_task_in_user(uint32_t t, unsigned cpu = 0)
	{
		pc(cpu)->current = t;
		task(t)->state = GUEST_TASK_RUNNING;
		task(t)->cpu = cpu;
		platform_enter_user(p, cpu, kUserPc);
	}
	// A waiter as the SDEI handler would have left it.
	void add_waiter(unsigned idx, uint32_t token, uint32_t t)
	{
		pc()->waiters[idx].token = token;
		pc()->waiters[idx].task = t;
		pc()->wait_count++;
		task(t)->flags |= GUEST_TIF_ASYNC_PF;
		task(t)->wait_ref = GUEST_WAIT_REF(0, idx);
	}
	void host_writes(uint32_t reason, uint32_t token)
	{
		pc()->apf.token = token;  // host order: token, then reason (§2.3)
		pc()->apf.reason = reason;
	}
	std::vector<platform_call> calls()
	{
		size_t n;
		const platform_call *c = platform_calls(p, &n);
		return std::vector<platform_call>(c, c + n);
	}
	uint64_t sym(const char *name) { return platform_symbol(p, name); }
};

TEST_F(GuestImage, BootRunsApfInitInProtocolOrder)
{
	ASSERT_EQ(platform_boot(p, 0), 0) << platform_error(p);
	std::vector<platform_call> c = calls();
	size_t i = 0;
	while (i < c.size() && c[i].func != GUEST_SMCCC_VENDOR_HYP_CALL_UID)
		i++;
	ASSERT_LT(i, c.size()) << "no UID call";
	// The SDEI client came up first (PE starts masked).
	bool unmasked = false;
	for (size_t k = 0; k < i; k++)
		unmasked |= c[k].func == SDEI_PE_UNMASK && c[k].ret[0] == 0;
	EXPECT_TRUE(unmasked);

	const uint64_t apf_pa = sym(GUEST_SYM_PERCPU);  // cpu 0: apf_data at offset 0
	const uint64_t control = apf_pa | GUEST_KVM_ASYNC_PF_ENABLED;
	struct Expect {
		uint32_t func;
		int64_t x1;  // -1: don't care
	} want[] = {
		{ GUEST_SMCCC_VENDOR_HYP_CALL_UID, -1 },
		{ GUEST_SMCCC_VENDOR_HYP_KVM_FEATURES, -1 },
		{ GUEST_SMCCC_VENDOR_HYP_KVM_ASYNC_PF, GUEST_ASYNC_PF_SUB_VERSION },
		{ GUEST_SMCCC_VENDOR_HYP_KVM_ASYNC_PF, GUEST_ASYNC_PF_SUB_SLOTS },
		{ GUEST_SMCCC_VENDOR_HYP_KVM_ASYNC_PF, GUEST_ASYNC_PF_SUB_SDEI },
		{ GUEST_SMCCC_VENDOR_HYP_KVM_ASYNC_PF, GUEST_ASYNC_PF_SUB_IRQ },
		{ SDEI_EVENT_REGISTER, static_cast<int64_t>(kEvent) },
		{ SDEI_EVENT_ENABLE, static_cast<int64_t>(kEvent) },
		{ GUEST_SMCCC_VENDOR_HYP_KVM_ASYNC_PF, GUEST_ASYNC_PF_SUB_ENABLE },
	};
	ASSERT_EQ(c.size() - i, sizeof(want) / sizeof(want[0]));
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		SCOPED_TRACE(k);
		EXPECT_EQ(c[i + k].func, want[k].func);
		if (want[k].x1 >= 0) {
			EXPECT_EQ(c[i + k].arg[0], static_cast<uint64_t>(want[k].x1));
		}
		if (k >= 2) {  // UID and FEATURES return data in x0
			EXPECT_EQ(c[i + k].ret[0], 0u);
		}
	}
	EXPECT_EQ(c[i].ret[0], GUEST_KVM_UID_W0);
	EXPECT_EQ(c[i].ret[3], GUEST_KVM_UID_W3);
	EXPECT_NE(c[i + 1].ret[0] & (1u << 2), 0u);
	// EVENT_REGISTER(event, guest_sdei_entry, arg = this CPU's percpu area)
	EXPECT_EQ(c[i + 6].arg[1], sym(GUEST_SYM_SDEI_ENTRY));
	EXPECT_EQ(c[i + 6].arg[2], apf_pa);
	// ENABLE: x2 = low 32 bits, x3 = high 32 bits of PA | ENABLED
	EXPECT_EQ(c[i + 8].arg[1], control & 0xFFFFFFFFu);
	EXPECT_EQ(c[i + 8].arg[2], control >> 32);
	ASSERT_EQ(f.enables.size(), 1u);
	EXPECT_EQ(f.enables[0], control);

	EXPECT_EQ(pc()->apf.enabled, 1u);
	EXPECT_EQ(pc()->apf_irq, kPpi);
	EXPECT_EQ(pc()->wait_capacity, 128u);
	ASSERT_EQ(f.logs.size(), 1u);
	EXPECT_EQ(f.logs[0], std::make_pair(uint32_t(GUEST_LOG_APF_ENABLED), uint64_t(0)));
	EXPECT_EQ(f.boot_status, std::vector<uint32_t>{ GUEST_BOOT_APF_ON });
	EXPECT_TRUE(f.warns.empty());
	// The PPI is enabled and level-sensitive; SGI 0 enabled.
	EXPECT_TRUE(gic_is_enabled(platform_gic(p), 0, kPpi));
	EXPECT_TRUE(gic_is_enabled(platform_gic(p), 0, GUEST_SGI_RESCHEDULE));
}

TEST_F(GuestImage, BootOnEveryCpuLogsItsOwnCpu)
{
	platform_destroy(p);
	f = Fake();
	p = make(3);
	ASSERT_NE(p, nullptr);
	f.p = p;
	for (unsigned cpu = 0; cpu < 3; cpu++)
		ASSERT_EQ(platform_boot(p, cpu), 0) << platform_error(p);
	ASSERT_EQ(f.logs.size(), 3u);
	for (unsigned cpu = 0; cpu < 3; cpu++) {
		EXPECT_EQ(f.logs[cpu].second, cpu);
		EXPECT_EQ(f.enables[cpu], (sym(GUEST_SYM_PERCPU) + cpu * sizeof(guest_percpu)) | 1u);
		EXPECT_EQ(pc(cpu)->sgi1r_self, (1ull << cpu) | (uint64_t(GUEST_SGI_RESCHEDULE) << 24));
	}
}

TEST_F(GuestImage, VersionWithHighBitsLeavesApfOff)
{
	f.version = 0x01010000;  // bit 24 set
	ASSERT_EQ(platform_boot(p, 0), 0) << platform_error(p);
	EXPECT_EQ(pc()->apf.enabled, 0u);
	EXPECT_TRUE(f.enables.empty());
	ASSERT_EQ(f.warns.size(), 1u);
	EXPECT_EQ(f.warns[0].first, uint32_t(GUEST_WARN_VERSION));
	EXPECT_EQ(f.boot_status, std::vector<uint32_t>{ GUEST_BOOT_APF_OFF });
}

TEST_F(GuestImage, EnableFailureUnwindsSdeiRegistration)
{
	f.enable_ret = SMCCC_RET_INVALID_PARAMETER;
	ASSERT_EQ(platform_boot(p, 0), 0) << platform_error(p);
	EXPECT_EQ(pc()->apf.enabled, 0u);
	EXPECT_EQ(pc()->apf_irq, 0u);
	ASSERT_EQ(f.warns.size(), 1u);
	EXPECT_EQ(f.warns[0].first, uint32_t(GUEST_WARN_ENABLE));
	std::vector<platform_call> c = calls();
	ASSERT_GE(c.size(), 2u);
	EXPECT_EQ(c[c.size() - 2].func, SDEI_EVENT_DISABLE);
	EXPECT_EQ(c.back().func, SDEI_EVENT_UNREGISTER);
	EXPECT_FALSE(gic_is_enabled(platform_gic(p), 0, kPpi));
}

// Not-present while in user mode: SDEI dispatch, handler, EVENT_COMPLETE.
TEST_F(GuestImage, SdeiNotPresentParksCurrentTask)
{
	boot();
	run_task_in_user(5);
	cpu *c = platform_cpu(p, 0);
	for (unsigned r = 0; r < 18; r++)
		cpu_set_reg(c, r, 0x1111000000000000ull + r);
	host_writes(GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT, 0x3000);
	ASSERT_EQ(sdei_inject(platform_sdei(p), 0, kEvent, true), 0);

	platform_run_result r = platform_sdei_deliver(p, 0, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_USER) << platform_error(p);

	// Added to the table with TIF_ASYNC_PF; the link points at the entry.
	EXPECT_EQ(pc()->wait_count, 1u);
	EXPECT_EQ(pc()->waiters[0].token, 0x3000u);
	EXPECT_EQ(pc()->waiters[0].task, 5u);
	EXPECT_TRUE(task(5)->flags & GUEST_TIF_ASYNC_PF);
	EXPECT_EQ(task(5)->wait_ref, GUEST_WAIT_REF(0, 0));
	// Buffer cleared; reschedule SGI pending on this CPU.
	EXPECT_EQ(pc()->apf.reason, 0u);
	EXPECT_EQ(pc()->apf.token, 0u);
	EXPECT_TRUE(gic_is_pending(platform_gic(p), 0, GUEST_SGI_RESCHEDULE));
	// EVENT_COMPLETE(HANDLED) restored the interrupted context bit-exactly.
	std::vector<platform_call> calls_ = calls();
	ASSERT_FALSE(calls_.empty());
	EXPECT_EQ(calls_.back().func, SDEI_EVENT_COMPLETE);
	EXPECT_EQ(calls_.back().arg[0], 0u);
	EXPECT_TRUE(calls_.back().context_switched);
	for (unsigned reg = 0; reg < 18; reg++)
		EXPECT_EQ(cpu_reg(c, reg), 0x1111000000000000ull + reg) << "x" << reg;
	EXPECT_EQ(r.pc, kUserPc);
	EXPECT_TRUE(platform_in_user(p, 0));
	EXPECT_EQ(platform_user_pc(p, 0), kUserPc);
	EXPECT_EQ(platform_user_pstate(p, 0), PSTATE_MODE_EL0t);
	EXPECT_FALSE(sdei_any_running(platform_sdei(p), 0));

	// The pending SGI is taken from EL0; the return to user parks the task.
	r = platform_irq_from_user(p, 0, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_SWITCH) << platform_error(p);
	EXPECT_EQ(f.schedules, std::vector<uint32_t>{ GUEST_SCHED_PARK });
	EXPECT_FALSE(gic_is_pending(platform_gic(p), 0, GUEST_SGI_RESCHEDULE));
	EXPECT_FALSE(gic_is_active(platform_gic(p), 0, GUEST_SGI_RESCHEDULE));
	EXPECT_EQ(pc()->stats.resched_ipis, 1u);
}

// With chain_irq (what the machine uses), the reschedule SGI the SDEI
// handler raised is taken from EL0 right after EVENT_COMPLETE, in the same
// run: one run goes from the not-present event to the park.
TEST_F(GuestImage, ChainedSdeiCompleteTakesThePendingIrqInTheSameRun)
{
	platform_destroy(p);
	chain = true;
	p = make();
	ASSERT_NE(p, nullptr);
	f.p = p;
	boot();
	run_task_in_user(5);
	host_writes(GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT, 0x3000);
	ASSERT_EQ(sdei_inject(platform_sdei(p), 0, kEvent, true), 0);
	platform_run_result r = platform_sdei_deliver(p, 0, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_SWITCH) << platform_error(p);
	EXPECT_EQ(f.schedules, std::vector<uint32_t>{ GUEST_SCHED_PARK });
	EXPECT_EQ(pc()->stats.resched_ipis, 1u);
	EXPECT_TRUE(task(5)->flags & GUEST_TIF_ASYNC_PF);
	EXPECT_FALSE(sdei_any_running(platform_sdei(p), 0));
	EXPECT_FALSE(gic_is_pending(platform_gic(p), 0, GUEST_SGI_RESCHEDULE));
}

TEST_F(GuestImage, SchedulerKeepingParkedTaskIsReported)
{
	boot();
	run_task_in_user(5);
	add_waiter(0, 0x10, 5);
	f.switch_on_park = false;  // contract violation: must switch away
	ASSERT_EQ(gic_raise_sgi(platform_gic(p), 0, GUEST_SGI_RESCHEDULE, 0), 0);
	EXPECT_EQ(platform_irq_from_user(p, 0, 0).reason, PLATFORM_STOP_FAULT);
	EXPECT_NE(std::string(platform_error(p)).find("TIF_ASYNC_PF"), std::string::npos)
		<< platform_error(p);
}

TEST_F(GuestImage, SdeiBogusReasonWarnsAndKeepsBuffer)
{
	boot();
	run_task_in_user(5);
	host_writes(GUEST_KVM_PV_REASON_PAGE_READY, 0x44);
	ASSERT_EQ(sdei_inject(platform_sdei(p), 0, kEvent, true), 0);
	platform_run_result r = platform_sdei_deliver(p, 0, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_USER) << platform_error(p);
	ASSERT_EQ(f.warns.size(), 1u);
	EXPECT_EQ(f.warns[0], std::make_pair(uint32_t(GUEST_WARN_BOGUS_NOTIFICATION), uint64_t(2)));
	EXPECT_EQ(pc()->apf.reason, 2u);  // not cleared
	EXPECT_EQ(pc()->apf.token, 0x44u);
	EXPECT_EQ(pc()->wait_count, 0u);
	EXPECT_EQ(calls().back().func, SDEI_EVENT_COMPLETE);
	EXPECT_EQ(calls().back().arg[0], uint64_t(GUEST_SDEI_EV_FAILED));
	EXPECT_FALSE(gic_is_pending(platform_gic(p), 0, GUEST_SGI_RESCHEDULE));
}

TEST_F(GuestImage, SdeiSameTaskTwiceFailsAndStillClears)
{
	boot();
	run_task_in_user(5);
	add_waiter(0, 0x10, 5);
	host_writes(GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT, 0x20);
	ASSERT_EQ(sdei_inject(platform_sdei(p), 0, kEvent, true), 0);
	ASSERT_EQ(platform_sdei_deliver(p, 0, 0).reason, PLATFORM_STOP_USER);
	EXPECT_EQ(pc()->wait_count, 1u);
	EXPECT_EQ(pc()->stats.add_failures, 1u);
	ASSERT_EQ(f.warns.size(), 1u);
	EXPECT_EQ(f.warns[0].first, uint32_t(GUEST_WARN_ALREADY_WAITING));
	EXPECT_EQ(pc()->apf.reason, 0u);
	EXPECT_EQ(pc()->apf.token, 0u);
	EXPECT_EQ(calls().back().arg[0], uint64_t(GUEST_SDEI_EV_FAILED));
}

TEST_F(GuestImage, SdeiTableFullFailsAndStillClears)
{
	boot();
	for (unsigned i = 0; i < GUEST_APF_TABLE_SIZE; i++)
		add_waiter(i, 0x100 + i, 10 + i);
	run_task_in_user(5);
	host_writes(GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT, 0x77);
	ASSERT_EQ(sdei_inject(platform_sdei(p), 0, kEvent, true), 0);
	ASSERT_EQ(platform_sdei_deliver(p, 0, 0).reason, PLATFORM_STOP_USER) << platform_error(p);
	ASSERT_EQ(f.warns.size(), 1u);
	EXPECT_EQ(f.warns[0], std::make_pair(uint32_t(GUEST_WARN_TABLE_FULL), uint64_t(0x77)));
	EXPECT_EQ(pc()->wait_count, uint32_t(GUEST_APF_TABLE_SIZE));
	EXPECT_FALSE(task(5)->flags & GUEST_TIF_ASYNC_PF);
	EXPECT_EQ(pc()->apf.reason, 0u);
	EXPECT_EQ(pc()->apf.token, 0u);
	EXPECT_EQ(calls().back().arg[0], uint64_t(GUEST_SDEI_EV_FAILED));
	EXPECT_FALSE(gic_is_pending(platform_gic(p), 0, GUEST_SGI_RESCHEDULE));
}

// Page ready taken from user mode: wake, clear, ACK, EOI, back to user.
TEST_F(GuestImage, PageReadyFromUserWakesWaiter)
{
	boot();
	add_waiter(0, 0x3000, 5);
	run_task_in_user(6);
	host_writes(GUEST_KVM_PV_REASON_PAGE_READY, 0x3000);
	gic_set_ppi_level(platform_gic(p), 0, kPpi, true);

	platform_run_result r = platform_irq_from_user(p, 0, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_USER) << platform_error(p);
	EXPECT_EQ(r.pc, kUserPc);
	EXPECT_EQ(f.wakes, std::vector<uint32_t>{ 5 });
	EXPECT_FALSE(task(5)->flags & GUEST_TIF_ASYNC_PF);
	EXPECT_EQ(task(5)->wait_ref, GUEST_NO_WAIT);
	EXPECT_EQ(pc()->wait_count, 0u);
	EXPECT_EQ(pc()->waiters[0].task, GUEST_NO_TASK);
	EXPECT_EQ(pc()->apf.reason, 0u);
	EXPECT_EQ(pc()->apf.token, 0u);
	EXPECT_EQ(f.irq_acks, 1);
	EXPECT_EQ(calls().back().func, GUEST_SMCCC_VENDOR_HYP_KVM_ASYNC_PF);
	EXPECT_EQ(calls().back().arg[0], uint64_t(GUEST_ASYNC_PF_SUB_IRQ_ACK));
	// EOIR done: nothing active, nothing pending, line low.
	EXPECT_FALSE(gic_is_active(platform_gic(p), 0, kPpi));
	EXPECT_FALSE(gic_is_pending(platform_gic(p), 0, kPpi));
	EXPECT_TRUE(f.schedules.empty());
	EXPECT_EQ(pc()->stats.wakes, 1u);
	EXPECT_EQ(pc()->stats.acks, 1u);
}

// Page ready taken in the idle loop (EL1): the eret runs in Unicorn.
TEST_F(GuestImage, PageReadyInIdleReturnsToIdleLoop)
{
	boot();
	platform_run_result r = platform_enter_idle(p, 0, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_WFI) << platform_error(p);
	const uint64_t idle = sym(GUEST_SYM_IDLE);
	const uint64_t wfi_next = r.pc;
	EXPECT_GT(wfi_next, idle);

	add_waiter(0, 7, 9);
	host_writes(GUEST_KVM_PV_REASON_PAGE_READY, 7);
	gic_set_ppi_level(platform_gic(p), 0, kPpi, true);
	r = platform_run(p, 0, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_WFI) << platform_error(p);
	EXPECT_EQ(r.pc, wfi_next);  // back in the loop, at the same WFI
	EXPECT_EQ(f.wakes, std::vector<uint32_t>{ 9 });
	EXPECT_EQ(f.irq_acks, 1);
	// The IRQ interrupted the idle loop (ELR) and the stack is balanced.
	uint64_t elr = cpu_sysreg(platform_cpu(p, 0), CPU_SYSREG_ELR_EL1);
	EXPECT_GT(elr, idle);
	EXPECT_LT(elr, sym(GUEST_SYM_RET_TO_USER));
	EXPECT_EQ(cpu_sp(platform_cpu(p, 0)), pc()->kstack_top);
	EXPECT_FALSE(gic_is_active(platform_gic(p), 0, kPpi));
}

TEST_F(GuestImage, WakeAllTokenWakesEveryWaiter)
{
	boot();
	add_waiter(0, 0x1000, 1);
	add_waiter(1, 0x2000, 2);
	add_waiter(3, 0x4000, 3);
	run_task_in_user(4);
	host_writes(GUEST_KVM_PV_REASON_PAGE_READY, GUEST_APF_WAKE_ALL_TOKEN);
	gic_set_ppi_level(platform_gic(p), 0, kPpi, true);
	ASSERT_EQ(platform_irq_from_user(p, 0, 0).reason, PLATFORM_STOP_USER) << platform_error(p);
	EXPECT_EQ(f.wakes, (std::vector<uint32_t>{ 1, 2, 3 }));
	EXPECT_EQ(pc()->wait_count, 0u);
	for (uint32_t t = 1; t <= 3; t++)
		EXPECT_FALSE(task(t)->flags & GUEST_TIF_ASYNC_PF);
	EXPECT_EQ(f.irq_acks, 1);
}

// CPU offline (§2.8): the driver disables the PPI and issues ENABLE(0),
// and v4 leaves the CPU's waiters parked (§4.5); the SDEI client masks the
// PE.  A task modelled in user mode is where it was afterwards.  Back
// online: PE unmask, PPI on, ENABLE with the boot's control word again.
TEST_F(GuestImage, CpuDownLeavesWaitersParkedAndCpuUpReenables)
{
	boot();
	const uint64_t boot_control = f.enables.at(0);
	add_waiter(0, 0x1000, 1);
	add_waiter(1, 0x2000, 2);
	run_task_in_user(4);

	platform_run_result r = platform_hotplug(p, 0, GUEST_HOTPLUG_CPU_DOWN);
	ASSERT_EQ(r.reason, PLATFORM_STOP_HOTPLUG_DONE) << platform_error(p);
	EXPECT_EQ(f.enables.back(), 0u);
	EXPECT_TRUE(f.wakes.empty());
	EXPECT_EQ(pc()->wait_count, 2u);
	EXPECT_TRUE(task(1)->flags & GUEST_TIF_ASYNC_PF);
	EXPECT_EQ(pc()->apf.enabled, 0u);
	EXPECT_FALSE(gic_is_enabled(platform_gic(p), 0, kPpi));
	EXPECT_TRUE(sdei_masked(platform_sdei(p), 0));
	EXPECT_EQ(f.boot_status.back(), uint32_t(GUEST_BOOT_APF_OFF));
	std::vector<platform_call> c = calls();
	ASSERT_FALSE(c.empty());
	EXPECT_EQ(c.back().func, SDEI_PE_MASK);	// after the driver's callback
	EXPECT_TRUE(platform_in_user(p, 0));
	EXPECT_EQ(platform_user_pc(p, 0), kUserPc);

	platform_clear_calls(p);
	r = platform_hotplug(p, 0, GUEST_HOTPLUG_CPU_UP);
	ASSERT_EQ(r.reason, PLATFORM_STOP_HOTPLUG_DONE) << platform_error(p);
	c = calls();
	ASSERT_FALSE(c.empty());
	EXPECT_EQ(c.front().func, SDEI_PE_UNMASK);	// before the driver's callback
	EXPECT_EQ(f.enables.back(), boot_control);
	EXPECT_EQ(pc()->apf.enabled, 1u);
	EXPECT_TRUE(gic_is_enabled(platform_gic(p), 0, kPpi));
	EXPECT_FALSE(sdei_masked(platform_sdei(p), 0));
	EXPECT_EQ(f.boot_status.back(), uint32_t(GUEST_BOOT_APF_ON));
	EXPECT_EQ(pc()->wait_count, 2u);	// the host's wake-all will wake them
}

// The fix (GUEST_BOOT_OFFLINE_WAKE): CPU down wakes every waiter of the
// CPU, as x86 does, without an IRQ_ACK (no page ready was taken).  The APF
// toggle runs the driver alone: the PE stays unmasked.
TEST_F(GuestImage, OfflineWakeFixWakesWaitersAndApfOffLeavesSdeiAlone)
{
	platform_boot_params(p)->flags |= GUEST_BOOT_OFFLINE_WAKE;
	boot();
	add_waiter(0, 0x1000, 1);
	add_waiter(2, 0x3000, 3);
	platform_run_result r = platform_hotplug(p, 0, GUEST_HOTPLUG_APF_OFF);
	ASSERT_EQ(r.reason, PLATFORM_STOP_HOTPLUG_DONE) << platform_error(p);
	EXPECT_EQ(f.wakes, (std::vector<uint32_t>{ 1, 3 }));
	EXPECT_EQ(pc()->wait_count, 0u);
	EXPECT_FALSE(task(3)->flags & GUEST_TIF_ASYNC_PF);
	EXPECT_EQ(f.irq_acks, 0);
	EXPECT_FALSE(sdei_masked(platform_sdei(p), 0));
	for (const platform_call &c : calls())
		EXPECT_NE(c.func, SDEI_PE_MASK);
	// Disabling twice changes nothing: the driver's enabled flag guards it.
	size_t n = f.enables.size();
	ASSERT_EQ(platform_hotplug(p, 0, GUEST_HOTPLUG_APF_OFF).reason, PLATFORM_STOP_HOTPLUG_DONE);
	EXPECT_EQ(f.enables.size(), n);
}

TEST_F(GuestImage, UnknownTokenIsIgnoredButAcked)
{
	boot();
	add_waiter(0, 0x1000, 1);
	run_task_in_user(4);
	host_writes(GUEST_KVM_PV_REASON_PAGE_READY, 0x9999);
	gic_set_ppi_level(platform_gic(p), 0, kPpi, true);
	ASSERT_EQ(platform_irq_from_user(p, 0, 0).reason, PLATFORM_STOP_USER);
	EXPECT_TRUE(f.wakes.empty());
	EXPECT_EQ(pc()->wait_count, 1u);
	EXPECT_EQ(f.irq_acks, 1);
	EXPECT_TRUE(f.warns.empty());
}

TEST_F(GuestImage, PageReadyBogusReasonWarnsWithoutAck)
{
	boot();
	add_waiter(0, 0x1000, 1);
	run_task_in_user(4);
	host_writes(GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT, 0x1000);
	gic_set_ppi_level(platform_gic(p), 0, kPpi, true);
	ASSERT_EQ(platform_irq_from_user(p, 0, 0).reason, PLATFORM_STOP_USER);
	ASSERT_EQ(f.warns.size(), 1u);
	EXPECT_EQ(f.warns[0], std::make_pair(uint32_t(GUEST_WARN_BOGUS_INTERRUPT), uint64_t(1)));
	EXPECT_EQ(f.irq_acks, 0);
	EXPECT_TRUE(f.wakes.empty());
	EXPECT_EQ(pc()->apf.reason, 1u);  // untouched
	EXPECT_EQ(pc()->apf.token, 0x1000u);
	EXPECT_FALSE(gic_is_active(platform_gic(p), 0, kPpi));  // still EOI'd
}

TEST_F(GuestImage, RescheduleSgiYieldsOnReturnToUser)
{
	boot();
	run_task_in_user(4);
	ASSERT_EQ(gic_raise_sgi(platform_gic(p), 0, GUEST_SGI_RESCHEDULE, 0), 0);
	platform_run_result r = platform_irq_from_user(p, 0, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_USER) << platform_error(p);  // scheduler kept the task
	EXPECT_EQ(f.schedules, std::vector<uint32_t>{ GUEST_SCHED_YIELD });
	EXPECT_FALSE(task(4)->flags & GUEST_TIF_NEED_RESCHED);

	f.switch_on_yield = true;
	ASSERT_EQ(gic_raise_sgi(platform_gic(p), 0, GUEST_SGI_RESCHEDULE, 0), 0);
	platform_enter_user(p, 0, kUserPc);
	EXPECT_EQ(platform_irq_from_user(p, 0, 0).reason, PLATFORM_STOP_SWITCH);
}

TEST_F(GuestImage, AsyncPfIsCheckedBeforeNeedResched)
{
	boot();
	run_task_in_user(4);
	task(4)->flags |= GUEST_TIF_NEED_RESCHED;
	add_waiter(0, 0x55, 4);
	ASSERT_EQ(gic_raise_sgi(platform_gic(p), 0, GUEST_SGI_RESCHEDULE, 0), 0);
	ASSERT_EQ(platform_irq_from_user(p, 0, 0).reason, PLATFORM_STOP_SWITCH);
	EXPECT_EQ(f.schedules, std::vector<uint32_t>{ GUEST_SCHED_PARK });
}

TEST_F(GuestImage, IdleReschedulesWhenSgiSetsNeedResched)
{
	boot();
	ASSERT_EQ(platform_enter_idle(p, 0, 0).reason, PLATFORM_STOP_WFI);
	f.switch_on_yield = true;
	ASSERT_EQ(gic_raise_sgi(platform_gic(p), 0, GUEST_SGI_RESCHEDULE, 0), 0);
	platform_run_result r = platform_run(p, 0, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_SWITCH) << platform_error(p);
	EXPECT_EQ(f.schedules, std::vector<uint32_t>{ GUEST_SCHED_IDLE });
}

// An IRQ that lands on the WFI itself (after the need-resched test) must not
// put the CPU to sleep with TIF_NEED_RESCHED set: the idle loop's rollback
// region resumes at the test.
TEST_F(GuestImage, IdleIrqBeforeWfiIsNotLost)
{
	boot();
	ASSERT_EQ(platform_enter_idle(p, 0, 0).reason, PLATFORM_STOP_WFI);
	const uint64_t wfi = sym("guest_idle_wfi_done") - 4;
	cpu_set_pc(platform_cpu(p, 0), wfi);  // interrupted just before the WFI
	f.switch_on_yield = true;
	ASSERT_EQ(gic_raise_sgi(platform_gic(p), 0, GUEST_SGI_RESCHEDULE, 0), 0);
	platform_run_result r = platform_run(p, 0, 0);
	ASSERT_EQ(r.reason, PLATFORM_STOP_SWITCH) << platform_error(p) << " pc " << std::hex << r.pc;
	EXPECT_EQ(f.schedules, std::vector<uint32_t>{ GUEST_SCHED_IDLE });
}

TEST_F(GuestImage, IdleEntryWithPendingSgiReschedules)
{
	boot();
	f.switch_on_yield = true;
	ASSERT_EQ(gic_raise_sgi(platform_gic(p), 0, GUEST_SGI_RESCHEDULE, 0), 0);
	ASSERT_EQ(platform_enter_idle(p, 0, 0).reason, PLATFORM_STOP_SWITCH) << platform_error(p);
	EXPECT_EQ(f.schedules, std::vector<uint32_t>{ GUEST_SCHED_IDLE });
}

std::string write_temp(const std::vector<unsigned char> &bytes)
{
	char path[] = "/tmp/apfsim_guest_XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return "";
	ssize_t n = write(fd, bytes.data(), bytes.size());
	close(fd);
	return n == static_cast<ssize_t>(bytes.size()) ? path : "";
}

// The built-in image with the last letter of symbol `name` turned into
// 'X' (the string table holds it NUL-terminated), written to a temp file;
// "" when the name is absent or the write fails.
std::string image_without_symbol(const char *name)
{
	std::vector<unsigned char> elf(apfsim_guest_elf, apfsim_guest_elf + apfsim_guest_elf_size);
	size_t len = strlen(name) + 1;
	auto it = std::search(elf.begin(), elf.end(), name, name + len);
	if (it == elf.end())
		return "";
	*(it + (len - 2)) = 'X';
	return write_temp(elf);
}

TEST_F(GuestImage, UserImageFromFileBoots)
{
	std::vector<unsigned char> elf(apfsim_guest_elf, apfsim_guest_elf + apfsim_guest_elf_size);
	std::string path = write_temp(elf);
	ASSERT_FALSE(path.empty());
	Fake f2;
	platform *q = make(1, path.c_str());
	unlink(path.c_str());
	ASSERT_NE(q, nullptr);
	platform_destroy(q);
	(void)f2;
}

TEST_F(GuestImage, UserImageMissingSymbolIsRejectedByName)
{
	std::string path = image_without_symbol("guest_idle");  // "guest_idlX"
	ASSERT_FALSE(path.empty());
	std::string err;
	platform *q = make(1, path.c_str(), &err);
	unlink(path.c_str());
	EXPECT_EQ(q, nullptr);
	platform_destroy(q);
	EXPECT_NE(err.find("'guest_idle'"), std::string::npos) << err;
	EXPECT_NE(err.find(path), std::string::npos) << err;
}

// guest_hotplug is optional: an image without it loads, and only a
// hotplug request fails, naming the missing entry.
TEST_F(GuestImage, UserImageWithoutHotplugEntryFailsOnlyAtHotplug)
{
	std::string path = image_without_symbol(GUEST_SYM_HOTPLUG);
	ASSERT_FALSE(path.empty());
	std::string err;
	platform *q = make(1, path.c_str(), &err);
	unlink(path.c_str());
	ASSERT_NE(q, nullptr) << err;
	f.p = q;
	ASSERT_EQ(platform_boot(q, 0), 0) << platform_error(q);
	EXPECT_EQ(platform_hotplug(q, 0, GUEST_HOTPLUG_CPU_DOWN).reason, PLATFORM_STOP_FAULT);
	EXPECT_NE(std::string(platform_error(q)).find("'guest_hotplug'"), std::string::npos)
		<< platform_error(q);
	platform_destroy(q);
	f.p = p;
}

TEST(GuestAbi, SharedLayoutMatchesProtocol)
{
	// docs/reference.md §2.3
	EXPECT_EQ(offsetof(kvm_vcpu_pv_apf_data, reason), 0u);
	EXPECT_EQ(offsetof(kvm_vcpu_pv_apf_data, token), 4u);
	EXPECT_EQ(offsetof(kvm_vcpu_pv_apf_data, enabled), 64u);
	EXPECT_EQ(alignof(guest_percpu), 64u);
	EXPECT_EQ(GUEST_APF_TABLE_SIZE, 128);
	EXPECT_EQ(GUEST_TIF_ASYNC_PF, 1u << 7);
	EXPECT_NE(GUEST_SIMCALL_IMM, 0);
}

}  // namespace
