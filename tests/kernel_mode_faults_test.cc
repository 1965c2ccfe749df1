// Kernel-mode faults (issue 15 item 4; docs/protocols.md "Kernel-mode
// faults", docs/explore.md "Failure paths"): protocol.send_always and
// guest.handler_touches_page.  Each test shows the mechanism in the trace:
// a guest handler's load faulting at EL1 (apfsim_inject kind=15, the
// handler_touch event) and the host's decision on it — synchronous with
// the reason (kernel_mode without SEND_ALWAYS, sdei_busy inside the SDEI
// handler) or, with SEND_ALWAYS inside the PPI handler, a new not-present
// written while the page-ready is still unacknowledged (§4.2 i), its SDEI
// event dispatched into the handler and the repeated-fault spin at EL1.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "test_util.h"

namespace {

using apfsim_test::cli;
using apfsim_test::slurp;
using apfsim_test::src;

// quickstart under arm64-v4 for 170 ms (its first async fault is at ~164 ms
// on gfn 0x42000) with SETS; the ftrace text.
std::string trace_run(const std::string &sets, std::string *out = nullptr, int *status = nullptr)
{
	std::string f = "/tmp/apfsim_kmode_" + std::to_string(getpid()) + ".txt";
	int st;
	std::string o = cli("run " + src("workloads/scenarios/quickstart.yaml") +
				    " --protocol arm64-v4 --set run.duration=170ms --trace-ftrace " + f + " " + sets,
			    &st);
	if (out)
		*out = o;
	if (status)
		*status = st;
	std::string t = slurp(f);
	std::remove(f.c_str());
	return t;
}

// The line starting at or after `from` that contains `what`, or npos.
size_t at(const std::string &t, const std::string &what, size_t from = 0) { return t.find(what, from); }

// The SDEI not-present handler loads from the parked task's page (the one
// it faulted on, still being read): a stage-2 fault at EL1 inside the
// running handler, before its COMPLETE.  The host handles it synchronously
// either way: without SEND_ALWAYS because the vCPU is at EL1, with it
// because an SDEI event is running (§2.7 b; APF never nests in SDEI).
TEST(KernelModeFaults, NotPresentHandlerTouchIsSynchronousEitherWay)
{
	for (bool always : { false, true }) {
		std::string t = trace_run("--set guest.handler_touches_page=notpresent --set protocol.send_always=" +
					  std::string(always ? "true" : "false"));
		size_t d = at(t, "apfsim_sdei_dispatch: event=0x40400001");
		ASSERT_NE(d, std::string::npos) << always;
		size_t touch = at(t, "apfsim_inject: kind=15 arg=0x42000000", d);
		size_t done = at(t, "apfsim_sdei_complete: event=0x40400001", d);
		ASSERT_NE(touch, std::string::npos) << always;
		ASSERT_NE(done, std::string::npos) << always;
		EXPECT_LT(touch, done) << "the load faults inside the running handler";
		size_t sync = at(t, always ? "apfsim_apf_sync: gfn=0x42000 reason=sdei_busy"
					   : "apfsim_apf_sync: gfn=0x42000 reason=kernel_mode",
				 touch);
		EXPECT_LT(sync, done) << always << ": the host's decision, before COMPLETE";
		// No second not-present for that page while the handler runs.
		EXPECT_EQ(at(t.substr(touch, done - touch), "kvm_async_pf_not_present"), std::string::npos);
	}
}

// The PPI page-ready handler loads from the woken task's page + 64 pages
// after clearing the buffer and before IRQ_ACK.  Without SEND_ALWAYS the
// EL1 fault is synchronous (kernel_mode).  With it the host writes a new
// not-present into the buffer while the page-ready is still unacknowledged
// (v4 does not check pageready_pending, §4.2 i), the SDEI event is
// dispatched into the PPI handler and COMPLETEs back into it, and the load
// re-faults on a gfn now in the slot table: the arm64 repeated-fault spin,
// at EL1, until the page is read; only then does the handler's IRQ_ACK come.
TEST(KernelModeFaults, PageReadyHandlerTouchWithoutSendAlwaysIsSynchronous)
{
	std::string t = trace_run("--set guest.handler_touches_page=pageready");
	size_t ppi = at(t, "apfsim_ppi_level: intid=18 level=1", at(t, "kvm_async_pf_ready: token 0 gva 0x42000000"));
	ASSERT_NE(ppi, std::string::npos);
	size_t touch = at(t, "apfsim_inject: kind=15 arg=0x42040000", ppi);
	size_t ack = at(t, "apfsim_irq_ack:", ppi);
	ASSERT_NE(touch, std::string::npos);
	ASSERT_NE(ack, std::string::npos);
	EXPECT_LT(touch, ack) << "the load comes before the handler's IRQ_ACK";
	size_t sync = at(t, "apfsim_apf_sync: gfn=0x42040 reason=kernel_mode", touch);
	EXPECT_LT(sync, ack);
	EXPECT_EQ(at(t.substr(touch, ack - touch), "kvm_async_pf_not_present"), std::string::npos);
}

TEST(KernelModeFaults, PageReadyHandlerTouchWithSendAlwaysNestsANotPresent)
{
	std::string t = trace_run("--set guest.handler_touches_page=pageready --set protocol.send_always=true");
	size_t ppi = at(t, "apfsim_ppi_level: intid=18 level=1", at(t, "kvm_async_pf_ready: token 0 gva 0x42000000"));
	ASSERT_NE(ppi, std::string::npos);
	size_t touch = at(t, "apfsim_inject: kind=15 arg=0x42040000", ppi);
	size_t ack = at(t, "apfsim_irq_ack: pageready_pending=1", ppi);
	ASSERT_NE(touch, std::string::npos);
	ASSERT_NE(ack, std::string::npos);
	std::string w = t.substr(touch, ack - touch);
	// The host's decision: a not-present over the cleared buffer while
	// pageready_pending is still set (the IRQ_ACK is further on).
	size_t setup = at(w, "apfsim_apf_setup: token=0x1000 gfn=0x42040");
	size_t buf = at(w, "apfsim_buf_write: reason=1 token=0x1000 prev_reason=0 prev_token=0");
	size_t inj = at(w, "apfsim_sdei_inject: event=0x40400001 result=0");
	size_t disp = at(w, "apfsim_sdei_dispatch: event=0x40400001");
	size_t comp = at(w, "apfsim_sdei_complete: event=0x40400001");
	size_t spin = at(w, "kvm_async_pf_repeated_fault: gva = 0x42040000, gfn = 0x42040");
	EXPECT_EQ(at(w, "apfsim_apf_sync"), std::string::npos) << "no synchronous fault on that page";
	ASSERT_NE(setup, std::string::npos) << w.substr(0, 2000);
	ASSERT_NE(spin, std::string::npos) << w.substr(0, 2000);
	EXPECT_LT(setup, buf);
	EXPECT_LT(buf, inj);
	EXPECT_LT(inj, disp);
	EXPECT_LT(disp, comp);
	EXPECT_LT(comp, spin) << "the load re-faults after the nested handler returned into the PPI handler";
	// The spin lasts until the page is read, then the handler ACKs.
	EXPECT_NE(at(w, "kvm_async_pf_completed: gva 0x42040000"), std::string::npos);
	size_t n = 0;
	for (size_t p = at(w, "kvm_async_pf_repeated_fault"); p != std::string::npos; p = at(w, "kvm_async_pf_repeated_fault", p + 1))
		n++;
	EXPECT_GT(n, 5u);
}

// Both handlers touch, SEND_ALWAYS on (the seed explore found): a nested
// not-present is dispatched into the PPI handler.  The v4-era dispatch
// writes SPSR_EL1 and COMPLETE does not restore it (§2.7 e); a Linux guest
// saved SPSR_EL1/ELR_EL1 at the exception entry, as the handler-touch image
// does, so the PPI handler's eret still returns with IRQs unmasked and the
// vCPU keeps taking page-ready IRQs and switching the hog in.  (Before the
// image saved them, IRQs stayed masked and the idle loop spun on WFI for
// ever: no IRQ_ACK and no switch to the hog after 164.3 ms.)
TEST(KernelModeFaults, NestedNotPresentInThePpiHandlerLeavesIrqsUnmasked)
{
	std::string f = "/tmp/apfsim_kmode_nest_" + std::to_string(getpid()) + ".txt";
	int st;
	std::string out = cli("run " + src("workloads/scenarios/quickstart.yaml") +
			      " --seed 10451216379200822465 --set run.perturb_order=true --set protocol=arm64-v4"
			      " --set guest.handler_touches_page=both --set protocol.send_always=true"
			      " --set run.duration=400ms --trace-ftrace " + f, &st);
	std::string t = slurp(f);
	std::remove(f.c_str());
	ASSERT_EQ(st, 0) << out;
	// The nested dispatch: its interrupted context is the PPI handler at EL1
	// (EL1h, DAIF masked: PSTATE's low bits 0x3c5).
	size_t nest = at(t, "3c5\n", at(t, "apfsim_sdei_dispatch: event=0x40400001 pc=0x4000"));
	ASSERT_NE(nest, std::string::npos);
	size_t acks = 0, hog = 0;
	for (size_t p = at(t, "apfsim_irq_ack:", nest); p != std::string::npos; p = at(t, "apfsim_irq_ack:", p + 1))
		acks++;
	for (size_t p = at(t, "next=hog", nest); p != std::string::npos; p = at(t, "next=hog", p + 1))
		hog++;
	EXPECT_GT(acks, 10u);
	EXPECT_GT(hog, 10u);
	EXPECT_NE(out.find("oracle: 0 violations"), std::string::npos) << out;
}

// Runs `yaml` (written to a temporary file) with ARGS; the exit status and
// the output.
int run_text(const std::string &yaml, const std::string &args, std::string *out)
{
	apfsim_test::TempDir d;
	int st;
	std::ofstream(d / "s.yaml") << yaml;
	*out = cli("run " + (d / "s.yaml") + " -q " + args, &st);
	return st;
}

// Found by the random bound sweep (bounds_test.cc): a task writing the
// last pages of a small guest parks, and the page-ready handler's load at
// its page + 256 KiB lay past the end of guest RAM — the run ended in a
// guest fault ("access outside guest RAM").  No user mapping reaches
// beyond RAM, so the handler skips that load (guest_touch_end).
TEST(KernelModeFaults, PageReadyTouchPastTheEndOfRamIsSkipped)
{
	const std::string yaml = "protocol: arm64-v4\n"
				 "vm: {memory: 64MiB, kernel_reserved: 8MiB}\n"
				 "host: {memory_limit: 40MiB, initial_state: swapped, swap: {page_cluster: 4}}\n"
				 "guest: {handler_touches_page: pageready}\n"
				 "tasks:\n"
				 "  - {name: hog, workload: memhog, count: 4, share: 92%, passes: 3}\n"
				 "run: {duration: 229ms, until_done: false}\n";
	std::string out;
	EXPECT_EQ(run_text(yaml, "--json -", &out), 0) << out;
	EXPECT_EQ(out.find("outside guest RAM"), std::string::npos) << out;
	// The handler still loads where it can: some touches fault.
	EXPECT_NE(out.find("\"handler_touch\""), std::string::npos);
}

// Found by the random bound sweep: the SDEI not-present handler's own load
// waits (synchronously) for the page being read, the page-ready arrives
// meanwhile, and after EVENT_COMPLETE the reschedule SGI parks the task.
// With the PPI still pending and the next entry due to a late kick, the
// host resumed the parked task's dead kernel context to take the IRQ,
// which re-ran its return-to-user loop ("scheduler kept task running
// although it must park").  Nothing is delivered into a context a task
// switch left behind: the CPU goes to its idle loop first.
TEST(KernelModeFaults, NoDeliveryIntoTheContextASwitchLeftBehind)
{
	const std::string yaml = "protocol: arm64-v4\n"
				 "host: {initial_state: resident}\n"
				 "guest: {resched_ipi_delay: 115us, handler_touches_page: notpresent}\n"
				 "migration: {mode: postcopy, bandwidth: 1332MiB, rtt: 65us}\n"
				 "faults: {kick_delay: 367us}\n"
				 "tasks:\n"
				 "  - {name: t0, workload: random, cycles: 3033, start: 27ms}\n"
				 "  - {name: t1, workload: random}\n";
	std::string out;
	EXPECT_EQ(run_text(yaml, "--set run.duration=1100ms", &out), 0) << out;
	EXPECT_EQ(out.find("must park"), std::string::npos) << out;
}

// Same scenario, seed and switches: the same trace, byte for byte.
TEST(KernelModeFaults, HandlerTouchRunsAreDeterministic)
{
	std::string a = trace_run("--set guest.handler_touches_page=both --set protocol.send_always=true");
	std::string b = trace_run("--set guest.handler_touches_page=both --set protocol.send_always=true");
	EXPECT_FALSE(a.empty());
	EXPECT_EQ(a, b);
}

// The defaults spelled out run the default image and give the default run.
TEST(KernelModeFaults, ExplicitDefaultsChangeNothing)
{
	std::string o1, o2;
	std::string a = trace_run("", &o1);
	std::string b = trace_run("--set protocol.send_always=false --set guest.handler_touches_page=none", &o2);
	EXPECT_EQ(a, b);
	EXPECT_EQ(o1, o2);
	EXPECT_EQ(at(a, "kind=15"), std::string::npos);
}

// Bad input for each key: FILE:LINE:COL naming the key, exit 2.
TEST(KernelModeFaults, BadInputNamesTheKeyWithPosition)
{
	std::string f = "/tmp/apfsim_kmode_bad_" + std::to_string(getpid()) + ".yaml";
	std::string base = slurp(src("workloads/scenarios/quickstart.yaml"));
	size_t ps = base.find("protocol: sync");
	ASSERT_NE(ps, std::string::npos);
	auto with_protocol = [&](const std::string &p) { return base.substr(0, ps) + p + base.substr(ps + 14); };
	struct {
		std::string yaml, key, proto;
	} cases[] = {
		{ base + "guest:\n  handler_touches_page: always\n", "guest.handler_touches_page", "arm64-v4" },
		{ base + "guest:\n  handler_touches_page: pageready\n", "guest.handler_touches_page", "x86-int-ack" },
		{ base + "guest:\n  handler_touches_page: pageready\n", "guest.handler_touches_page", "sync" },
		{ with_protocol("protocol: {base: arm64-v4, send_always: maybe}"), "send_always", "" },
		{ with_protocol("protocol: {base: x86-int-ack, send_always: true}"), "send_always", "" },
		{ with_protocol("protocol: {base: sync, send_always: true}"), "send_always", "" },
	};
	for (auto &c : cases) {
		std::ofstream(f) << c.yaml;
		int st;
		std::string o = cli("run " + f + (c.proto.empty() ? "" : " --protocol " + c.proto), &st);
		EXPECT_EQ(st, 2) << c.yaml << o;
		EXPECT_NE(o.find(c.key), std::string::npos) << o;
		size_t p = o.find(f + ":");
		ASSERT_NE(p, std::string::npos) << o;
		int line = 0, col = 0;
		EXPECT_EQ(std::sscanf(o.c_str() + p + f.size(), ":%d:%d:", &line, &col), 2) << o;
		EXPECT_GT(line, 0);
		EXPECT_GT(col, 0);
	}
	std::remove(f.c_str());
}

}  // namespace
