// The failure paths of issue 15 (docs/explore.md "Failure paths"): each test
// shows the mechanism itself in the trace — the other SDEI event queued and
// the APF inject answered -ENOSPC, -EPERM on a masked PE, the held-back
// self-IPI with the task faulting again meanwhile — and `explore --chaos`
// draws per seed, prints the draw in its replay line and shrinks it.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <map>
#include <string>

extern "C" {
#include "model/config/config.h"
#include "model/config/inject.h"
#include "model/explore/chaos.h"
}

#include "test_util.h"

namespace {

using apfsim_test::src;
using apfsim_test::slurp;
using apfsim_test::cli;
using apfsim_test::last_sdei;

// quickstart under arm64-v4 for 170 ms (its first async fault is at ~164 ms)
// with SETS; returns the ftrace text.
std::string trace_run(const std::string &sets, std::string *out = nullptr)
{
	std::string f = "/tmp/apfsim_failpaths_" + std::to_string(getpid()) + ".txt";
	int st;
	std::string o = cli("run " + src("workloads/scenarios/quickstart.yaml") +
				    " --protocol arm64-v4 --set run.duration=170ms --trace-ftrace " + f + " " + sets,
			    &st);
	if (out)
		*out = o;
	std::string t = slurp(f);
	std::remove(f.c_str());
	return t;
}

size_t at(const std::string &t, const std::string &what, size_t from = 0)
{
	return t.find(what, from);
}

// A critical other event signalled just before the first async fault: the
// fault is taken before the kick lands, so kvm_sdei_inject(APF) finds a
// critical event queued (-ENOSPC, 28).  The host then does what §2.7(d) and
// §4.2(ii) say: the buffer stays written (the next fault is synchronous,
// buffer_busy) and the completion takes can_dequeue's cancellation branch,
// writing the page-ready over the unconsumed not-present.  The instant is
// searched over the ~1 us before the fault, so a shifted timeline does not
// break the test; each run is ~0.1 s.
TEST(FailPaths, CriticalOtherEventMakesApfInjectReturnEnospc)
{
	std::string t;
	bool hit = false;
	for (long ns = 164019000; ns <= 164021000 && !hit; ns += 80) {
		t = trace_run("--set faults.sdei_other_at=" + std::to_string(ns) + "ns");
		hit = at(t, "apfsim_sdei_inject: event=0x40400001 result=-28") != std::string::npos;
	}
	ASSERT_TRUE(hit) << "no instant near the first async fault gave -ENOSPC";
	size_t q = at(t, "apfsim_inject: kind=12 arg=0\n");
	size_t enospc = at(t, "apfsim_sdei_inject: event=0x40400001 result=-28");
	size_t other = at(t, "apfsim_sdei_dispatch: event=0x40400002");
	ASSERT_NE(q, std::string::npos);
	ASSERT_NE(other, std::string::npos);
	EXPECT_LT(q, enospc) << "the other event is queued before the APF inject fails";
	EXPECT_LT(enospc, other) << "... and delivered only afterwards";
	size_t busy = at(t, "reason=buffer_busy", enospc);
	size_t over = at(t, "apfsim_buf_write: reason=2", enospc);
	ASSERT_NE(busy, std::string::npos) << "the buffer stays written after a failed inject";
	ASSERT_NE(over, std::string::npos);
	EXPECT_NE(t.substr(over, 80).find("prev_reason=1"), std::string::npos)
		<< "the page-ready overwrites the unconsumed not-present: " << t.substr(over, 80);
}

// A normal other event never makes the critical APF inject fail; both are
// delivered, the critical one first when both are queued.
TEST(FailPaths, NormalOtherEventIsDeliveredAndCompleted)
{
	std::string t = trace_run("--set faults.sdei_other_at=100ms --set faults.sdei_other_priority=normal");
	size_t q = at(t, "apfsim_inject: kind=12 arg=0\n");
	ASSERT_NE(q, std::string::npos);
	size_t d = at(t, "apfsim_sdei_dispatch: event=0x40400002", q);
	size_t c = at(t, "apfsim_sdei_complete: event=0x40400002", q);
	ASSERT_NE(d, std::string::npos);
	ASSERT_NE(c, std::string::npos);
	EXPECT_LT(d, c);
	EXPECT_EQ(at(t, "result=-28"), std::string::npos);
}

// On a masked PE (the CPU is offline: the SDEI client masked it) the host's
// inject answers -EPERM, recorded as the injection's argument.
TEST(FailPaths, OtherEventOnMaskedPeIsRefusedWithEperm)
{
	std::string t = trace_run("--set faults.cpu_offline_at=100ms --set faults.cpu_offline_vcpu=1"
				  " --set faults.cpu_offline_len=50ms --set faults.sdei_other_at=120ms"
				  " --set faults.sdei_other_vcpu=1");
	EXPECT_NE(at(t, "apfsim_inject: kind=12 arg=0xffffffffffffffff"), std::string::npos)
		<< "expected kvm_sdei_inject = -EPERM (-1)";
	EXPECT_EQ(at(t, "apfsim_sdei_dispatch: event=0x40400002"), std::string::npos);
}

// faults.sdei_refuse answers as KVM does for a disabled event / masked PE.
TEST(FailPaths, SdeiRefuseAnswersEperm)
{
	std::string t = trace_run("--set faults.sdei_refuse=1");
	EXPECT_NE(at(t, "apfsim_sdei_inject: event=0x40400001 result=-1\n"), std::string::npos);
	EXPECT_EQ(at(t, "result=-16"), std::string::npos);
}

// guest.resched_ipi_delay: the handler's self-IPI is held back (kind 13),
// the task returns to user mode and faults on the same page again (the
// repeated-fault spin of §4.8) before the IPI is taken.  Without the delay,
// the completion of the handler is followed by the park, not by a fault.
TEST(FailPaths, DelayedSelfIpiLetsTheTaskFaultAgain)
{
	std::string t = trace_run("--set guest.resched_ipi_delay=20us");
	size_t held = at(t, "apfsim_inject: kind=13 arg=0x1312d00");	// 20 us in ps
	ASSERT_NE(held, std::string::npos);
	size_t done = at(t, "apfsim_sdei_complete: event=0x40400001", held);
	size_t rep = at(t, "kvm_async_pf_repeated_fault", held);
	size_t park = at(t, "apfsim_task_park", held);
	ASSERT_NE(rep, std::string::npos);
	ASSERT_NE(park, std::string::npos);
	EXPECT_LT(done, rep);
	EXPECT_LT(rep, park) << "the task faults again while the IPI is pending";

	std::string t0 = trace_run("");
	size_t c0 = at(t0, "apfsim_sdei_complete: event=0x40400001");
	ASSERT_NE(c0, std::string::npos);
	EXPECT_EQ(at(t0, "kind=13"), std::string::npos);
	EXPECT_LT(at(t0, "apfsim_task_park", c0), at(t0, "kvm_async_pf_repeated_fault", c0));
}

// Migration (§2.9): an SDEI instance queued and not yet delivered at the
// switch-over is not migrated.  The other event is signalled during the
// postcopy switch-over's downtime (50 ms to ~50.94 ms, the vCPU paused), so
// it is still queued when the destination takes over: it is dropped there
// (traced as a cancel, after the APF flush) and never dispatched.
TEST(FailPaths, QueuedSdeiEventIsNotMigrated)
{
	std::string f = "/tmp/apfsim_failpaths_mig_" + std::to_string(getpid()) + ".txt";
	int st;
	std::string o = cli("run " + src("workloads/scenarios/migrate-pending.yaml") +
				    " --set run.duration=60ms --set faults.sdei_other_at=50500us --trace-ftrace " + f,
			    &st);
	std::string t = slurp(f);
	std::remove(f.c_str());
	size_t q = at(t, "apfsim_inject: kind=12 arg=0\n");
	size_t flush = at(t, "apfsim_apf_flush:", q);
	size_t drop = at(t, "apfsim_sdei_cancel: event=0x40400002", q);
	ASSERT_NE(q, std::string::npos) << o;
	ASSERT_NE(flush, std::string::npos);
	ASSERT_NE(drop, std::string::npos) << "the queued instance is dropped at the switch-over";
	EXPECT_LT(flush, drop);
	EXPECT_EQ(at(t, "apfsim_sdei_dispatch: event=0x40400002"), std::string::npos);
}

// protocol.token_bits 2: the id wraps after 4 faults, so token 0 (vCPU 0)
// comes back every fourth not-present; 17 is refused (2 to 16, or 32).
TEST(FailPaths, NarrowTokenWrapsWithinTheRun)
{
	std::string out;
	std::string t = trace_run("--set protocol.token_bits=2", &out);
	size_t first = at(t, "apfsim_apf_setup: token=0 ");
	ASSERT_NE(first, std::string::npos);
	size_t second = at(t, "apfsim_apf_setup: token=0 ", first + 1);
	ASSERT_NE(second, std::string::npos) << "token 0 issued again after the wrap";
	EXPECT_NE(at(t.substr(first, second - first), "token=0x3000 "), std::string::npos);
	EXPECT_EQ(at(t.substr(first, second - first), "token=0x4000 "), std::string::npos);
	int st;
	std::string o = cli("run " + src("workloads/scenarios/quickstart.yaml") +
				    " --protocol arm64-v4 --set protocol.token_bits=17", &st);
	EXPECT_EQ(st, 2) << o;
	EXPECT_NE(o.find("token_bits"), std::string::npos) << o;
}

// faults.smm_exit (docs/protocols.md "x86 flush on a paging toggle"):
// quickstart under x86-int-ack, an SMI 5 us after the hog's first park.
// With flush_on_cr0_pg (every preset) the host's CR0.PG path flushes the
// queue twice (RSM: PG off, then on), dropping the parked task's work with
// no notification: its token is never woken, and after the 1 s stuck
// bound the oracle reports stuck_task.  With the 2025 fix there is no
// flush and the same token is woken.  Three runs of ~0.2 s.
TEST(FailPaths, SmmExitRunsTheCr0PgFlushUnlessFixed)
{
	std::string q = src("workloads/scenarios/quickstart.yaml");
	std::string f = "/tmp/apfsim_smm_" + std::to_string(getpid()) + ".txt";
	int st;
	cli("run " + q + " --protocol x86-int-ack --set run.duration=80ms --trace-ftrace " + f, &st);
	std::string t = slurp(f);
	size_t p = t.find("apfsim_task_park: token=");
	ASSERT_NE(p, std::string::npos) << "no async fault in the first 80 ms";
	double park_s = 0;
	unsigned token = 0;
	ASSERT_EQ(std::sscanf(t.c_str() + t.rfind(']', p) + 1, " %lf:", &park_s), 1);
	ASSERT_EQ(std::sscanf(t.c_str() + p, "apfsim_task_park: token=%x", &token), 1);
	long long smm_us = (long long)(park_s * 1e6 + 0.5) + 5;
	char wake[64], inject[64];
	std::snprintf(wake, sizeof(wake), "apfsim_task_wake: token=%#x", token);
	std::snprintf(inject, sizeof(inject), "apfsim_inject: kind=%d arg=", (int)FAULT_SMM_EXIT);
	for (bool fix : { false, true }) {
		std::string o = cli("run " + q + " --protocol x86-int-ack --set run.duration=1200ms --set faults.smm_exit_at=" +
					    std::to_string(smm_us) + "us --set protocol.flush_on_cr0_pg=" +
					    (fix ? "false" : "true") + " --trace-ftrace " + f,
				    &st);
		t = slurp(f);
		size_t i = t.find(inject);
		ASSERT_NE(i, std::string::npos) << "the SMI was injected";
		// The lines at the SMI's instant ("     0.074411: ").
		size_t b = t.rfind(']', i) + 1;
		std::string ts = t.substr(b, i - b);
		std::string flush1 = ts + "apfsim_apf_flush: dropped=1", flush = ts + "apfsim_apf_flush";
		if (!fix) {
			// Two PG changes, two flushes (the first drops the parked work), then the record.
			EXPECT_NE(t.find(flush1), std::string::npos) << ts;
			EXPECT_NE(t.find(std::string(inject) + "0x1"), std::string::npos);
			EXPECT_EQ(t.find(wake), std::string::npos) << "the flushed work's task was woken";
			EXPECT_EQ(st, 1) << o;
			EXPECT_NE(o.find("stuck_task 1"), std::string::npos) << o;
		} else {
			EXPECT_EQ(t.find(flush), std::string::npos) << ts;
			EXPECT_NE(t.find(std::string(inject) + "0\n"), std::string::npos);
			EXPECT_NE(t.find(wake, i), std::string::npos) << "the parked task is woken";
			EXPECT_EQ(st, 0) << o;
		}
	}
	std::remove(f.c_str());
}

TEST(FailPaths, BadInputNamesTheKeyWithPosition)
{
	std::string f = "/tmp/apfsim_failpaths_bad_" + std::to_string(getpid()) + ".yaml";
	const char *cases[][2] = {
		{ "faults:\n  sdei_other_priority: high\n", "faults.sdei_other_priority" },
		{ "faults:\n  sdei_other_at: 20s\n", "faults.sdei_other_at" },
		{ "faults:\n  sdei_other_at: 1ms\n  sdei_other_vcpu: 7\n", "faults.sdei_other_vcpu" },
		{ "guest:\n  resched_ipi_delay: 2s\n", "guest.resched_ipi_delay" },
		{ "guest:\n  resched_ipi_delay: -1us\n", "guest.resched_ipi_delay" },
	};
	std::string base = slurp(src("workloads/scenarios/quickstart.yaml"));
	for (auto &c : cases) {
		std::ofstream(f) << base << c[0];
		int st;
		std::string o = cli("run " + f + " --protocol arm64-v4", &st);
		EXPECT_EQ(st, 2) << c[0] << o;
		EXPECT_NE(o.find(f + ":"), std::string::npos) << o;
		EXPECT_NE(o.find(c[1]), std::string::npos) << o;
		// FILE:LINE:COL
		size_t p = o.find(f + ":");
		if (p != std::string::npos) {
			int line = 0, col = 0;
			EXPECT_EQ(std::sscanf(o.c_str() + p + f.size(), ":%d:%d:", &line, &col), 2) << o;
			EXPECT_GT(line, 0);
			EXPECT_GT(col, 0);
		}
	}
	std::remove(f.c_str());
}

// A migration instant drawn from the seed (faults.migrate_random) landing
// in a not-present delivery on migrate-pending.yaml (eight readers fault at
// once; 150 us, a 1 KiB device state so the switch-over falls inside the
// run).  Seeds found by scanning 1..250 (docs/explore.md): seed 7 draws
// 43 us, after the APF event's kvm_sdei_inject and before the guest's
// SDEI entry; seed 3 draws 144 us, after the last SDEI COMPLETE.  Inside
// the handler: tests/migrate_in_handler_test.cc.
std::string migrate_trace(int seed)
{
	std::string f = "/tmp/apfsim_migphase_" + std::to_string(getpid()) + ".txt";
	int st;
	cli("run " + src("workloads/scenarios/migrate-pending.yaml") + " --seed " + std::to_string(seed) +
		    " --set faults.migrate_random=true --set run.duration=150us --set migration.device_state=1KiB"
		    " --set migration.rtt=1us --trace-ftrace " + f,
	    &st);
	std::string t = slurp(f);
	std::remove(f.c_str());
	return t;
}

TEST(FailPaths, DrawnMigrationBetweenSdeiInjectAndEntryLosesTheNotPresent)
{
	std::string t = migrate_trace(7);
	std::string mig = "apfsim_inject: kind=" + std::to_string((int)FAULT_MIGRATE_START);
	size_t m = t.find(mig);
	ASSERT_NE(m, std::string::npos);
	EXPECT_EQ(last_sdei(t, m), "inject") << "the drawn instant is between inject and entry";
	EXPECT_EQ(t.rfind("apfsim_sdei_inject: event=0x40400001 result=0", m) , t.rfind("apfsim_sdei_inject:", m));
	// The queued not-present does not reach the destination: no SDEI entry
	// follows, the buffer (guest RAM) still holds reason 1, so the next
	// fault is synchronous with the buffer busy.
	EXPECT_EQ(t.find("apfsim_sdei_dispatch:", m), std::string::npos);
	size_t sw = t.find("migration: switch-over", m);
	ASSERT_NE(sw, std::string::npos);
	EXPECT_NE(t.find("apfsim_apf_sync: gfn=", sw), std::string::npos);
	EXPECT_NE(t.find("reason=buffer_busy", sw), std::string::npos);
}

// The oracle names the loss: lost_not_present, one stuck bound after the
// inject, for the event the switch-over dropped (seed 7); no such violation
// when the switch-over falls after COMPLETE (seed 3).
TEST(FailPaths, OracleNamesTheNotPresentLostAtTheSwitchOver)
{
	auto run = [](int seed, const char *start) {
		int st;
		std::string out = cli("run " + src("workloads/scenarios/migrate-pending.yaml") + " --seed " +
					      std::to_string(seed) + " --set migration.start=" + start +
					      " --set run.duration=1500ms --set migration.device_state=1KiB"
					      " --set migration.rtt=1us",
				      &st);
		return std::make_pair(st, out);
	};
	auto lost = run(7, "43us");
	EXPECT_EQ(lost.first, 1) << lost.second;
	EXPECT_NE(lost.second.find("lost_not_present 1"), std::string::npos) << lost.second;
	size_t v = lost.second.find("] lost_not_present at 1000");
	ASSERT_NE(v, std::string::npos) << lost.second;
	EXPECT_NE(lost.second.find("injected at 42.087500 us", v), std::string::npos) << lost.second;
	auto fine = run(3, "144us");
	EXPECT_EQ(fine.first, 0) << fine.second;
	EXPECT_NE(fine.second.find("oracle: 0 violations"), std::string::npos) << fine.second;
}

// A CPU offline is a guest thread: the not-present the host injected just
// before it (SDEI event or x86 async #PF) is taken first, so its task parks
// before the offline path's flush and wake-up, never after CPU_UP on a token
// flushed at CPU_DOWN.  The two chaos draws that found the wrong order.
TEST(FailPaths, HotplugWaitsBehindAnInjectedNotPresent)
{
	const char *runs[] = {
		" --seed 4360082295941529955 --set protocol=x86-int-ack --set protocol.flush_on_cr0_pg=false"
		" --set faults.worker_fail=0.2091 --set faults.memory_spike_at=311519855ns"
		" --set faults.memory_spike=103393KiB --set faults.memory_spike_len=7808us"
		" --set faults.smm_exit_at=332682016ns --set faults.smm_exit_vcpu=0",
		" --seed 12105408859821572018 --set protocol=arm64-v4 --set guest.driver_variant=offline_wake"
		" --set protocol.token_zero_skip=true --set faults.kick_delay=41004ns"
		" --set faults.memory_spike_at=1303388620ns --set faults.memory_spike=201297KiB"
		" --set faults.memory_spike_len=78854us --set faults.apf_toggle_at=275532182ns"
		" --set faults.apf_toggle_vcpu=1 --set faults.apf_toggle_len=193683us",
	};
	for (const char *r : runs) {
		std::string f = "/tmp/apfsim_hp_order_" + std::to_string(getpid()) + ".txt";
		int st;
		std::string out = cli("run " + src("workloads/scenarios/cpu-offline.yaml") +
				      " --set run.perturb_order=true --set run.duration=2s" + r + " --trace-ftrace " + f, &st);
		EXPECT_EQ(st, 0) << out;
		EXPECT_NE(out.find("oracle: 0 violations"), std::string::npos) << out;
		// Per CPU: line of each token's setup, line of the last APF disable
		// (the offline path's ENABLE(0)); a park after that disable on a
		// token set up before it is the wrong order.
		std::istringstream in(slurp(f));
		std::remove(f.c_str());
		std::map<std::string, std::map<unsigned long, size_t>> setup;
		std::map<std::string, size_t> disable;
		std::string line;
		unsigned disables = 0;
		for (size_t n = 0; std::getline(in, line); n++) {
			size_t c = line.find(" [0");
			if (c == std::string::npos)
				continue;
			std::string cpu = line.substr(c + 1, 5);
			unsigned long tok;
			size_t k;
			if ((k = line.find("apfsim_apf_setup: token=")) != std::string::npos &&
			    std::sscanf(line.c_str() + k, "apfsim_apf_setup: token=%lx", &tok) == 1)
				setup[cpu][tok] = n;
			else if (line.find("apfsim_apf_enable: ctrl=0 ") != std::string::npos)
				disable[cpu] = n, disables++;
			else if ((k = line.find("apfsim_task_park: token=")) != std::string::npos &&
				 std::sscanf(line.c_str() + k, "apfsim_task_park: token=%lx", &tok) == 1 &&
				 disable.count(cpu) && setup[cpu].count(tok)) {
				EXPECT_FALSE(setup[cpu][tok] < disable[cpu])
					<< "line " << n << ": " << line << " parks on a token set up before the disable";
			}
		}
		EXPECT_GT(disables, 0u) << "the scenario's CPU offline happened";
	}
}

TEST(FailPaths, DrawnMigrationAfterSdeiCompleteWakesTheParkedTasks)
{
	std::string t = migrate_trace(3);
	std::string mig = "apfsim_inject: kind=" + std::to_string((int)FAULT_MIGRATE_START);
	size_t m = t.find(mig);
	ASSERT_NE(m, std::string::npos);
	EXPECT_EQ(last_sdei(t, m), "complete") << "the drawn instant is after COMPLETE";
	size_t park = t.rfind("apfsim_task_park: token=", m);
	ASSERT_NE(park, std::string::npos);
	unsigned token = 0;
	ASSERT_EQ(std::sscanf(t.c_str() + park, "apfsim_task_park: token=%x", &token), 1);
	// The destination's SET_CONTROL queues a wake-all; its page-ready wakes
	// the task parked just before the switch-over.
	size_t wa = t.find("apfsim_apf_wake_all:", m);
	ASSERT_NE(wa, std::string::npos);
	char wake[64];
	std::snprintf(wake, sizeof(wake), "apfsim_task_wake: token=%#x", token);
	EXPECT_NE(t.find(wake, wa), std::string::npos) << wake;
}

// Bad input for the smm_exit keys and flush_on_cr0_pg: FILE:LINE:COL,
// exit 2 — out of range under x86, moot under arm64 (no CR0.PG).
TEST(FailPaths, SmmExitBadInputNamesTheKeyWithPosition)
{
	std::string f = "/tmp/apfsim_failpaths_smm_" + std::to_string(getpid()) + ".yaml";
	const char *cases[][3] = {
		{ "faults:\n  smm_exit_at: 20s\n", "faults.smm_exit_at", "x86-int-ack" },
		{ "faults:\n  smm_exit_at: 1ms\n  smm_exit_vcpu: 7\n", "faults.smm_exit_vcpu", "x86-int-ack" },
		{ "faults:\n  smm_exit_random: true\n", "faults.smm_exit_random", "arm64-v4" },
	};
	std::string base = slurp(src("workloads/scenarios/quickstart.yaml"));
	for (auto &c : cases) {
		std::ofstream(f) << base << c[0];
		int st;
		std::string o = cli("run " + f + " --protocol " + c[2], &st);
		EXPECT_EQ(st, 2) << c[0] << o;
		EXPECT_NE(o.find(c[1]), std::string::npos) << o;
		int line = 0, col = 0;
		size_t p = o.find(f + ":");
		ASSERT_NE(p, std::string::npos) << o;
		EXPECT_EQ(std::sscanf(o.c_str() + p + f.size(), ":%d:%d:", &line, &col), 2) << o;
		EXPECT_GT(line, 0);
		EXPECT_GT(col, 0);
	}
	// The switch inside a protocol mapping, under the arm64 family.
	std::string b2 = base.substr(0, base.find("protocol: sync")) + "protocol: {base: arm64-v4, flush_on_cr0_pg: false}" +
			 base.substr(base.find("protocol: sync") + 14);
	std::ofstream(f) << b2;
	int st;
	std::string o = cli("run " + f, &st);
	EXPECT_EQ(st, 2) << o;
	EXPECT_NE(o.find(f + ":"), std::string::npos) << o;
	EXPECT_NE(o.find("flush_on_cr0_pg"), std::string::npos) << o;
	std::remove(f.c_str());
}

// The chaos draw depends on the seed only, draws several kinds, and its
// instants and vCPUs are within the scenario.
TEST(FailPaths, ChaosDrawIsDeterministicAndInScope)
{
	struct chaos_scope s = { 2 * SIM_S, 2, 256ull << 20, 0, APF_CAP_ASYNC | APF_CAP_GUEST | APF_CAP_SDEI | APF_CAP_ARM64_DRIVER, CHAOS_ALL_KINDS };
	struct chaos_draw a, b;
	unsigned kinds = 0, differ = 0;
	for (uint64_t seed = 1; seed <= 50; seed++) {
		chaos_draw(&s, seed, &a);
		chaos_draw(&s, seed, &b);
		ASSERT_EQ(a.n, b.n);
		for (unsigned k = 0; k < a.n; k++)
			for (unsigned j = 0; j < a.kind[k].n; j++) {
				EXPECT_STREQ(a.kind[k].set[j], b.kind[k].set[j]);
				unsigned long long v;
				if (std::sscanf(a.kind[k].set[j], "faults.%*[a-z_]_at=%lluns", &v) == 1) {
					EXPECT_GE(v, 1u);
					EXPECT_LT(v, 2000000000ull);
				}
				unsigned cpu;
				if (std::sscanf(a.kind[k].set[j], "faults.%*[a-z_]_vcpu=%u", &cpu) == 1) {
					EXPECT_LT(cpu, 2u);
				}
				EXPECT_EQ(std::string(a.kind[k].set[j]).find("migrate"), std::string::npos)
					<< "no migration section: never drawn";
			}
		kinds += a.n;
		chaos_draw(&s, seed + 1000, &b);
		char fa[2048], fb[2048];
		chaos_format(&a, UINT32_MAX, fa, sizeof(fa));
		chaos_format(&b, UINT32_MAX, fb, sizeof(fb));
		differ += strcmp(fa, fb) != 0;
	}
	EXPECT_GT(kinds, 50u * 3);	// about half of the 8 applicable kinds per run
	EXPECT_GT(differ, 45u);
}

// Chaos draws only the kinds the protocol's family serves (a moot key is
// refused as bad input): smm_exit under x86 and never under arm64; the
// SDEI kinds under arm64 and never under x86.
TEST(FailPaths, ChaosDrawsTheKindsTheFamilyServes)
{
	struct chaos_scope arm = { 2 * SIM_S, 2, 256ull << 20, 0, APF_CAP_ASYNC | APF_CAP_GUEST | APF_CAP_SDEI | APF_CAP_ARM64_DRIVER, CHAOS_ALL_KINDS };
	struct chaos_scope x86 = { 2 * SIM_S, 2, 256ull << 20, 0, APF_CAP_ASYNC | APF_CAP_GUEST | APF_CAP_X86, CHAOS_ALL_KINDS };
	unsigned smm_x86 = 0, smm_arm = 0, sdei_x86 = 0, sdei_arm = 0;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		struct chaos_draw d;
		chaos_draw(&arm, seed, &d);
		for (unsigned k = 0; k < d.n; k++) {
			smm_arm += !strcmp(d.kind[k].name, "smm_exit");
			sdei_arm += !strncmp(d.kind[k].name, "sdei_", 5);
		}
		chaos_draw(&x86, seed, &d);
		for (unsigned k = 0; k < d.n; k++) {
			smm_x86 += !strcmp(d.kind[k].name, "smm_exit");
			sdei_x86 += !strncmp(d.kind[k].name, "sdei_", 5);
		}
	}
	EXPECT_GT(smm_x86, 10u);
	EXPECT_EQ(smm_arm, 0u);
	EXPECT_GT(sdei_arm, 20u);
	EXPECT_EQ(sdei_x86, 0u);
}

// --chaos-kinds: a kind left out is never drawn and every other kind's
// overrides stay exactly those of the full draw (the left-out kind still
// consumes its draws); bad lists are refused with the list of names.
TEST(FailPaths, ChaosKindsLeaveOutOneKindAndKeepTheOthersDraws)
{
	struct chaos_scope all = { 2 * SIM_S, 2, 256ull << 20, 0, APF_CAP_ASYNC | APF_CAP_GUEST | APF_CAP_SDEI | APF_CAP_ARM64_DRIVER, CHAOS_ALL_KINDS };
	struct chaos_scope some = all;
	char err[256];
	ASSERT_EQ(chaos_kinds_parse("-host_flush,-sdei_refuse", &some.kinds, err, sizeof(err)), 0) << err;
	unsigned flushes = 0;
	for (uint64_t seed = 1; seed <= 60; seed++) {
		struct chaos_draw a, b;
		chaos_draw(&all, seed, &a);
		chaos_draw(&some, seed, &b);
		unsigned j = 0;
		for (unsigned k = 0; k < a.n; k++) {
			std::string name = a.kind[k].name;
			if (name == "host_flush" || name == "sdei_refuse") {
				flushes += name == "host_flush";
				continue;
			}
			ASSERT_LT(j, b.n);
			EXPECT_STREQ(b.kind[j].name, a.kind[k].name);
			ASSERT_EQ(b.kind[j].n, a.kind[k].n);
			for (unsigned i = 0; i < a.kind[k].n; i++)
				EXPECT_STREQ(b.kind[j].set[i], a.kind[k].set[i]);
			j++;
		}
		EXPECT_EQ(j, b.n) << "seed " << seed;
	}
	EXPECT_GT(flushes, 10u);	// the full draw does draw the left-out kind

	uint32_t m = 0;
	EXPECT_EQ(chaos_kinds_parse("host_flush,smm_exit", &m, err, sizeof(err)), 0);
	EXPECT_EQ(m, (1u << 3) | (1u << 9));
	EXPECT_EQ(chaos_kinds_parse("all", &m, err, sizeof(err)), 0);
	EXPECT_EQ(m, (uint32_t)CHAOS_ALL_KINDS);
	EXPECT_EQ(chaos_kinds_parse("host_flush,bogus", &m, err, sizeof(err)), -1);
	EXPECT_NE(std::string(err).find("'bogus'"), std::string::npos) << err;
	EXPECT_NE(std::string(err).find("smm_exit"), std::string::npos) << err;
	EXPECT_EQ(chaos_kinds_parse("-host_flush,-sdei_refuse,-worker_fail,-kick_delay,-memory_spike,-migrate,"
				    "-cpu_offline,-apf_toggle,-sdei_other,-smm_exit", &m, err, sizeof(err)), -1);
	EXPECT_NE(std::string(err).find("no kind"), std::string::npos) << err;

	int st;
	std::string out = cli("explore " + src("workloads/scenarios/quickstart.yaml") +
			      " --runs 2 --chaos-kinds host_flush,nope", &st);
	EXPECT_EQ(st, 2) << out;
	EXPECT_NE(out.find("--chaos-kinds: unknown kind 'nope'"), std::string::npos) << out;
}

// `explore --chaos`: each group's replay line carries the run's drawn
// injections; the shrunk reproducer keeps fewer of them; the JSON report
// is the same for one or two jobs.
TEST(FailPaths, ExploreChaosPrintsAndShrinksTheDraw)
{
	std::string j1 = "/tmp/apfsim_chaos1_" + std::to_string(getpid()) + ".json";
	std::string j2 = "/tmp/apfsim_chaos2_" + std::to_string(getpid()) + ".json";
	std::string args = "explore " + src("workloads/scenarios/quickstart.yaml") +
			   " --protocol arm64-v4 --chaos --runs 3 --set run.duration=600ms";
	int st;
	std::string out = cli(args + " --jobs 1 --json " + j1, &st);
	EXPECT_EQ(st, 1) << out;	// the faithful v4 fails under these injections
	size_t r = out.find("replay:  ");
	ASSERT_NE(r, std::string::npos) << out;
	std::string replay = out.substr(r, out.find('\n', r) - r);
	EXPECT_NE(replay.find("--set 'faults."), std::string::npos) << replay;
	size_t s = out.find("shrunk (", r);
	ASSERT_NE(s, std::string::npos);
	std::string shrunk = out.substr(s, out.find('\n', s) - s);
	auto count = [](const std::string &x) {
		size_t n = 0;
		for (size_t p = x.find("faults."); p != std::string::npos; p = x.find("faults.", p + 1))
			n++;
		return n;
	};
	EXPECT_LT(count(shrunk), count(replay)) << replay << "\n" << shrunk;
	cli(args + " --jobs 2 --no-shrink --json " + j2, &st);
	std::string a = slurp(j1), b = slurp(j2);
	// Same runs, same groups and replay lines (shrinking differs: off in the second).
	EXPECT_EQ(a.substr(0, a.find("\"shrunk\"")), b.substr(0, b.find("\"shrunk\"")));
	std::remove(j1.c_str());
	std::remove(j2.c_str());
}

}  // namespace
