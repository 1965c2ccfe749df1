// The x86 protocol family (docs/reference.md §3.3–§3.5, §3.7) on a booted machine
// whose guest runs the x86-semantics driver, and the protocol switches.
#include <gtest/gtest.h>

#include <string>

#include <jansson.h>

extern "C" {
#include "model/apf/core.h"
#include "model/apf/switches.h"
#include "model/config/config.h"
#include "model/vm/machine.h"
#include "model/check/oracle.h"
#include "model/vm/platform.h"
#include "model/apf/protocol.h"
#include "model/apf/proto/x86.h"
#include "model/vm/machine_report.h"
#include "model/host/workers.h"
}

namespace {

struct X86Run {
	struct apf_config cfg;
	struct machine m;
	struct oracle *orc = nullptr;
	bool ok = false;

	explicit X86Run(const std::string &yaml, const char *set = nullptr)
	{
		struct cfg_error err;
		EXPECT_EQ(config_load_string(&cfg, yaml.c_str(), "t.yaml", &err), 0) << err.msg;
		if (set) {
			EXPECT_EQ(config_set(&cfg, set, &err), 0) << err.msg;
		}
		ok = machine_init(&m, &cfg) == 0;
		EXPECT_TRUE(ok) << m.err;
		if (!ok)
			return;
		struct oracle_cfg oc = {};
		oc.nvcpus = m.nvcpus;
		oc.ntasks = m.sched.ntasks;
		oc.stuck_bound_ps = cfg.apf.stuck_bound;
		oc.checks = ORACLE_CHECK_ALL & ~(ORACLE_CHECK(ORACLE_BUFFER_OVERWRITE) |
						 ORACLE_CHECK(ORACLE_PPI_PENDING_MISMATCH));
		orc = oracle_create(&oc);
		trace_add_sink(&m.tracer, &oracle_sink_ops, orc);
		machine_run_until(&m, SIM_TIME_MAX);
		machine_finish(&m);
		trace_finish(&m.tracer, m.end_ps);
	}
	~X86Run()
	{
		if (orc)
			oracle_destroy(orc);
		machine_fini(&m);
		config_free(&cfg);
	}
	json_t *apf() { return m.proto->report_json(&m.proto_env); }
	long long stat(json_t *o, const char *k) { return (long long)json_integer_value(json_object_get(o, k)); }
};

const char *kSlow = R"(
protocol: x86-int-ack
seed: 2
vm: {vcpus: 1, memory: 256MiB, kernel_reserved: 32MiB}
host:
  initial_state: swapped
  swap: {read_latency: {dist: uniform, min: 50us, max: 150us}}
tasks:
  - {name: r, workload: random, count: 4, region: 16MiB, distribution: uniform, write_ratio: 0%, cycles: 20000}
  - {name: c, workload: compute, iteration: 100000}
run: {duration: 100ms, until_done: false}
)";

TEST(X86Protocol, IntAckDeliversEveryPageReadyAndAcknowledgesIt)
{
	X86Run r(kSlow);
	ASSERT_TRUE(r.ok);
	json_t *a = r.apf();
	EXPECT_GT(r.stat(a, "async"), 100);
	EXPECT_EQ(r.stat(a, "notpresent_injected"), r.stat(a, "async"));
	// One page-ready per async fault plus the wake-all of the MSR enable;
	// every one acknowledged through MSR_KVM_ASYNC_PF_ACK.
	long long pr = r.stat(a, "pageready_delivered");
	EXPECT_GE(pr, r.stat(a, "async") - 8); // a few may still be in flight at the end
	EXPECT_EQ(r.stat(a, "acks_with_pageready"), pr);
	EXPECT_EQ(r.stat(a, "wake_alls"), 1);
	EXPECT_EQ(r.stat(a, "msr_gp"), 0);
	EXPECT_EQ(oracle_violations(r.orc), 0u);
	json_decref(a);
}

TEST(X86Protocol, TokensSkipZeroUnlessTheSwitchIsOff)
{
	X86Run on(kSlow), off(kSlow, "protocol.token_zero_skip=false");
	ASSERT_TRUE(on.ok && off.ok);
	json_t *a = on.apf(), *b = off.apf();
	EXPECT_EQ(json_integer_value(json_object_get(json_object_get(a, "tokens"), "zero")), 0);
	// The first fault on vCPU 0 gets token (0 << 12) | 0 without the skip.
	EXPECT_EQ(json_integer_value(json_object_get(json_object_get(b, "tokens"), "zero")), 1);
	json_decref(a);
	json_decref(b);
}

TEST(X86Protocol, KernelModeFaultsHaltInsteadOfGoingSynchronous)
{
	// x86 cannot deliver a not-present at CPL0 without SEND_ALWAYS: the work
	// is still set up, the vCPU halts until the page is ready, and no
	// page-ready is sent for it (§3.5 steps 5, 6, 11).  tests/x86_halt_test.cc
	// has the halt itself.
	X86Run r(R"(
protocol: x86-int-ack
vm: {vcpus: 1, memory: 256MiB, kernel_reserved: 32MiB}
host: {initial_state: swapped}
tasks:
  - {name: sys, workload: syscall, buffer: 8MiB, touches: 4, user_cycles: 1000, iterations: 100}
run: {duration: 1s, until_done: true}
)");
	ASSERT_TRUE(r.ok);
	json_t *a = r.apf();
	EXPECT_GT(r.stat(a, "notpresent_halted"), 0);
	EXPECT_EQ(r.stat(a, "notpresent_injected"), 0);
	// A halt per not-present, and one per repeated fault: the timer tick
	// ends a halt before its page is in, the retry finds the gfn still in
	// the slot table (step 1) and halts again.
	EXPECT_EQ(r.stat(a, "halts"), r.stat(a, "notpresent_halted") + r.stat(a, "repeated_faults"));
	EXPECT_EQ(r.stat(a, "pageready_skipped"), r.stat(a, "notpresent_halted"));
	EXPECT_EQ(r.m.sched.tasks[0].state, TASK_EXITED);
	json_decref(a);
}

TEST(X86Protocol, LegacyDeliversBothNotificationsAsExceptionsWithoutAck)
{
	X86Run r(kSlow, "protocol=x86-legacy");
	ASSERT_TRUE(r.ok);
	json_t *a = r.apf();
	EXPECT_GT(r.stat(a, "async"), 20);
	EXPECT_EQ(r.stat(a, "acks"), 0);
	EXPECT_GT(r.stat(a, "pageready_delivered"), 20);
	// Both notifications are exceptions injected into the guest.
	EXPECT_GE(r.m.vcpus[0].exceptions,
		  (uint64_t)(r.stat(a, "notpresent_injected") + r.stat(a, "pageready_delivered") - 1));
	// No ACK: a completion that cannot go out in the current pass (one
	// exception at a time) waits on `done` for the next exit, here the
	// timer tick (§3.7: "back-to-back completions waited for the next exit").
	long long p99 = json_integer_value(json_object_get(json_object_get(a, "completion_to_pageready_ps"), "p99"));
	EXPECT_GT(p99, 1000000000LL);
	EXPECT_EQ(oracle_violations(r.orc), 0u);
	json_decref(a);
}

TEST(X86Protocol, NoAckDelaysTheSecondPageReadyOfABurstUntilAnExit)
{
	std::string y = std::string(APFSIM_SOURCE_DIR) + "/workloads/scenarios/ack-race.yaml";
	struct apf_config c;
	struct cfg_error err;
	ASSERT_EQ(config_load_file(&c, y.c_str(), &err), 0) << err.msg;
	config_free(&c);
	// Asserted from the statistics: the completion -> page-ready latency.
	auto p99 = [&](const char *proto) {
		std::string yaml;
		FILE *f = fopen(y.c_str(), "r");
		char buf[4096];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			yaml.append(buf, n);
		fclose(f);
		std::string set = std::string("protocol=") + proto;
		X86Run r(yaml, set.c_str());
		json_t *a = r.apf();
		long long v = json_integer_value(json_object_get(json_object_get(a, "completion_to_pageready_ps"), "p99"));
		json_decref(a);
		return v;
	};
	long long noack = p99("x86-int-noack"), ack = p99("x86-int-ack"), arm = p99("arm64-v4");
	EXPECT_GT(noack, 1000000000LL) << "no ACK: the next exit is milliseconds away";
	EXPECT_LT(ack, 100000000LL) << "with the ACK: delivered at the acknowledgement";
	EXPECT_LT(arm, 100000000LL);
}

TEST(Switches, PresetsValidateAndBadCombinationsAreRejectedWithAReason)
{
	char why[512];
	for (const struct apf_preset *p = apf_presets; p->name; p++)
		EXPECT_EQ(apf_switches_validate(&p->sw, why, sizeof(why)), 0) << p->name << ": " << why;
	struct apf_switches sw = apf_preset_find("arm64-v4")->sw;
	sw.ack = APF_ACK_MSR;
	EXPECT_EQ(apf_switches_validate(&sw, why, sizeof(why)), -1);
	EXPECT_NE(std::string(why).find("IRQ_ACK"), std::string::npos) << why;
	sw = apf_preset_find("x86-int-ack")->sw;
	sw.cancellation = true;
	EXPECT_EQ(apf_switches_validate(&sw, why, sizeof(why)), -1);
	sw = apf_preset_find("x86-int-ack")->sw;
	sw.ack = APF_ACK_NONE; // without recheck_every_entry a second completion would hang
	EXPECT_EQ(apf_switches_validate(&sw, why, sizeof(why)), -1);
	EXPECT_NE(std::string(why).find("recheck_every_entry"), std::string::npos) << why;
}

TEST(Switches, ScenarioOverridesAreParsedAndCheckedWithPositions)
{
	struct apf_config c;
	struct cfg_error err;
	ASSERT_EQ(config_load_string(&c, "protocol: {base: arm64-v4, token_zero_skip: true, cancellation: false}\n"
					 "tasks:\n  - {name: a, workload: compute}\n", "s.yaml", &err), 0)
		<< err.msg;
	EXPECT_STREQ(c.protocol, "arm64-v4");
	EXPECT_TRUE(c.sw.token_zero_skip);
	EXPECT_FALSE(c.sw.cancellation);
	EXPECT_EQ(c.sw.notpresent, (uint32_t)APF_NP_SDEI);
	config_free(&c);
	EXPECT_EQ(config_load_string(&c, "protocol: {base: x86-int-ack, cancelation: true}\n"
					 "tasks:\n  - {name: a, workload: compute}\n", "s.yaml", &err), -1);
	EXPECT_EQ(err.line, 1u);
	EXPECT_NE(std::string(err.msg).find("did you mean \"cancellation\""), std::string::npos) << err.msg;
	EXPECT_EQ(config_load_string(&c, "protocol: {base: sync, ack: none}\n"
					 "tasks:\n  - {name: a, workload: compute}\n", "s.yaml", &err), -1);
	EXPECT_NE(std::string(err.msg).find("no switches"), std::string::npos) << err.msg;
	// SEND_ALWAYS: the x86 guest driver cannot take a kernel-mode async
	// #PF (Linux 5.8+ panics); the arm64 family takes it (issue 15 item 4,
	// docs/protocols.md "Kernel-mode faults").
	EXPECT_EQ(config_load_string(&c, "protocol: {base: x86-int-ack, send_always: true}\n"
					 "tasks:\n  - {name: a, workload: compute}\n", "s.yaml", &err), -1);
	EXPECT_NE(std::string(err.msg).find("cannot honour"), std::string::npos) << err.msg;
	ASSERT_EQ(config_load_string(&c, "protocol: {base: arm64-v4, send_always: true}\n"
					 "tasks:\n  - {name: a, workload: compute}\n", "s.yaml", &err), 0) << err.msg;
	EXPECT_TRUE(c.sw.send_always);
	config_free(&c);
}

} // namespace

namespace {

// Hand-worked sequences on the x86 host rules (§3.5): a booted machine, the
// works set up and completed by hand, the protocol's entry driving
// kvm_check_async_pf_completion.
struct X86Host {
	struct apf_config cfg;
	struct machine m;
	bool ok = false;

	explicit X86Host(const char *protocol)
	{
		struct cfg_error err;
		std::string y = std::string("protocol: ") + protocol + R"(
vm: {vcpus: 1, memory: 256MiB, kernel_reserved: 32MiB}
tasks:
  - {name: c, workload: compute, iteration: 1000, iterations: 10}
run: {duration: 10ms, until_done: true}
)";
		EXPECT_EQ(config_load_string(&cfg, y.c_str(), "t.yaml", &err), 0) << err.msg;
		ok = machine_init(&m, &cfg) == 0;
		EXPECT_TRUE(ok) << m.err;
		machine_run_until(&m, SIM_TIME_MAX); // boots: the guest enables APF by MSR
		machine_finish(&m);
	}
	~X86Host()
	{
		machine_fini(&m);
		config_free(&cfg);
	}
	struct apf_host *apf() { return static_cast<struct apf_host *>(m.proto_env.state); }
	struct x86_apf_vcpu *tv(uint32_t i) { return x86_apf_vcpu(apf(), i); }
	uint32_t *buf()
	{
		return static_cast<uint32_t *>(platform_guest_ptr(m.plat, tv(0)->msr_en & ~0x3FULL, 8));
	}
	// Set up a work whose not-present is injected and consumed by the guest,
	// then complete it (the worker's job withdrawn: done by hand).
	struct apf_work *fault_and_complete(uint64_t gfn)
	{
		struct apf_host_vcpu *hv = &apf()->hv[0];
		uint32_t token = apf_token_alloc(&hv->tok, 0);
		struct apf_work *w = nullptr;
		tv(0)->exc_pending = false;
		EXPECT_TRUE(apf_setup(&hv->core, token, gfn, gfn << 12, 0, m.sim.now, &w));
		EXPECT_TRUE(w->notpresent_injected);
		EXPECT_TRUE(tv(0)->exc_pending) << "async #PF queued for injection";
		tv(0)->exc_pending = false; // the guest took it ...
		buf()[0] = 0;			 // ... and read-and-cleared `flags`
		return w;
	}
	void complete(struct apf_work *w)
	{
		workers_cancel(&m.workers, w);
		EXPECT_TRUE(apf_work_completed(&apf()->hv[0].core, w));
	}
};

TEST(X86HostRules, ZeroTokenPageReadyIsOverwrittenInTheSamePass)
{
	X86Host h("{base: x86-int-ack, token_zero_skip: false}");
	ASSERT_TRUE(h.ok);
	struct x86_apf_vcpu *av = h.tv(0);
	struct apf_host_vcpu *hv = &h.apf()->hv[0];
	ASSERT_TRUE(av->msr_en & 1) << "the guest enabled APF";
	ASSERT_EQ(hv->tok.id, 0u);
	struct apf_work *w0 = h.fault_and_complete(0x40000 + 100);
	struct apf_work *w1 = h.fault_and_complete(0x40000 + 101);
	EXPECT_EQ(w0->token, 0u) << "vCPU 0's first token, no zero skip";
	EXPECT_EQ(w1->token, 0x1000u);
	h.complete(w0);
	h.complete(w1);
	uint64_t pr = h.apf()->st.pageready;
	h.m.proto->entry(&h.m.proto_env, 0);
	// token 0 looks like "slot free" to can_dequeue: both went out in one
	// pass and the second overwrote the first (§3.3, §4.5).
	EXPECT_EQ(h.apf()->st.pageready - pr, 2u);
	EXPECT_EQ(apf_done_len(&hv->core), 0u);
	EXPECT_EQ(h.buf()[1], 0x1000u) << "token 0's page-ready is gone";
}

TEST(X86HostRules, NonZeroTokenHoldsTheSlotUntilTheAck)
{
	X86Host h("x86-int-ack");
	ASSERT_TRUE(h.ok);
	struct x86_apf_vcpu *av = h.tv(0);
	struct apf_host_vcpu *hv = &h.apf()->hv[0];
	struct apf_work *w0 = h.fault_and_complete(0x40000 + 100);
	struct apf_work *w1 = h.fault_and_complete(0x40000 + 101);
	uint32_t t0 = w0->token, t1 = w1->token;
	EXPECT_NE(t0, 0u) << "zero skip";
	h.complete(w0);
	h.complete(w1);
	h.m.proto->entry(&h.m.proto_env, 0);
	EXPECT_EQ(h.buf()[1], t0);
	EXPECT_TRUE(hv->pageready_pending);
	EXPECT_EQ(apf_done_len(&hv->core), 1u) << "the slot is busy: the second waits, no re-request";
	EXPECT_FALSE(hv->req_ready);
	// The guest's handler clears `token`, then writes the ACK MSR: the host
	// clears pageready_pending and delivers the next one at once (§3.5 12).
	h.buf()[1] = 0;
	EXPECT_EQ(x86_apf_msr_write(h.apf(), 0, 0x4b564d07, 1), 0);
	EXPECT_EQ(h.buf()[1], t1);
	EXPECT_EQ(apf_done_len(&hv->core), 0u);
	// Reserved EN bits give #GP; so does the ACK MSR when the preset has no ACK.
	EXPECT_EQ(x86_apf_msr_write(h.apf(), 0, 0x4b564d02, av->msr_en | (1u << 4)), -1);
}

TEST(X86HostRules, LegacyDeliversOneExceptionAtATime)
{
	X86Host h("x86-legacy");
	ASSERT_TRUE(h.ok);
	struct x86_apf_vcpu *av = h.tv(0);
	struct apf_host_vcpu *hv = &h.apf()->hv[0];
	ASSERT_TRUE(av->msr_en & 1);
	EXPECT_FALSE(av->msr_en & (1u << 3)) << "legacy guests do not ask for DELIVERY_AS_INT";
	struct apf_work *w0 = h.fault_and_complete(0x40000 + 100);
	struct apf_work *w1 = h.fault_and_complete(0x40000 + 101);
	h.complete(w0);
	h.complete(w1);
	h.m.proto->entry(&h.m.proto_env, 0);
	EXPECT_TRUE(h.tv(0)->exc_pending) << "page-ready as #PF with reason 2";
	EXPECT_EQ(h.buf()[0], 2u);
	EXPECT_EQ(h.tv(0)->exc_far, w0->token);
	EXPECT_EQ(apf_done_len(&hv->core), 1u) << "one exception at a time";
	// The guest takes it; the next entry re-checks (no ACK) and sends the next.
	h.tv(0)->exc_pending = false;
	h.buf()[0] = 0;
	h.m.proto->entry(&h.m.proto_env, 0);
	EXPECT_EQ(h.tv(0)->exc_far, w1->token);
	EXPECT_EQ(apf_done_len(&hv->core), 0u);
}

} // namespace
