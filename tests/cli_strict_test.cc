// The command line's edges (issue 21): outputs that never lie, interrupts,
// strict options.  Each test runs the built apfsim as a user would.
#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <jansson.h>

#include "test_util.h"

namespace {

using apfsim_test::TempDir;
using apfsim_test::src;
using apfsim_test::slurp;

struct Result {
	int status;	// exit status, or -1 when killed by a signal
	std::string out, err;
};

void spit(const std::string &path, const std::string &text)
{
	std::ofstream(path) << text;
}

// The binary under test: the one built here, or APFSIM_CLI_UNDER_TEST (to
// show that these tests fail on an older apfsim).
std::string cli()
{
	const char *e = getenv("APFSIM_CLI_UNDER_TEST");
	return e && *e ? e : APFSIM_CLI;
}

std::string quick() { return src("workloads/scenarios/quickstart.yaml"); }
// A scenario that surely runs for minutes: the signal tests interrupt it.
std::string endless()
{
	return src("workloads/scenarios/testsuite-mem.yaml") + " --set run.duration=100000s";
}

// A fresh directory per test, removed with everything in it.
// `stdout_to`: a file for apfsim's standard output (default: captured).
Result apfsim(const std::string &args, const std::string &stdout_to = "")
{
	static int n = 0;
	std::string o = "/tmp/apfsim_strict_" + std::to_string(getpid()) + "_" + std::to_string(n++);
	// A command that does not stop fails its test instead of hanging it.
	std::string cmd = "timeout -k 5 300 " + cli() + " " + args + " >" + (stdout_to.empty() ? o + ".out" : stdout_to) +
			  " 2>" + o + ".err";
	int rc = std::system(cmd.c_str());
	Result r{ WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(o + ".out"), slurp(o + ".err") };
	std::remove((o + ".out").c_str());
	std::remove((o + ".err").c_str());
	return r;
}

bool is_json(const std::string &text)
{
	json_error_t e;
	json_t *doc = json_loads(text.c_str(), 0, &e);
	json_decref(doc);
	return doc != nullptr;
}

// ---- outputs ---------------------------------------------------------------

TEST(CliOutputs, FullStandardOutputExitsOneNamingIt)
{
	Result r = apfsim("run " + quick(), "/dev/full");
	EXPECT_EQ(r.status, 1) << r.err;
	EXPECT_NE(r.err.find("standard output"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find(strerror(ENOSPC)), std::string::npos) << r.err;
}

TEST(CliOutputs, TraceWriteErrorNamesTheFileAndTheReason)
{
	Result r = apfsim("run " + quick() + " -q --trace-ftrace /dev/full");
	EXPECT_EQ(r.status, 1) << r.err;
	EXPECT_NE(r.err.find("--trace-ftrace: cannot write '/dev/full': " + std::string(strerror(ENOSPC))),
		  std::string::npos)
		<< r.err;
	r = apfsim("run " + quick() + " -q --protocol arm64-v4 --set run.duration=50ms --trace-insn /dev/full");
	EXPECT_EQ(r.status, 1) << r.err;
	EXPECT_NE(r.err.find("--trace-insn: cannot write '/dev/full': " + std::string(strerror(ENOSPC))),
		  std::string::npos)
		<< r.err;
}

TEST(CliOutputs, JsonOntoASymlinkToADeviceWritesThroughIt)
{
	TempDir d;
	ASSERT_EQ(symlink("/dev/null", (d / "sink").c_str()), 0);
	Result r = apfsim("run " + quick() + " -q --json " + (d / "sink"));
	ASSERT_EQ(r.status, 0) << r.err;
	struct stat st;
	ASSERT_EQ(lstat((d / "sink").c_str(), &st), 0);
	EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the symlink was replaced";
	ASSERT_EQ(stat("/dev/null", &st), 0);
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(d.list(), std::vector<std::string>{ "sink" }) << "a temporary was left";
}

TEST(CliOutputs, JsonOntoAFifoWritesThroughItAndKeepsIt)
{
	TempDir d;
	std::string fifo = d / "pipe";
	ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
	// Our own read end (O_RDWR: opening never blocks and never sees EOF);
	// a thread drains it while apfsim writes.
	int fd = open(fifo.c_str(), O_RDWR | O_NONBLOCK);
	ASSERT_GE(fd, 0);
	std::atomic<bool> done{ false };
	std::string got;
	std::thread reader([&] {
		char buf[65536];
		for (;;) {
			struct pollfd p = { fd, POLLIN, 0 };
			int ready = poll(&p, 1, 100);
			ssize_t n = ready > 0 ? read(fd, buf, sizeof(buf)) : 0;
			if (n > 0)
				got.append(buf, (size_t)n);
			else if (done)
				break;
		}
	});
	Result r = apfsim("run " + quick() + " -q --json " + fifo);
	done = true;
	reader.join();
	close(fd);
	EXPECT_EQ(r.status, 0) << r.err;
	struct stat st;
	ASSERT_EQ(lstat(fifo.c_str(), &st), 0);
	EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "the FIFO was replaced by a file";
	EXPECT_TRUE(is_json(got)) << got.substr(0, 200);
}

TEST(CliOutputs, TwoOptionsNamingOneFileAreRefused)
{
	TempDir d;
	Result r = apfsim("run " + quick() + " --json " + (d / "x") + " --trace-ftrace " + (d / "x"));
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("name the same file"), std::string::npos) << r.err;
	EXPECT_TRUE(d.list().empty());
	// The same file by another name: a symlink to it.
	spit(d / "old.ftrace", "previous\n");
	ASSERT_EQ(symlink("old.ftrace", (d / "alias").c_str()), 0);
	r = apfsim("run " + quick() + " --trace-ftrace " + (d / "old.ftrace") + " --vcd " + (d / "alias"));
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("name the same file"), std::string::npos) << r.err;
	EXPECT_EQ(slurp(d / "old.ftrace"), "previous\n");
}

// An output that names a file the command reads (the scenario, a task's
// trace, the guest image), directly or through a link, is refused before
// anything runs and the input is left as it was: a typo must not replace it.
TEST(CliOutputs, AnOutputNamingAnInputIsRefused)
{
	TempDir d;
	const std::string scen = slurp(quick());
	spit(d / "s.yaml", scen);
	ASSERT_EQ(symlink("s.yaml", (d / "alias.json").c_str()), 0);
	const struct {
		std::string cmd, what;
	} cases[] = {
		{ "run " + (d / "s.yaml") + " -q --json " + (d / "s.yaml"), "is the scenario" },
		{ "run " + (d / "s.yaml") + " -q --trace-ftrace " + (d / "alias.json"), "is the scenario" },
		{ "compare " + (d / "s.yaml") + " --protocols sync,arm64-v4 --json " + (d / "s.yaml"), "is the scenario" },
		{ "explore " + (d / "s.yaml") + " --runs 1 --json " + (d / "s.yaml"), "is the scenario" },
		{ "test " + (d / "s.yaml") + " --junit " + (d / "s.yaml"), "is a scenario of the suite" },
	};
	for (const auto &c : cases) {
		Result r = apfsim(c.cmd);
		EXPECT_EQ(r.status, 2) << c.cmd;
		EXPECT_NE(r.err.find(c.what + ": refusing to replace an input"), std::string::npos) << r.err;
		EXPECT_EQ(slurp(d / "s.yaml"), scen) << c.cmd;
	}
	// A task's trace file, named relative to the scenario's directory.
	ASSERT_EQ(mkdir((d / "sc").c_str(), 0777), 0);
	ASSERT_EQ(mkdir((d / "traces").c_str(), 0777), 0);
	spit(d / "sc/one.yaml", slurp(src("workloads/scenarios/single-fault.yaml")));
	const std::string trace = slurp(src("workloads/traces/single-fault.trace"));
	spit(d / "traces/single-fault.trace", trace);
	Result r = apfsim("run " + (d / "sc/one.yaml") + " -q --vcd " + (d / "traces/single-fault.trace"));
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("is task one's trace file: refusing to replace an input"), std::string::npos) << r.err;
	EXPECT_EQ(slurp(d / "traces/single-fault.trace"), trace);
	// The guest image given on the command line.
	spit(d / "image.elf", "not an ELF\n");
	r = apfsim("run " + quick() + " --protocol arm64-v4 -q --guest-image " + (d / "image.elf") + " --json " +
		   (d / "image.elf"));
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("is the guest image: refusing to replace an input"), std::string::npos) << r.err;
	EXPECT_EQ(slurp(d / "image.elf"), "not an ELF\n");
}

TEST(CliOutputs, AnOutputThatCannotBeWrittenTouchesNoOther)
{
	TempDir d;
	spit(d / "prev.ftrace", "previous run\n");
	Result r = apfsim("run " + quick() + " --trace-ftrace " + (d / "prev.ftrace") +
			  " --vcd /nonexistent-dir/x.vcd --json " + (d / "o.json"));
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("--vcd"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("/nonexistent-dir"), std::string::npos) << r.err;
	EXPECT_EQ(slurp(d / "prev.ftrace"), "previous run\n");
	EXPECT_EQ(d.list(), std::vector<std::string>{ "prev.ftrace" });
}

TEST(CliOutputs, ReplacedFileKeepsItsModeAndSymlinksToFilesStay)
{
	TempDir d;
	spit(d / "real.json", "{}\n");
	ASSERT_EQ(chmod((d / "real.json").c_str(), 0640), 0);
	ASSERT_EQ(symlink("real.json", (d / "link.json").c_str()), 0);
	// Another run's temporary under the old fixed name is not ours to touch.
	spit(d / "real.json.tmp", "another run\n");
	Result r = apfsim("run " + quick() + " -q --json " + (d / "link.json"));
	ASSERT_EQ(r.status, 0) << r.err;
	struct stat st;
	ASSERT_EQ(lstat((d / "link.json").c_str(), &st), 0);
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	ASSERT_EQ(stat((d / "real.json").c_str(), &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0640u);
	EXPECT_TRUE(is_json(slurp(d / "real.json")));
	EXPECT_EQ(slurp(d / "real.json.tmp"), "another run\n");
	EXPECT_EQ(d.list().size(), 3u);
}

// ---- command line ----------------------------------------------------------

TEST(CliStrict, OptionValueAfterAnEqualsSign)
{
	TempDir d;
	Result r = apfsim("run " + quick() + " -q --json=" + (d / "out.json") + " --seed=7");
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_TRUE(is_json(slurp(d / "out.json")));
	r = apfsim("run " + quick() + " -q --quiet=yes");
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("--quiet takes no value"), std::string::npos) << r.err;
}

TEST(CliStrict, HelpCommandPrintsThatCommandsUsage)
{
	for (const char *cmd : { "run", "validate", "compare", "explore", "protocols" }) {
		Result r = apfsim(std::string("help ") + cmd);
		EXPECT_EQ(r.status, 0) << cmd;
		EXPECT_EQ(r.out.rfind(std::string("usage: apfsim ") + cmd, 0), 0u) << r.out;
		Result h = apfsim(std::string(cmd) + " --help");
		EXPECT_EQ(h.out, r.out) << cmd;
	}
	EXPECT_NE(apfsim("help run").out.find("--max-wall"), std::string::npos);
	Result r = apfsim("help frobnicate");
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos) << r.err;
}

TEST(CliStrict, OptionsACommandHasNoUseForAreRefused)
{
	TempDir d;
	Result r = apfsim("validate " + quick() + " --json " + (d / "f.json"));
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("unknown option '--json'"), std::string::npos) << r.err;
	EXPECT_TRUE(d.list().empty());
	// quickstart runs under sync: no guest code, so no guest image.
	r = apfsim("run " + quick() + " --guest-image /nonexistent.elf");
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("--guest-image does nothing under protocol sync"), std::string::npos) << r.err;
	r = apfsim("run " + quick() + " --trace-insn " + (d / "i.txt"));
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("--trace-insn does nothing under protocol sync"), std::string::npos) << r.err;
	// An abbreviation is not the option.
	r = apfsim("run " + quick() + " --js " + (d / "f.json"));
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("unknown option '--js'"), std::string::npos) << r.err;
	r = apfsim("compare " + quick() + " --protocols sync,arm64-v4 --quiet");
	EXPECT_EQ(r.status, 2);
	EXPECT_TRUE(d.list().empty());
}

TEST(CliStrict, NumbersAreRangeCheckedWithOverflowCaught)
{
	struct {
		std::string args, opt;
	} cases[] = {
		{ "run " + quick() + " --seed 18446744073709551616", "--seed: expected an integer from 1 to 18446744073709551615" },
		{ "run " + quick() + " --seed -1", "--seed: expected an integer" },
		{ "run " + quick() + " --seed 0", "--seed: expected an integer from 1" },
		{ "run " + quick() + " --seed ' 5'", "--seed: expected an integer" },
		{ "explore " + quick() + " --runs 99999999999999999999999", "--runs: expected an integer from 1 to 1000000" },
		{ "explore " + quick() + " --runs 0", "--runs: expected an integer from 1" },
		{ "explore " + quick() + " --runs 2 --jobs 33", "--jobs: expected an integer from 1 to 32" },
		{ "explore " + quick() + " --runs 2x", "--runs: expected an integer" },
		{ "run " + quick() + " --max-wall 0s", "--max-wall: expected a wall-clock time" },
		{ "run " + quick() + " --max-wall 5", "--max-wall: expected a wall-clock time" },
	};
	for (auto &c : cases) {
		Result r = apfsim(c.args);
		EXPECT_EQ(r.status, 2) << c.args;
		EXPECT_NE(r.err.find(c.opt), std::string::npos) << c.args << "\n" << r.err;
	}
}

// The text report marks a task that has not exited with the state it ended
// in, as tasks[].state: a task whose start lies past the end is not started.
TEST(CliStrict, TheSummaryNamesTheStateATaskEndedIn)
{
	TempDir d;
	spit(d / "s.yaml", "vm: {vcpus: 1, memory: 64MiB, kernel_reserved: 16MiB}\n"
			   "tasks:\n"
			   "  - {name: late, workload: compute, iteration: 1000, iterations: 10, start: 2s}\n"
			   "  - {name: busy, workload: compute, iteration: 100000}\n"
			   "  - {name: quick, workload: compute, iteration: 1000, iterations: 1}\n"
			   "run: {duration: 100ms}\n");
	Result r = apfsim("run " + (d / "s.yaml"));
	EXPECT_EQ(r.status, 0) << r.err;
	auto line = [&](const std::string &task) {
		size_t at = r.out.find("\n" + task + " ");
		return at == std::string::npos ? std::string() : r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
	};
	EXPECT_NE(line("late").find("(not started)"), std::string::npos) << r.out;
	EXPECT_NE(line("busy").find("(running)"), std::string::npos) << r.out;
	EXPECT_EQ(line("quick").find("("), std::string::npos) << r.out;	// exited
}

// The --set options of one command are one batch (docs/scenario.md
// "Overrides"): valid together, accepted in either order, by every command
// that takes them.
TEST(CliStrict, OverridesValidOnlyTogetherAreAcceptedInEitherOrder)
{
	const std::string both[] = { " --set vm.vcpus=1 --set tasks.1.vcpu=0", " --set tasks.1.vcpu=0 --set vm.vcpus=1" };
	for (const std::string &sets : both) {
		Result r = apfsim("run " + quick() + sets + " --set run.duration=10ms -q");
		EXPECT_EQ(r.status, 0) << sets << "\n" << r.err;
		r = apfsim("validate " + quick() + sets);
		EXPECT_EQ(r.status, 0) << sets << "\n" << r.err;
		r = apfsim("compare " + quick() + " --protocols sync,arm64-v4" + sets + " --set run.duration=10ms");
		EXPECT_EQ(r.status, 0) << sets << "\n" << r.err;
	}
	Result r = apfsim("run " + quick() + " --set vm.vcpus=1 --set run.duration=10ms -q");
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("--set vm.vcpus: error: tasks.1.vcpu: task \"compute\" is pinned to vCPU 1"),
		  std::string::npos) << r.err;
}

TEST(CliStrict, ValidateChecksTheFilesRunWouldRead)
{
	TempDir d;
	// single-fault.yaml names ../traces/single-fault.trace: absent beside the copy.
	spit(d / "s.yaml", slurp(src("workloads/scenarios/single-fault.yaml")));
	Result v = apfsim("validate " + (d / "s.yaml"));
	Result r = apfsim("run " + (d / "s.yaml"));
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(v.status, 2) << v.out;
	EXPECT_NE(v.err.find("single-fault.trace"), std::string::npos) << v.err;
	EXPECT_EQ(v.err, r.err);
	// A guest image that does not load.
	spit(d / "bad.elf", "not an elf\n");
	v = apfsim("validate " + src("workloads/scenarios/single-fault.yaml") + " --guest-image " + (d / "bad.elf"));
	EXPECT_EQ(v.status, 2);
	EXPECT_NE(v.err.find("bad.elf"), std::string::npos) << v.err;
}

TEST(CliStrict, CompareRefusesAProtocolNamedTwice)
{
	Result r = apfsim("compare " + quick() + " --protocols sync,arm64-v4,sync");
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("sync named twice"), std::string::npos) << r.err;
	EXPECT_TRUE(r.out.empty());
}

TEST(CliStrict, CompareWritesOneTracePerProtocol)
{
	TempDir d;
	std::string sc = src("workloads/scenarios/compare-quickstart.yaml");
	Result r = apfsim("compare " + sc + " --protocols sync,arm64-v4 --trace-ftrace " + (d / "c.ftrace") +
			  " --vcd " + (d / "w.vcd"));
	ASSERT_EQ(r.status, 0) << r.err;
	std::vector<std::string> want = { "c.arm64-v4.ftrace", "c.sync.ftrace", "w.arm64-v4.vcd", "w.sync.vcd" };
	std::vector<std::string> have = d.list();
	std::sort(have.begin(), have.end());
	EXPECT_EQ(have, want);
	// Each is the trace `run` writes under that protocol.
	for (const char *p : { "sync", "arm64-v4" }) {
		Result one = apfsim("run " + sc + " -q --protocol " + p + " --trace-ftrace " + (d / "one.ftrace"));
		ASSERT_EQ(one.status, 0) << one.err;
		EXPECT_EQ(slurp(d / "one.ftrace"), slurp(d / ("c." + std::string(p) + ".ftrace"))) << p;
	}
	EXPECT_NE(slurp(d / "c.sync.ftrace"), slurp(d / "c.arm64-v4.ftrace"));
}

// ---- interrupts ------------------------------------------------------------

// apfsim started in the background with its output in `dir`.
struct Background {
	pid_t pid;
	Background(const std::string &args, const TempDir &dir)
	{
		std::string cmd = "exec " + cli() + " " + args + " >" + (dir / "stdout.txt") + " 2>" +
				  (dir / "stderr.txt");
		pid = fork();
		if (pid == 0) {
			execl("/bin/sh", "sh", "-c", cmd.c_str(), (char *)nullptr);
			_exit(127);
		}
	}
	// Exit status (-1: killed by a signal); a safety net kills it if it
	// ignores the request for a minute (the test then fails).
	int wait()
	{
		int st = 0;
		for (int i = 0; i < 600; i++) {
			if (waitpid(pid, &st, WNOHANG) == pid) {
				pid = -1;
				return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			}
			usleep(100000);
		}
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		pid = -1;
		ADD_FAILURE() << "apfsim did not stop";
		return -2;
	}
	// A test that gave up early still ends what it started.
	~Background()
	{
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, nullptr, 0);
		}
	}
};

// Wait (bounded) until a file whose name starts with `prefix` shows up.
bool appears(const TempDir &d, const std::string &prefix)
{
	for (int i = 0; i < 600; i++) {
		for (auto &n : d.list())
			if (n.rfind(prefix, 0) == 0)
				return true;
		usleep(50000);
	}
	return false;
}

// Kill and reap every child of this process (found by parent id in /proc).
void kill_children()
{
	DIR *p = opendir("/proc");
	while (struct dirent *e = p ? readdir(p) : nullptr) {
		int pid = atoi(e->d_name), ppid = 0;
		if (pid <= 0)
			continue;
		std::string stat = slurp("/proc/" + std::string(e->d_name) + "/stat");
		size_t close = stat.rfind(')');
		if (close != std::string::npos && sscanf(stat.c_str() + close + 1, " %*c %d", &ppid) == 1 &&
		    ppid == getpid())
			kill(pid, SIGKILL);
	}
	if (p)
		closedir(p);
	int st;
	while (waitpid(-1, &st, 0) > 0)
		;
}

void stop_run_and_check(int sig, int want_status, const char *signame)
{
	TempDir d;
	Background b("run " + endless() + " -q --json " + (d / "o.json") + " --trace-ftrace " + (d / "o.ftrace") +
			     " --trace-perfetto " + (d / "o.perfetto.json"),
		     d);
	ASSERT_TRUE(appears(d, "o.ftrace"));
	usleep(300000);	// well inside a run of minutes
	kill(b.pid, sig);
	EXPECT_EQ(b.wait(), want_status);
	std::string err = slurp(d / "stderr.txt");
	EXPECT_NE(err.find(std::string("interrupted by ") + signame), std::string::npos) << err;
	std::vector<std::string> left = d.list();
	std::sort(left.begin(), left.end());
	EXPECT_EQ(left, (std::vector<std::string>{ "stderr.txt", "stdout.txt" })) << "an output or temporary was left";
}

TEST(CliInterrupts, SigtermStopsARunWithNoOutputLeft)
{
	stop_run_and_check(SIGTERM, 143, "SIGTERM");
}

TEST(CliInterrupts, SigintStopsARunWithNoOutputLeft)
{
	stop_run_and_check(SIGINT, 130, "SIGINT");
}

TEST(CliInterrupts, SigtermStopsExploreAndEveryWorker)
{
	// Orphaned workers would be re-parented to this process.
	ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	TempDir d;
	Background b("explore " + src("workloads/scenarios/testsuite-mem.yaml") +
			     " --runs 1000 --jobs 2 --json " + (d / "e.json"),
		     d);
	EXPECT_TRUE(appears(d, "e.json.tmp.")) << "--json is not opened before the runs";
	usleep(800000);	// the workers are running: 1000 runs take minutes
	kill(b.pid, SIGTERM);
	EXPECT_EQ(b.wait(), 143);
	std::string err = slurp(d / "stderr.txt");
	EXPECT_NE(err.find("interrupted by SIGTERM"), std::string::npos) << err;
	int st;
	pid_t orphan = waitpid(-1, &st, WNOHANG);
	EXPECT_TRUE(orphan < 0 && errno == ECHILD) << "a worker outlived explore";
	if (orphan == 0)	// clean up after a failure: the orphans, by id
		kill_children();
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	std::string tmp = "apfsim-explore-" + std::to_string(b.pid) + "-";
	DIR *t = opendir("/tmp");
	while (struct dirent *e = t ? readdir(t) : nullptr)
		EXPECT_NE(std::string(e->d_name).rfind(tmp, 0), 0u) << "left /tmp/" << e->d_name;
	if (t)
		closedir(t);
	EXPECT_EQ(d.list().size(), 2u) << "e.json or its temporary was left";
}

TEST(CliInterrupts, MaxWallStopsARunawayRunWithExitOne)
{
	TempDir d;
	Result r = apfsim("run " + endless() + " -q --max-wall 1s --json " + (d / "o.json"));
	EXPECT_EQ(r.status, 1) << r.err;
	EXPECT_NE(r.err.find("--max-wall 1s exceeded"), std::string::npos) << r.err;
	EXPECT_TRUE(d.list().empty());
}

}  // namespace
