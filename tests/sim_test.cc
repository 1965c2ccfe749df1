// sim_test.cc — the event kernel as a model sees it: events run in (time,
// insertion) order, cancelled events never run, the clock only moves forward.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <tuple>
#include <vector>

extern "C" {
#include "model/kernel/rng.h"
#include "model/kernel/sim.h"
}

namespace {

struct Log {
	struct sim *s;
	std::vector<std::pair<sim_time_t, uint64_t>> runs; // (now, arg)
};

void record(void *ctx, uint64_t arg)
{
	Log *log = static_cast<Log *>(ctx);
	log->runs.emplace_back(log->s->now, arg);
}

class SimTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_EQ(sim_init(&s, &sim_backend_native), 0);
		log.s = &s;
	}
	void TearDown() override { sim_fini(&s); }

	struct sim s;
	Log log;
};

TEST_F(SimTest, RunsByTimeThenInsertionOrder)
{
	sim_at(&s, 30 * SIM_NS, record, &log, 0);
	sim_at(&s, 10 * SIM_NS, record, &log, 1);
	sim_at(&s, 20 * SIM_NS, record, &log, 2);
	sim_at(&s, 10 * SIM_NS, record, &log, 3);
	sim_at(&s, 10 * SIM_NS, record, &log, 4);
	EXPECT_EQ(sim_pending(&s), 5u);
	sim_run_until(&s, SIM_TIME_MAX);
	std::vector<std::pair<sim_time_t, uint64_t>> want = {
		{ 10 * SIM_NS, 1 }, { 10 * SIM_NS, 3 }, { 10 * SIM_NS, 4 },
		{ 20 * SIM_NS, 2 }, { 30 * SIM_NS, 0 },
	};
	EXPECT_EQ(log.runs, want);
	EXPECT_EQ(s.events_run, 5u);
	EXPECT_EQ(s.now, 30 * SIM_NS);
	EXPECT_EQ(sim_pending(&s), 0u);
}

TEST_F(SimTest, CancelledEventNeverRuns)
{
	sim_event_id a = sim_at(&s, 5, record, &log, 1);
	sim_event_id b = sim_at(&s, 6, record, &log, 2);
	sim_event_id c = sim_at(&s, 7, record, &log, 3);
	EXPECT_TRUE(sim_is_pending(&s, b));
	EXPECT_TRUE(sim_cancel(&s, b));
	EXPECT_FALSE(sim_is_pending(&s, b));
	EXPECT_FALSE(sim_cancel(&s, b)) << "cancelling twice";
	EXPECT_EQ(sim_pending(&s), 2u);
	sim_run_until(&s, SIM_TIME_MAX);
	ASSERT_EQ(log.runs.size(), 2u);
	EXPECT_EQ(log.runs[0].second, 1u);
	EXPECT_EQ(log.runs[1].second, 3u);
	EXPECT_FALSE(sim_cancel(&s, a)) << "already ran";
	EXPECT_FALSE(sim_is_pending(&s, c));
}

TEST_F(SimTest, ZeroHandleIsNoEvent)
{
	sim_event_id none = {};
	EXPECT_FALSE(sim_is_pending(&s, none));
	EXPECT_FALSE(sim_cancel(&s, none));
}

TEST_F(SimTest, StaleHandleRejectedAfterSlotReuse)
{
	sim_event_id old = sim_at(&s, 100, record, &log, 1);
	ASSERT_TRUE(sim_cancel(&s, old));
	// The freed slot is handed out again; the old handle must not name it.
	sim_event_id fresh = sim_at(&s, 200, record, &log, 2);
	EXPECT_EQ(fresh.slot, old.slot);
	EXPECT_NE(fresh.gen, old.gen);
	EXPECT_FALSE(sim_is_pending(&s, old));
	EXPECT_FALSE(sim_cancel(&s, old));
	EXPECT_TRUE(sim_is_pending(&s, fresh));
	sim_run_until(&s, SIM_TIME_MAX);
	ASSERT_EQ(log.runs.size(), 1u);
	EXPECT_EQ(log.runs[0].second, 2u);
}

TEST_F(SimTest, SchedulingInThePastIsRefused)
{
	sim_at(&s, 50, record, &log, 1);
	sim_run_until(&s, SIM_TIME_MAX);
	ASSERT_EQ(s.now, 50u);
	uint64_t seq = s.seq;
	sim_event_id id = sim_at(&s, 49, record, &log, 2);
	EXPECT_EQ(id.gen, 0u);
	EXPECT_FALSE(sim_is_pending(&s, id));
	EXPECT_EQ(sim_pending(&s), 0u);
	EXPECT_EQ(s.seq, seq) << "a refused event consumes no sequence number";
	EXPECT_EQ(sim_after(&s, SIM_TIME_MAX, record, &log, 3).gen, 0u) << "overflow";
	EXPECT_EQ(sim_at(&s, 60, nullptr, &log, 4).gen, 0u) << "no handler";
	sim_run_until(&s, SIM_TIME_MAX);
	EXPECT_EQ(log.runs.size(), 1u);
	// The present itself is allowed.
	EXPECT_NE(sim_at(&s, 50, record, &log, 5).gen, 0u);
}

struct Chain {
	struct sim *s;
	Log *log;
	int left;
	sim_event_id victim;
};

// Schedules a follow-up at the current time and one later, and cancels a
// victim: all from inside a handler.
void chain_step(void *ctx, uint64_t arg)
{
	Chain *c = static_cast<Chain *>(ctx);
	c->log->runs.emplace_back(c->s->now, arg);
	if (arg == 100) {
		EXPECT_TRUE(sim_cancel(c->s, c->victim));
		sim_after(c->s, 0, chain_step, c, 101);
		sim_after(c->s, 5, chain_step, c, 102);
	}
}

TEST_F(SimTest, HandlersScheduleAndCancel)
{
	Chain c = { &s, &log, 0, {} };
	sim_at(&s, 10, chain_step, &c, 100);
	sim_at(&s, 10, record, &log, 7);	// already pending at t=10: runs before 101
	c.victim = sim_at(&s, 12, record, &log, 8);
	sim_at(&s, 20, record, &log, 9);
	sim_run_until(&s, SIM_TIME_MAX);
	std::vector<std::pair<sim_time_t, uint64_t>> want = {
		{ 10, 100 }, { 10, 7 }, { 10, 101 }, { 15, 102 }, { 20, 9 },
	};
	EXPECT_EQ(log.runs, want);
}

TEST_F(SimTest, RunUntilDispatchesUpToAndIncludingLimit)
{
	sim_at(&s, 10, record, &log, 1);
	sim_at(&s, 20, record, &log, 2);
	sim_at(&s, 21, record, &log, 3);
	sim_run_until(&s, 20);
	ASSERT_EQ(log.runs.size(), 2u);
	EXPECT_EQ(s.now, 20u);
	EXPECT_EQ(sim_pending(&s), 1u);
	sim_time_t next = 0;
	ASSERT_TRUE(sim_next_time(&s, &next));
	EXPECT_EQ(next, 21u);
	// With nothing due, the clock still advances to the limit.
	sim_run_until(&s, 25 * SIM_NS);
	EXPECT_EQ(log.runs.size(), 3u);
	EXPECT_EQ(s.now, 25 * SIM_NS);
	EXPECT_FALSE(sim_next_time(&s, &next));
	// A limit in the past never moves the clock back.
	sim_run_until(&s, 5);
	EXPECT_EQ(s.now, 25 * SIM_NS);
}

struct Stopper {
	struct sim *s;
	int count;
};

void stop_on_third(void *ctx, uint64_t)
{
	Stopper *st = static_cast<Stopper *>(ctx);
	if (++st->count == 3)
		sim_stop(st->s);
}

TEST_F(SimTest, StopReturnsAfterTheCurrentHandler)
{
	Stopper st = { &s, 0 };
	for (uint64_t i = 1; i <= 5; i++)
		sim_at(&s, i * 100, stop_on_third, &st, i);
	sim_run_until(&s, 10000);
	EXPECT_EQ(st.count, 3);
	EXPECT_EQ(s.now, 300u) << "a stopped run leaves the clock at the stopping event";
	EXPECT_EQ(sim_pending(&s), 2u);
	sim_run_until(&s, 10000);	// a new run clears the stop
	EXPECT_EQ(st.count, 5);
	EXPECT_EQ(s.now, 10000u);
}

TEST_F(SimTest, GrowsPastInitialCapacity)
{
	const uint64_t n = 100000;
	std::vector<sim_event_id> ids;
	// Reverse time order so every insertion sifts to the top.
	for (uint64_t i = 0; i < n; i++)
		ids.push_back(sim_at(&s, (n - i) * SIM_NS, record, &log, n - i));
	EXPECT_EQ(sim_pending(&s), n);
	for (uint64_t i = 0; i < n; i += 2)
		ASSERT_TRUE(sim_cancel(&s, ids[i]));
	sim_run_until(&s, SIM_TIME_MAX);
	ASSERT_EQ(log.runs.size(), n / 2);
	for (size_t k = 0; k < log.runs.size(); k++) {
		// Survivors are odd i, whose args n - i are the odd numbers.
		ASSERT_EQ(log.runs[k].second, 2 * k + 1);
		ASSERT_EQ(log.runs[k].first, log.runs[k].second * SIM_NS);
	}
}

// Cancelled events leave the native heap lazily and the heap is rebuilt when
// they outnumber the live ones: pending counts, handles and the order must
// not show it, whatever the mix of cancels and new events in between.
TEST_F(SimTest, CancellingMostEventsKeepsCountHandlesAndOrder)
{
	const uint64_t n = 20000;
	std::vector<sim_event_id> ids;
	for (uint64_t i = 0; i < n; i++)
		ids.push_back(sim_at(&s, (1 + i % 97) * SIM_NS, record, &log, i));
	uint64_t live = n;
	for (uint64_t i = 0; i < n; i++) {
		if (i % 10 == 3)
			continue;
		ASSERT_TRUE(sim_cancel(&s, ids[i]));
		live--;
		ASSERT_EQ(sim_pending(&s), live);
	}
	for (uint64_t i = 0; i < n; i++)
		ASSERT_EQ(sim_is_pending(&s, ids[i]), i % 10 == 3) << i;
	// New events reuse freed slots; stale handles on those slots stay dead.
	for (uint64_t i = 0; i < 1000; i++)
		ASSERT_NE(sim_at(&s, 50 * SIM_NS, record, &log, n + i).gen, 0u);
	EXPECT_FALSE(sim_cancel(&s, ids[0]));
	EXPECT_EQ(sim_pending(&s), live + 1000);
	sim_time_t first, expect = SIM_TIME_MAX;
	for (uint64_t i = 3; i < n; i += 10)
		expect = std::min(expect, (1 + i % 97) * SIM_NS);
	ASSERT_TRUE(sim_next_time(&s, &first));
	EXPECT_EQ(first, expect) << "the earliest survivor";
	sim_run_until(&s, SIM_TIME_MAX);
	ASSERT_EQ(log.runs.size(), live + 1000);
	for (size_t k = 1; k < log.runs.size(); k++) {
		auto a = log.runs[k - 1], b = log.runs[k];
		// (time, insertion) order; insertion order is arg order here.
		ASSERT_TRUE(a.first < b.first || (a.first == b.first && a.second < b.second)) << k;
	}
	EXPECT_EQ(sim_pending(&s), 0u);
}

// The reference: a plain sort of everything scheduled, minus cancellations,
// by (time, insertion order).
struct RefEvent {
	sim_time_t time;
	uint64_t seq;
	bool cancelled;
};

TEST_F(SimTest, RandomScheduleMatchesSortedReference)
{
	struct rng r;
	rng_stream(&r, 42, "test/sim-order");
	std::vector<RefEvent> ref;
	std::vector<sim_event_id> ids;
	// Coarse times force many ties; cancellations hit random live events.
	for (int round = 0; round < 20000; round++) {
		if (!ids.empty() && rng_below(&r, 4) == 0) {
			uint64_t k = rng_below(&r, ids.size());
			bool live = !ref[k].cancelled;
			ASSERT_EQ(sim_cancel(&s, ids[k]), live);
			ref[k].cancelled = true;
			continue;
		}
		sim_time_t t = rng_below(&r, 500);
		ids.push_back(sim_at(&s, t, record, &log, ref.size()));
		ref.push_back({ t, ref.size(), false });
	}
	sim_run_until(&s, SIM_TIME_MAX);

	std::vector<RefEvent> live;
	for (const RefEvent &e : ref)
		if (!e.cancelled)
			live.push_back(e);
	std::sort(live.begin(), live.end(), [](const RefEvent &a, const RefEvent &b) {
		return std::tie(a.time, a.seq) < std::tie(b.time, b.seq);
	});
	ASSERT_EQ(log.runs.size(), live.size());
	for (size_t i = 0; i < live.size(); i++) {
		ASSERT_EQ(log.runs[i].second, live[i].seq) << "at position " << i;
		ASSERT_EQ(log.runs[i].first, live[i].time);
	}
}

// The native heap orders (time, seq) through a 32-bit image of seq and reads
// the full seq only when the images are equal: exact below 2^31, coarse
// above (where every image of this run is equal), and across the seam.
// Starting the run at such sequence numbers must not change the order.
TEST_F(SimTest, OrderHoldsAtLargeSequenceNumbers)
{
	const uint64_t starts[] = { (UINT64_C(1) << 31) - 3000, UINT64_C(1) << 40,
				    UINT64_MAX - 10000 };
	for (uint64_t start : starts) {
		struct sim t;
		Log tl;
		ASSERT_EQ(sim_init(&t, &sim_backend_native), 0);
		t.seq = start;
		tl.s = &t;
		struct rng r;
		rng_stream(&r, 7, "test/sim-large-seq");
		std::vector<RefEvent> ref;
		for (uint64_t i = 0; i < 6000; i++) {
			sim_time_t when = rng_below(&r, 40);
			ASSERT_NE(sim_at(&t, when, record, &tl, i).gen, 0u);
			ref.push_back({ when, i, false });
		}
		sim_run_until(&t, SIM_TIME_MAX);
		std::stable_sort(ref.begin(), ref.end(), [](const RefEvent &a, const RefEvent &b) {
			return a.time < b.time;
		});
		ASSERT_EQ(tl.runs.size(), ref.size());
		for (size_t i = 0; i < ref.size(); i++)
			ASSERT_EQ(tl.runs[i].second, ref[i].seq) << "start " << start << " position " << i;
		sim_fini(&t);
	}
}

struct Churn {
	struct sim *s;
	struct rng r;
	std::vector<std::pair<sim_time_t, uint64_t>> runs;
	uint64_t next_id;
	uint64_t budget;
};

// Each event reschedules itself zero or more times, sometimes at now.
void churn_step(void *ctx, uint64_t arg)
{
	Churn *c = static_cast<Churn *>(ctx);
	c->runs.emplace_back(c->s->now, arg);
	uint64_t kids = rng_below(&c->r, 3);
	for (uint64_t k = 0; k < kids && c->budget > 0; k++, c->budget--)
		sim_after(c->s, rng_below(&c->r, 3) * 7, churn_step, c, c->next_id++);
}

TEST_F(SimTest, DispatchOrderIsReproducible)
{
	auto run_once = [](uint64_t seed) {
		struct sim s2;
		EXPECT_EQ(sim_init(&s2, nullptr), 0);
		Churn c = { &s2, {}, {}, 0, 50000 };
		rng_stream(&c.r, seed, "test/churn");
		for (int i = 0; i < 64; i++)
			sim_at(&s2, rng_below(&c.r, 10), churn_step, &c, c.next_id++);
		sim_run_until(&s2, SIM_TIME_MAX);
		sim_fini(&s2);
		return c.runs;
	};
	auto a = run_once(7);
	auto b = run_once(7);
	EXPECT_GT(a.size(), 1000u);
	EXPECT_EQ(a, b);
	for (size_t i = 1; i < a.size(); i++)
		ASSERT_LE(a[i - 1].first, a[i].first) << "time went backwards";
}

// A mirror of the pending set kept by the test: every dispatched event must
// be the mirror's smallest (time, seq), whatever handlers schedule or cancel.
struct Mirror {
	struct sim *s;
	struct rng r;
	std::set<std::tuple<sim_time_t, uint64_t, uint64_t>> pending; // time, seq, id
	std::vector<std::tuple<sim_event_id, sim_time_t, uint64_t>> events; // by id
	std::vector<uint64_t> live;	// ids believed pending
	std::vector<size_t> where;	// where[id]: index of id in live
	uint64_t budget;
	uint64_t mismatches;
};

void mirror_step(void *ctx, uint64_t id);

void mirror_schedule(Mirror *m, sim_time_t delay)
{
	uint64_t id = m->events.size(), seq = m->s->seq;
	sim_event_id h = sim_after(m->s, delay, mirror_step, m, id);
	m->events.emplace_back(h, m->s->now + delay, seq);
	m->pending.emplace(m->s->now + delay, seq, id);
	m->where.push_back(m->live.size());
	m->live.push_back(id);
}

void mirror_forget(Mirror *m, uint64_t id)
{
	size_t i = m->where[id];
	m->live[i] = m->live.back();
	m->where[m->live[i]] = i;
	m->live.pop_back();
}

void mirror_step(void *ctx, uint64_t id)
{
	Mirror *m = static_cast<Mirror *>(ctx);
	auto [h, t, seq] = m->events[id];
	if (m->pending.empty() || *m->pending.begin() != std::make_tuple(t, seq, id) || m->s->now != t)
		m->mismatches++;
	m->pending.erase(std::make_tuple(t, seq, id));
	mirror_forget(m, id);
	if (sim_is_pending(m->s, h) || sim_pending(m->s) != m->pending.size())
		m->mismatches++;
	// Before the handler schedules anything (the native backend answers
	// this without removing the dispatched root when no cancelled entry
	// is in the heap): the earliest other pending event, or none.
	sim_time_t first;
	bool some = sim_next_time(m->s, &first);
	if (some != !m->pending.empty() || (some && first != std::get<0>(*m->pending.begin())))
		m->mismatches++;
	uint64_t ops = rng_below(&m->r, 5);
	for (uint64_t k = 0; k < ops && m->budget > 0; k++, m->budget--) {
		if (!m->live.empty() && rng_below(&m->r, 5) == 0) {
			uint64_t victim = m->live[rng_below(&m->r, m->live.size())];
			auto [vh, vt, vseq] = m->events[victim];
			if (!sim_cancel(m->s, vh))
				m->mismatches++;
			m->pending.erase(std::make_tuple(vt, vseq, victim));
			mirror_forget(m, victim);
		} else {
			mirror_schedule(m, rng_below(&m->r, 20));
		}
	}
	sim_time_t next;
	bool any = sim_next_time(m->s, &next);
	if (any != !m->pending.empty() || (any && next != std::get<0>(*m->pending.begin())))
		m->mismatches++;
}

// No cancellations: each handler asks for the next event time before it
// schedules anything (sim_advance does so at every vCPU step), while its own
// event is being dispatched.  The answer must be the earliest other pending
// time, whatever the heap's shape.
struct NextProbe {
	struct sim *s;
	struct rng r;
	std::multiset<sim_time_t> pending;
	uint64_t budget;
	uint64_t mismatches;
};

void next_probe_step(void *ctx, uint64_t)
{
	NextProbe *p = static_cast<NextProbe *>(ctx);
	p->pending.erase(p->pending.find(p->s->now));
	sim_time_t next;
	bool some = sim_next_time(p->s, &next);
	if (some != !p->pending.empty() || (some && next != *p->pending.begin()))
		p->mismatches++;
	for (uint64_t k = rng_below(&p->r, 3); k > 0 && p->budget > 0; k--, p->budget--) {
		sim_time_t d = rng_below(&p->r, 1000);
		sim_after(p->s, d, next_probe_step, p, 0);
		p->pending.insert(p->s->now + d);
	}
}

TEST_F(SimTest, NextTimeFromAHandlerIsTheEarliestOtherEvent)
{
	NextProbe p = { &s, {}, {}, 20000, 0 };
	rng_stream(&p.r, 5, "test/next-probe");
	for (int i = 0; i < 40; i++) {
		sim_time_t t = rng_below(&p.r, 1000);
		sim_at(&s, t, next_probe_step, &p, 0);
		p.pending.insert(t);
	}
	sim_run_until(&s, SIM_TIME_MAX);
	EXPECT_EQ(p.mismatches, 0u);
	EXPECT_TRUE(p.pending.empty());
	EXPECT_GT(s.events_run, 20000u);
}

TEST_F(SimTest, HandlersSchedulingAndCancellingMatchAMirror)
{
	Mirror m = { &s, {}, {}, {}, {}, {}, 100000, 0 };
	rng_stream(&m.r, 3, "test/mirror");
	for (int i = 0; i < 300; i++)
		mirror_schedule(&m, rng_below(&m.r, 50));
	sim_run_until(&s, SIM_TIME_MAX);
	EXPECT_EQ(m.mismatches, 0u);
	EXPECT_TRUE(m.pending.empty());
	EXPECT_GT(s.events_run, 50000u);
}

// A chain whose every link schedules its follow-up either with sim_at
// (the reference) or with sim_defer, continuing inline when
// sim_defer_advance allows and committing otherwise.  Around the follow-up
// each link schedules other events, some at the same instant and some at
// the follow-up's own time, before and after the reservation.  Both ways
// must give the same dispatch log, sequence count and event count, with
// and without a perturbation salt and across run limits.
struct DeferChain {
	struct sim *s;
	struct rng r;
	bool defer;
	struct sim_deferred d;
	uint64_t budget;
	uint64_t next_id;
	uint64_t inline_steps;
	std::vector<std::pair<sim_time_t, uint64_t>> log; // (now, id)
};

void defer_chain_other(void *ctx, uint64_t id)
{
	DeferChain *c = static_cast<DeferChain *>(ctx);
	c->log.emplace_back(c->s->now, id);
}

void defer_chain_others(DeferChain *c, sim_time_t follow)
{
	for (uint64_t k = rng_below(&c->r, 3); k > 0; k--) {
		sim_time_t at = rng_below(&c->r, 3) == 0 ? follow : c->s->now + rng_below(&c->r, 40);
		sim_at(c->s, at, defer_chain_other, c, c->next_id++);
	}
}

void defer_chain_link(void *ctx, uint64_t id)
{
	DeferChain *c = static_cast<DeferChain *>(ctx);

	for (;;) {
		c->log.emplace_back(c->s->now, id);
		if (c->budget == 0)
			return;
		c->budget--;
		sim_time_t follow = c->s->now + rng_below(&c->r, 4) * 10;
		defer_chain_others(c, follow);
		uint64_t next = c->next_id++;
		if (!c->defer) {
			sim_at(c->s, follow, defer_chain_link, c, next);
			defer_chain_others(c, follow);
			return;
		}
		sim_defer(c->s, &c->d, follow);
		defer_chain_others(c, follow);
		if (!sim_defer_advance(c->s, &c->d)) {
			sim_defer_commit(c->s, &c->d, defer_chain_link, c, next);
			return;
		}
		c->inline_steps++;
		id = next;
	}
}

TEST_F(SimTest, DeferredFollowUpMatchesScheduleAndDispatch)
{
	for (uint64_t salt : { UINT64_C(0), UINT64_C(0x9e3779b97f4a7c15) }) {
		auto run = [salt](bool defer, uint64_t *seq, uint64_t *events, uint64_t *inl) {
			struct sim s2;
			EXPECT_EQ(sim_init(&s2, nullptr), 0);
			s2.perturb_salt = salt;
			DeferChain c = { &s2, {}, defer, {}, 20000, 0, 0, {} };
			rng_stream(&c.r, 11, "test/defer-chain");
			for (int i = 0; i < 4; i++)
				sim_at(&s2, rng_below(&c.r, 20), defer_chain_link, &c, c.next_id++);
			for (sim_time_t lim = 0; sim_pending(&s2) > 0; lim += 997)
				sim_run_until(&s2, lim);
			*seq = s2.seq;
			*events = s2.events_run;
			*inl = c.inline_steps;
			sim_fini(&s2);
			return c.log;
		};
		uint64_t seq_a, ev_a, inl_a, seq_b, ev_b, inl_b;
		auto a = run(false, &seq_a, &ev_a, &inl_a);
		auto b = run(true, &seq_b, &ev_b, &inl_b);
		EXPECT_GT(a.size(), 40000u);
		EXPECT_EQ(a, b) << "salt " << salt;
		EXPECT_EQ(seq_a, seq_b);
		EXPECT_EQ(ev_a, ev_b);
		EXPECT_EQ(inl_a, 0u);
		// Both branches were taken: many links went on inline, many waited.
		EXPECT_GT(inl_b, 1000u);
		EXPECT_LT(inl_b, 18000u);
	}
}

TEST_F(SimTest, DeferredFollowUpRespectsLimitAndStop)
{
	struct sim_deferred d = {};
	sim_run_until(&s, 100);	// now = 100, limit = 100
	sim_defer(&s, &d, 150);
	EXPECT_FALSE(sim_defer_advance(&s, &d)) << "past the run's limit";
	EXPECT_TRUE(d.set);
	s.limit = 1000;
	s.stop = true;
	EXPECT_FALSE(sim_defer_advance(&s, &d)) << "after a stop";
	s.stop = false;
	uint64_t seq = s.seq;
	EXPECT_TRUE(sim_defer_advance(&s, &d));
	EXPECT_EQ(s.now, 150u);
	EXPECT_EQ(s.seq, seq) << "the number was taken at sim_defer";
	EXPECT_FALSE(d.set);
	EXPECT_FALSE(sim_defer_advance(&s, &d)) << "nothing reserved";
	sim_event_id none = sim_defer_commit(&s, &d, record, &log, 1);
	EXPECT_EQ(none.gen, 0u);
	EXPECT_EQ(sim_pending(&s), 0u);
}

} // namespace
