// Trace selection (docs/traces.md "Selection"): --trace-from/--trace-until,
// --trace-vcpus, --trace-events, --trace-token cut every trace sink to a
// subsequence of the full event stream, and bad selections are bad input
// (exit 2, nothing written).  Runs the built apfsim as a user would.
#include <gtest/gtest.h>

#include <fnmatch.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <jansson.h>

#include "test_util.h"

namespace {

using apfsim_test::TempDir;
using apfsim_test::ErrResult;
using apfsim_test::cli_err;
using apfsim_test::src;
using apfsim_test::slurp;

std::vector<std::string> lines(const std::string &text)
{
	std::vector<std::string> v;
	std::stringstream ss(text);
	std::string l;
	while (std::getline(ss, l))
		v.push_back(l);
	return v;
}

// 2 vCPUs, arm64 SDEI/PPI, 200 ms: ~80 k events, ~230 async faults.
std::string scenario()
{
	return "run " + src("workloads/scenarios/quickstart.yaml") + " -q --protocol arm64-v4 --set run.duration=200ms";
}

// Parsed ftrace line: "TASK-PID [CPU] S.UUUUUU: NAME: ARGS".
struct Line {
	std::string comm, name, args;
	unsigned cpu;
	uint64_t us;
};

Line parse(const std::string &l)
{
	Line r{};
	size_t lb = l.find(" ["), rb = l.find("] ", lb);
	size_t colon = l.find(": ", rb + 2), colon2 = l.find(':', colon + 2);
	r.comm = l.substr(0, lb);
	r.cpu = (unsigned)std::stoul(l.substr(lb + 2, rb - lb - 2));
	std::string t = l.substr(rb + 2, colon - rb - 2);
	size_t dot = t.find('.');
	r.us = std::stoull(t.substr(0, dot)) * 1000000 + std::stoull(t.substr(dot + 1));
	r.name = l.substr(colon + 2, colon2 - colon - 2);
	r.args = l.substr(colon2 + 1);
	return r;
}

class Selection : public ::testing::Test {
protected:
	static TempDir *dir;
	static std::vector<std::string> full;	// the unselected ftrace
	static void SetUpTestSuite()
	{
		dir = new TempDir;
		ErrResult r = cli_err(scenario() + " --trace-ftrace " + (*dir / "full.ftrace"));
		ASSERT_EQ(r.status, 0) << r.err;
		full = lines(slurp(*dir / "full.ftrace"));
		ASSERT_GT(full.size(), 1000u);
	}
	static void TearDownTestSuite() { delete dir; }
	// The ftrace written with `sel`.
	std::vector<std::string> selected(const std::string &sel, const std::string &name)
	{
		ErrResult r = cli_err(scenario() + " " + sel + " --trace-ftrace " + (*dir / name));
		EXPECT_EQ(r.status, 0) << r.err;
		return lines(slurp(*dir / name));
	}
	// The full trace's lines that pass `keep`, with the header.
	template <class F> std::vector<std::string> expect(F keep)
	{
		std::vector<std::string> v{ full[0] };
		for (size_t i = 1; i < full.size(); i++)
			if (keep(parse(full[i])))
				v.push_back(full[i]);
		return v;
	}
};
TempDir *Selection::dir;
std::vector<std::string> Selection::full;

TEST_F(Selection, WindowKeepsExactlyTheLinesInsideIt)
{
	auto got = selected("--trace-from 50ms --trace-until 75ms", "w.ftrace");
	auto want = expect([](const Line &l) { return l.us >= 50000 && l.us <= 75000; });
	ASSERT_EQ(got[0], "cpus=2");	// the kernel's header, unchanged
	EXPECT_GT(got.size(), 100u);
	EXPECT_LT(got.size(), full.size() / 2);
	EXPECT_EQ(got, want);
}

TEST_F(Selection, VcpusKeepTheirEventsAndTheHostWorkersOnly)
{
	auto got = selected("--trace-vcpus 1", "v.ftrace");
	std::set<unsigned> cpus;
	for (size_t i = 1; i < got.size(); i++) {
		Line l = parse(got[i]);
		cpus.insert(l.cpu);
		// workers without a vCPU print on host CPUs 2+; run notes as apfsim-1
		EXPECT_TRUE(l.cpu == 1 || l.cpu >= 2 || l.comm.find("apfsim-1") != std::string::npos) << got[i];
	}
	EXPECT_TRUE(cpus.count(1));
	EXPECT_FALSE(cpus.count(0));
	// The vCPU thread's lines of vCPU 1 are all there.
	auto want = expect([](const Line &l) { return l.comm.find("/KVM-") != std::string::npos && l.cpu == 1; });
	std::set<std::string> have(got.begin(), got.end());
	for (auto &w : want)
		EXPECT_TRUE(have.count(w)) << w;
}

TEST_F(Selection, EventGlobsMatchTheFtraceNames)
{
	auto got = selected("--trace-events 'kvm_async_pf_*,apfsim_sdei_dis*'", "e.ftrace");
	auto want = expect([](const Line &l) {
		return !fnmatch("kvm_async_pf_*", l.name.c_str(), 0) || l.name == "apfsim_sdei_dispatch";
	});
	EXPECT_GT(got.size(), 100u);
	EXPECT_EQ(got, want);
}

TEST_F(Selection, TokenKeepsOneTokensLife)
{
	// The first token that went async and was parked on.
	std::string token;
	for (auto &l : full) {
		size_t p = l.find("apfsim_task_park: token=");
		if (p != std::string::npos) {
			token = l.substr(p + strlen("apfsim_task_park: token="));
			break;
		}
	}
	ASSERT_FALSE(token.empty());
	auto got = selected("--trace-token " + token, "t.ftrace");
	std::set<std::string> names;
	for (size_t i = 1; i < got.size(); i++) {
		Line l = parse(got[i]);
		names.insert(l.name);
		size_t p = l.args.find("token");
		if (p != std::string::npos && l.name != "apfsim_task_wake" && l.name != "kvm_async_pf_ready" &&
		    l.name != "apfsim_buf_write") {
			EXPECT_NE(l.args.find(token), std::string::npos) << got[i];
		}
	}
	// Its whole life: the decision, the worker, the notification, the park and the wake.
	for (const char *n : { "kvm_async_pf_not_present", "apfsim_apf_setup", "kvm_async_pf_completed",
			       "apfsim_task_park", "apfsim_task_wake", "apfsim_apf_retired" })
		EXPECT_TRUE(names.count(n)) << n << " missing from token " << token << "'s life";
	EXPECT_LT(got.size(), 40u);
}

TEST_F(Selection, EverySinkIsCutAndStaysValid)
{
	ErrResult r = cli_err(scenario() + " --trace-from 50ms --trace-until 60ms --trace-vcpus 1 --trace-perfetto " +
			  (*dir / "s.json") + " --vcd " + (*dir / "s.vcd") + " --check-determinism");
	ASSERT_EQ(r.status, 0) << r.err;
	json_error_t e;
	json_t *doc = json_load_file((*dir / "s.json").c_str(), 0, &e);
	ASSERT_NE(doc, nullptr) << e.text;
	size_t i;
	json_t *ev;
	json_array_foreach(json_object_get(doc, "traceEvents"), i, ev) {
		json_t *ts = json_object_get(ev, "ts");
		if (!ts)
			continue;
		double t = json_number_value(ts);
		EXPECT_GE(t, 50000.0);
		EXPECT_LE(t + json_number_value(json_object_get(ev, "dur")), 60000.0 + 1e-6);
	}
	json_decref(doc);
	// The VCD's changes are within the window; its last time is the window's end.
	auto v = lines(slurp(*dir / "s.vcd"));
	ASSERT_FALSE(v.empty());
	EXPECT_EQ(v.back(), "#60000000000");
}

TEST(SelectionBadInput, ExitTwoNamingTheOptionWithNothingWritten)
{
	TempDir d;
	std::string sc = scenario() + " --json " + (d / "o.json") + " --trace-ftrace " + (d / "f.ftrace");
	struct {
		std::string args, opt;
	} bad[] = {
		{ "--trace-events '[abc'", "--trace-events: bad glob" },
		{ "--trace-events 'kvm_*,'", "--trace-events: bad glob" },
		{ "--trace-events 'kvm_async_pf_bogus*'", "--trace-events: \"kvm_async_pf_bogus*\" matches no event" },
		{ "--trace-from 200ms", "--trace-from: 200ms is not before the end of the run (run.duration is 200ms)" },
		{ "--trace-from 5ms --trace-until 5ms", "--trace-until" },
		{ "--trace-from 5", "--trace-from" },
		{ "--trace-vcpus 0,2", "--trace-vcpus: vCPU 2 does not exist" },
		{ "--trace-vcpus 0,,1", "--trace-vcpus" },
		{ "--trace-token x", "--trace-token" },
		{ "--trace-perfetto " + (d / "p.perfetto"), "--trace-perfetto: unknown extension '.perfetto'" },
		{ "--vcd " + (d / "w.vcd.gz"), "--vcd: unknown extension '.gz'" },
		{ "--trace-format xml", "--trace-format" },
	};
	for (auto &b : bad) {
		ErrResult r = cli_err(sc + " " + b.args);
		EXPECT_EQ(r.status, 2) << b.args << "\n" << r.err;
		EXPECT_NE(r.err.find(b.opt), std::string::npos) << b.args << "\n" << r.err;
		EXPECT_TRUE(d.list().empty()) << b.args;
	}
	// A selection without a trace to cut is a mistake too.
	ErrResult r = cli_err(scenario() + " --trace-vcpus 0");
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("--trace-vcpus selects trace events, but no trace is written"), std::string::npos) << r.err;
}

}  // namespace
