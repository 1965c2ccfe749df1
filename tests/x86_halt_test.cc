// The x86 synthetic halt (KVM_REQ_APF_HALT, docs/reference.md §3.5 step 6):
// the vCPU blocks until any wake-up — a completion or an interrupt.  The
// guest's timer tick is such an interrupt, so a halt lasts one tick at most;
// the retried access faults again (a repeated fault, another halt) until the
// page is in.  A halt whose work the host dropped therefore still ends.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "test_util.h"

using namespace apfsim_test;

namespace {

// One syscall task touching a page of its buffer in kernel mode per call,
// its memory on a 10 ms swap device: x86 cannot deliver a not-present at
// CPL0, so every swap-in is waited out in the synthetic halt.
const char *kHalt = R"(protocol: x86-int-ack
seed: 3
vm: {vcpus: 1, memory: 256MiB, kernel_reserved: 32MiB}
host:
  initial_state: swapped
  swap: {read_latency: 10ms, page_cluster: 0}
tasks:
  - {name: sys, workload: syscall, buffer: 8MiB, touches: 1, user_cycles: 1000, iterations: 3}
run: {duration: 200ms, until_done: true}
)";

struct HaltRun {
	TempDir d;
	std::string trace, out;
	int status = -1;
	explicit HaltRun(const std::string &extra)
	{
		std::ofstream(d.path + "/halt.yaml") << kHalt;
		out = cli("run " + d.path + "/halt.yaml --trace-ftrace " + d.path + "/t.txt " + extra, &status);
		trace = slurp(d.path + "/t.txt");
	}
	// The first line at or after `from` containing `what`; npos when none.
	size_t find(const std::string &what, size_t from = 0) const { return trace.find(what, from); }
};

TEST(X86Halt, TheTimerTickEndsTheHaltAndTheAccessFaultsAgain)
{
	HaltRun r("");
	ASSERT_EQ(r.status, 0) << r.out;
	// The halt began with the not-present at 8 us; the tick at 4 ms ends it,
	// and the retry finds the gfn still in the slot table.
	size_t np = r.find("kvm_async_pf_not_present: token 0x1000");
	ASSERT_NE(np, std::string::npos) << r.trace;
	size_t tick = r.find("0.004007: apfsim_kick: reason=2", np);
	ASSERT_NE(tick, std::string::npos) << r.trace.substr(np, 2000);
	size_t rep = r.find("kvm_async_pf_repeated_fault: gva = 0x42657000", tick);
	ASSERT_NE(rep, std::string::npos);
	// The completion (10 ms) wakes it once more, with a kick of reason 1.
	size_t done = r.find("apfsim_kick: reason=1", tick);
	ASSERT_NE(done, std::string::npos);
	EXPECT_LT(rep, done);
	EXPECT_NE(r.out.find("3 syscalls"), std::string::npos) << r.out;
}

TEST(X86Halt, AHaltWhoseWorkWasFlushedEndsAtTheNextTick)
{
	// The flush at 6 ms drops the work the vCPU is halted on: no completion
	// will ever kick it.  The tick at 8 ms does, and the task finishes its
	// three syscalls (before the tick ended halts, it made none in 200 ms).
	HaltRun r("--set faults.host_flush_at=6ms");
	ASSERT_EQ(r.status, 0) << r.out;
	size_t fl = r.find("0.006000: apfsim_apf_flush: dropped=1");
	ASSERT_NE(fl, std::string::npos) << r.trace;
	EXPECT_NE(r.find("0.008008: apfsim_kick: reason=2", fl), std::string::npos) << r.trace.substr(fl, 2000);
	EXPECT_NE(r.out.find("3 syscalls"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("oracle: 0 violations"), std::string::npos) << r.out;
}

}  // namespace
