// `apfsim test` and `expect:` as a user meets them (docs/testing.md): bad
// expectations refused before anything runs, PASS/FAIL lines with what was
// wanted and got, JUnit XML, reports independent of --jobs and of reruns,
// and the repository suite passing.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <jansson.h>

extern "C" {
#include "model/check/expect.h"
#include "model/scenario/expect.h"
}

#include "test_util.h"

namespace {

using apfsim_test::slurp;

struct Result {
	int status;
	std::string out, err;
};

std::string tmp(const std::string &what)
{
	return "/tmp/apfsim_suite_test_" + std::to_string(getpid()) + "_" + what;
}

Result apfsim(const std::string &args)
{
	static int n = 0;
	std::string o = tmp(std::to_string(n++));
	std::string cmd = std::string("cd ") + APFSIM_SOURCE_DIR + " && " + APFSIM_CLI + " " + args + " >" + o +
			  ".out 2>" + o + ".err";
	int rc = std::system(cmd.c_str());
	Result r{ WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(o + ".out"), slurp(o + ".err") };
	std::remove((o + ".out").c_str());
	std::remove((o + ".err").c_str());
	return r;
}

bool has(const std::string &s, const std::string &what) { return s.find(what) != std::string::npos; }

// Each bad expectation: exit 2, FILE:LINE:COL naming the key, nothing run.
struct BadCase {
	const char *file, *where, *says;
};

TEST(SuiteBadInput, RefusedWithFileLineColBeforeAnyCaseRuns)
{
	static const BadCase cases[] = {
		{ "unknown-key", "unknown-key.yaml:10:3: error: expect.orcale", "did you mean 'oracle'?" },
		{ "no-such-figure", "no-such-figure.yaml:10:3: error: expect.tasks.compute.progres",
		  "did you mean 'tasks.compute.progress'?" },
		{ "figure-not-written", "figure-not-written.yaml:11:5: error: expect.apf.faults",
		  "no run under protocol sync writes this figure" },
		{ "unit-missing", "unit-missing.yaml:10:36: error: expect.host.fault_latency_ps.p99.max",
		  "expected a time with a unit" },
		{ "unit-on-count", "unit-on-count.yaml:10:33: error: expect.tasks.compute.progress.min",
		  "expected a number without a unit" },
		{ "unknown-violation", "unknown-violation.yaml:10:11: error: expect.oracle: unknown violation",
		  "did you mean 'stuck_task'?" },
		{ "relation-syntax", "relation-syntax.yaml:11:8: error: expect.relations", "OP one of > >= < <=" },
	};
	for (const BadCase &c : cases) {
		std::string junit = tmp(std::string(c.file) + ".xml");
		// The good scenarios come first: still nothing may run.
		Result r = apfsim("test tests/data/suite/mixed tests/data/suite/bad/" + std::string(c.file) +
				  ".yaml --junit " + junit);
		EXPECT_EQ(r.status, 2) << c.file;
		EXPECT_TRUE(has(r.err, c.where)) << c.file << ": " << r.err;
		EXPECT_TRUE(has(r.err, c.says)) << c.file << ": " << r.err;
		EXPECT_EQ(r.out, "") << c.file;
		EXPECT_NE(access(junit.c_str(), F_OK), 0) << c.file << ": JUnit written on bad input";
	}
}

TEST(SuiteBadInput, EmptyFolderAndBadOptions)
{
	Result r = apfsim("test tests/data/suite/empty");
	EXPECT_EQ(r.status, 2);
	EXPECT_TRUE(has(r.err, "tests/data/suite/empty: error: expected a folder with scenario files")) << r.err;
	r = apfsim("test tests/data/suite/mixed --protocols arm64-v5");
	EXPECT_EQ(r.status, 2);
	EXPECT_TRUE(has(r.err, "--protocols")) << r.err;
	r = apfsim("test tests/data/suite/mixed --jobs 0");
	EXPECT_EQ(r.status, 2);
	r = apfsim("test");
	EXPECT_EQ(r.status, 2);
}

TEST(SuiteRun, PassAndFailLinesWithWantedGotAndReplay)
{
	Result r = apfsim("test tests/data/suite/mixed");
	EXPECT_EQ(r.status, 1) << r.err;
	EXPECT_TRUE(has(r.out, "PASS tests/data/suite/mixed/a-pass.yaml [arm64-v4 seed 1]\n")) << r.out;
	EXPECT_TRUE(has(r.out, "FAIL tests/data/suite/mixed/b-fail.yaml [sync seed 1]\n"
			       "     tasks.compute.progress: wanted >= 1000000, got 20\n"
			       "     replay: apfsim run tests/data/suite/mixed/b-fail.yaml --protocol sync --seed 1\n"))
		<< r.out;
	EXPECT_TRUE(has(r.out, "apf.faults: wanted <= 0, got ")) << r.out;
	EXPECT_TRUE(has(r.out, "FAIL tests/data/suite/mixed/b-fail.yaml [relations seed 1]")) << r.out;
	EXPECT_TRUE(has(r.out, "replay: apfsim compare tests/data/suite/mixed/b-fail.yaml --protocols "
			       "sync,arm64-v4 --seed 1")) << r.out;
	EXPECT_TRUE(has(r.out, "\n1 passed, 3 failed\n")) << r.out;

	// Only the passing scenario: exit 0.
	r = apfsim("test tests/data/suite/mixed/a-pass.yaml");
	EXPECT_EQ(r.status, 0) << r.out << r.err;
	EXPECT_TRUE(has(r.out, "1 passed, 0 failed")) << r.out;
}

TEST(SuiteRun, JunitHasSuitesCasesAndFailuresWithReplay)
{
	std::string junit = tmp("junit.xml");
	Result r = apfsim("test tests/data/suite/mixed --junit " + junit);
	ASSERT_EQ(r.status, 1) << r.err;
	std::string x = slurp(junit);
	std::remove(junit.c_str());
	EXPECT_EQ(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"apfsim test\" "
			  "tests=\"4\" failures=\"3\"", 0), 0u) << x;
	EXPECT_TRUE(has(x, "<testsuite name=\"tests/data/suite/mixed/a-pass.yaml\" tests=\"1\" failures=\"0\""))
		<< x;
	EXPECT_TRUE(has(x, "<testcase classname=\"tests/data/suite/mixed/a-pass.yaml\" name=\"arm64-v4 seed 1\"/>"))
		<< x;
	EXPECT_TRUE(has(x, "<failure type=\"expectation\" message=\"tasks.compute.progress: wanted &gt;= 1000000, "
			   "got 20\">")) << x;
	EXPECT_TRUE(has(x, "replay: apfsim run tests/data/suite/mixed/b-fail.yaml --protocol sync --seed 1\n"
			   "</failure>")) << x;
	EXPECT_TRUE(has(x, "</testsuites>\n")) << x;
}

TEST(SuiteRun, ReportIndependentOfJobsAndIdenticalOnRerun)
{
	std::string a = tmp("j1.xml"), b = tmp("j2.xml"), c = tmp("j2b.xml");
	const std::string args = "test tests/data/suite/mixed workloads/suites/bugs/ack-race.yaml --seeds 2";
	Result r1 = apfsim(args + " --jobs 1 --junit " + a);
	Result r2 = apfsim(args + " --jobs 2 --junit " + b);
	Result r3 = apfsim(args + " --jobs 3 --junit " + c);
	EXPECT_EQ(r1.status, 1);
	EXPECT_EQ(r1.status, r2.status);
	EXPECT_EQ(r1.out, r2.out);
	EXPECT_EQ(r2.out, r3.out);
	EXPECT_EQ(slurp(a), slurp(b));
	EXPECT_EQ(slurp(b), slurp(c));
	EXPECT_TRUE(has(r1.out, "ack-race.yaml [x86-int-noack seed 2]")) << r1.out;
	for (const std::string &p : { a, b, c })
		std::remove(p.c_str());
}

TEST(SuiteRun, ProtocolsOptionOverridesTheScenarios)
{
	Result r = apfsim("test tests/data/suite/mixed/a-pass.yaml --protocols x86-int-ack,arm64-v4 --list");
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, "tests/data/suite/mixed/a-pass.yaml [x86-int-ack seed 1]\n"
			 "tests/data/suite/mixed/a-pass.yaml [arm64-v4 seed 1]\n"
			 "2 cases from 1 scenario\n");
}

// --protocols leaving out one side of a relation: the relation is not judged.
// An explicit exit: is checked on its own.
TEST(SuiteRun, RelationsNeedBothSidesAndExitIsChecked)
{
	Result r = apfsim("test tests/data/suite/mixed/b-fail.yaml --protocols arm64-v4");
	EXPECT_EQ(r.status, 1);
	EXPECT_FALSE(has(r.out, "[relations")) << r.out;
	EXPECT_TRUE(has(r.out, "0 passed, 1 failed")) << r.out;

	std::string f = tmp("exit.yaml");
	std::ofstream(f) << slurp(std::string(APFSIM_SOURCE_DIR) + "/tests/data/suite/mixed/a-pass.yaml")
			 << "  exit: 1\n";
	r = apfsim("test " + f);
	EXPECT_EQ(r.status, 1);
	EXPECT_TRUE(has(r.out, "     exit status: wanted 1, got 0\n")) << r.out;
	std::remove(f.c_str());
}

// The repository suite holds (a smaller copy of what scripts/suite-smoke.sh does).
TEST(SuiteRepository, KnownBugsFailUnderTheirVariantAndPassUnderTheirFix)
{
	Result r = apfsim("test workloads/suites/bugs --jobs 2");
	EXPECT_EQ(r.status, 0) << r.out << r.err;
	EXPECT_TRUE(has(r.out, "PASS workloads/suites/bugs/no-irq-ack.yaml [arm64-v4 seed 1]")) << r.out;
	EXPECT_TRUE(has(r.out, " 0 failed\n")) << r.out;
	// The expectation is not vacuous: the fixed driver does not show the violation.
	r = apfsim("test workloads/suites/bugs/no-irq-ack.yaml --set guest.driver_variant=faithful");
	EXPECT_EQ(r.status, 1);
	EXPECT_TRUE(has(r.out, "oracle: wanted starved_task, got clean")) << r.out;
}

// The parser on its own: an expect: block as data.
TEST(ExpectParse, BlocksBoundsAndRelations)
{
	const char *yaml =
		"tasks: []\n"
		"expect:\n"
		"  oracle: [stuck_task, starved_task]\n"
		"  host.fault_latency_ps.p99: {max: 50us}\n"
		"  migration.transferred_bytes: {min: 1MiB}\n"
		"  arm64-v4: {exit: 0, oracle: clean, apf.faults: {min: 1, max: 1e6}}\n"
		"  relations: [\"arm64-v4.tasks.compute.progress >= 1.5 * sync.tasks.compute.progress\"]\n";
	struct expect_set s;
	struct cfg_error e;
	ASSERT_EQ(expect_load_string(yaml, "t.yaml", &s, &e), 0) << e.msg;
	EXPECT_TRUE(s.present);
	EXPECT_TRUE(s.common.has_oracle);
	EXPECT_NE(s.common.violations, 0u);
	ASSERT_EQ(s.common.nbounds, 2u);
	EXPECT_EQ(s.common.bounds[0].max, 50e6); // picoseconds
	EXPECT_EQ(s.common.bounds[1].min, 1048576.0);
	ASSERT_EQ(s.nper, 1u);
	EXPECT_STREQ(s.per[0].protocol, "arm64-v4");
	EXPECT_EQ(s.per[0].exit_status, 0);
	EXPECT_EQ(s.per[0].violations, 0u);
	ASSERT_EQ(s.nrels, 1u);
	EXPECT_STREQ(s.rels[0].lproto, "arm64-v4");
	EXPECT_STREQ(s.rels[0].rpath, "tasks.compute.progress");
	EXPECT_EQ(s.rels[0].factor, 1.5);
	EXPECT_EQ(s.rels[0].op, EXPECT_GE);

	ASSERT_EQ(expect_load_string("tasks: []\n", "t.yaml", &s, &e), 0);
	EXPECT_FALSE(s.present);
	EXPECT_NE(expect_load_string("expect:\n  apf.faults: {min: 3, max: 1}\n", "t.yaml", &s, &e), 0);
	EXPECT_TRUE(has(e.msg, "expected max >= min")) << e.msg;
	EXPECT_NE(expect_load_string("expect:\n  exit: 2\n", "t.yaml", &s, &e), 0);
	EXPECT_NE(expect_load_string("expect:\n  sync: {relations: []}\n", "t.yaml", &s, &e), 0);
}

// Paths: task names (with instance dots), array indices, units by name.
TEST(ExpectEval, LookupByNameAndUnits)
{
	json_error_t je;
	json_t *doc = json_loads("{\"tasks\": [{\"name\": \"reader.0\", \"progress\": 5},"
				 " {\"name\": \"reader\", \"progress\": 7}],"
				 " \"vcpus\": [{\"exits\": 1}, {\"exits\": 2}]}", 0, &je);
	ASSERT_NE(doc, nullptr);
	EXPECT_EQ(json_integer_value(expect_lookup(doc, "tasks.reader.0.progress")), 5);
	EXPECT_EQ(json_integer_value(expect_lookup(doc, "tasks.reader.progress")), 7);
	EXPECT_EQ(json_integer_value(expect_lookup(doc, "vcpus.1.exits")), 2);
	EXPECT_EQ(expect_lookup(doc, "vcpus.2.exits"), nullptr);
	EXPECT_EQ(expect_lookup(doc, "tasks.writer.progress"), nullptr);
	json_decref(doc);
	EXPECT_EQ(expect_path_unit("host.fault_latency_ps.p99"), EXPECT_TIME);
	EXPECT_EQ(expect_path_unit("migration.transferred_bytes"), EXPECT_SIZE);
	EXPECT_EQ(expect_path_unit("tasks.compute.progress"), EXPECT_COUNT);
}

} // namespace
