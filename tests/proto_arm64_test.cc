// The arm64-v4 host protocol (docs/reference.md §2.6, §2.7) on a booted machine:
// the real guest kernel image runs its APF init, then the host side is
// driven directly or through scenarios.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

extern "C" {
#include "model/apf/core.h"
#include "model/config/config.h"
#include "model/vm/machine.h"
#include "model/vm/platform.h"
#include "model/apf/proto/arm64.h"
#include "model/apf/protocol.h"
#include "sdei/sdei.h"
#include "gic/gic.h"
}

namespace {

struct Arm64 {
	struct apf_config cfg;
	struct machine m;
	bool ok = false;

	explicit Arm64(const std::string &yaml, bool run = true)
	{
		struct cfg_error err;
		EXPECT_EQ(config_load_string(&cfg, yaml.c_str(), "t.yaml", &err), 0) << err.msg;
		ok = machine_init(&m, &cfg) == 0;
		EXPECT_TRUE(ok) << m.err;
		if (ok && run) {
			machine_run_until(&m, SIM_TIME_MAX);
			machine_finish(&m);
		}
	}
	~Arm64()
	{
		machine_fini(&m);
		config_free(&cfg);
	}
	struct apf_host *apf() { return static_cast<struct apf_host *>(m.proto_env.state); }
	struct arm64_apf_vcpu *tv(uint32_t i) { return arm64_apf_vcpu(apf(), i); }
	uint32_t *buffer(uint32_t vcpu)
	{
		uint64_t gpa = tv(vcpu)->control_block & ~0x3FULL;
		return static_cast<uint32_t *>(platform_guest_ptr(m.plat, gpa, 8));
	}
};

// Only booting: a task that never faults keeps the run short.
const char *kBootOnly = R"(
protocol: arm64-v4
vm: {vcpus: 2, memory: 128MiB, kernel_reserved: 32MiB}
tasks:
  - {name: c, workload: compute, iteration: 1000, iterations: 10}
run: {duration: 10ms, until_done: true}
)";

TEST(Arm64Protocol, GuestInitEnablesApfOnEveryVcpu)
{
	Arm64 a(kBootOnly);
	ASSERT_TRUE(a.ok);
	for (uint32_t i = 0; i < 2; i++) {
		const struct arm64_apf_vcpu &v = *a.tv(i);
		const struct apf_host_vcpu &hv = a.apf()->hv[i];
		EXPECT_TRUE(a.m.vcpus[i].apf_on);
		EXPECT_TRUE(v.control_block & 1) << "ENABLED bit";
		EXPECT_TRUE(hv.send_user_only) << "the v4 guest never sets SEND_ALWAYS";
		// The per-CPU buffer the guest passed lies in guest RAM and is free.
		ASSERT_NE(a.buffer(i), nullptr);
		EXPECT_EQ(a.buffer(i)[0], 0u);
		EXPECT_EQ(a.buffer(i)[1], 0u);
	}
	// ENABLE queued a wake-all per vCPU, delivered and acknowledged.
	EXPECT_EQ(a.apf()->st.pageready_wakeall, 2u);
	EXPECT_EQ(a.apf()->st.acks_pending, 2u);
	EXPECT_EQ(a.apf()->st.enables, 2u);
}

TEST(Arm64Protocol, EnableReturnCodes)
{
	Arm64 a(kBootOnly);
	ASSERT_TRUE(a.ok);
	struct apf_host *p = a.apf();
	uint64_t ctl = arm64_apf_vcpu(p, 0)->control_block;
	// Same enable bit again: NOT_REQUIRED, nothing changes (§2.6 step 2).
	EXPECT_EQ(arm64_apf_enable(p, 0, ctl), -2);
	// Disable: SUCCESS, queues flushed (step 3).
	EXPECT_EQ(arm64_apf_enable(p, 0, ctl & ~1ULL), 0);
	EXPECT_FALSE(arm64_apf_vcpu(p, 0)->control_block & 1);
	EXPECT_EQ(arm64_apf_enable(p, 0, ctl & ~1ULL), -2);
	// Enable with no PPI configured: INVALID_PARAMETER (step 4).
	uint64_t irq = 0;
	ASSERT_EQ(arm64_apf_vmm_command(p, 0, ARM64_APF_SET_IRQ, &irq), 0);
	EXPECT_EQ(arm64_apf_enable(p, 0, ctl), -3);
	irq = 18;
	ASSERT_EQ(arm64_apf_vmm_command(p, 0, ARM64_APF_SET_IRQ, &irq), 0);
	// A buffer outside guest RAM cannot be mapped: NOT_SUPPORTED.
	EXPECT_EQ(arm64_apf_enable(p, 0, 0x1000 | 1), -1);
	// Back on: SUCCESS and a wake-all is queued (step 4).
	EXPECT_EQ(arm64_apf_enable(p, 0, ctl), 0);
	EXPECT_EQ(apf_done_len(&p->hv[0].core), 1u);
	EXPECT_TRUE(apf_done_head(&p->hv[0].core)->wakeup_all);
	// SET_CONTROL maps a refused ENABLE to -EIO; GET_VERSION is 1.0.0.
	uint64_t v = ctl;
	EXPECT_EQ(arm64_apf_vmm_command(p, 0, ARM64_APF_SET_CONTROL, &v), -EIO);
	EXPECT_EQ(arm64_apf_vmm_command(p, 0, ARM64_APF_GET_VERSION, &v), 0);
	EXPECT_EQ(v, 0x010000u);
}

// 66 tasks on one vCPU each write one page that starts on swap, with a
// swap latency far longer than the run: 64 faults go async, and then the
// limit sends later faults synchronous (§1.2 step 1).
TEST(Arm64Protocol, SixtyFifthOutstandingFaultGoesSynchronous)
{
	std::string y = R"(
protocol: arm64-v4
vm: {vcpus: 1, memory: 512MiB, kernel_reserved: 32MiB}
host:
  initial_state: swapped
  swap: {queue_depth: 128, read_latency: 1s}
tasks:
  - {name: t, workload: memhog, count: 66, share: 0.5%, passes: 1}
run: {duration: 100ms, until_done: false}
)";
	Arm64 a(y);
	ASSERT_TRUE(a.ok);
	const struct apf_host_stats &s = a.apf()->st;
	EXPECT_EQ(s.async, 64u);
	EXPECT_GE(s.sync[TR_SYNC_LIMIT], 1u);
	EXPECT_EQ(apf_queued(&a.apf()->hv[0].core), 64u);
	EXPECT_EQ(a.apf()->hv[0].core.stats.refused_limit, s.sync[TR_SYNC_LIMIT]);
	EXPECT_EQ(a.apf()->hv[0].core.stats.max_queued, 64u);
}

// Cancellation (§2.7 g, i): the work completes while its not-present SDEI
// is still only queued, so neither notification reaches the guest.
TEST(Arm64Protocol, CompletionBeforeDeliveryCancelsBothNotifications)
{
	Arm64 a(kBootOnly);
	ASSERT_TRUE(a.ok);
	struct apf_host *p = a.apf();
	struct arm64_apf_vcpu *av = arm64_apf_vcpu(p, 1);
	struct apf_host_vcpu *hv = &p->hv[1];
	struct apf_work *w = nullptr;
	const uint64_t gfn = 0x40000 + 20000;
	uint64_t page = gfn - 0x40000;

	// The page is resident (a worker brought it in) but not mapped.
	hostmem_zero_fill(&a.m.hm, page);
	uint32_t token = apf_token_alloc(&hv->tok, 1);
	ASSERT_TRUE(apf_setup(&hv->core, token, gfn, gfn << 12, 0, a.m.sim.now, &w));
	EXPECT_TRUE(av->notpresent_pending);
	EXPECT_EQ(a.buffer(1)[0], 1u);
	EXPECT_EQ(a.buffer(1)[1], token);
	uint64_t ev;
	EXPECT_TRUE(sdei_deliverable(platform_sdei(a.m.plat), 1, &ev)) << "SDEI queued, not delivered";
	// The worker finishes before the next guest entry.
	workers_cancel(&a.m.workers, w);
	ASSERT_TRUE(apf_work_completed(&hv->core, w));
	a.m.proto->entry(&a.m.proto_env, 1);
	EXPECT_EQ(p->st.cancelled, 1u);
	EXPECT_FALSE(av->notpresent_pending);
	EXPECT_FALSE(hv->pageready_pending);
	EXPECT_EQ(a.buffer(1)[0], 0u);
	EXPECT_EQ(a.buffer(1)[1], 0u);
	EXPECT_FALSE(sdei_deliverable(platform_sdei(a.m.plat), 1, &ev)) << "SDEI cancelled";
	EXPECT_FALSE(gic_line_level(platform_gic(a.m.plat), 1, 18)) << "no page-ready PPI";
	EXPECT_EQ(apf_queued(&hv->core), 0u);
	// The prefault mapped the page: the retry will not exit again.
	EXPECT_TRUE(hostmem_mapped(&a.m.hm, page));
}

// With the buffer busy (a page-ready not yet consumed), can_dequeue refuses
// and re-raises the request (§2.7 g): the next completion waits.
TEST(Arm64Protocol, BusyBufferDefersPageReadyAndReRaisesRequest)
{
	Arm64 a(kBootOnly);
	ASSERT_TRUE(a.ok);
	struct apf_host *p = a.apf();
	struct apf_host_vcpu *hv = &p->hv[0];
	a.buffer(0)[0] = 2; // pretend the guest has not consumed a page-ready
	a.buffer(0)[1] = 0x1234;
	// A wake-all completion is waiting to be delivered.
	ASSERT_EQ(apf_wakeup_all(&hv->core), 0);
	a.m.proto->entry(&a.m.proto_env, 0);
	EXPECT_TRUE(hv->req_ready) << "re-polled at the next entry";
	EXPECT_EQ(apf_done_len(&hv->core), 1u);
	EXPECT_GE(p->st.dequeue_refused, 1u);
	a.buffer(0)[0] = 0;
	a.buffer(0)[1] = 0;
	a.m.proto->entry(&a.m.proto_env, 0);
	EXPECT_EQ(apf_done_len(&hv->core), 0u);
	EXPECT_TRUE(hv->pageready_pending);
	EXPECT_EQ(a.buffer(0)[1], 0xFFFFFFFFu) << "wake-all token";
}

const char *kHogAndCompute = R"(
protocol: arm64-v4
seed: 5
vm: {vcpus: 1, memory: 256MiB, kernel_reserved: 32MiB}
host:
  memory_limit: 96MiB
  swap: {read_latency: {dist: lognormal, median: 100us, p99: 1ms}}
tasks:
  - {name: hog, workload: memhog, share: 80%, passes: 3}
  - {name: compute, workload: compute, iteration: 100000}
run: {duration: 3s, until_done: false}
)";

TEST(Arm64Protocol, ParkedTasksLetOthersRunAndEveryApfCompletesItsRoundTrip)
{
	Arm64 a(kHogAndCompute);
	ASSERT_TRUE(a.ok);
	const struct apf_host_stats &s = a.apf()->st;
	ASSERT_GT(s.async, 100u);
	// Every not-present injected was delivered or cancelled, but for one
	// the run's end may catch between its injection and its delivery; and
	// every page-ready was acknowledged by the guest driver.
	const uint32_t in_flight = a.tv(0)->notpresent_pending ? 1 : 0;
	EXPECT_EQ(s.notpresent_delivered + s.cancelled + in_flight, s.notpresent_injected);
	EXPECT_EQ(s.acks_pending, s.pageready);
	// Every wake ends a park: parks minus outstanding at the end.
	const struct task &hog = a.m.sched.tasks[0];
	EXPECT_GT(hog.parks, 100u);
	EXPECT_GT(hog.parked_ps, 0u);
	EXPECT_EQ(a.m.stats.parked.count + (hog.state == TASK_PARKED ? 1 : 0), hog.parks);
	// While the hog was parked the compute task ran: it got most of the CPU.
	const struct task &cpu = a.m.sched.tasks[1];
	EXPECT_GT(cpu.cpu_ps, a.m.end_ps / 2);
	for (uint32_t i = 0; i < a.m.nvcpus; i++)
		EXPECT_EQ(a.m.vcpus[i].guest_ps + a.m.vcpus[i].host_ps + a.m.vcpus[i].idle_ps, a.m.end_ps);
}

TEST(Arm64Protocol, ApfBeatsSyncForTheComputeThreadOnSlowSwap)
{
	std::string sync(kHogAndCompute);
	sync.replace(sync.find("arm64-v4"), 8, "sync");
	Arm64 a(kHogAndCompute), s(sync);
	ASSERT_TRUE(a.ok && s.ok);
	EXPECT_GT(a.m.sched.tasks[1].progress, s.m.sched.tasks[1].progress);
	// With APF the hog's faults do not block the vCPU in the host for I/O.
	EXPECT_LT(a.m.sched.tasks[0].stall_ps, s.m.sched.tasks[0].stall_ps);
}

TEST(Arm64Protocol, KernelModeFaultsStaySynchronous)
{
	Arm64 a(R"(
protocol: arm64-v4
vm: {vcpus: 1, memory: 256MiB, kernel_reserved: 32MiB}
host: {initial_state: swapped}
tasks:
  - {name: sys, workload: syscall, buffer: 8MiB, touches: 4, user_cycles: 1000, iterations: 200}
run: {duration: 1s, until_done: true}
)");
	ASSERT_TRUE(a.ok);
	const struct apf_host_stats &s = a.apf()->st;
	EXPECT_EQ(s.async, 0u);
	EXPECT_GT(s.sync[TR_SYNC_KERNEL_MODE], 0u);
	EXPECT_EQ(s.sync[TR_SYNC_KERNEL_MODE], s.faults);
}

} // namespace
