// The machine end to end on the synchronous (`sync`) protocol: accounting,
// reclaim, scheduling fairness and determinism, asserted from the results.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

extern "C" {
#include "model/config/config.h"
#include "model/vm/machine.h"
#include "model/vm/machine_report.h"
}

namespace {

struct SimRun {
	struct apf_config cfg;
	struct machine m;
	bool loaded = false, inited = false;

	explicit SimRun(const std::string &yaml)
	{
		struct cfg_error err;
		loaded = config_load_string(&cfg, yaml.c_str(), "test.yaml", &err) == 0;
		EXPECT_TRUE(loaded) << err.line << ":" << err.col << ": " << err.msg;
		if (!loaded)
			return;
		inited = machine_init(&m, &cfg) == 0;
		EXPECT_TRUE(inited) << m.err;
		if (!inited)
			return;
		machine_run_until(&m, SIM_TIME_MAX);
		machine_finish(&m);
	}
	~SimRun()
	{
		if (loaded) {
			machine_fini(&m);
			config_free(&cfg);
		}
	}
	std::string json()
	{
		json_t *doc = report_json(&m, "test");
		char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		std::string out(s);
		free(s);
		json_decref(doc);
		return out;
	}
};

const char *kSingleHog = R"(
seed: 3
vm: {vcpus: 1, memory: 64MiB, kernel_reserved: 16MiB}
host:
  memory_limit: 24MiB
  swap: {queue_depth: 4, read_latency: {dist: lognormal, median: 20us, p99: 200us}}
tasks:
  - {name: hog, workload: memhog, share: 100%, passes: 3, order: random}
run: {duration: 30s, until_done: true}
)";

TEST(MachineSync, StallEqualsSumOfFaultLatenciesForOneTask)
{
	SimRun r(kSingleHog);
	ASSERT_TRUE(r.inited);
	const struct task &t = r.m.sched.tasks[0];
	EXPECT_EQ(t.state, TASK_EXITED);
	EXPECT_GT(r.m.stats.fault_latency.count, 0u);
	EXPECT_EQ(t.stall_ps, r.m.stats.fault_latency.sum);
	EXPECT_EQ(t.faults, r.m.stats.fault_latency.count);
	// With one task and one vCPU, every host picosecond but the timer-tick
	// exits is that task's stall.
	EXPECT_EQ(r.m.vcpus[0].host_ps - r.m.vcpus[0].acct.ps[VB_HOST_OTHER], t.stall_ps);
	EXPECT_EQ(r.m.vcpus[0].acct.ps[VB_HOST_OTHER],
		  r.m.vcpus[0].ticks * (r.m.trap.vmexit + r.m.trap.vmentry));
	// 48 MiB written 3 times: 12288 pages per pass.
	EXPECT_EQ(t.progress, 3u * 12288u);
}

TEST(MachineSync, VcpuTimeAddsUpToSimulatedTime)
{
	SimRun r(kSingleHog);
	ASSERT_TRUE(r.inited);
	for (uint32_t i = 0; i < r.m.nvcpus; i++) {
		const struct vcpu &v = r.m.vcpus[i];
		EXPECT_EQ(v.guest_ps + v.host_ps + v.idle_ps, r.m.end_ps) << "vcpu " << i;
	}
}

TEST(MachineSync, ReclaimKeepsResidencyUnderTheCgroupLimit)
{
	SimRun r(kSingleHog);
	ASSERT_TRUE(r.inited);
	const uint64_t limit_pages = (24u << 20) / 4096;
	EXPECT_EQ(r.m.hm.limit, limit_pages);
	EXPECT_LE(r.m.hm.stats.peak_resident, limit_pages);
	EXPECT_GT(r.m.hm.stats.reclaims, 0u);
	// Every page was written, so evictions wrote back, and later passes
	// had to swap pages in again.
	EXPECT_GT(r.m.hm.stats.writebacks, 0u);
	EXPECT_GT(r.m.stats.major_latency.count, 0u);
	EXPECT_EQ(r.m.swap.stats.reads, r.m.hm.stats.major);
}

TEST(MachineSync, NoLimitMeansNoReclaimAndNoMajorFaults)
{
	SimRun r(R"(
vm: {vcpus: 1, memory: 64MiB, kernel_reserved: 16MiB}
tasks:
  - {name: hog, workload: memhog, share: 50%, passes: 2}
)");
	ASSERT_TRUE(r.inited);
	EXPECT_EQ(r.m.hm.stats.reclaims, 0u);
	EXPECT_EQ(r.m.stats.major_latency.count, 0u);
	// First pass: one zero-fill fault per page; second pass: all hits.
	EXPECT_EQ(r.m.hm.stats.zero_fills, 6144u);
	EXPECT_EQ(r.m.stats.faults, 6144u);
}

TEST(MachineSync, RoundRobinIsFairBetweenEqualComputeTasks)
{
	SimRun r(R"(
vm: {vcpus: 1}
guest: {timeslice: 4ms}
tasks:
  - {name: a, workload: compute, iteration: 2000}
  - {name: b, workload: compute, iteration: 2000}
  - {name: c, workload: compute, iteration: 2000}
run: {duration: 1s, until_done: false}
)");
	ASSERT_TRUE(r.inited);
	sim_time_t lo = SIM_TIME_MAX, hi = 0;
	for (uint32_t i = 0; i < 3; i++) {
		const struct task &t = r.m.sched.tasks[i];
		lo = std::min(lo, t.cpu_ps);
		hi = std::max(hi, t.cpu_ps);
		EXPECT_GT(t.switches, 50u);
	}
	// Shares differ by at most one timeslice.
	EXPECT_LE(hi - lo, 4 * SIM_MS);
	EXPECT_GT(lo, 300 * SIM_MS);
}

TEST(MachineSync, UnpinnedTasksSpreadOverIdleVcpus)
{
	SimRun r(R"(
vm: {vcpus: 4}
tasks:
  - {name: w, workload: compute, count: 4, iteration: 10000, iterations: 1000}
run: {duration: 1s, until_done: true}
)");
	ASSERT_TRUE(r.inited);
	// 1000 x 10000 cycles at 2 GHz = 5 ms each, all four in parallel, after
	// a 3 us context switch and with one timer-tick exit (at 4 ms) each.
	sim_time_t tick = r.m.trap.vmexit + r.m.trap.vmentry;
	for (uint32_t i = 0; i < 4; i++) {
		EXPECT_EQ(r.m.vcpus[i].ticks, 1u) << i;
		EXPECT_EQ(r.m.sched.tasks[i].exit_ps, 5 * SIM_MS + 3 * SIM_US + tick) << i;
	}
	EXPECT_EQ(r.m.end_ps, 5 * SIM_MS + 3 * SIM_US + tick);
}

TEST(MachineSync, SameSeedSameJsonDifferentSeedDifferentJson)
{
	std::string a = SimRun(kSingleHog).json();
	std::string b = SimRun(kSingleHog).json();
	EXPECT_EQ(a, b);
	std::string other(kSingleHog);
	other.replace(other.find("seed: 3"), 7, "seed: 4");
	std::string c = SimRun(other).json();
	EXPECT_NE(a, c);
}

TEST(MachineSync, MultiVcpuMixedScenarioIsDeterministic)
{
	std::string path = std::string(APFSIM_SOURCE_DIR) + "/workloads/scenarios/multi-vcpu.yaml";
	auto load = [&]() {
		struct apf_config cfg;
		struct cfg_error err;
		EXPECT_EQ(config_load_file(&cfg, path.c_str(), &err), 0) << err.msg;
		EXPECT_EQ(config_set(&cfg, "run.duration=200ms", &err), 0) << err.msg;
		auto *m = new machine;
		EXPECT_EQ(machine_init(m, &cfg), 0) << m->err;
		machine_run_until(m, SIM_TIME_MAX);
		machine_finish(m);
		json_t *doc = report_json(m, "t");
		char *s = json_dumps(doc, JSON_PRESERVE_ORDER);
		std::string out(s);
		free(s);
		json_decref(doc);
		for (uint32_t i = 0; i < m->nvcpus; i++)
			EXPECT_EQ(m->vcpus[i].guest_ps + m->vcpus[i].host_ps + m->vcpus[i].idle_ps, m->end_ps);
		machine_fini(m);
		delete m;
		config_free(&cfg);
		return out;
	};
	EXPECT_EQ(load(), load());
}

} // namespace

// A background task does not keep run.until_done waiting: the run ends at the
// memory test's exit while the compute thread beside it is still running, so a
// test's total time and the thread's rate over it can be read from one run.
TEST(MachineSync, UntilDoneDoesNotWaitForBackgroundTasks)
{
	const char *yaml = R"(
seed: 3
vm: {vcpus: 1, memory: 64MiB, kernel_reserved: 16MiB}
host: {memory_limit: 24MiB}
tasks:
  - {name: hog, workload: memhog, share: 50%, passes: 1}
  - {name: compute, workload: compute, iteration: 100000, background: true}
run: {duration: 30s, until_done: true}
)";
	SimRun r(yaml);
	ASSERT_TRUE(r.inited);
	const struct task *hog = &r.m.sched.tasks[0], *compute = &r.m.sched.tasks[1];
	ASSERT_EQ(hog->state, TASK_EXITED);
	EXPECT_NE(compute->state, TASK_EXITED);
	EXPECT_GT(compute->progress, 0u);
	EXPECT_EQ(r.m.sim.now, hog->exit_ps);   // ended at the hog's exit, not at 30 s
	EXPECT_LT(r.m.sim.now, 30 * SIM_S);
}
