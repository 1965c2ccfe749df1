// The published-experiment scenarios (workloads/scenarios/published/, issue
// 22 item 3), shortened, under sync, arm64-v4 and x86-int-ack: every figure
// keeps its physical bounds and the experiments' structural claims hold.
// Bounds: each vCPU's time account sums to the simulated time; every fault
// is in exactly one class; no swap-in completes below the device floor; a
// migration never moves more bytes than its link carries.  Claims: with a
// cgroup below the guest, the APF presets take async faults and sync none;
// without a limit nothing swaps and APF is idle; postcopy fetches pages.
// The full-length figures are in docs/scenarios.md (scripts/published-figures.sh).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <jansson.h>

#include "test_session.h"

extern "C" {
#include "model/check/oracle.h"
#include "model/config/config.h"
#include "model/vm/machine_report.h"
#include "model/session/session.h"
#include "model/vm/machine.h"
}

namespace {

const char *const kProtocols[] = { "sync", "arm64-v4", "x86-int-ack" };

struct Case {
	const char *file;
	const char *duration;		// shortened for CI
	std::vector<std::string> sets;
	bool swaps;			// the cgroup limit is below what the test touches
};

const Case kCases[] = {
	{ "a-testsuite-8g.yaml", "3s", {}, true },
	{ "b-testsuite-4g.yaml", "3s", { "host.memory_limit=1GiB" }, true },
	{ "b-testsuite-4g.yaml", "3s", { "host.memory_limit=3GiB" }, true },
	{ "c-loop-1g.yaml", "3s", {}, true },
	{ "c-loop-1g.yaml", "3s", { "host.memory_limit=none" }, false },
	{ "d-build-24.yaml", "300ms", {}, true },
	{ "e-postcopy-4g.yaml", "2s", {}, false },
};

json_int_t Int(json_t *o, const char *path)
{
	std::string p = path;
	size_t at = 0;
	while (o) {
		size_t dot = p.find('.', at);
		std::string k = p.substr(at, dot == std::string::npos ? std::string::npos : dot - at);
		o = json_object_get(o, k.c_str());
		if (dot == std::string::npos)
			break;
		at = dot + 1;
	}
	EXPECT_TRUE(o && json_is_number(o)) << path;
	return o && json_is_integer(o) ? json_integer_value(o) : o ? (json_int_t)json_number_value(o) : 0;
}

json_t *RunCase(const Case &c, const char *protocol)
{
	std::string path = std::string(APFSIM_SOURCE_DIR) + "/workloads/scenarios/published/" + c.file;
	std::vector<std::string> sets = c.sets;
	sets.push_back(std::string("run.duration=") + c.duration);
	sets.push_back(std::string("protocol=") + protocol);
	struct session ss;
	if (!apfsim_test::LoadScenario(&ss, path, sets))
		return nullptr;
	struct session_build build = {};
	build.oracle = true;
	json_t *doc = nullptr;
	int rc = session_build(&ss, &build);
	if (rc == 0) {
		session_run(&ss, nullptr);
		session_finish(&ss);
		struct session_collect want = {};
		want.version = path.c_str();
		want.json = true;
		struct session_result res;
		if (session_collect(&ss, &want, &res) == 0) {
			doc = json_incref(res.doc);
			session_result_free(&res);
		}
	} else {
		ADD_FAILURE() << ss.err;
	}
	session_end(&ss);
	return doc;
}

class Published : public ::testing::TestWithParam<size_t> {};

TEST_P(Published, KeepsPhysicalBoundsAndItsClaims)
{
	const Case &c = kCases[GetParam()];
	for (const char *p : kProtocols) {
		SCOPED_TRACE(std::string(c.file) + " " + p);
		json_t *d = RunCase(c, p);
		ASSERT_NE(d, nullptr);
		const json_int_t sim = Int(d, "sim_time_ps");
		EXPECT_EQ(Int(d, "oracle.violations"), 0);

		// The time account closes on every vCPU.
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(d, "vcpus"), i, v) {
			json_int_t sum = 0;
			const char *k;
			json_t *b;
			json_object_foreach(json_object_get(v, "account_ps"), k, b)
				sum += json_integer_value(b);
			EXPECT_EQ(sum, sim) << "vCPU " << i;
		}
		// Every fault in exactly one class.
		EXPECT_EQ(Int(d, "host.faults.total"), Int(d, "host.faults.minor") + Int(d, "host.faults.zero_fill") +
								  Int(d, "host.faults.major") + Int(d, "host.faults.async") +
								  Int(d, "host.faults.repeated"));
		// No swap-in below the device's floor.
		if (Int(d, "host.swap.read_latency_ps.count") > 0) {
			EXPECT_GE(Int(d, "host.swap.read_latency_ps.min"), Int(d, "host.swap.floor_ps"));
		}
		// Claims.
		const bool apf = std::string(p) != "sync";
		if (c.swaps) {
			EXPECT_GT(Int(d, "host.swap.read_requests"), 0);
			if (apf) {
				EXPECT_GT(Int(d, "apf.async"), 0);
			}
		} else if (!json_object_get(d, "migration")) {
			EXPECT_EQ(Int(d, "host.swap.read_requests"), 0);
			if (apf) {
				EXPECT_EQ(Int(d, "apf.async"), 0);
			}
		}
		if (!apf) {
			EXPECT_EQ(Int(d, "host.faults.async"), 0);
		}
		if (json_t *mig = json_object_get(d, "migration")) {
			EXPECT_GT(Int(mig, "remote_pages_arrived"), 0);
			// The link is the bound: never more bytes per second than it carries.
			EXPECT_LE(json_number_value(json_object_get(mig, "effective_bytes_per_s")),
				  json_number_value(json_object_get(mig, "link_bytes_per_s")) * 1.000001);
			EXPECT_GT(Int(mig, "downtime_ps"), 0);
		}
		json_decref(d);
	}
}

INSTANTIATE_TEST_SUITE_P(Experiments, Published, ::testing::Range<size_t>(0, sizeof(kCases) / sizeof(kCases[0])));

} // namespace
