// defer_equiv_test.cc — the vCPU's deferred steps (model/vm/vcpu.c,
// sim_defer) change no output.  Each run is made twice in one process: as
// the model runs it (a step that re-schedules itself goes on inline when
// nothing comes first) and with sim.defer_off, where every such step goes
// through the queue as it did before the deferral existed.  The JSON
// documents (oracle counts and event counts included) must be the same
// bytes, over the stock scenarios, three protocol families, the perturbed
// same-instant order of `apfsim explore`, and chaos fault injections
// (CPU offline, APF toggles, migration, flushes, kick delays).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_session.h"

extern "C" {
#include "model/explore/chaos.h"
#include "model/vm/machine.h"
}

namespace {

struct Outcome {
	std::string json;	// "" when the run could not be made
	uint64_t inline_steps;
};

Outcome RunOnce(const std::string &scenario, const std::vector<std::string> &sets, bool defer_off)
{
	Outcome o = { "", 0 };

	o.json = apfsim_test::RunDocument(
		scenario, sets, [defer_off](struct session *ss) { ss->m->sim.defer_off = defer_off; },
		[&o](struct session *ss) { o.inline_steps = ss->m->sim.defer_inline; });
	return o;
}

void ExpectSame(const std::string &scenario, const std::vector<std::string> &sets, uint64_t *inline_total)
{
	std::string what = scenario;
	for (const std::string &s : sets)
		what += " --set " + s;
	Outcome on = RunOnce(scenario, sets, false);
	Outcome off = RunOnce(scenario, sets, true);
	ASSERT_FALSE(on.json.empty()) << what;
	EXPECT_EQ(off.inline_steps, 0u) << what;
	EXPECT_EQ(on.json, off.json) << what;
	*inline_total += on.inline_steps;
}

std::string Stock(const char *name)
{
	return std::string(APFSIM_SOURCE_DIR) + "/workloads/scenarios/" + name;
}

const char *const kScenarios[] = {
	"quickstart.yaml", "multi-vcpu.yaml", "cpu-offline.yaml", "migrate-pending.yaml",
	"ack-race.yaml", "precopy.yaml", "postcopy.yaml", "token-wrap.yaml", "kernel-mode.yaml",
	"single-fault.yaml",
};
const char *const kProtocols[] = { "sync", "arm64-v4", "x86-int-ack" };

TEST(DeferredSteps, StockScenariosGiveTheSameDocumentEitherWay)
{
	uint64_t inline_total = 0;

	for (const char *sc : kScenarios)
		for (const char *p : kProtocols)
			for (bool perturb : { false, true }) {
				std::vector<std::string> sets = { std::string("protocol=") + p, "run.duration=450ms" };
				if (perturb)
					sets.push_back("run.perturb_order=true");
				ExpectSame(Stock(sc), sets, &inline_total);
			}
	// The comparison means something only if steps did go on inline.
	EXPECT_GT(inline_total, 10000u);
}

TEST(DeferredSteps, ChaosInjectionsGiveTheSameDocumentEitherWay)
{
	uint64_t inline_total = 0;
	const char *const scenarios[] = { "quickstart.yaml", "ack-race.yaml", "multi-vcpu.yaml",
					  "precopy.yaml" };

	for (const char *sc : scenarios)
		for (const char *p : { "arm64-v4", "x86-int-ack" })
			for (uint64_t seed = 1; seed <= 3; seed++) {
				std::vector<std::string> base = { std::string("protocol=") + p, "run.duration=300ms",
								  "run.perturb_order=true",
								  "seed=" + std::to_string(seed) };
				struct session ss;
				std::string path = Stock(sc);
				ASSERT_TRUE(apfsim_test::LoadScenario(&ss, path, base));
				struct chaos_scope scope;
				chaos_scope_init(&scope, &ss.cfg);
				session_end(&ss);
				struct chaos_draw d;
				chaos_draw(&scope, seed * 7919, &d);
				const char *flat[CHAOS_MAX_KINDS * CHAOS_MAX_KEYS];
				unsigned n = chaos_flatten(&d, ~0u, flat, CHAOS_MAX_KINDS * CHAOS_MAX_KEYS);
				std::vector<std::string> sets = base;
				for (unsigned i = 0; i < n; i++)
					sets.push_back(flat[i]);
				ExpectSame(path, sets, &inline_total);
			}
	EXPECT_GT(inline_total, 1000u);
}

} // namespace
