// sdei_test.cc — the virtual SDEI dispatcher: guest calls and their
// return codes (DEN 0054), KVM's inject/cancel rules (docs/reference.md §2.7),
// handler entry/exit state, critical/normal nesting, masking.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <vector>

extern "C" {
#include "sdei/sdei.h"
}

namespace {

constexpr uint64_t kApf = KVM_SDEI_ASYNC_PF_NUM;	// critical
constexpr uint64_t kSw = KVM_SDEI_DEFAULT_NUM;		// normal
constexpr uint64_t kEntryApf = 0x40001000;
constexpr uint64_t kEntrySw = 0x40002000;

struct Note {
	unsigned vcpu;
	uint64_t event;
	sdei_notify_state state;
};

class SdeiTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		s = sdei_create(2);
		ASSERT_NE(s, nullptr);
		sdei_set_request_hook(s, [](void *ctx, unsigned) { ++*static_cast<int *>(ctx); },
				      &requests);
		for (uint64_t ev : { kApf, kSw, (uint64_t)SDEI_EVENT_0 })
			sdei_set_notifier(s, ev, notify, &notes);
	}
	void TearDown() override { sdei_destroy(s); }

	static void notify(void *ctx, unsigned vcpu, uint64_t event, sdei_notify_state st)
	{
		static_cast<std::vector<Note> *>(ctx)->push_back({ vcpu, event, st });
	}

	// A guest SMC64 call with up to five arguments; returns x0.
	int64_t call(uint32_t fn, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
		     uint64_t a4 = 0, uint64_t a5 = 0, unsigned vcpu = 0)
	{
		struct sdei_regs r;
		memset(&r, 0, sizeof(r));
		r.x[0] = fn;
		r.x[1] = a1, r.x[2] = a2, r.x[3] = a3, r.x[4] = a4, r.x[5] = a5;
		last_rc = sdei_call(s, vcpu, fn, &r);
		return (int64_t)r.x[0];
	}
	void setup_event(uint64_t ev, uint64_t entry, uint64_t arg, unsigned vcpu = 0)
	{
		ASSERT_EQ(call(SDEI_EVENT_REGISTER, ev, entry, arg, SDEI_EVENT_REGISTER_RM_ANY, 0, vcpu),
			  SDEI_SUCCESS);
		ASSERT_EQ(call(SDEI_EVENT_ENABLE, ev, 0, 0, 0, 0, vcpu), SDEI_SUCCESS);
		ASSERT_EQ(call(SDEI_PE_UNMASK, 0, 0, 0, 0, 0, vcpu), SDEI_SUCCESS);
	}
	static struct sdei_regs live_context()
	{
		struct sdei_regs r;
		for (unsigned i = 0; i < SDEI_NR_CTX_REGS; i++)
			r.x[i] = 0x1000 + i;
		r.pc = 0xFFFF000012345678ull;
		r.pstate = 0x60000000ull;	// EL0t, NZCV = 0110
		r.spsr_el1 = 0x111;
		r.elr_el1 = 0x222;
		return r;
	}
	// A call made by the handler running on the live context *r.
	int64_t handler_call(struct sdei_regs *r, uint32_t fn, uint64_t a1 = 0)
	{
		r->x[0] = fn;
		r->x[1] = a1;
		last_rc = sdei_call(s, 0, fn, r);
		return (int64_t)r->x[0];
	}

	struct sdei *s = nullptr;
	int requests = 0;
	std::vector<Note> notes;
	int64_t last_rc = 0;
};

TEST_F(SdeiTest, VersionIs1Point1)
{
	uint64_t v = (uint64_t)call(SDEI_VERSION);
	EXPECT_EQ((v >> 48) & 0x7FFF, 1u);
	EXPECT_EQ((v >> 32) & 0xFFFF, 1u);
	EXPECT_EQ(v & 0xFFFFFFFF, 0u);
	EXPECT_EQ(v >> 63, 0u);
	EXPECT_EQ(last_rc, SDEI_CALL_RETURN);
	// SMC32 form is accepted too.
	EXPECT_EQ((uint64_t)call(SDEI_FN_BASE_SMC32), SDEI_VERSION_VALUE);
	// Reserved / unsupported functions.
	EXPECT_EQ(call(SDEI_INTERRUPT_BIND, 5), SDEI_NOT_SUPPORTED);
	EXPECT_EQ(call(SDEI_FN(0x1F)), SDEI_NOT_SUPPORTED);
}

TEST_F(SdeiTest, EventTableAndAddRule)
{
	const sdei_event_info *i = sdei_event_lookup(s, kApf);
	ASSERT_NE(i, nullptr);
	EXPECT_EQ(i->priority, SDEI_EVENT_PRIORITY_CRITICAL);
	EXPECT_EQ(i->type, SDEI_EVENT_TYPE_PRIVATE);
	EXPECT_EQ(sdei_event_lookup(s, kSw)->priority, SDEI_EVENT_PRIORITY_NORMAL);
	EXPECT_NE(sdei_event_lookup(s, SDEI_EVENT_0), nullptr);
	// KVM rule: 32-bit number with bits [23:22] == 1.
	EXPECT_EQ(sdei_add_event(s, 0x40200001, SDEI_EVENT_PRIORITY_CRITICAL, true), -EINVAL);
	EXPECT_EQ(sdei_add_event(s, 0x140400002ull, SDEI_EVENT_PRIORITY_CRITICAL, true), -EINVAL);
	EXPECT_EQ(sdei_add_event(s, 0x40400005, SDEI_EVENT_PRIORITY_CRITICAL, true), 0);
	EXPECT_NE(sdei_event_lookup(s, 0x40400005), nullptr);
	EXPECT_EQ(sdei_add_event(s, kApf, SDEI_EVENT_PRIORITY_CRITICAL, true), 0);	// same
	EXPECT_EQ(sdei_add_event(s, kApf, SDEI_EVENT_PRIORITY_NORMAL, true), -EEXIST);
	// GET_INFO reports type / signalable / priority.
	EXPECT_EQ(call(SDEI_EVENT_GET_INFO, kApf, SDEI_EVENT_INFO_EV_PRIORITY), 1);
	EXPECT_EQ(call(SDEI_EVENT_GET_INFO, kSw, SDEI_EVENT_INFO_EV_PRIORITY), 0);
	EXPECT_EQ(call(SDEI_EVENT_GET_INFO, kApf, SDEI_EVENT_INFO_EV_TYPE), SDEI_EVENT_TYPE_PRIVATE);
	EXPECT_EQ(call(SDEI_EVENT_GET_INFO, kApf, SDEI_EVENT_INFO_EV_SIGNALED), 1);
	EXPECT_EQ(call(SDEI_EVENT_GET_INFO, kApf, SDEI_EVENT_INFO_EV_ROUTING_MODE),
		  SDEI_INVALID_PARAMETERS);
	EXPECT_EQ(call(SDEI_EVENT_GET_INFO, 0x1234, 0), SDEI_INVALID_PARAMETERS);
}

TEST_F(SdeiTest, RegisterEnableStatusUnregister)
{
	EXPECT_EQ(call(SDEI_EVENT_STATUS, kApf), 0);
	EXPECT_EQ(call(SDEI_EVENT_ENABLE, kApf), SDEI_DENIED);		// not registered
	EXPECT_EQ(call(SDEI_EVENT_UNREGISTER, kApf), SDEI_DENIED);
	EXPECT_EQ(call(SDEI_EVENT_REGISTER, 0x4040ABCD, kEntryApf), SDEI_INVALID_PARAMETERS);
	EXPECT_EQ(call(SDEI_EVENT_REGISTER, kApf, kEntryApf, 7, 4), SDEI_INVALID_PARAMETERS);
	EXPECT_EQ(call(SDEI_EVENT_REGISTER, kApf, kEntryApf, 7), SDEI_SUCCESS);
	EXPECT_EQ(call(SDEI_EVENT_REGISTER, kApf, kEntryApf, 7), SDEI_DENIED);	// twice
	EXPECT_EQ(call(SDEI_EVENT_STATUS, kApf), SDEI_EVENT_STATUS_REGISTERED);
	EXPECT_EQ(call(SDEI_EVENT_ENABLE, kApf), SDEI_SUCCESS);
	EXPECT_EQ(call(SDEI_EVENT_STATUS, kApf),
		  SDEI_EVENT_STATUS_REGISTERED | SDEI_EVENT_STATUS_ENABLED);
	EXPECT_EQ(call(SDEI_EVENT_DISABLE, kApf), SDEI_SUCCESS);
	EXPECT_EQ(call(SDEI_EVENT_STATUS, kApf), SDEI_EVENT_STATUS_REGISTERED);
	// Per-vCPU state: vCPU 1 has nothing registered.
	EXPECT_EQ(call(SDEI_EVENT_STATUS, kApf, 0, 0, 0, 0, 1), 0);
	EXPECT_EQ(call(SDEI_EVENT_UNREGISTER, kApf), SDEI_SUCCESS);
	EXPECT_EQ(call(SDEI_EVENT_STATUS, kApf), 0);
	EXPECT_EQ(call(SDEI_EVENT_STATUS, 0x99), SDEI_INVALID_PARAMETERS);
}

TEST_F(SdeiTest, InjectRules)
{
	// Not registered / not enabled / masked -> -EPERM.
	EXPECT_EQ(sdei_inject(s, 0, kApf, true), -EPERM);
	call(SDEI_EVENT_REGISTER, kApf, kEntryApf, 1);
	EXPECT_EQ(sdei_inject(s, 0, kApf, true), -EPERM);
	call(SDEI_EVENT_ENABLE, kApf);
	EXPECT_TRUE(sdei_masked(s, 0));	// PEs start masked
	EXPECT_EQ(sdei_inject(s, 0, kApf, true), -EPERM);
	call(SDEI_PE_UNMASK);
	EXPECT_EQ(sdei_inject(s, 9, kApf, true), -EINVAL);
	EXPECT_EQ(sdei_inject(s, 0, 0x1234, true), -EINVAL);

	requests = 0;
	EXPECT_EQ(sdei_inject(s, 0, kApf, true), 0);
	EXPECT_EQ(requests, 1);
	// immediate: a critical event needs no critical one queued.
	EXPECT_EQ(sdei_inject(s, 0, kApf, true), -ENOSPC);
	// Not immediate: the queued instance's count is bumped.
	EXPECT_EQ(sdei_inject(s, 0, kApf, false), 0);
	EXPECT_EQ(sdei_pending_count(s, 0, kApf), 2u);

	// immediate normal event: refused while anything is queued.
	setup_event(kSw, kEntrySw, 2);
	EXPECT_EQ(sdei_inject(s, 0, kSw, true), -ENOSPC);
	EXPECT_EQ(sdei_cancel(s, 0, kApf), 0);
	EXPECT_EQ(sdei_cancel(s, 0, kApf), 0);
	EXPECT_EQ(sdei_pending_count(s, 0, kApf), 0u);
	EXPECT_EQ(sdei_inject(s, 0, kSw, true), 0);
	// A critical event may be queued behind a normal one.
	EXPECT_EQ(sdei_inject(s, 0, kApf, true), 0);
	uint64_t ev;
	ASSERT_TRUE(sdei_deliverable(s, 0, &ev));
	EXPECT_EQ(ev, kApf);	// critical first
}

TEST_F(SdeiTest, DeliverAndCompleteRestoreBitExactly)
{
	setup_event(kApf, kEntryApf, 0xABCD);
	ASSERT_EQ(sdei_inject(s, 0, kApf, true), 0);
	struct sdei_regs r = live_context();
	const struct sdei_regs before = r;
	EXPECT_FALSE(sdei_any_running(s, 0));
	ASSERT_EQ(sdei_deliver(s, 0, &r), 0);

	EXPECT_EQ(r.x[0], kApf);
	EXPECT_EQ(r.x[1], 0xABCDu);
	EXPECT_EQ(r.x[2], before.pc);
	EXPECT_EQ(r.x[3], before.pstate);
	EXPECT_EQ(r.pc, kEntryApf);
	EXPECT_EQ(r.pstate, 0x3C5u);	// EL1h, D/A/I/F masked
	EXPECT_EQ(r.spsr_el1, before.pstate);
	EXPECT_EQ(r.elr_el1, before.pc);
	uint64_t ev = 0;
	EXPECT_TRUE(sdei_event_running(s, 0, &ev));
	EXPECT_EQ(ev, kApf);
	EXPECT_EQ(call(SDEI_EVENT_STATUS, kApf),
		  SDEI_EVENT_STATUS_REGISTERED | SDEI_EVENT_STATUS_ENABLED |
			  SDEI_EVENT_STATUS_RUNNING);
	ASSERT_EQ(notes.size(), 1u);
	EXPECT_EQ(notes[0].event, kApf);
	EXPECT_EQ(notes[0].state, SDEI_NOTIFY_DELIVERED);

	// The handler clobbers registers, then completes.
	for (unsigned i = 0; i < SDEI_NR_CTX_REGS; i++)
		r.x[i] = 0xDEAD;
	r.pc = kEntryApf + 0x40;
	EXPECT_EQ(handler_call(&r, SDEI_EVENT_COMPLETE, 0), (int64_t)before.x[0]);
	EXPECT_EQ(last_rc, SDEI_CALL_CONTEXT_SWITCHED);
	for (unsigned i = 0; i < SDEI_NR_CTX_REGS; i++)
		EXPECT_EQ(r.x[i], before.x[i]) << "x" << i;
	EXPECT_EQ(r.pc, before.pc);
	EXPECT_EQ(r.pstate, before.pstate);
	EXPECT_FALSE(sdei_any_running(s, 0));
	EXPECT_EQ(sdei_pending_count(s, 0, kApf), 0u);
	ASSERT_EQ(notes.size(), 2u);
	EXPECT_EQ(notes[1].state, SDEI_NOTIFY_COMPLETED);
	// COMPLETE outside a handler is DENIED.
	EXPECT_EQ(call(SDEI_EVENT_COMPLETE), SDEI_DENIED);
	EXPECT_EQ(last_rc, SDEI_CALL_RETURN);
}

TEST_F(SdeiTest, KvmModeLeavesElrAlone)
{
	sdei_set_deliver_writes_elr(s, false);
	setup_event(kApf, kEntryApf, 0);
	sdei_inject(s, 0, kApf, true);
	struct sdei_regs r = live_context();
	ASSERT_EQ(sdei_deliver(s, 0, &r), 0);
	EXPECT_EQ(r.elr_el1, 0x222u);
	EXPECT_EQ(r.spsr_el1, 0x60000000u);
}

TEST_F(SdeiTest, EventContextInsideAndOutsideHandler)
{
	EXPECT_EQ(call(SDEI_EVENT_CONTEXT, 0), SDEI_DENIED);
	setup_event(kSw, kEntrySw, 0);
	sdei_inject(s, 0, kSw, false);
	struct sdei_regs r = live_context();
	ASSERT_EQ(sdei_deliver(s, 0, &r), 0);
	EXPECT_EQ(handler_call(&r, SDEI_EVENT_CONTEXT, 0), 0x1000);
	EXPECT_EQ(handler_call(&r, SDEI_EVENT_CONTEXT, 17), 0x1011);
	EXPECT_EQ(handler_call(&r, SDEI_EVENT_CONTEXT, 18), SDEI_INVALID_PARAMETERS);
}

TEST_F(SdeiTest, CriticalPreemptsNormalAndIsNeverPreempted)
{
	setup_event(kSw, kEntrySw, 1);
	call(SDEI_EVENT_REGISTER, kApf, kEntryApf, 2);
	call(SDEI_EVENT_ENABLE, kApf);
	struct sdei_regs r = live_context();
	const struct sdei_regs outer = r;

	ASSERT_EQ(sdei_inject(s, 0, kSw, false), 0);
	ASSERT_EQ(sdei_deliver(s, 0, &r), 0);
	EXPECT_EQ(r.pc, kEntrySw);
	// A second normal instance waits behind the running normal one.
	ASSERT_EQ(sdei_inject(s, 0, kSw, false), 0);
	EXPECT_FALSE(sdei_deliverable(s, 0, nullptr));
	// A critical event preempts the normal handler.
	ASSERT_EQ(sdei_inject(s, 0, kApf, false), 0);
	uint64_t ev;
	ASSERT_TRUE(sdei_deliverable(s, 0, &ev));
	EXPECT_EQ(ev, kApf);
	r.x[5] = 0x5555;	// state of the normal handler
	const struct sdei_regs normal = r;
	ASSERT_EQ(sdei_deliver(s, 0, &r), 0);
	EXPECT_EQ(r.pc, kEntryApf);
	EXPECT_EQ(r.x[2], kEntrySw);
	// While critical runs, nothing is deliverable, not even critical.
	ASSERT_EQ(sdei_inject(s, 0, kApf, false), 0);
	EXPECT_FALSE(sdei_deliverable(s, 0, nullptr));
	EXPECT_EQ(sdei_deliver(s, 0, &r), -ENOENT);

	// Completing critical returns into the normal handler...
	handler_call(&r, SDEI_EVENT_COMPLETE);
	EXPECT_EQ(r.pc, normal.pc);
	EXPECT_EQ(r.x[5], 0x5555u);
	ASSERT_TRUE(sdei_event_running(s, 0, &ev));
	EXPECT_EQ(ev, kSw);
	// ...where the queued critical instance preempts again.
	ASSERT_TRUE(sdei_deliverable(s, 0, &ev));
	EXPECT_EQ(ev, kApf);
	ASSERT_EQ(sdei_deliver(s, 0, &r), 0);
	handler_call(&r, SDEI_EVENT_COMPLETE);
	handler_call(&r, SDEI_EVENT_COMPLETE);
	EXPECT_EQ(r.pc, outer.pc);
	EXPECT_EQ(r.x[5], outer.x[5]);
	// The second normal instance is next.
	ASSERT_TRUE(sdei_deliverable(s, 0, &ev));
	EXPECT_EQ(ev, kSw);
}

TEST_F(SdeiTest, PeMaskBlocksDelivery)
{
	setup_event(kApf, kEntryApf, 0);
	ASSERT_EQ(sdei_inject(s, 0, kApf, false), 0);
	EXPECT_EQ(call(SDEI_PE_MASK), 1);	// was unmasked
	EXPECT_EQ(call(SDEI_PE_MASK), 0);	// already masked
	EXPECT_FALSE(sdei_deliverable(s, 0, nullptr));
	struct sdei_regs r = live_context();
	EXPECT_EQ(sdei_deliver(s, 0, &r), -ENOENT);
	EXPECT_EQ(sdei_inject(s, 0, kApf, false), -EPERM);
	requests = 0;
	EXPECT_EQ(call(SDEI_PE_UNMASK), SDEI_SUCCESS);
	EXPECT_EQ(requests, 1);	// queued event now deliverable
	EXPECT_TRUE(sdei_deliverable(s, 0, nullptr));
}

TEST_F(SdeiTest, CancelRules)
{
	setup_event(kApf, kEntryApf, 0);
	EXPECT_EQ(sdei_cancel(s, 0, kApf), -ENOENT);
	ASSERT_EQ(sdei_inject(s, 0, kApf, true), 0);
	EXPECT_EQ(sdei_cancel(s, 0, kApf), 0);	// only queued: cancelled
	EXPECT_FALSE(sdei_deliverable(s, 0, nullptr));

	ASSERT_EQ(sdei_inject(s, 0, kApf, true), 0);
	struct sdei_regs r = live_context();
	ASSERT_EQ(sdei_deliver(s, 0, &r), 0);
	EXPECT_EQ(sdei_cancel(s, 0, kApf), -EBUSY);	// the running instance
	ASSERT_EQ(sdei_inject(s, 0, kApf, false), 0);	// refcount 2
	EXPECT_EQ(sdei_cancel(s, 0, kApf), 0);
	EXPECT_EQ(sdei_cancel(s, 0, kApf), -EBUSY);
	handler_call(&r, SDEI_EVENT_COMPLETE);
	EXPECT_FALSE(sdei_deliverable(s, 0, nullptr));
}

TEST_F(SdeiTest, CompleteAndResumeEntersAtResumeAddress)
{
	setup_event(kApf, kEntryApf, 0);
	sdei_inject(s, 0, kApf, true);
	struct sdei_regs r = live_context();
	const struct sdei_regs before = r;
	ASSERT_EQ(sdei_deliver(s, 0, &r), 0);
	r.x[7] = 0;
	EXPECT_EQ(handler_call(&r, SDEI_EVENT_COMPLETE_AND_RESUME, 0x40000280),
		  (int64_t)before.x[0]);
	EXPECT_EQ(last_rc, SDEI_CALL_CONTEXT_SWITCHED);
	EXPECT_EQ(r.pc, 0x40000280u);
	EXPECT_EQ(r.pstate, SDEI_HANDLER_PSTATE);
	EXPECT_EQ(r.elr_el1, before.pc);
	EXPECT_EQ(r.spsr_el1, before.pstate);
	for (unsigned i = 0; i < SDEI_NR_CTX_REGS; i++)
		EXPECT_EQ(r.x[i], before.x[i]);
	EXPECT_FALSE(sdei_any_running(s, 0));
}

TEST_F(SdeiTest, UnregisterWhileRunningIsPending)
{
	setup_event(kSw, kEntrySw, 0);
	sdei_inject(s, 0, kSw, false);
	struct sdei_regs r = live_context();
	ASSERT_EQ(sdei_deliver(s, 0, &r), 0);
	sdei_inject(s, 0, kSw, false);	// a queued instance is dropped too
	EXPECT_EQ(handler_call(&r, SDEI_EVENT_UNREGISTER, kSw), SDEI_PENDING);
	EXPECT_EQ(handler_call(&r, SDEI_EVENT_STATUS, kSw), SDEI_EVENT_STATUS_RUNNING);
	r.x[4] = SDEI_EVENT_REGISTER_RM_ANY;	// flags
	EXPECT_EQ(handler_call(&r, SDEI_EVENT_REGISTER, kSw), SDEI_DENIED);
	EXPECT_EQ(sdei_inject(s, 0, kSw, false), -EPERM);
	handler_call(&r, SDEI_EVENT_COMPLETE);
	EXPECT_EQ(call(SDEI_EVENT_STATUS, kSw), 0);
	EXPECT_FALSE(sdei_deliverable(s, 0, nullptr));
	EXPECT_EQ(call(SDEI_EVENT_REGISTER, kSw, kEntrySw), SDEI_SUCCESS);
}

TEST_F(SdeiTest, SignalFeaturesResets)
{
	setup_event(SDEI_EVENT_0, kEntrySw, 3);
	EXPECT_EQ(call(SDEI_EVENT_SIGNAL, SDEI_EVENT_0, 0), SDEI_SUCCESS);
	uint64_t ev = 99;
	ASSERT_TRUE(sdei_deliverable(s, 0, &ev));
	EXPECT_EQ(ev, SDEI_EVENT_0);
	EXPECT_EQ(call(SDEI_EVENT_SIGNAL, kApf, 0), SDEI_DENIED);	// not registered
	EXPECT_EQ(call(SDEI_FEATURES, SDEI_FEATURE_BIND_SLOTS), 0);
	EXPECT_EQ(call(SDEI_FEATURES, 7), SDEI_INVALID_PARAMETERS);
	EXPECT_EQ(call(SDEI_SHARED_RESET), SDEI_SUCCESS);
	EXPECT_EQ(call(SDEI_EVENT_ROUTING_SET, SDEI_EVENT_0, 0), SDEI_INVALID_PARAMETERS);
	EXPECT_EQ(call(SDEI_PRIVATE_RESET), SDEI_SUCCESS);
	EXPECT_EQ(call(SDEI_EVENT_STATUS, SDEI_EVENT_0), 0);
	EXPECT_FALSE(sdei_deliverable(s, 0, nullptr));
}

TEST_F(SdeiTest, SnapshotRestoreKeepsRunningContext)
{
	setup_event(kApf, kEntryApf, 0);
	sdei_inject(s, 0, kApf, true);
	struct sdei_regs r = live_context();
	const struct sdei_regs before = r;
	ASSERT_EQ(sdei_deliver(s, 0, &r), 0);
	struct sdei_vcpu_state st;
	ASSERT_EQ(sdei_save_vcpu(s, 0, &st), 0);

	struct sdei *s2 = sdei_create(2);
	ASSERT_NE(s2, nullptr);
	ASSERT_EQ(sdei_restore_vcpu(s2, 0, &st), 0);
	EXPECT_TRUE(sdei_any_running(s2, 0));
	r.x[0] = SDEI_EVENT_COMPLETE;
	EXPECT_EQ(sdei_call(s2, 0, SDEI_EVENT_COMPLETE, &r), SDEI_CALL_CONTEXT_SWITCHED);
	EXPECT_EQ(r.pc, before.pc);
	EXPECT_EQ(r.x[17], before.x[17]);
	sdei_destroy(s2);
}

} // namespace
