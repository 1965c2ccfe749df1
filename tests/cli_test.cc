// The apfsim command as a user runs it: exit status, messages, outputs.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <jansson.h>

#include "test_util.h"

namespace {

using apfsim_test::src;
using apfsim_test::slurp;
using apfsim_test::run_json;

struct Result {
	int status;
	std::string out, err;
};

Result apfsim(const std::string &args)
{
	static int n = 0;
	std::string o = "/tmp/apfsim_cli_test_" + std::to_string(getpid()) + "_" + std::to_string(n++);
	std::string cmd = std::string(APFSIM_CLI) + " " + args + " >" + o + ".out 2>" + o + ".err";
	int rc = std::system(cmd.c_str());
	Result r{ WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(o + ".out"), slurp(o + ".err") };
	std::remove((o + ".out").c_str());
	std::remove((o + ".err").c_str());
	return r;
}

bool exists(const std::string &p)
{
	struct stat st;
	return stat(p.c_str(), &st) == 0;
}

TEST(Cli, VersionAndHelp)
{
	Result r = apfsim("--version");
	EXPECT_EQ(r.status, 0);
	EXPECT_EQ(r.out.rfind("apfsim ", 0), 0u);
	/* The second line says what built the binary (compiler, build type). */
	EXPECT_NE(r.out.find("\nbuild: "), std::string::npos) << r.out;
	r = apfsim("run --help");
	EXPECT_EQ(r.status, 0);
	EXPECT_NE(r.out.find("--check-determinism"), std::string::npos);
	r = apfsim("validate --help");
	EXPECT_EQ(r.status, 0);
	r = apfsim("frobnicate");
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("unknown command"), std::string::npos);
	r = apfsim("run");
	EXPECT_EQ(r.status, 2);
	r = apfsim("run " + src("workloads/scenarios/quickstart.yaml") + " --bogus");
	EXPECT_EQ(r.status, 2);
}

TEST(Cli, RunWritesSummaryAndJsonWithDocumentedKeys)
{
	std::string json = "/tmp/apfsim_cli_quick_" + std::to_string(getpid()) + ".json";
	Result r = apfsim("run " + src("workloads/scenarios/quickstart.yaml") + " --json " + json);
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("task"), std::string::npos);
	EXPECT_NE(r.out.find("hog"), std::string::npos);
	json_error_t e;
	json_t *doc = json_load_file(json.c_str(), 0, &e);
	ASSERT_NE(doc, nullptr) << e.text;
	EXPECT_TRUE(json_is_integer(json_object_get(doc, "sim_time_ps")));
	EXPECT_GT(json_integer_value(json_object_get(doc, "sim_time_ps")), 0);
	json_t *tasks = json_object_get(doc, "tasks");
	ASSERT_TRUE(json_is_array(tasks));
	ASSERT_EQ(json_array_size(tasks), 2u);
	for (size_t i = 0; i < 2; i++) {
		json_t *t = json_array_get(tasks, i);
		for (const char *k : { "name", "progress", "cpu_ps", "stall_ps" })
			EXPECT_NE(json_object_get(t, k), nullptr) << k;
	}
	json_t *major = json_object_get(json_object_get(json_object_get(doc, "host"), "faults"), "major");
	ASSERT_TRUE(json_is_integer(major));
	EXPECT_GT(json_integer_value(major), 0);
	json_decref(doc);
	std::remove(json.c_str());
}

TEST(Cli, QuietSuppressesSummaryAndSeedChangesResult)
{
	std::string q = src("workloads/scenarios/quickstart.yaml");
	Result a = apfsim("run " + q + " --quiet");
	EXPECT_EQ(a.status, 0);
	EXPECT_TRUE(a.out.empty());
	Result s1 = apfsim("run " + q + " --seed 1");
	Result s2 = apfsim("run " + q + " --seed 2");
	EXPECT_EQ(s1.status, 0);
	EXPECT_NE(s1.out, s2.out);
	Result s1b = apfsim("run " + q + " --seed 1");
	EXPECT_EQ(s1.out, s1b.out);
}

TEST(Cli, CheckDeterminismPasses)
{
	Result r = apfsim("run " + src("workloads/scenarios/quickstart.yaml") + " --quiet --check-determinism");
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.err.find("determinism check passed"), std::string::npos);
}

TEST(Cli, BadInputExitsTwoAndWritesNothing)
{
	const std::string json = "/tmp/apfsim_cli_bad_" + std::to_string(getpid()) + ".json";
	const std::string cases[] = {
		src("tests/data/bad/unknown_key.yaml"),
		src("tests/data/bad/syntax_error.yaml"),
		src("tests/data/bad/empty_file.yaml"),
		src("tests/data/bad"),			// a directory
		src("tests/data/bad/does_not_exist.yaml"),
	};
	for (const std::string &c : cases) {
		std::remove(json.c_str());
		Result r = apfsim("run " + c + " --json " + json);
		EXPECT_EQ(r.status, 2) << c << "\n" << r.err;
		EXPECT_NE(r.err.find("error"), std::string::npos) << c;
		EXPECT_TRUE(r.out.empty()) << c;
		EXPECT_FALSE(exists(json)) << c;
		EXPECT_FALSE(exists(json + ".tmp")) << c;
	}
}

TEST(Cli, BadOverrideExitsTwoWithTheKey)
{
	Result r = apfsim("run " + src("workloads/scenarios/quickstart.yaml") + " --set vm.vcpus=zero");
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("vm.vcpus"), std::string::npos) << r.err;
	r = apfsim("run " + src("workloads/scenarios/quickstart.yaml") + " --protocol nonesuch");
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("nonesuch"), std::string::npos) << r.err;
}

TEST(Cli, ValidateAcceptsEveryExampleScenario)
{
	for (const char *s : { "quickstart.yaml", "testsuite-mem.yaml", "multi-vcpu.yaml" }) {
		Result r = apfsim(std::string("validate ") + src("workloads/scenarios/") + s);
		EXPECT_EQ(r.status, 0) << s << ": " << r.err;
		EXPECT_NE(r.out.find("ok"), std::string::npos);
	}
}

} // namespace

namespace {

// The x86 family's page-ready is an edge vector: pending from the host's
// injection until the guest takes it (irq_taken), then the ACK MSR write
// (irq_ack) — in that order, for the boot wake-all and the fault's page-ready.
TEST(CliTraces, X86PageReadyVectorIsPendingUntilTakenThenAcked)
{
	std::string out = "/tmp/apfsim_sfx_" + std::to_string(getpid()) + ".ftrace";
	Result r = apfsim("run " + src("workloads/scenarios/single-fault.yaml") +
			  " --protocol x86-int-ack --quiet --trace-events 'apfsim_ppi_level,apfsim_irq_*' --trace-ftrace " +
			  out);
	ASSERT_EQ(r.status, 0) << r.err;
	std::istringstream in(slurp(out));
	std::remove(out.c_str());
	std::string l, seq;
	while (std::getline(in, l)) {
		if (l.find("ppi_level: intid=18 level=1") != std::string::npos)
			seq += "R";
		else if (l.find("irq_taken: intid=18") != std::string::npos)
			seq += "T";
		else if (l.find("ppi_level: intid=18 level=0") != std::string::npos)
			seq += "F";
		else if (l.find("irq_ack: pageready_pending=1") != std::string::npos)
			seq += "A";
	}
	EXPECT_EQ(seq, "RTFARTFA");
}

// An end-to-end single-fault run under arm64-v4: its ftrace output matches
// the golden file line for line (docs/traces.md; regenerate with
// `apfsim run workloads/scenarios/single-fault.yaml --trace-ftrace F`).
TEST(CliTraces, SingleFaultFtraceMatchesGoldenFile)
{
	std::string out = "/tmp/apfsim_sf_" + std::to_string(getpid()) + ".ftrace";
	Result r = apfsim("run " + src("workloads/scenarios/single-fault.yaml") + " --quiet --trace-ftrace " + out);
	ASSERT_EQ(r.status, 0) << r.err;
	std::istringstream got(slurp(out)), want(slurp(src("tests/data/golden/single-fault.ftrace")));
	std::string g, w;
	unsigned line = 0;
	while (true) {
		bool hg = (bool)std::getline(got, g), hw = (bool)std::getline(want, w);
		line++;
		if (!hg && !hw)
			break;
		ASSERT_EQ(hg, hw) << "line " << line << ": one file is shorter";
		ASSERT_EQ(g, w) << "line " << line;
	}
	EXPECT_GT(line, 20u);
	std::remove(out.c_str());
}

// Every output, traces included, is byte-identical across runs.
TEST(CliTraces, CheckDeterminismCoversEveryTrace)
{
	std::string base = "/tmp/apfsim_det_" + std::to_string(getpid());
	Result r = apfsim("run " + src("workloads/scenarios/quickstart.yaml") +
			  " --protocol arm64-v4 --quiet --check-determinism --trace-ftrace " + base +
			  ".ftrace --trace-perfetto " + base + ".json --vcd " + base + ".vcd --json " + base + ".out.json");
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.err.find("determinism check passed"), std::string::npos) << r.err;
	// The Perfetto file is valid JSON with trace events.
	json_error_t e;
	json_t *doc = json_load_file((base + ".json").c_str(), 0, &e);
	ASSERT_NE(doc, nullptr) << e.text;
	EXPECT_GT(json_array_size(json_object_get(doc, "traceEvents")), 100u);
	json_decref(doc);
	for (const char *ext : { ".ftrace", ".json", ".vcd", ".out.json" }) {
		EXPECT_TRUE(exists(base + ext)) << ext;
		EXPECT_FALSE(exists(base + ext + ".det-check")) << ext;
		std::remove((base + ext).c_str());
	}
}

} // namespace

namespace {

// A deliberately broken guest driver that never sends IRQ_ACK: the PPI line
// and pageready_pending stay up, later page-ready notifications can never be
// delivered, and the oracle reports the stuck tasks (exit status 1, with the
// violation, its time, vCPU and token in the report).
TEST(CliOracle, CatchesAGuestDriverThatNeverAcknowledges)
{
	std::string base = "/tmp/apfsim_noack_" + std::to_string(getpid());
	std::string scen = src("workloads/scenarios/quickstart.yaml") +
			   " --protocol arm64-v4 --set guest.driver_variant=no_irq_ack --set run.duration=10ms"
			   " --set apf.stuck_bound=2ms";
	Result r = apfsim("run " + scen + " --quiet --json " + base + ".json");
	EXPECT_EQ(r.status, 1) << r.err;
	// The boot wake-all is never acknowledged: the level PPI re-fires for
	// ever (docs/reference.md §4.2 iii) and no task gets the CPU again.
	EXPECT_NE(r.err.find("starved_task"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("token"), std::string::npos);
	EXPECT_NE(r.err.find("vcpu"), std::string::npos);
	json_error_t e;
	json_t *doc = json_load_file((base + ".json").c_str(), 0, &e);
	ASSERT_NE(doc, nullptr) << e.text;
	json_t *viol = json_object_get(json_object_get(doc, "oracle"), "violations");
	ASSERT_TRUE(json_is_integer(viol));
	EXPECT_GT(json_integer_value(viol), 0);
	// The guest took page-ready interrupts but acknowledged none of them.
	EXPECT_EQ(json_integer_value(json_object_get(json_object_get(doc, "apf"), "acks")), 0);
	EXPECT_GT(json_integer_value(json_object_get(json_object_get(doc, "apf"), "pageready_delivered")), 0);
	json_decref(doc);
	std::remove((base + ".json").c_str());

	// The faithful driver on the same scenario: no violation.
	r = apfsim("run " + src("workloads/scenarios/quickstart.yaml") +
		   " --protocol arm64-v4 --set run.duration=10ms --set apf.stuck_bound=2ms --quiet");
	EXPECT_EQ(r.status, 0) << r.err;
}

} // namespace

namespace {

// `apfsim compare` on a small scenario matches its golden table.
TEST(CliCompare, TableMatchesGoldenFile)
{
	Result r = apfsim("compare " + src("workloads/scenarios/compare-quickstart.yaml") +
			  " --protocols sync,arm64-v4,x86-int-ack --set run.duration=300ms");
	ASSERT_EQ(r.status, 0) << r.err;
	std::string want = slurp(src("tests/data/golden/compare-quickstart.txt"));
	// The first line names the scenario path as given; compare the rest.
	auto body = [](const std::string &s) { return s.substr(s.find('\n')); };
	EXPECT_EQ(body(r.out), body(want));
}

TEST(CliCompare, BadProtocolListIsBadInput)
{
	Result r = apfsim("compare " + src("workloads/scenarios/compare-quickstart.yaml") + " --protocols sync,nope");
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
	r = apfsim("compare " + src("workloads/scenarios/compare-quickstart.yaml"));
	EXPECT_EQ(r.status, 2);
}

// Each protocol's session is the scenario with that protocol applied first,
// then the user's overrides: an override that holds only under one compared
// protocol is checked against it.  nvme-fast.yaml names arm64-v4, so x86 trap
// costs are refused there — but not beside sync (the "sync (x86)" baseline
// of docs/scenarios.md).  A --set protocol=... beside --protocols would be
// silently overridden: refused instead.
TEST(CliCompare, OverridesAreCheckedAgainstEachComparedProtocol)
{
	const std::string nv = src("workloads/scenarios/nvme-fast.yaml");
	Result r = apfsim("compare " + nv + " --protocols sync --set host.arch=x86 --set run.duration=20ms");
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("sync"), std::string::npos) << r.out;
	r = apfsim("compare " + nv + " --protocols sync,x86-int-ack --set host.arch=x86 --set run.duration=20ms");
	EXPECT_EQ(r.status, 0) << r.err;
	// Under arm64-v4 the same override is still wrong, and named.
	r = apfsim("compare " + nv + " --protocols sync,arm64-v4 --set host.arch=x86 --set run.duration=20ms");
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("host.arch"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("arm64-v4"), std::string::npos) << r.err;
	r = apfsim("compare " + nv + " --protocols sync,arm64-v4 --set protocol=x86-int-ack");
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("--set protocol=x86-int-ack"), std::string::npos) << r.err;
	EXPECT_EQ(r.out, "");
}

long long jint(json_t *doc, std::initializer_list<const char *> path)
{
	json_t *cur = doc;
	for (const char *k : path)
		cur = json_object_get(cur, k);
	return json_is_integer(cur) ? (long long)json_integer_value(cur) : -1;
}

// token-wrap.yaml's claims, asserted from the JSON: arm64's 16-bit sequence
// wraps and issues token 0 harmlessly; x86 without the zero skip loses the
// zero-token page-ready and the oracle reports the stuck task; with the
// skip, no violation.
TEST(CliScenarios, TokenWrapClaims)
{
	const std::string tw = src("workloads/scenarios/token-wrap.yaml");
	int st;
	json_t *arm = run_json(tw + " --set run.duration=1500ms", &st);
	ASSERT_NE(arm, nullptr);
	EXPECT_EQ(st, 0);
	EXPECT_GT(jint(arm, { "apf", "async" }), 65536);
	EXPECT_GE(jint(arm, { "apf", "tokens", "zero" }), 2);
	EXPECT_GE(jint(arm, { "apf", "tokens", "wraps" }), 1);
	EXPECT_EQ(jint(arm, { "oracle", "violations" }), 0);
	json_decref(arm);

	// Token 0's work completes ~0.1 ms in; with the default 1 s bound the
	// oracle calls its task stuck once the run passes 1.0001 s.
	json_t *x = run_json(tw + " --protocol x86-int-ack --set protocol.token_zero_skip=false"
				  " --set run.duration=1100ms", &st);
	ASSERT_NE(x, nullptr);
	EXPECT_EQ(st, 1);
	EXPECT_EQ(jint(x, { "apf", "tokens", "zero" }), 1);
	EXPECT_EQ(jint(x, { "oracle", "by_invariant", "stuck_task" }), 1);
	EXPECT_EQ(jint(x, { "oracle", "violations" }), 1);
	json_decref(x);

	json_t *fixed = run_json(tw + " --protocol x86-int-ack --set run.duration=1100ms", &st);
	ASSERT_NE(fixed, nullptr);
	EXPECT_EQ(st, 0);
	EXPECT_EQ(jint(fixed, { "apf", "tokens", "zero" }), 0);
	EXPECT_EQ(jint(fixed, { "oracle", "violations" }), 0);
	json_decref(fixed);
}

// ack-race.yaml's claim: without the ACK the completion -> page-ready tail
// is milliseconds (the next exit); with the x86 ACK or arm64 IRQ_ACK it is
// microseconds.
TEST(CliScenarios, AckRaceClaims)
{
	const std::string ar = src("workloads/scenarios/ack-race.yaml");
	int st;
	long long p99[3];
	const char *protos[3] = { "x86-int-noack", "x86-int-ack", "arm64-v4" };
	for (int i = 0; i < 3; i++) {
		json_t *d = run_json(ar + " --protocol " + protos[i], &st);
		ASSERT_NE(d, nullptr) << protos[i];
		EXPECT_EQ(st, 0) << protos[i];
		p99[i] = jint(d, { "apf", "completion_to_pageready_ps", "p99" });
		json_decref(d);
	}
	EXPECT_GT(p99[0], 1000LL * 1000 * 1000) << "noack p99 above 1 ms";
	EXPECT_LT(p99[1], 100LL * 1000 * 1000) << "x86 ACK p99 below 100 us";
	EXPECT_LT(p99[2], 100LL * 1000 * 1000) << "arm64 IRQ_ACK p99 below 100 us";
}

} // namespace
