// sweep_test.cc — `apfsim sweep` (issue 13, docs/studies.md): one row per
// run whatever happens to the run, files independent of --jobs and
// byte-identical on a rerun, bad --vary and --out refused before any run,
// an interrupt leaves complete rows and --resume finishes the same files.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "test_util.h"

namespace {

using apfsim_test::slurp;
using apfsim_test::sh;

std::vector<std::string> lines(const std::string &text)
{
	std::vector<std::string> v;
	std::stringstream s(text);
	for (std::string l; std::getline(s, l);)
		v.push_back(l);
	return v;
}

std::string tmpdir()
{
	char t[] = "/tmp/apfsim-sweep-test-XXXXXX";
	EXPECT_NE(mkdtemp(t), nullptr);
	return t;
}

const std::string kScenario = std::string(APFSIM_SOURCE_DIR) + "/workloads/scenarios/quickstart.yaml";
// 2 x 2 values x 2 protocols x 2 seeds = 16 runs of 300 ms simulated time.
const std::string kGrid = " --set run.duration=300ms --vary host.swap.queue_depth=4,8"
			  " --vary host.swap.floor=50us..100us:2 --protocols sync,arm64-v4 --seeds 2";

std::string sweep(const std::string &args, int *st)
{
	return sh(std::string(APFSIM_CLI) + " sweep " + kScenario + args, st);
}

} // namespace

TEST(Sweep, OneRowPerRunIndependentOfJobsAndByteIdenticalOnRerun)
{
	std::string a = tmpdir(), b = tmpdir();
	int st = 0;
	std::string out = sweep(kGrid + " --jobs 1 --out " + a, &st);
	ASSERT_EQ(st, 0) << out;
	EXPECT_NE(out.find("16 runs (4 grid points x 2 protocols x 2 seeds): 16 ok, 0 failed, 0 errors"),
		  std::string::npos) << out;
	std::string csv = slurp(a + "/results.csv"), json = slurp(a + "/results.json");
	std::vector<std::string> l = lines(csv);
	ASSERT_EQ(l.size(), 17u) << csv;
	EXPECT_EQ(l[0].rfind("index,host.swap.queue_depth,host.swap.floor,protocol,seed,status,sim_time_ps,"
			     "hog.progress,hog.stall_ps,hog.parked_ps,compute.progress", 0), 0u) << l[0];
	EXPECT_NE(l[0].find(",faults,apf_faults,apf_async,apf_sync,fault_latency_p50_ps,fault_latency_p99_ps,"
			    "oracle_violations,error"), std::string::npos) << l[0];
	// First key slowest, then the second, the protocol, the seed.
	EXPECT_EQ(l[1].rfind("0,4,50us,sync,1,ok,", 0), 0u) << l[1];
	EXPECT_EQ(l[2].rfind("1,4,50us,sync,2,ok,", 0), 0u) << l[2];
	EXPECT_EQ(l[3].rfind("2,4,50us,arm64-v4,1,ok,", 0), 0u) << l[3];
	EXPECT_EQ(l[5].rfind("4,4,100us,sync,1,ok,", 0), 0u) << l[5];
	EXPECT_EQ(l[16].rfind("15,8,100us,arm64-v4,2,ok,", 0), 0u) << l[16];
	EXPECT_NE(json.find("\"host.swap.floor\": \"100us\""), std::string::npos);

	out = sweep(kGrid + " --jobs 3 --out " + b, &st);
	ASSERT_EQ(st, 0) << out;
	EXPECT_EQ(slurp(b + "/results.csv"), csv);
	EXPECT_EQ(slurp(b + "/results.json"), json);
	out = sweep(kGrid + " --jobs 3 --out " + b, &st);
	ASSERT_EQ(st, 0) << out;
	EXPECT_EQ(slurp(b + "/results.csv"), csv);
	EXPECT_EQ(slurp(b + "/results.json"), json);

	// A row equals `apfsim run` of its point.
	std::string run = sh(std::string(APFSIM_CLI) + " run " + kScenario +
				     " --set run.duration=300ms --set host.swap.queue_depth=8 --set host.swap.floor=100us"
				     " --protocol arm64-v4 --seed 2 -q --json " + a + "/run.json", &st);
	ASSERT_EQ(st, 0) << run;
	std::string rj = slurp(a + "/run.json");
	std::string sim = l[16].substr(std::string("15,8,100us,arm64-v4,2,ok,").size());
	sim = sim.substr(0, sim.find(','));
	EXPECT_NE(rj.find("\"sim_time_ps\": " + sim + ","), std::string::npos) << sim;
	sh("rm -rf " + a + " " + b, &st);
}

TEST(Sweep, BadVaryIsRefusedWithItsArgumentBeforeAnyRun)
{
	std::string d = tmpdir();
	int st = 0;
	std::string out = sweep(" --vary host.swap.queue_depht=4,8 --out " + d, &st);
	EXPECT_EQ(st, 2) << out;
	EXPECT_NE(out.find("--vary host.swap.queue_depht: value 1 \"4\""), std::string::npos) << out;
	EXPECT_NE(out.find("queue_depth"), std::string::npos) << out;	// did you mean
	out = sweep(" --vary host.swap.queue_depth=4,abc --out " + d, &st);
	EXPECT_EQ(st, 2) << out;
	EXPECT_NE(out.find("--vary host.swap.queue_depth: value 2 \"abc\""), std::string::npos) << out;
	out = sweep(" --vary host.swap.floor=50us..1ms:3 --out " + d, &st);
	EXPECT_EQ(st, 2) << out;
	EXPECT_NE(out.find("LO and HI must have the same unit"), std::string::npos) << out;
	out = sweep(" --vary host.swap.floor=50us..100us:x --out " + d, &st);
	EXPECT_EQ(st, 2) << out;
	EXPECT_NE(out.find("STEPS: expected an integer from 2"), std::string::npos) << out;
	out = sweep(" --vary host.swap.queue_depth=4,,8 --out " + d, &st);
	EXPECT_EQ(st, 2) << out;
	EXPECT_NE(out.find("value 2 is empty"), std::string::npos) << out;
	out = sweep(" --vary seed=1,2 --out " + d, &st);
	EXPECT_EQ(st, 2) << out;
	EXPECT_NE(out.find("use --seeds N"), std::string::npos) << out;
	EXPECT_EQ(sh("ls -A " + d, &st), "");	// nothing written
	sh("rm -rf " + d, &st);
}

// Values valid only together: with one varied key a value the checks across
// keys refuse is bad input before any run; with several, the invalid
// combinations are those points' errors and the others run.
TEST(Sweep, AValueValidOnlyBesideAnotherKeysValueRunsWhereItIs)
{
	std::string d = tmpdir();
	int st = 0;
	// quickstart pins compute to vCPU 1.
	std::string out = sweep(" --set run.duration=100ms --vary vm.vcpus=1,2 --out " + d, &st);
	EXPECT_EQ(st, 2) << out;
	EXPECT_NE(out.find("--vary vm.vcpus: value 1 \"1\": tasks.1.vcpu: task \"compute\" is pinned to vCPU 1"),
		  std::string::npos) << out;
	out = sweep(" --set run.duration=100ms --vary vm.vcpus=1,2 --vary tasks.1.vcpu=0,1 --out " + d, &st);
	EXPECT_EQ(st, 1) << out;
	EXPECT_NE(out.find("4 runs (4 grid points x 1 protocol x 1 seed): 3 ok, 0 failed, 1 errors"), std::string::npos)
		<< out;
	std::vector<std::string> l = lines(slurp(d + "/results.csv"));
	ASSERT_EQ(l.size(), 5u);
	EXPECT_EQ(l[1].rfind("0,1,0,,1,ok,", 0), 0u) << l[1];
	EXPECT_EQ(l[2].rfind("1,1,1,,1,error,", 0), 0u) << l[2];
	EXPECT_NE(l[2].find("pinned to vCPU 1 but the VM has 1 vCPU"), std::string::npos) << l[2];
	EXPECT_EQ(l[4].rfind("3,2,1,,1,ok,", 0), 0u) << l[4];
	// A value's own checks still refuse it up front.
	out = sweep(" --set run.duration=100ms --vary vm.vcpus=1,x --vary tasks.1.vcpu=0,1 --out " + d + "/x", &st);
	EXPECT_EQ(st, 2) << out;
	EXPECT_NE(out.find("--vary vm.vcpus: value 2 \"x\": expected a non-negative integer"), std::string::npos) << out;
	sh("rm -rf " + d, &st);
}

TEST(Sweep, UnwritableOutFailsBeforeAnyRun)
{
	std::string d = tmpdir();
	int st = 0;
	sh("touch " + d + "/file", &st);
	std::string out = sweep(" --vary host.swap.queue_depth=4,8 --out " + d + "/file/sub", &st);
	EXPECT_EQ(st, 2) << out;
	EXPECT_NE(out.find("--out '" + d + "/file/sub': cannot create the directory: Not a directory"),
		  std::string::npos) << out;
	sh("rm -rf " + d, &st);
}

TEST(Sweep, ARunThatDiesIsARowWithItsError)
{
	std::string d = tmpdir();
	int st = 0;
	std::string out = sh("APFSIM_SWEEP_TEST_ABORT=1 " + std::string(APFSIM_CLI) + " sweep " + kScenario +
				     " --set run.duration=100ms --vary host.swap.queue_depth=4,8,16 --jobs 2 --out " + d,
			     &st);
	EXPECT_EQ(st, 1) << out;
	EXPECT_NE(out.find("3 runs (3 grid points x 1 protocol x 1 seed): 2 ok, 0 failed, 1 errors"),
		  std::string::npos) << out;
	std::vector<std::string> l = lines(slurp(d + "/results.csv"));
	ASSERT_EQ(l.size(), 4u);
	EXPECT_EQ(l[2].rfind("1,8,,1,error,,", 0), 0u) << l[2];
	EXPECT_NE(l[2].find("the run died (signal 6, Aborted)"), std::string::npos) << l[2];
	sh("rm -rf " + d, &st);
}

TEST(Sweep, InterruptKeepsCompleteRowsAndResumeFinishesTheSameFiles)
{
	std::string ref = tmpdir(), d = tmpdir();
	const std::string grid = " --set run.duration=300ms --vary host.swap.queue_depth=1,2,3,4,5,6,7,8";
	int st = 0;
	std::string out = sweep(grid + " --out " + ref, &st);
	ASSERT_EQ(st, 0) << out;
	// SIGINT once the second row is in (header + 2 lines); the runs from
	// index 2 on wait (a test hook), so the interrupt finds them in flight.
	std::string cmd = "APFSIM_SWEEP_TEST_PAUSE=2 " + std::string(APFSIM_CLI) + " sweep " + kScenario + grid +
			  " --jobs 2 --out " + d +
			  " 2>" + d + ".err & pid=$!; while [ $(cat " + d + "/results.csv 2>/dev/null | wc -l) -lt 3 ];"
			  " do sleep 0.02; done; kill -INT $pid; wait $pid; echo rc=$?";
	out = sh(cmd, &st);
	EXPECT_NE(out.find("rc=130"), std::string::npos) << out;
	std::string err = slurp(d + ".err");
	EXPECT_NE(err.find("interrupted by SIGINT"), std::string::npos) << err;
	EXPECT_NE(err.find("resume with: apfsim sweep"), std::string::npos) << err;
	EXPECT_NE(err.find(" --resume\n"), std::string::npos) << err;
	std::string part = slurp(d + "/results.csv"), full = slurp(ref + "/results.csv");
	ASSERT_FALSE(part.empty());
	EXPECT_EQ(part.back(), '\n');
	std::vector<std::string> pl = lines(part), fl = lines(full);
	ASSERT_EQ(pl.size(), 3u);	// header and runs 0, 1: the complete ones
	ASSERT_LT(pl.size(), fl.size());
	for (size_t i = 0; i < pl.size(); i++)
		EXPECT_EQ(pl[i], fl[i]);	// complete rows, the same as the full run's
	EXPECT_NE(access((d + "/results.json").c_str(), F_OK), 0);
	out = sweep(grid + " --out " + d + " --resume", &st);
	ASSERT_EQ(st, 0) << out;
	EXPECT_NE(out.find(", 2 kept from the last run"), std::string::npos) << out;
	EXPECT_EQ(slurp(d + "/results.csv"), full);
	EXPECT_EQ(slurp(d + "/results.json"), slurp(ref + "/results.json"));
	// A results.csv of another grid is refused, not mixed in.
	out = sweep(" --set run.duration=300ms --vary host.swap.queue_depth=1,2 --out " + d + " --resume", &st);
	EXPECT_EQ(st, 2) << out;
	EXPECT_NE(out.find("not a row of this sweep"), std::string::npos) << out;
	sh("rm -rf " + ref + " " + d + " " + d + ".err", &st);
}

// sweep --plot: gnuplot SVGs, one per figure and key, byte-identical across
// reruns (and --jobs); without gnuplot a note and the results all the same.
TEST(SweepPlot, SvgFilesAreByteIdenticalAcrossRerunsAndSkippedWithoutGnuplot)
{
	std::string a = tmpdir(), b = tmpdir();
	const std::string grid = " --set run.duration=300ms --vary host.swap.floor=50us,100us --protocols sync,arm64-v4"
				 " --seeds 2 --plot";
	int st = 0;
	std::string out = sh("APFSIM_GNUPLOT=/nonexistent " + std::string(APFSIM_CLI) + " sweep " + kScenario + grid +
			     " --out " + a, &st);
	EXPECT_EQ(st, 0) << out;
	EXPECT_NE(out.find("--plot: gnuplot not found (Debian: apt-get install gnuplot-nox"), std::string::npos) << out;
	EXPECT_NE(access((a + "/results.csv").c_str(), F_OK), -1);
	EXPECT_EQ(access((a + "/plots").c_str(), F_OK), -1);
	if (sh("command -v gnuplot", &st).empty() || st) {
		sh("rm -rf " + a + " " + b, &st);
		GTEST_SKIP() << "gnuplot is not installed";
	}
	out = sweep(grid + " --jobs 1 --out " + a, &st);
	ASSERT_EQ(st, 0) << out;
	EXPECT_NE(out.find("plots: "), std::string::npos) << out;
	std::string svg = slurp(a + "/plots/hog.stall_ps-vs-host.swap.floor.svg");
	EXPECT_NE(svg.find("<svg"), std::string::npos);
	EXPECT_NE(svg.find("arm64-v4"), std::string::npos);
	EXPECT_NE(svg.find("100us"), std::string::npos);
	// sim_time_ps is the same in every run: no plot of it.
	EXPECT_EQ(access((a + "/plots/sim_time_ps-vs-host.swap.floor.svg").c_str(), F_OK), -1);
	out = sweep(grid + " --jobs 2 --out " + b, &st);
	ASSERT_EQ(st, 0) << out;
	std::string diff = sh("cd " + a + "/plots && ls *.svg | while read f; do cmp \"$f\" " + b +
				      "/plots/\"$f\" || echo \"differs: $f\"; done; ls " + a + "/plots/*.svg | wc -l", &st);
	EXPECT_EQ(diff.find("differs"), std::string::npos) << diff;
	EXPECT_GE(std::stoi(diff), 5) << diff;
	sh("rm -rf " + a + " " + b, &st);
}

// run --plot DIR: the latency histograms and the per-vCPU timeline of the
// run, the same bytes on a rerun; DIR is checked before the run.
TEST(SweepPlot, RunPlotDrawsHistogramsAndTimelineByteIdentical)
{
	int st = 0;
	std::string a = tmpdir(), b = tmpdir();
	std::string out = sh(std::string(APFSIM_CLI) + " run " + kScenario + " -q --plot " + a + "/file/x", &st);
	EXPECT_EQ(st, 2) << out;	// its parent does not exist
	EXPECT_NE(out.find("--plot '" + a + "/file/x': cannot create the directory"), std::string::npos) << out;
	if (sh("command -v gnuplot", &st).empty() || st) {
		sh("rm -rf " + a + " " + b, &st);
		GTEST_SKIP() << "gnuplot is not installed";
	}
	const std::string args = " run " + kScenario + " --protocol arm64-v4 --set run.duration=300ms -q --plot ";
	out = sh(std::string(APFSIM_CLI) + args + a, &st);
	ASSERT_EQ(st, 0) << out;
	out = sh(std::string(APFSIM_CLI) + args + b, &st);
	ASSERT_EQ(st, 0) << out;
	for (const char *f : { "/latency.svg", "/timeline.svg" }) {
		std::string x = slurp(a + f);
		EXPECT_NE(x.find("<svg"), std::string::npos) << f;
		EXPECT_EQ(x, slurp(b + f)) << f;
	}
	EXPECT_NE(slurp(a + "/timeline.svg").find("idle"), std::string::npos);
	EXPECT_NE(slurp(a + "/latency.svg").find("time parked per APF wait"), std::string::npos);
	// A quote in the directory is quoted in the scripts (gnuplot failed on
	// it), and only the finished plots are there: gnuplot writes a
	// temporary renamed over the plot.
	const std::string q = a + "/it's";
	out = sh(std::string(APFSIM_CLI) + args + "\"" + q + "\"", &st);
	ASSERT_EQ(st, 0) << out;
	EXPECT_EQ(slurp(q + "/latency.svg"), slurp(b + "/latency.svg"));
	EXPECT_EQ(sh("ls -A \"" + q + "\"", &st), "latency.gp\nlatency.svg\ntimeline.gp\ntimeline.svg\n");
	sh("rm -rf " + a + " " + b, &st);
}
