// apf_core_test.cc — the generic async-PF core of docs/reference.md §1 (setup
// order, limit, completion FIFO, first-on-done notification, retirement
// gated by can_dequeue, wake-all, flush) and the §5 tracepoint text.
// A fake arch records every hook call in order.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

extern "C" {
#include "model/apf/core.h"
}

namespace {

struct Fake {
	std::vector<std::string> calls;
	bool inject = true;		// not_present result
	bool allow_dequeue = true;	// can_dequeue when nothing is pending
	// models pageready_pending: set by page_present, cleared by ack()
	bool pageready_pending = false;
	bool model_pending = false;
	bool complete_in_schedule = false;
	bool retract = false;		// cancel_work result
	std::vector<uint32_t> presented;	// tokens delivered, ~0 for wake-all
	std::vector<apf_work *> scheduled;

	void ack() { pageready_pending = false; }
};

Fake *F(void *ctx) { return static_cast<Fake *>(ctx); }

std::string tok(const apf_work *w)
{
	char b[32];
	snprintf(b, sizeof(b), "%#x", w->token);
	return b;
}

bool fk_not_present(void *ctx, apf_vcpu *v, apf_work *w)
{
	// the work is already on queue and counted when the hook runs
	F(ctx)->calls.push_back("not_present " + tok(w) + " q=" +
				std::to_string(apf_queued(v)) + " " +
				apf_work_state_name(w->state));
	apf_slots_add(&v->slots, w->gfn);
	return F(ctx)->inject;
}

void fk_schedule(void *ctx, apf_vcpu *v, apf_work *w)
{
	F(ctx)->calls.push_back("schedule " + tok(w) + " " +
				apf_work_state_name(w->state));
	F(ctx)->scheduled.push_back(w);
	if (F(ctx)->complete_in_schedule)
		apf_work_completed(v, w);
}

void fk_present_queued(void *ctx, apf_vcpu *)
{
	F(ctx)->calls.push_back("present_queued");
}

bool fk_can_dequeue(void *ctx, apf_vcpu *v)
{
	F(ctx)->calls.push_back("can_dequeue " + tok(apf_done_head(v)));
	if (F(ctx)->model_pending && F(ctx)->pageready_pending)
		return false;
	return F(ctx)->allow_dequeue;
}

void fk_page_ready(void *ctx, apf_vcpu *, apf_work *w)
{
	F(ctx)->calls.push_back("page_ready " + tok(w));
}

void fk_page_present(void *ctx, apf_vcpu *v, apf_work *w)
{
	// still findable by token while page-ready is being delivered
	bool findable = w->wakeup_all || apf_find_by_token(v, w->token) == w;
	F(ctx)->calls.push_back(std::string("page_present ") +
				(w->wakeup_all ? "wakeall" : tok(w)) +
				(findable ? "" : " NOT-ON-QUEUE"));
	if (!w->wakeup_all)
		apf_slots_remove(&v->slots, w->gfn);
	F(ctx)->presented.push_back(w->wakeup_all ? 0xFFFFFFFFu : w->token);
	F(ctx)->pageready_pending = true;
}

bool fk_cancel(void *ctx, apf_vcpu *, apf_work *w)
{
	F(ctx)->calls.push_back("cancel " + tok(w));
	return F(ctx)->retract;
}

void fk_trace(void *ctx, apf_vcpu *, const apf_work *w)
{
	char b[96];
	apf_trace_fmt_completed(b, sizeof(b), w->gfn << 12, w->cr2_or_gpa);
	F(ctx)->calls.push_back(std::string("trace ") + b);
}

void fk_wake(void *ctx, apf_vcpu *)
{
	F(ctx)->calls.push_back("wake");
}

const apf_arch_ops fake_ops = {
	"fake",	    fk_not_present, fk_schedule, fk_present_queued,
	fk_can_dequeue, fk_page_ready,	fk_page_present, fk_cancel,
	fk_trace,	    fk_wake,
};

class ApfCore : public ::testing::Test {
protected:
	void SetUp() override
	{
		v = new apf_vcpu;
		ASSERT_EQ(apf_vcpu_init(v, 3, &fake_ops, &f), 0);
	}
	void TearDown() override
	{
		EXPECT_EQ(apf_check_invariants(v), nullptr);
		delete v;
	}
	// setup with token = (n << 12) | 3, gfn = 0x100 + n, gva = gfn << 12
	apf_work *setup(uint32_t n, uint64_t now = 0)
	{
		apf_work *w = nullptr;
		EXPECT_TRUE(apf_setup(v, (n << 12) | 3, 0x100 + n,
				      (0x100 + n) << 12, 0x92000047, now, &w));
		return w;
	}
	Fake f;
	apf_vcpu *v = nullptr;
};

}  // namespace

TEST_F(ApfCore, InitRejectsMissingRequiredHooks)
{
	apf_arch_ops ops = fake_ops;
	ops.can_dequeue = nullptr;
	apf_vcpu *u = new apf_vcpu;
	EXPECT_EQ(apf_vcpu_init(u, 0, &ops, nullptr), -EINVAL);
	ops = fake_ops;
	ops.page_ready = nullptr;	// optional
	ops.cancel_work = nullptr;
	ops.trace_completed = nullptr;
	ops.wake_vcpu = nullptr;
	EXPECT_EQ(apf_vcpu_init(u, 0, &ops, nullptr), 0);
	delete u;
}

TEST_F(ApfCore, SetupCallsNotPresentBeforeScheduleWork)
{
	apf_work *w = setup(1, 12345);
	ASSERT_NE(w, nullptr);
	std::vector<std::string> want = {"not_present 0x1003 q=1 queued",
					 "schedule 0x1003 in-worker"};
	EXPECT_EQ(f.calls, want);
	EXPECT_TRUE(w->notpresent_injected);
	EXPECT_EQ(w->token, 0x1003u);
	EXPECT_EQ(w->gfn, 0x101u);
	EXPECT_EQ(w->cr2_or_gpa, 0x101000u);
	EXPECT_EQ(w->arch, 0x92000047u);
	EXPECT_EQ(w->setup_time, 12345u);
	EXPECT_FALSE(w->wakeup_all);
	EXPECT_EQ(w->state, APF_WORK_IN_WORKER);
	EXPECT_EQ(apf_queued(v), 1u);
	EXPECT_EQ(apf_queue_first(v), w);
	EXPECT_TRUE(apf_slots_find(&v->slots, 0x101));

	f.inject = false;
	apf_work *w2 = setup(2);
	EXPECT_FALSE(w2->notpresent_injected);
	EXPECT_EQ(v->stats.notpresent_injected, 1u);
}

TEST_F(ApfCore, SixtyFifthSetupIsRefusedAtTheLimit)
{
	for (uint32_t n = 0; n < 64; n++)
		ASSERT_NE(setup(n), nullptr);
	EXPECT_EQ(apf_queued(v), 64u);
	f.calls.clear();

	apf_work *w = reinterpret_cast<apf_work *>(1);
	EXPECT_FALSE(apf_setup(v, 0x40003, 0x999, 0x999000, 0, 0, &w));
	EXPECT_EQ(w, nullptr);
	EXPECT_EQ(v->last_refusal, APF_REFUSED_LIMIT);
	EXPECT_STREQ(apf_refusal_name(v->last_refusal),
		     "limit reached (ASYNC_PF_PER_VCPU)");
	EXPECT_TRUE(f.calls.empty());	// no hook ran
	EXPECT_EQ(apf_queued(v), 64u);
	EXPECT_EQ(v->stats.refused_limit, 1u);

	// one retirement makes room again
	apf_work_completed(v, f.scheduled[10]);
	EXPECT_EQ(apf_check_completion(v), 1u);
	EXPECT_EQ(apf_queued(v), 63u);
	EXPECT_TRUE(apf_setup(v, 0x40003, 0x999, 0x999000, 0, 0, &w));
	EXPECT_EQ(v->last_refusal, APF_REFUSED_NONE);
}

TEST_F(ApfCore, QueueIteratesInSetupOrder)
{
	for (uint32_t n = 1; n <= 4; n++)
		setup(n);
	apf_work_completed(v, f.scheduled[1]);
	apf_check_completion(v);	// retires 0x2003 from the middle
	std::vector<uint32_t> got;
	for (apf_work *w = apf_queue_first(v); w; w = apf_queue_next(v, w))
		got.push_back(w->token);
	EXPECT_EQ(got, (std::vector<uint32_t>{0x1003, 0x3003, 0x4003}));
	EXPECT_EQ(apf_find_by_token(v, 0x3003), f.scheduled[2]);
	EXPECT_EQ(apf_find_by_token(v, 0x2003), nullptr);
}

TEST_F(ApfCore, CompletionsRetireInCompletionOrderNotFaultOrder)
{
	for (uint32_t n = 1; n <= 3; n++)
		setup(n);
	f.calls.clear();
	// worker finishes 2, then 3, then 1
	EXPECT_TRUE(apf_work_completed(v, f.scheduled[1]));
	EXPECT_TRUE(apf_work_completed(v, f.scheduled[2]));
	EXPECT_TRUE(apf_work_completed(v, f.scheduled[0]));
	EXPECT_EQ(apf_done_head(v), f.scheduled[1]);
	EXPECT_EQ(apf_done_len(v), 3u);

	// present_queued only on the empty -> non-empty edge
	std::vector<std::string> want = {
		"present_queued", "trace gva 0x102000 address 0x102000", "wake",
		"trace gva 0x103000 address 0x103000", "wake",
		"trace gva 0x101000 address 0x101000", "wake"};
	EXPECT_EQ(f.calls, want);
	EXPECT_EQ(v->stats.present_queued, 1u);

	EXPECT_EQ(apf_check_completion(v), 3u);
	EXPECT_EQ(f.presented, (std::vector<uint32_t>{0x2003, 0x3003, 0x1003}));
	EXPECT_EQ(apf_queued(v), 0u);
	EXPECT_EQ(apf_slots_count(&v->slots), 0u);

	// done is empty again: the next completion notifies again
	setup(4);
	f.calls.clear();
	apf_work_completed(v, f.scheduled[3]);
	EXPECT_EQ(f.calls.front(), "present_queued");
}

TEST_F(ApfCore, RetirementOrderOfHooks)
{
	setup(1);
	apf_work_completed(v, f.scheduled[0]);
	f.calls.clear();
	EXPECT_EQ(apf_check_completion(v), 1u);
	std::vector<std::string> want = {"can_dequeue 0x1003",
					 "page_ready 0x1003",
					 "page_present 0x1003"};
	EXPECT_EQ(f.calls, want);
	// can_dequeue is not consulted once done is empty
	f.calls.clear();
	EXPECT_EQ(apf_check_completion(v), 0u);
	EXPECT_TRUE(f.calls.empty());
}

TEST_F(ApfCore, OnePageReadyPerPassWhilePageReadyIsPending)
{
	f.model_pending = true;
	for (uint32_t n = 1; n <= 3; n++)
		setup(n);
	for (int i = 0; i < 3; i++)
		apf_work_completed(v, f.scheduled[i]);

	EXPECT_EQ(apf_check_completion(v), 1u);	// then can_dequeue false
	EXPECT_EQ(apf_queued(v), 2u);
	EXPECT_EQ(apf_check_completion(v), 0u);	// no ACK yet
	f.ack();
	EXPECT_EQ(apf_check_completion(v), 1u);
	f.ack();
	EXPECT_EQ(apf_check_completion(v), 1u);
	EXPECT_EQ(f.presented, (std::vector<uint32_t>{0x1003, 0x2003, 0x3003}));
	EXPECT_EQ(apf_queued(v), 0u);
	EXPECT_EQ(v->stats.retired, 3u);
}

TEST_F(ApfCore, CanDequeueFalseLeavesDoneUntouched)
{
	setup(1);
	apf_work_completed(v, f.scheduled[0]);
	f.allow_dequeue = false;
	EXPECT_EQ(apf_check_completion(v), 0u);
	EXPECT_EQ(apf_done_head(v), f.scheduled[0]);
	EXPECT_EQ(apf_queued(v), 1u);
	EXPECT_TRUE(f.presented.empty());
}

TEST_F(ApfCore, WakeAllIsANoOpWhileDoneIsNonEmpty)
{
	setup(1);
	apf_work_completed(v, f.scheduled[0]);
	f.calls.clear();
	EXPECT_EQ(apf_wakeup_all(v), 0);
	EXPECT_TRUE(f.calls.empty());
	EXPECT_EQ(apf_done_len(v), 1u);
	EXPECT_EQ(apf_queued(v), 1u);
	EXPECT_EQ(v->stats.wakeall_skipped, 1u);
}

TEST_F(ApfCore, WakeAllQueuesAnItemOnDoneOnly)
{
	setup(1);	// in the worker, done empty
	f.calls.clear();
	EXPECT_EQ(apf_wakeup_all(v), 0);
	EXPECT_EQ(f.calls, (std::vector<std::string>{"present_queued"}));
	apf_work *wa = apf_done_head(v);
	ASSERT_NE(wa, nullptr);
	EXPECT_TRUE(wa->wakeup_all);
	EXPECT_EQ(wa->token, 0u);	// zeroed, like kmem_cache_zalloc
	EXPECT_EQ(apf_queued(v), 2u);	// queued++ although not on queue
	EXPECT_EQ(apf_queue_len(v), 1u);
	EXPECT_EQ(apf_check_invariants(v), nullptr);

	// the work completing behind it does not notify again
	f.calls.clear();
	apf_work_completed(v, f.scheduled[0]);
	EXPECT_EQ(f.calls.front(), "trace gva 0x101000 address 0x101000");

	f.calls.clear();
	f.model_pending = true;
	EXPECT_EQ(apf_check_completion(v), 1u);
	// no prefault for the wake-all item
	EXPECT_EQ(f.calls, (std::vector<std::string>{"can_dequeue 0",
						     "page_present wakeall",
						     "can_dequeue 0x1003"}));
	EXPECT_EQ(apf_queued(v), 1u);
	f.ack();
	EXPECT_EQ(apf_check_completion(v), 1u);
	EXPECT_EQ(f.presented, (std::vector<uint32_t>{0xFFFFFFFFu, 0x1003}));
	EXPECT_EQ(apf_queued(v), 0u);
}

TEST_F(ApfCore, FlushDropsEverythingWithoutNotifications)
{
	for (uint32_t n = 1; n <= 4; n++)
		setup(n);
	apf_work_completed(v, f.scheduled[1]);
	apf_work_completed(v, f.scheduled[3]);
	f.calls.clear();

	apf_flush(v);
	// only the two works still in the worker are offered for cancel
	EXPECT_EQ(f.calls, (std::vector<std::string>{"cancel 0x1003",
						     "cancel 0x3003"}));
	EXPECT_TRUE(f.presented.empty());
	EXPECT_EQ(apf_queued(v), 0u);
	EXPECT_EQ(apf_queue_len(v), 0u);
	EXPECT_EQ(apf_done_len(v), 0u);
	EXPECT_EQ(apf_done_head(v), nullptr);
	EXPECT_EQ(apf_cancelled_len(v), 2u);
	EXPECT_EQ(apf_find_by_token(v, 0x1003), nullptr);
	// the slot table is the arch's business
	EXPECT_EQ(apf_slots_count(&v->slots), 4u);

	// a late completion of a cancelled work is ignored: no hook, no done
	f.calls.clear();
	EXPECT_FALSE(apf_work_completed(v, f.scheduled[0]));
	EXPECT_FALSE(apf_work_completed(v, f.scheduled[2]));
	EXPECT_TRUE(f.calls.empty());
	EXPECT_EQ(apf_done_len(v), 0u);
	EXPECT_EQ(apf_queued(v), 0u);
	EXPECT_EQ(apf_cancelled_len(v), 0u);
	EXPECT_EQ(v->stats.completions_ignored, 2u);
	EXPECT_EQ(apf_check_completion(v), 0u);
	// and a second completion of the same (now free) work does nothing
	EXPECT_FALSE(apf_work_completed(v, f.scheduled[0]));
}

TEST_F(ApfCore, FlushDropsWakeAllAndRetractedWorksAreFreedAtOnce)
{
	setup(1);
	apf_wakeup_all(v);
	f.retract = true;
	apf_flush(v);
	EXPECT_EQ(apf_queued(v), 0u);
	EXPECT_EQ(apf_done_len(v), 0u);
	EXPECT_EQ(apf_cancelled_len(v), 0u);
	EXPECT_EQ(f.scheduled[0]->state, APF_WORK_RETIRED);
	EXPECT_EQ(v->stats.flushed, 2u);
}

TEST_F(ApfCore, FullLimitAvailableAgainAfterFlushWithWorksInFlight)
{
	for (uint32_t n = 0; n < 64; n++)
		setup(n);
	apf_flush(v);	// 64 cancelled, I/O still in flight
	EXPECT_EQ(apf_cancelled_len(v), 64u);
	for (uint32_t n = 64; n < 128; n++)
		ASSERT_NE(setup(n), nullptr) << n;
	EXPECT_EQ(apf_queued(v), 64u);
	// a wake-all on an empty done still fits: queued reaches 65
	EXPECT_EQ(apf_wakeup_all(v), 0);
	EXPECT_EQ(apf_queued(v), 65u);
	EXPECT_EQ(v->stats.max_queued, 65u);
	EXPECT_FALSE(apf_setup(v, 0x3, 0x1, 0x1000, 0, 0, nullptr));
	EXPECT_EQ(v->last_refusal, APF_REFUSED_LIMIT);
	EXPECT_EQ(apf_check_invariants(v), nullptr);
	// late completions of the flushed works free their structs
	for (uint32_t n = 0; n < 64; n++)
		EXPECT_FALSE(apf_work_completed(v, f.scheduled[n]));
	EXPECT_EQ(apf_cancelled_len(v), 0u);
	EXPECT_EQ(apf_queued(v), 65u);
}

TEST_F(ApfCore, CompletionInsideScheduleWork)
{
	f.complete_in_schedule = true;
	apf_work *w = setup(1);
	std::vector<std::string> want = {
		"not_present 0x1003 q=1 queued", "schedule 0x1003 in-worker",
		"present_queued", "trace gva 0x101000 address 0x101000", "wake"};
	EXPECT_EQ(f.calls, want);
	EXPECT_EQ(w->state, APF_WORK_DONE);
	EXPECT_EQ(apf_check_completion(v), 1u);
}

TEST(ApfTrace, FormatsMatchTheKernelPrintk)
{
	char b[128];
	apf_trace_fmt_not_present(b, sizeof(b), 0x1003, 0x7f0000);
	EXPECT_STREQ(b, "token 0x1003 gva 0x7f0000");
	apf_trace_fmt_ready(b, sizeof(b), 0xffffffff, 0);
	EXPECT_STREQ(b, "token 0xffffffff gva 0");
	apf_trace_fmt_not_present(b, sizeof(b), 0, 0xABC);
	EXPECT_STREQ(b, "token 0 gva 0xabc");
	apf_trace_fmt_try_async_get_page(b, sizeof(b), 0x7f0123, 0x7f0);
	EXPECT_STREQ(b, "gva = 0x7f0123, gfn = 0x7f0");
	apf_trace_fmt_repeated_fault(b, sizeof(b), 0, 0);
	EXPECT_STREQ(b, "gva = 0, gfn = 0");
	int len = apf_trace_fmt_completed(b, sizeof(b), 0x7fffe0001000ull,
					  0x40001000);
	EXPECT_STREQ(b, "gva 0x40001000 address 0x7fffe0001000");
	EXPECT_EQ(len, (int)strlen(b));
	apf_trace_fmt_completed(b, sizeof(b), 0xffffffffffffffffull, 0);
	EXPECT_STREQ(b, "gva 0 address 0xffffffffffffffff");
	EXPECT_STREQ(APF_TP_NOT_PRESENT, "kvm_async_pf_not_present");
	EXPECT_STREQ(APF_TP_REPEATED_FAULT, "kvm_async_pf_repeated_fault");
}
