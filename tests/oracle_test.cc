// oracle_test.cc — the invariant oracle (model/check/oracle.c, docs/oracle.md):
// a clean arm64 APF round trip (docs/reference.md §2.7/§2.8) passes, and each
// invariant fires on a minimal broken sequence.  Events are fed straight to
// the sink ops, as the tracer would.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" {
#include <jansson.h>

#include "model/check/oracle.h"
#include "model/trace/trace.h"
}

namespace {

constexpr uint32_t kPpi = 20;
constexpr uint64_t kApfEvent = 0x40400001;	// critical (§2.2)
constexpr uint64_t kNormalEvent = 0x40400000;	// KVM_SDEI_DEFAULT_NUM, normal here
constexpr uint64_t kWakeAll = 0xFFFFFFFF;
constexpr sim_time_t kBound = SIM_MS;

struct OracleRun {
	struct oracle *o;
	explicit OracleRun(uint32_t checks = 0)
	{
		struct oracle_cfg cfg = {};
		cfg.nvcpus = 2;
		cfg.ntasks = 4;
		cfg.stuck_bound_ps = kBound;
		cfg.ppi_intid = kPpi;
		cfg.checks = checks;
		o = oracle_create(&cfg);
	}
	~OracleRun() { oracle_destroy(o); }

	void ev(sim_time_t t, uint32_t vcpu, uint32_t task, trace_kind k, uint64_t a = 0,
		uint64_t b = 0, uint64_t c = 0)
	{
		struct trace_event e = { t, vcpu, task, 0, k, a, b, c, nullptr };
		oracle_sink_ops.event(o, &e);
	}
	void finish(sim_time_t end) { EXPECT_EQ(oracle_sink_ops.finish(o, end), 0); }
	unsigned n(oracle_invariant k) { return oracle_violations_of(o, k); }
	std::string report()
	{
		char *buf = nullptr;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		oracle_report(o, f);
		fclose(f);
		std::string s(buf, len);
		free(buf);
		return s;
	}

	// Host side of a fault: setup, not-present written, SDEI queued (§2.7(d)).
	void fault(sim_time_t t, uint32_t v, uint64_t tok, uint64_t gfn, uint64_t outstanding,
		   uint64_t prev = 0)
	{
		ev(t, v, TRACE_NO_TASK, TR_APF_SETUP, tok, gfn, outstanding);
		ev(t, v, TRACE_NO_TASK, TR_BUF_WRITE, 1, tok, prev);
		ev(t, v, TRACE_NO_TASK, TR_SDEI_INJECT, kApfEvent, 0);
	}
	// Guest SDEI handler: dispatch, clear buffer, complete; the task parks.
	void sdei_park(sim_time_t t, uint32_t v, uint32_t task, uint64_t tok, bool park = true)
	{
		ev(t, v, task, TR_SDEI_DISPATCH, kApfEvent, 0x400000, 0x0);
		ev(t + 50 * SIM_NS, v, task, TR_SDEI_COMPLETE, kApfEvent, 0);
		if (park)
			ev(t + 100 * SIM_NS, v, task, TR_TASK_PARK, tok);
	}
	void completed(sim_time_t t, uint64_t gfn)
	{
		ev(t, TRACE_NO_VCPU, TRACE_NO_TASK, TR_KVM_COMPLETED, 0x7f0000000000 + (gfn << 12),
		   gfn << 12);
	}
	// Host page-ready (§2.7(i)): buffer, pending, PPI high, retire.
	void page_ready(sim_time_t t, uint32_t v, uint64_t tok, uint64_t gfn, uint64_t left)
	{
		ev(t, v, TRACE_NO_TASK, TR_KVM_READY, tok, gfn << 12);
		ev(t, v, TRACE_NO_TASK, TR_BUF_WRITE, 2, tok, 0);
		ev(t, v, TRACE_NO_TASK, TR_PPI_LEVEL, kPpi, 1);
		ev(t, v, TRACE_NO_TASK, TR_APF_RETIRED, tok, gfn, left);
	}
	// Guest PPI handler: IRQ taken, wake, IRQ_ACK (host lowers the line).
	void irq_wake(sim_time_t t, uint32_t v, uint32_t task, uint64_t tok, bool ack = true)
	{
		ev(t, v, TRACE_NO_TASK, TR_IRQ_TAKEN, kPpi);
		ev(t + 50 * SIM_NS, v, task, TR_TASK_WAKE, tok);
		if (ack) {
			ev(t + 100 * SIM_NS, v, TRACE_NO_TASK, TR_IRQ_ACK, 1);
			ev(t + 100 * SIM_NS, v, TRACE_NO_TASK, TR_PPI_LEVEL, kPpi, 0);
		}
	}
	// One complete clean round trip of token tok for task on vCPU v.
	void clean(sim_time_t t, uint32_t v, uint32_t task, uint64_t tok, uint64_t gfn)
	{
		fault(t, v, tok, gfn, 1);
		sdei_park(t + 100 * SIM_NS, v, task, tok);
		completed(t + 10 * SIM_US, gfn);
		page_ready(t + 11 * SIM_US, v, tok, gfn, 0);
		irq_wake(t + 12 * SIM_US, v, task, tok);
	}
};

// Exactly one violation, of the given kind.
void expect_only(OracleRun &r, oracle_invariant k, unsigned count = 1)
{
	EXPECT_EQ(r.n(k), count) << r.report();
	EXPECT_EQ(oracle_violations(r.o), count) << r.report();
}

TEST(Oracle, CleanArm64RoundTripHasNoViolation)
{
	OracleRun r;
	r.clean(1 * SIM_US, 0, 1, 0x1000, 0x42);
	r.finish(10 * SIM_MS);
	EXPECT_EQ(oracle_violations(r.o), 0u) << r.report();
	const struct oracle_counts *c = oracle_counts(r.o);
	EXPECT_EQ(c->tokens, 1u);
	EXPECT_EQ(c->completions, 1u);
	EXPECT_EQ(c->page_ready, 1u);
	EXPECT_EQ(c->parks, 1u);
	EXPECT_EQ(c->wakes, 1u);
	EXPECT_EQ(c->irq_acks, 1u);
	EXPECT_EQ(c->parked_in_flight_at_end, 0u);
	EXPECT_NE(r.report().find("oracle: 0 violations"), std::string::npos);
}

TEST(Oracle, SetupAfterItsBufferWriteIsAdopted)
{
	// The arch not-present hook runs inside kvm_setup_async_pf (§1.2 step 4):
	// the buffer write may be traced before TR_APF_SETUP.
	OracleRun r;
	r.ev(SIM_US, 0, TRACE_NO_TASK, TR_BUF_WRITE, 1, 0x1000, 0);
	r.ev(SIM_US, 0, TRACE_NO_TASK, TR_APF_SETUP, 0x1000, 0x42, 1);
	r.sdei_park(2 * SIM_US, 0, 1, 0x1000);
	r.completed(10 * SIM_US, 0x42);
	r.page_ready(11 * SIM_US, 0, 0x1000, 0x42, 0);
	r.irq_wake(12 * SIM_US, 0, 1, 0x1000);
	r.finish(10 * SIM_MS);
	EXPECT_EQ(oracle_violations(r.o), 0u) << r.report();
	EXPECT_EQ(oracle_counts(r.o)->token_wraps, 0u);
}

TEST(Oracle, CountsZeroTokensAndWraps)
{
	OracleRun r;
	r.clean(1 * SIM_US, 0, 1, 0x0, 0x42);	// vCPU 0's first token is 0 (§2.5)
	r.clean(100 * SIM_US, 0, 1, 0x0, 0x43);	// after a wrap
	r.clean(200 * SIM_US, 1, 2, 0x1, 0x44);
	r.finish(10 * SIM_MS);
	EXPECT_EQ(oracle_violations(r.o), 0u) << r.report();
	const struct oracle_counts *c = oracle_counts(r.o);
	EXPECT_EQ(c->tokens, 3u);
	EXPECT_EQ(c->zero_tokens, 2u);
	EXPECT_EQ(c->token_wraps, 1u);
}

TEST(Oracle, GuestNeverAcksLosesTheNextPageReadyAndStrandsItsTask)
{
	// Token A is delivered but the guest never issues IRQ_ACK: the line stays
	// high and pageready_pending stays set (consistent), so the host cannot
	// deliver B (task 2 parked) nor C (no task could park).
	OracleRun r;
	r.fault(1 * SIM_US, 0, 0x1000, 0x42, 1);
	r.sdei_park(2 * SIM_US, 0, 1, 0x1000);
	r.fault(3 * SIM_US, 0, 0x2000, 0x43, 2);
	r.sdei_park(4 * SIM_US, 0, 2, 0x2000);
	r.fault(5 * SIM_US, 0, 0x3000, 0x44, 3);
	r.sdei_park(6 * SIM_US, 0, 3, 0x3000, false);
	r.completed(10 * SIM_US, 0x42);
	r.page_ready(11 * SIM_US, 0, 0x1000, 0x42, 2);
	r.irq_wake(12 * SIM_US, 0, 1, 0x1000, false);
	r.completed(20 * SIM_US, 0x43);
	r.completed(21 * SIM_US, 0x44);
	r.finish(5 * SIM_MS);
	EXPECT_EQ(r.n(ORACLE_STUCK_TASK), 1u) << r.report();
	EXPECT_EQ(r.n(ORACLE_LOST_PAGE_READY), 1u) << r.report();
	EXPECT_EQ(oracle_violations(r.o), 2u) << r.report();
	ASSERT_EQ(oracle_nrecorded(r.o), 2u);
	const oracle_violation *v0 = oracle_violation_at(r.o, 0);
	const oracle_violation *v1 = oracle_violation_at(r.o, 1);
	EXPECT_EQ(v0->kind, ORACLE_STUCK_TASK);
	EXPECT_EQ(v0->token, 0x2000u);
	EXPECT_EQ(v0->task, 2u);
	EXPECT_EQ(v0->vcpu, 0u);
	EXPECT_EQ(v1->kind, ORACLE_LOST_PAGE_READY);
	EXPECT_EQ(v1->token, 0x3000u);
	EXPECT_EQ(v1->t, 5 * SIM_MS);
}

TEST(Oracle, StuckTaskDetectedOnTheFlyOnce)
{
	OracleRun r;
	r.fault(1 * SIM_US, 0, 0x1000, 0x42, 1);
	r.sdei_park(2 * SIM_US, 0, 1, 0x1000);
	r.completed(10 * SIM_US, 0x42);
	// The host retires it with a page-ready the guest never turns into a wake.
	r.page_ready(11 * SIM_US, 0, 0x1000, 0x42, 0);
	r.ev(12 * SIM_US, 0, TRACE_NO_TASK, TR_IRQ_ACK, 1);
	r.ev(12 * SIM_US, 0, TRACE_NO_TASK, TR_PPI_LEVEL, kPpi, 0);
	EXPECT_EQ(oracle_violations(r.o), 0u);
	r.ev(10 * SIM_US + kBound + 1, 1, TRACE_NO_TASK, TR_KICK, 0);
	expect_only(r, ORACLE_STUCK_TASK);
	EXPECT_EQ(oracle_violation_at(r.o, 0)->t, 10 * SIM_US + kBound + 1);
	// The protocol state: the token's last host-side event before the
	// violation (the guest's park and wake records do not count).
	EXPECT_STREQ(oracle_violation_state(r.o, 0), trace_kind_name(TR_IRQ_ACK));
	EXPECT_EQ(oracle_violation_state(r.o, 1), std::string("no token"));  // no such violation
	r.finish(100 * SIM_MS);
	expect_only(r, ORACLE_STUCK_TASK);
}

TEST(Oracle, ParkedOnInFlightWorkAtEndIsOnlyCountedUnlessStrict)
{
	for (bool strict : { false, true }) {
		OracleRun r(strict ? ORACLE_CHECK_ALL | ORACLE_STRICT_END : 0);
		r.fault(1 * SIM_US, 0, 0x1000, 0x42, 1);
		r.sdei_park(2 * SIM_US, 0, 1, 0x1000);
		r.finish(100 * SIM_MS);
		if (strict) {
			expect_only(r, ORACLE_STUCK_TASK);
		} else {
			EXPECT_EQ(oracle_violations(r.o), 0u) << r.report();
			EXPECT_EQ(oracle_counts(r.o)->parked_in_flight_at_end, 1u);
		}
	}
}

TEST(Oracle, FlushWithoutWakeAllStrandsTheParkedTask)
{
	// §1.6 / §4.5: a flush sends no page-ready; only a wake-all saves the task.
	for (bool wake_all : { false, true }) {
		OracleRun r;
		r.fault(1 * SIM_US, 0, 0x1000, 0x42, 1);
		r.sdei_park(2 * SIM_US, 0, 1, 0x1000);
		r.ev(5 * SIM_US, 0, TRACE_NO_TASK, TR_APF_FLUSH, 1);
		if (wake_all) {
			r.ev(6 * SIM_US, 0, TRACE_NO_TASK, TR_APF_WAKE_ALL);
			r.ev(7 * SIM_US, 0, TRACE_NO_TASK, TR_KVM_READY, kWakeAll, 0);
			r.ev(7 * SIM_US, 0, TRACE_NO_TASK, TR_BUF_WRITE, 2, kWakeAll, 0);
			r.ev(7 * SIM_US, 0, TRACE_NO_TASK, TR_PPI_LEVEL, kPpi, 1);
			r.ev(8 * SIM_US, 0, TRACE_NO_TASK, TR_IRQ_TAKEN, kPpi);
			r.ev(8 * SIM_US, 0, 1, TR_TASK_WAKE, kWakeAll);
			r.ev(9 * SIM_US, 0, TRACE_NO_TASK, TR_IRQ_ACK, 1);
			r.ev(9 * SIM_US, 0, TRACE_NO_TASK, TR_PPI_LEVEL, kPpi, 0);
		}
		r.finish(100 * SIM_MS);
		if (wake_all) {
			EXPECT_EQ(oracle_violations(r.o), 0u) << r.report();
			EXPECT_EQ(oracle_counts(r.o)->wake_alls, 1u);
		} else {
			expect_only(r, ORACLE_STUCK_TASK);
			std::string rep = r.report();
			EXPECT_NE(rep.find("flushed at"), std::string::npos) << rep;
			EXPECT_NE(rep.find("apf_flush"), std::string::npos) << rep;
			EXPECT_STREQ(oracle_violation_state(r.o, 0), "apf_flush");
		}
		EXPECT_EQ(oracle_counts(r.o)->flushed, 1u);
	}
}

TEST(Oracle, RetiredWithoutPageReadyIsLost)
{
	OracleRun r;
	r.fault(1 * SIM_US, 0, 0x1000, 0x42, 1);
	r.sdei_park(2 * SIM_US, 0, 1, 0x1000, false);
	r.completed(10 * SIM_US, 0x42);
	r.ev(11 * SIM_US, 0, TRACE_NO_TASK, TR_APF_RETIRED, 0x1000, 0x42, 0);
	r.ev(12 * SIM_US, 0, TRACE_NO_TASK, TR_KICK, 0);
	expect_only(r, ORACLE_LOST_PAGE_READY);
	EXPECT_EQ(oracle_violation_at(r.o, 0)->t, 11 * SIM_US);
	r.finish(100 * SIM_MS);
	expect_only(r, ORACLE_LOST_PAGE_READY);
}

TEST(Oracle, CancellationIsAnOutcome)
{
	// §2.7(i): completion before the SDEI was delivered: cancel, clear, no
	// page-ready.  The clear writes 0/0 over the not-present (allowed).
	OracleRun r;
	r.fault(1 * SIM_US, 0, 0x1000, 0x42, 1);
	r.completed(2 * SIM_US, 0x42);
	r.ev(3 * SIM_US, 0, TRACE_NO_TASK, TR_SDEI_CANCEL, kApfEvent);
	r.ev(3 * SIM_US, 0, TRACE_NO_TASK, TR_APF_CANCELLED, 0x1000);
	r.ev(3 * SIM_US, 0, TRACE_NO_TASK, TR_BUF_WRITE, 0, 0, (1ull << 32) | 0x1000);
	r.ev(3 * SIM_US, 0, TRACE_NO_TASK, TR_APF_RETIRED, 0x1000, 0x42, 0);
	r.finish(100 * SIM_MS);
	EXPECT_EQ(oracle_violations(r.o), 0u) << r.report();
	EXPECT_EQ(oracle_counts(r.o)->cancelled, 1u);
}

TEST(Oracle, CompletedButNeverDeliveredIsLostAtEnd)
{
	OracleRun r;
	r.fault(1 * SIM_US, 0, 0x1000, 0x42, 1);
	r.sdei_park(2 * SIM_US, 0, 1, 0x1000, false);
	r.completed(10 * SIM_US, 0x42);
	r.finish(10 * SIM_US + kBound / 2);	// within the bound: still owed
	EXPECT_EQ(oracle_violations(r.o), 0u) << r.report();

	OracleRun late;
	late.fault(1 * SIM_US, 0, 0x1000, 0x42, 1);
	late.sdei_park(2 * SIM_US, 0, 1, 0x1000, false);
	late.completed(10 * SIM_US, 0x42);
	late.finish(10 * SIM_US + 2 * kBound);
	expect_only(late, ORACLE_LOST_PAGE_READY);
}

TEST(Oracle, DuplicatePageReady)
{
	OracleRun r(ORACLE_CHECK_ALL & ~ORACLE_CHECK(ORACLE_PPI_PENDING_MISMATCH));
	r.fault(1 * SIM_US, 0, 0x1000, 0x42, 1);
	r.sdei_park(2 * SIM_US, 0, 1, 0x1000);
	r.completed(10 * SIM_US, 0x42);
	r.ev(11 * SIM_US, 0, TRACE_NO_TASK, TR_KVM_READY, 0x1000, 0x42000);
	r.irq_wake(12 * SIM_US, 0, 1, 0x1000, false);
	r.ev(13 * SIM_US, 0, TRACE_NO_TASK, TR_KVM_READY, 0x1000, 0x42000);
	r.ev(13 * SIM_US, 0, TRACE_NO_TASK, TR_APF_RETIRED, 0x1000, 0x42, 0);
	r.finish(100 * SIM_MS);
	expect_only(r, ORACLE_DUPLICATE_PAGE_READY);
	EXPECT_EQ(oracle_violation_at(r.o, 0)->t, 13 * SIM_US);
}

TEST(Oracle, TokenCollision)
{
	OracleRun r;
	r.clean(1 * SIM_US, 0, 1, 0x1000, 0x42);	// retired: reuse later is a wrap
	r.ev(100 * SIM_US, 0, TRACE_NO_TASK, TR_APF_SETUP, 0x2000, 0x50, 1);
	r.ev(101 * SIM_US, 0, TRACE_NO_TASK, TR_APF_SETUP, 0x2000, 0x51, 2);
	expect_only(r, ORACLE_TOKEN_COLLISION);
	std::string rep = r.report();
	EXPECT_NE(rep.find("gfn 0x50"), std::string::npos) << rep;
	EXPECT_NE(rep.find("gfn 0x51"), std::string::npos) << rep;
	r.ev(102 * SIM_US, 0, TRACE_NO_TASK, TR_APF_SETUP, 0x1000, 0x52, 3);
	expect_only(r, ORACLE_TOKEN_COLLISION);
	EXPECT_EQ(oracle_counts(r.o)->token_wraps, 1u);
}

TEST(Oracle, BufferOverwrite)
{
	OracleRun r;
	r.fault(1 * SIM_US, 0, 0x1000, 0x42, 1);
	// The guest has not consumed 0x1000's not-present yet.
	r.ev(2 * SIM_US, 0, TRACE_NO_TASK, TR_APF_SETUP, 0x2000, 0x43, 2);
	r.ev(2 * SIM_US, 0, TRACE_NO_TASK, TR_BUF_WRITE, 1, 0x2000, (1ull << 32) | 0x1000);
	expect_only(r, ORACLE_BUFFER_OVERWRITE);
	const oracle_violation *v = oracle_violation_at(r.o, 0);
	EXPECT_EQ(v->token, 0x2000u);
	EXPECT_EQ(v->t, 2 * SIM_US);
	std::string rep = r.report();
	EXPECT_NE(rep.find("history of token 0x1000"), std::string::npos) << rep;
	EXPECT_NE(rep.find("history of token 0x2000"), std::string::npos) << rep;
}

TEST(Oracle, TooManyOutstanding)
{
	OracleRun r;
	r.ev(1 * SIM_US, 0, TRACE_NO_TASK, TR_APF_SETUP, 0x1000, 0x42, 64);
	EXPECT_EQ(oracle_violations(r.o), 0u);
	r.ev(2 * SIM_US, 0, TRACE_NO_TASK, TR_APF_SETUP, 0x2000, 0x43, 65);
	expect_only(r, ORACLE_TOO_MANY_OUTSTANDING);
	EXPECT_EQ(oracle_counts(r.o)->max_outstanding_seen, 65u);
}

TEST(Oracle, SdeiNeverCompleted)
{
	OracleRun r;
	r.fault(1 * SIM_US, 0, 0x1000, 0x42, 1);
	r.ev(2 * SIM_US, 0, 1, TR_SDEI_DISPATCH, kApfEvent, 0x400000, 0);
	r.finish(2 * SIM_US + kBound + SIM_NS);
	expect_only(r, ORACLE_SDEI_NOT_COMPLETED);
	EXPECT_EQ(oracle_violation_at(r.o, 0)->token, 0x1000u);
}

// A handler dispatched less than the bound before the end of the run may
// still be running legitimately (a synchronous fault in it waiting for a
// swap read): not a violation, as for work still in flight, unless the end
// is strict.  (A run of quickstart ending 12.6 us into a handler that
// waited for a swap read was reported.)
TEST(Oracle, SdeiStillRunningWithinTheBoundAtTheEndIsNotAViolation)
{
	for (bool strict : { false, true }) {
		OracleRun r(strict ? ORACLE_CHECK_ALL | ORACLE_STRICT_END : 0);
		r.fault(1 * SIM_US, 0, 0x1000, 0x42, 1);
		r.ev(2 * SIM_US, 0, 1, TR_SDEI_DISPATCH, kApfEvent, 0x400000, 0);
		r.finish(2 * SIM_US + kBound);
		EXPECT_EQ(r.n(ORACLE_SDEI_NOT_COMPLETED), strict ? 1u : 0u) << r.report();
	}
}

TEST(Oracle, SdeiNestingOnlyCriticalOverNormal)
{
	OracleRun ok;
	ok.ev(1 * SIM_US, 0, 1, TR_SDEI_DISPATCH, kNormalEvent, 0, 0);
	ok.ev(2 * SIM_US, 0, 1, TR_SDEI_DISPATCH, kApfEvent, 0, 0);	// critical preempts
	ok.ev(3 * SIM_US, 0, 1, TR_SDEI_COMPLETE, kApfEvent, 0);
	ok.ev(4 * SIM_US, 0, 1, TR_SDEI_COMPLETE, kNormalEvent, 0);
	ok.finish(SIM_MS);
	EXPECT_EQ(oracle_violations(ok.o), 0u) << ok.report();

	OracleRun bad;
	bad.ev(1 * SIM_US, 0, 1, TR_SDEI_DISPATCH, kNormalEvent, 0, 0);
	bad.ev(2 * SIM_US, 0, 1, TR_SDEI_DISPATCH, kNormalEvent, 0, 0);
	bad.ev(3 * SIM_US, 0, 1, TR_SDEI_COMPLETE, kNormalEvent, 0);
	bad.ev(4 * SIM_US, 0, 1, TR_SDEI_COMPLETE, kNormalEvent, 0);
	bad.finish(SIM_MS);
	expect_only(bad, ORACLE_SDEI_NOT_COMPLETED);
	EXPECT_EQ(oracle_violation_at(bad.o, 0)->t, 2 * SIM_US);
}

TEST(Oracle, PpiLineMustFollowPageReadyPending)
{
	// Page-ready written (pending set) but the line is never raised.
	OracleRun r;
	r.ev(1 * SIM_US, 0, TRACE_NO_TASK, TR_BUF_WRITE, 2, 0x1000, 0);
	EXPECT_EQ(oracle_violations(r.o), 0u);	// same-time group still open
	r.ev(2 * SIM_US, 0, TRACE_NO_TASK, TR_KICK, 0);
	expect_only(r, ORACLE_PPI_PENDING_MISMATCH);
	EXPECT_EQ(oracle_violation_at(r.o, 0)->t, 1 * SIM_US);
}

TEST(Oracle, IrqAckMustSeeTheModelledPendingFlag)
{
	OracleRun r;
	r.ev(1 * SIM_US, 0, TRACE_NO_TASK, TR_BUF_WRITE, 2, 0x1000, 0);
	r.ev(1 * SIM_US, 0, TRACE_NO_TASK, TR_PPI_LEVEL, kPpi, 1);
	r.ev(2 * SIM_US, 0, TRACE_NO_TASK, TR_IRQ_ACK, 0);	// host says "not pending"
	r.ev(2 * SIM_US, 0, TRACE_NO_TASK, TR_PPI_LEVEL, kPpi, 0);
	r.finish(SIM_MS);
	expect_only(r, ORACLE_PPI_PENDING_MISMATCH);
}

TEST(Oracle, ReportShowsTimeVcpuTokenAndHistory)
{
	OracleRun r;
	r.fault(1 * SIM_US, 1, 0x1001, 0x42, 1);
	r.sdei_park(2 * SIM_US, 1, 3, 0x1001);
	r.completed(10 * SIM_US, 0x42);
	r.finish(500 * SIM_US);
	ASSERT_EQ(oracle_violations(r.o), 0u) << r.report();	// still owed < bound
	OracleRun s(ORACLE_CHECK_ALL | ORACLE_STRICT_END);
	s.fault(1 * SIM_US, 1, 0x1001, 0x42, 1);
	s.sdei_park(2 * SIM_US, 1, 3, 0x1001);
	s.completed(10 * SIM_US, 0x42);
	s.finish(500 * SIM_US);
	std::string rep = s.report();
	EXPECT_NE(rep.find("stuck_task at 500.000000 us vcpu 1 token 0x1001 task 3"),
		  std::string::npos) << rep;
	for (const char *line : { "history of token 0x1001 on vcpu 1 (gfn 0x42",
				  "1.000000 us  apf_setup", "buf_write", "sdei_inject",
				  "2.000000 us  sdei_dispatch", "sdei_complete", "task_park",
				  "10.000000 us  kvm_async_pf_completed" })
		EXPECT_NE(rep.find(line), std::string::npos) << line << "\n" << rep;
}

TEST(Oracle, ReportAndJsonAreDeterministic)
{
	std::string reports[2], jsons[2];
	for (int i = 0; i < 2; i++) {
		OracleRun r;
		r.clean(1 * SIM_US, 0, 1, 0x0, 0x42);
		r.fault(50 * SIM_US, 0, 0x1000, 0x43, 1);
		r.sdei_park(51 * SIM_US, 0, 2, 0x1000);
		r.ev(52 * SIM_US, 0, TRACE_NO_TASK, TR_APF_SETUP, 0x1000, 0x44, 65);
		r.completed(60 * SIM_US, 0x43);
		r.finish(10 * SIM_MS);
		reports[i] = r.report();
		json_t *j = oracle_json(r.o);
		ASSERT_NE(j, nullptr);
		char *s = json_dumps(j, JSON_SORT_KEYS);
		jsons[i] = s;
		free(s);
		EXPECT_EQ(json_integer_value(json_object_get(j, "violations")),
			  (json_int_t)oracle_violations(r.o));
		json_t *first = json_array_get(json_object_get(j, "list"), 0);
		EXPECT_STREQ(json_string_value(json_object_get(first, "invariant")),
			     "too_many_outstanding");
		EXPECT_GT(json_array_size(json_object_get(first, "history")), 0u);
		json_decref(j);
	}
	EXPECT_EQ(reports[0], reports[1]);
	EXPECT_EQ(jsons[0], jsons[1]);
	EXPECT_NE(reports[0].find("token_collision"), std::string::npos);
	EXPECT_NE(reports[0].find("too_many_outstanding"), std::string::npos);
	EXPECT_NE(reports[0].find("stuck_task"), std::string::npos);
}

TEST(Oracle, LongRunRecyclesClosedTokens)
{
	// 70 000 round trips on one vCPU: the u16 sequence wraps (§2.5), memory
	// stays bounded, no violation.
	OracleRun r;
	sim_time_t t = SIM_US;
	for (uint32_t n = 0; n < 70000; n++, t += 20 * SIM_US)
		r.clean(t, 0, 1, (uint64_t)(n & 0xFFFF) << 12, 0x1000 + n);
	r.finish(t + SIM_MS);
	EXPECT_EQ(oracle_violations(r.o), 0u) << r.report();
	EXPECT_EQ(oracle_counts(r.o)->token_wraps, 70000u - 65536u);
	EXPECT_EQ(oracle_counts(r.o)->zero_tokens, 2u);
}

}  // namespace
