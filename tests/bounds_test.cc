// The bound sweep (issue 22, "Must hold"): every example scenario
// (workloads/scenarios/*.yaml, published/*.yaml, the regression suites'
// workloads/suites/*/*.yaml and the example project's
// examples/guest-handler/suite/*.yaml) under every protocol
// preset, shortened to 300 ms (every migration in them starts by 200 ms, so
// each is in progress), checked against the physical bounds and the
// counting identities docs/output.md states.  One ctest per scenario; the
// whole sweep is 32 scenarios x 5 protocols (about 11 s of CPU, most of it
// the no-irq-ack suite case's interrupt storm).
//
// A failure names the scenario, the protocol and the bound.  Each bound
// here that once failed was a bug fixed at its source (docs/testing.md,
// "The bound sweep"), never by loosening the check.
#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <jansson.h>

#include "tests/scenario_gen.h"

extern "C" {
#include "cpu/cpu.h"
#include "model/config/config.h"
#include "model/vm/machine_report.h"
#include "model/vm/machine.h"
}

namespace {

const char *const kProtocols[] = { "sync", "arm64-v4", "x86-int-ack", "x86-int-noack", "x86-legacy" };
const char *const kDuration = "run.duration=300ms";

std::vector<std::string> Scenarios()
{
	std::vector<std::string> out;
	for (const char *sub : { "workloads/scenarios/", "workloads/scenarios/published/", "examples/guest-handler/suite/",
				 "workloads/suites/bugs/", "workloads/suites/perf/", "workloads/suites/x86/" }) {
		std::string dir = std::string(APFSIM_SOURCE_DIR) + "/" + sub;
		DIR *d = opendir(dir.c_str());
		if (!d)
			continue;
		while (struct dirent *e = readdir(d)) {
			std::string n = e->d_name;
			if (n.size() > 5 && n.compare(n.size() - 5, 5, ".yaml") == 0)
				out.push_back(sub + n);
		}
		closedir(d);
	}
	std::sort(out.begin(), out.end());
	return out;
}

// One finished run and its JSON document.
struct BoundRun {
	struct apf_config cfg;
	struct machine m;
	json_t *doc = nullptr;
	bool ok = false;

	// A scenario file under protocol `proto`, shortened to kDuration.
	BoundRun(const std::string &path, const char *proto)
	{
		struct cfg_error err;
		if (config_load_file(&cfg, path.c_str(), &err)) {
			ADD_FAILURE() << path << ": " << err.msg;
			return;
		}
		for (std::string s : { std::string("protocol=") + proto, std::string(kDuration) })
			EXPECT_EQ(config_set(&cfg, s.c_str(), &err), 0) << s << ": " << err.msg;
		Run();
	}
	// A scenario given as text, run as it is (or with one override).
	struct FromText {};
	BoundRun(FromText, const std::string &yaml, const char *set = nullptr)
	{
		struct cfg_error err;
		if (config_load_text(&cfg, yaml.c_str(), yaml.size(), "random.yaml", &err) ||
		    (set && config_set(&cfg, set, &err)) || config_check_protocol_keys(&cfg, &err)) {
			ADD_FAILURE() << err.msg << "\n" << yaml;
			return;
		}
		Run();
	}
	void Run()
	{
		if (machine_init(&m, &cfg)) {
			ADD_FAILURE() << m.err;
			config_free(&cfg);
			return;
		}
		machine_run_until(&m, SIM_TIME_MAX);
		machine_finish(&m);
		doc = report_json(&m, "bounds");
		ok = true;
	}
	~BoundRun()
	{
		if (ok) {
			json_decref(doc);
			machine_fini(&m);
			config_free(&cfg);
		}
	}
	// An integer at a dotted path of the document; -1 when absent.
	long long I(const std::string &path) const
	{
		json_t *v = doc;
		size_t a = 0;
		while (v && a <= path.size()) {
			size_t b = path.find('.', a);
			if (b == std::string::npos)
				b = path.size();
			v = json_object_get(v, path.substr(a, b - a).c_str());
			a = b + 1;
		}
		return v && json_is_integer(v) ? (long long)json_integer_value(v) : -1;
	}
	bool Has(const char *key) const { return json_object_get(doc, key) != nullptr; }
};

long long SumObject(json_t *o)
{
	const char *k;
	json_t *x;
	long long s = 0;
	json_object_foreach(o, k, x) s += json_integer_value(x);
	return s;
}

void CheckBounds(const BoundRun &r, const std::string &what)
{
	const struct machine *m = &r.m;
	ASSERT_FALSE(m->failed) << what << ": " << m->err;
	long long sim = r.I("sim_time_ps");
	ASSERT_EQ(sim, (long long)m->end_ps) << what;

	// The time account closes: every vCPU's buckets sum to the simulated
	// time, its guest + host + idle too; every task's to its lifetime.
	size_t k;
	json_t *v;
	json_array_foreach(json_object_get(r.doc, "vcpus"), k, v) {
		EXPECT_EQ(SumObject(json_object_get(v, "account_ps")), sim) << what << " vcpu " << k;
		long long g = json_integer_value(json_object_get(v, "guest_ps"));
		long long h = json_integer_value(json_object_get(v, "host_ps"));
		long long i = json_integer_value(json_object_get(v, "idle_ps"));
		EXPECT_EQ(g + h + i, sim) << what << " vcpu " << k << ": guest + host + idle";
	}
	long long task_faults = 0;
	json_array_foreach(json_object_get(r.doc, "tasks"), k, v) {
		long long life = json_integer_value(json_object_get(v, "lifetime_ps"));
		json_t *acct = json_object_get(v, "account_ps");
		EXPECT_EQ(SumObject(acct), life) << what << " task " << k;
		EXPECT_LE(life, sim) << what << " task " << k;
		// The task's counters are its account's buckets.
		EXPECT_EQ(json_integer_value(json_object_get(v, "stall_ps")),
			  json_integer_value(json_object_get(acct, "stalled"))) << what << " task " << k;
		EXPECT_EQ(json_integer_value(json_object_get(v, "parked_ps")),
			  json_integer_value(json_object_get(acct, "parked"))) << what << " task " << k;
		EXPECT_LE(json_integer_value(json_object_get(v, "cpu_ps")), life) << what << " task " << k;
		task_faults += json_integer_value(json_object_get(v, "faults"));
	}

	// Fault classes: each fault in exactly one class, and in one mode.
	long long total = r.I("host.faults.total");
	EXPECT_EQ(r.I("host.faults.minor") + r.I("host.faults.zero_fill") + r.I("host.faults.major") +
			  r.I("host.faults.async") + r.I("host.faults.repeated"),
		  total) << what << ": fault classes";
	EXPECT_EQ(r.I("host.faults.user") + r.I("host.faults.kernel"), total) << what << ": user + kernel";
	EXPECT_LE(r.I("host.faults.swapcache_hits"), r.I("host.faults.minor")) << what;
	EXPECT_LE(task_faults, total) << what << ": faults of tasks";
	// A fault's latency is recorded at re-entry: at most one fault per
	// vCPU is still in the host when the run ends.
	long long nv = (long long)m->nvcpus;
	EXPECT_LE(r.I("host.fault_latency_ps.count"), total) << what << ": one latency per fault";
	EXPECT_GE(r.I("host.fault_latency_ps.count"), total - nv) << what << ": one latency per fault";
	EXPECT_LE(r.I("host.major_fault_latency_ps.count"), r.I("host.faults.major")) << what;
	EXPECT_GE(r.I("host.major_fault_latency_ps.count"), r.I("host.faults.major") - nv) << what;

	// Memory: never more resident than the guest has.
	EXPECT_LE(r.I("host.memory.peak_resident_pages"), r.I("host.memory.pages")) << what;
	EXPECT_LE(r.I("host.memory.resident_pages"), r.I("host.memory.peak_resident_pages")) << what;

	// The swap device: floor, bandwidth, busy >= transfer, pages >= the
	// requests that completed, every page read accounted for.
	long long floor = r.I("host.swap.floor_ps"), bw = r.I("host.swap.bandwidth_bytes_per_s");
	long long one_page = (long long)std::ceil(4096.0 * 1e12 / (double)bw);
	if (r.I("host.swap.read_latency_ps.count") > 0) {
		EXPECT_GE(r.I("host.swap.read_latency_ps.min"), floor + one_page) << what << ": device floor";
	}
	long long busy = r.I("host.swap.busy_ps"), xfer = r.I("host.swap.transfer_ps");
	long long pr = r.I("host.swap.pages_read"), pw = r.I("host.swap.pages_written");
	EXPECT_GE(busy, xfer) << what << ": device busy >= transfer";
	EXPECT_LE(busy, sim) << what;
	EXPECT_GE(xfer, (long long)std::floor(4096.0 * 1e12 * (double)(pr + pw) / (double)bw))
		<< what << ": transfer time of the pages moved";
	if (busy > 0) {
		EXPECT_LE(4096.0 * (double)(pr + pw) / ((double)busy / 1e12), (double)bw)
			<< what << ": device bandwidth";
	}
	EXPECT_GE(pr, r.I("host.swap.read_requests") - r.I("host.swap.read_requests_unfinished"))
		<< what << ": pages_read >= completed read requests";
	EXPECT_GE(pw, r.I("host.swap.writes") - r.I("host.swap.writes_unfinished"))
		<< what << ": pages_written >= completed write requests";
	EXPECT_GE(r.I("host.swap.read_requests"), r.I("host.swap.read_requests_unfinished")) << what;
	EXPECT_LE(r.I("host.swap.readahead_unused"), r.I("host.swap.readahead_pages")) << what;
	EXPECT_LE(r.I("host.faults.swapcache_hits"), r.I("host.swap.readahead_pages")) << what;
	long long src = r.Has("migration") ? r.I("migration.source_swap_ins") : 0;
	EXPECT_EQ(r.I("host.swap.swap_ins") + r.I("host.swap.readahead_pages") + src,
		  pr + r.I("host.swap.pages_read_unfinished"))
		<< what << ": every page read is a swap-in, a readahead page or a source read";
	EXPECT_EQ(r.I("host.swap.read_latency_ps.count"),
		  r.I("host.swap.read_requests") - r.I("host.swap.read_requests_unfinished"))
		<< what << ": one latency per completed read";

	// APF: its faults are the async and the sync ones; sync by reason.
	if (r.Has("apf")) {
		long long sync = r.I("apf.sync_total");
		EXPECT_EQ(SumObject(json_object_get(json_object_get(r.doc, "apf"), "sync")), sync) << what;
		EXPECT_EQ(r.I("apf.async"), r.I("host.faults.async")) << what << ": apf.async";
		// Page-ready notifications: one per async fault at most, plus the
		// wake-alls (token ~0), which are delivered as page-ready too.
		EXPECT_LE(r.I("apf.pageready_delivered"), r.I("apf.async") + r.I("apf.wake_alls")) << what;
		EXPECT_LE(r.I("apf.acks_with_pageready"), r.I("apf.acks")) << what;
		EXPECT_LE(r.I("apf.tokens.zero"), r.I("apf.tokens.issued")) << what;
		if (r.I("apf.notpresent_delivered") >= 0) {
			EXPECT_LE(r.I("apf.notpresent_delivered"), r.I("apf.notpresent_injected")) << what;
		}
	}

	// Migration: the link carries no more than its bandwidth, requests take
	// at least a round trip.
	if (r.Has("migration")) {
		long long link = r.I("migration.link_bytes_per_s");
		long long lbusy = r.I("migration.link_busy_ps");
		long long bytes = r.I("migration.transferred_bytes");
		long long start = r.I("migration.start_ps");
		ASSERT_GT(link, 0) << what;
		EXPECT_LE(lbusy, sim - start) << what << ": link busy within the migration";
		EXPECT_LE((unsigned __int128)bytes * 1000000000000ULL, (unsigned __int128)link * (unsigned long long)lbusy)
			<< what << ": link bandwidth";
		EXPECT_LE((unsigned __int128)bytes * 1000000000000ULL,
			  (unsigned __int128)link * (unsigned long long)(sim - start))
			<< what << ": link bandwidth over the migration's time";
		if (r.I("migration.postcopy_request_latency_ps.count") > 0) {
			EXPECT_GE(r.I("migration.postcopy_request_latency_ps.min"), (long long)r.cfg.migration.rtt)
				<< what << ": postcopy request >= one round trip";
		}
		EXPECT_LE(r.I("migration.remote_pages_arrived"), r.I("migration.remote_pages_at_switchover"))
			<< what;
		EXPECT_LE(r.I("migration.precopy_bytes"), bytes) << what;
	}
}

class Bounds : public ::testing::TestWithParam<std::string> {};

TEST_P(Bounds, HoldUnderEveryProtocol)
{
	std::string path = std::string(APFSIM_SOURCE_DIR) + "/" + GetParam();
	for (const char *p : kProtocols) {
		BoundRun r(path, p);
		ASSERT_TRUE(r.ok) << GetParam() << " " << p;
		CheckBounds(r, GetParam() + " " + p);
	}
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Bounds, ::testing::ValuesIn(Scenarios()),
			 [](const ::testing::TestParamInfo<std::string> &i) {
				 // quickstart, published_a_testsuite_8g, example_page_ready
				 std::string n = i.param.substr(0, i.param.size() - 5);
				 for (const char *pre : { "workloads/scenarios/", "examples/guest-handler/suite/" })
					 if (n.compare(0, strlen(pre), pre) == 0)
						 n = (pre[0] == 'e' ? "example/" : "") + n.substr(strlen(pre));
				 std::replace(n.begin(), n.end(), '-', '_');
				 std::replace(n.begin(), n.end(), '/', '_');
				 return n;
			 });

// The random half: scenarios no one wrote (tests/scenario_gen.h), so the
// bounds are checked where the hand-written ones do not go — combinations
// of devices, limits, THP, migrations, injections and workloads.  CI runs
// APFSIM_SOAK_N of them (default 40) from seed APFSIM_SOAK_FIRST (default
// 1); docs/testing.md has the soak command.  Every fourth one also runs
// twice and must give the same document byte for byte, and under the
// SystemC event kernel (when built with it) the same document again.
uint64_t EnvU64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);
	return v && *v ? strtoull(v, nullptr, 0) : dflt;
}

std::vector<uint64_t> RandomSeeds()
{
	std::vector<uint64_t> out;
	uint64_t first = EnvU64("APFSIM_SOAK_FIRST", 1), n = EnvU64("APFSIM_SOAK_N", 40);
	for (uint64_t i = 0; i < n; i++)
		out.push_back(first + i);
	return out;
}

std::string Dump(json_t *doc)
{
	char *s = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
	std::string out = s ? s : "";
	free(s);
	return out;
}

// Whether this build has the SystemC kernel: `run.kernel=systemc` is
// refused at load otherwise (docs/scenario.md, run.kernel).
bool HaveSystemC()
{
	static int have = -1;
	if (have < 0) {
		static const char probe[] = "tasks: [{name: a, workload: compute}]\n";
		struct apf_config c;
		struct cfg_error err;
		EXPECT_EQ(config_load_text(&c, probe, sizeof(probe) - 1, "probe.yaml", &err), 0) << err.msg;
		have = config_set(&c, "run.kernel=systemc", &err) == 0;
		config_free(&c);
	}
	return have == 1;
}

class BoundsRandom : public ::testing::TestWithParam<uint64_t> {};

TEST_P(BoundsRandom, Hold)
{
	const std::string yaml = apfsim_test::RandomScenario(GetParam());
	const std::string what = "random scenario " + std::to_string(GetParam()) + ":\n" + yaml;
	BoundRun r(BoundRun::FromText{}, yaml);
	ASSERT_TRUE(r.ok) << what;
	CheckBounds(r, what);
	if (GetParam() % 4 == 0) {
		// Every other rerun goes without cpu_storefix.c's store fast
		// path, which must not change a byte (host time only).
		const bool fix = GetParam() % 8 != 0;
		const bool was = cpu_storefix_set(fix);
		BoundRun again(BoundRun::FromText{}, yaml);
		cpu_storefix_set(was);
		ASSERT_TRUE(again.ok) << what;
		EXPECT_EQ(Dump(r.doc), Dump(again.doc))
			<< what << "same scenario, same seed" << (fix ? "" : ", store fix off")
			<< ": another document";
		if (HaveSystemC()) {
			BoundRun sc(BoundRun::FromText{}, yaml, "run.kernel=systemc");
			ASSERT_TRUE(sc.ok) << what;
			EXPECT_EQ(Dump(r.doc), Dump(sc.doc)) << what << "the SystemC kernel gave another document";
		}
	}
}

INSTANTIATE_TEST_SUITE_P(Seeds, BoundsRandom, ::testing::ValuesIn(RandomSeeds()));

} // namespace
