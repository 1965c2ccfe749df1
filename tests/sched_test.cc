// Guest scheduler: runqueues, pinning, stealing.
#include <gtest/gtest.h>

extern "C" {
#include "model/vm/sched.h"
}

namespace {

TEST(Sched, RunqueueIsFifoPerVcpu)
{
	struct sched s;
	ASSERT_EQ(sched_init(&s, 4, 2), 0);
	for (uint32_t i = 0; i < 4; i++) {
		s.tasks[i].id = i;
		s.tasks[i].pinned = (int32_t)(i % 2);
		s.tasks[i].vcpu = i % 2;
		sched_enqueue(&s, &s.tasks[i]);
	}
	EXPECT_EQ(sched_pick(&s, 0)->id, 0u);
	EXPECT_EQ(sched_pick(&s, 0)->id, 2u);
	EXPECT_EQ(sched_pick(&s, 1)->id, 1u);
	// vCPU 0 is empty and the only waiting task is pinned to vCPU 1.
	EXPECT_EQ(sched_pick(&s, 0), nullptr);
	EXPECT_EQ(sched_pick(&s, 1)->id, 3u);
	sched_fini(&s);
}

TEST(Sched, IdleVcpuStealsUnpinnedTaskFromLongestQueue)
{
	struct sched s;
	ASSERT_EQ(sched_init(&s, 5, 3), 0);
	const int32_t pin[] = { 1, -1, 1, 2, -1 };
	const uint32_t rq[] = { 1, 1, 1, 2, 1 };
	for (uint32_t i = 0; i < 5; i++) {
		s.tasks[i].id = i;
		s.tasks[i].pinned = pin[i];
		s.tasks[i].vcpu = rq[i];
		sched_enqueue(&s, &s.tasks[i]);
	}
	// vCPU 1 holds 0(pinned),1,2(pinned),4: the first unpinned is 1.
	struct task *t = sched_pick(&s, 0);
	ASSERT_NE(t, nullptr);
	EXPECT_EQ(t->id, 1u);
	EXPECT_EQ(t->vcpu, 0u);
	t = sched_pick(&s, 0);
	ASSERT_NE(t, nullptr);
	EXPECT_EQ(t->id, 4u);
	EXPECT_EQ(sched_pick(&s, 0), nullptr); // only pinned tasks remain
	EXPECT_EQ(s.rq[1].len, 2u);
	sched_fini(&s);
}

} // namespace
