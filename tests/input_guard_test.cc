// input_guard_test.cc — issue 21 items 1 and 3: texts that once hung or were
// silently cut by the YAML library, and the bounds on every input.  Each
// case runs in a child process with a deadline, so a regression to a hang
// fails the test instead of stalling ctest.
#include <gtest/gtest.h>

#include <csignal>
#include <dirent.h>
#include <cstdio>
#include <cstdlib>
#include <elf.h>
#include <fstream>
#include <vector>
#include <cstring>
#include <functional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

extern "C" {
#include "model/config/config.h"
#include "model/scenario/text_guard.h"
#include "guest_image.h"
}

namespace {

const char kOneTask[] = "tasks:\n  - {name: a, workload: compute}\n";

std::string printed(const cfg_error &e)
{
	char buf[1024];

	if (e.line)
		snprintf(buf, sizeof(buf), "%s:%u:%u: error: %s", e.file, e.line, e.col, e.msg);
	else
		snprintf(buf, sizeof(buf), "%s: error: %s", e.file, e.msg);
	return buf;
}

// Runs fn in a child that must finish within `secs`; returns what fn wrote
// to the pipe, or "HUNG"/"CRASHED".
std::string bounded(const std::function<std::string()> &fn, unsigned secs = 20)
{
	int fd[2];

	if (pipe(fd))
		return "PIPE";
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		alarm(secs);
		std::string r = fn();
		if (write(fd[1], r.data(), r.size()) < 0)
			_exit(3);
		_exit(0);
	}
	close(fd[1]);
	std::string out;
	char buf[512];
	ssize_t n;
	while ((n = read(fd[0], buf, sizeof(buf))) > 0)
		out.append(buf, (size_t)n);
	close(fd[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st))
		return WTERMSIG(st) == SIGALRM ? "HUNG" : "CRASHED";
	return out;
}

std::string load(const std::string &yaml)
{
	return bounded([yaml] {
		apf_config c;
		cfg_error e;
		std::string r = "ok";

		if (config_load_string(&c, yaml.c_str(), "s.yaml", &e))
			r = printed(e);
		config_free(&c);
		return r;
	});
}

std::string set(const std::string &assignment)
{
	return bounded([assignment] {
		apf_config c;
		cfg_error e;
		std::string r = "ok";

		if (config_load_string(&c, kOneTask, "s.yaml", &e))
			return printed(e);
		if (config_set(&c, assignment.c_str(), &e))
			r = printed(e);
		config_free(&c);
		return r;
	});
}

const std::string kNotText = "error: expected UTF-8 text of printable characters, ";

} // namespace

// The two bytes of issue 21: a broken directive, then a non-ASCII byte.
TEST(InputGuard, BrokenDirectiveWithBadUtf8IsAnErrorNotAHang)
{
	EXPECT_EQ(load("%\x82"), "s.yaml:1:2: " + kNotText + "found the byte 0x82 (not valid UTF-8)");
	EXPECT_EQ(load("%FOO \xff\n"), "s.yaml:1:6: " + kNotText + "found the byte 0xFF (not valid UTF-8)");
}

// libfyaml ended the stream at a bad byte: the rest of the file was ignored.
TEST(InputGuard, BadByteDoesNotSilentlyEndTheScenario)
{
	EXPECT_EQ(load(std::string(kOneTask) + "\x82\nrun: {duration: 1ms}\n"),
		  "s.yaml:3:1: " + kNotText + "found the byte 0x82 (not valid UTF-8)");
}

TEST(InputGuard, ValuesFromTheCommandLineGetTheSameGuard)
{
	// --seed, --protocol and --guest-image reach the parser as --set values.
	EXPECT_EQ(set("seed=%\x82"), "--set seed: " + kNotText + "found the byte 0x82 (not valid UTF-8)");
	EXPECT_EQ(set("protocol=arm64\x1b"), "--set protocol: " + kNotText + "found the control character U+001B");
	EXPECT_EQ(set("guest.image=a\xc0\xaf" "b"), "--set guest.image: " + kNotText + "found the byte 0xC0 (not valid UTF-8)");
	EXPECT_EQ(set("seed=7"), "ok");
}

TEST(InputGuard, WellFormedUnicodeIsAccepted)
{
	// A comment in French, a BOM, and a 4-byte character pass the guard.
	EXPECT_EQ(load("\xef\xbb\xbf# d\xc3\xa9j\xc3\xa0 vu \xf0\x9f\x98\x80\n" + std::string(kOneTask)), "ok");
}

TEST(TextGuard, ReportsLineAndCharacterColumnOfTheFirstBadByte)
{
	text_fault f;
	const char s[] = "a\r\nb\xc3\xa9\xed\xa0\x80"; // CRLF, then a surrogate (ED A0 80)

	ASSERT_EQ(text_guard(s, sizeof(s) - 1, &f), -1);
	EXPECT_EQ(f.line, 2u);
	EXPECT_EQ(f.col, 3u);
	EXPECT_STREQ(f.what, "found the byte 0xED (not valid UTF-8)");
	EXPECT_EQ(text_guard("x\x7f", 2, &f), -1);
	EXPECT_STREQ(f.what, "found the control character U+007F");
	EXPECT_EQ(text_guard("\xf4\x90\x80\x80", 4, &f), -1); // above U+10FFFF
	EXPECT_EQ(text_guard("\xc2\x85\t\xef\xbf\xbd", 6, &f), 0); // NEL, tab, U+FFFD
}

// The built-in guest image with symbol `name` moved to `value`, written to a
// temp file; "" when the symbol is absent.
static std::string image_with_symbol_at(const char *name, uint64_t value)
{
	std::vector<unsigned char> elf(apfsim_guest_elf, apfsim_guest_elf + apfsim_guest_elf_size);
	auto *eh = reinterpret_cast<Elf64_Ehdr *>(elf.data());
	auto *sh = reinterpret_cast<Elf64_Shdr *>(elf.data() + eh->e_shoff);
	bool found = false;

	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB)
			continue;
		auto *sym = reinterpret_cast<Elf64_Sym *>(elf.data() + sh[i].sh_offset);
		const char *str = reinterpret_cast<const char *>(elf.data() + sh[sh[i].sh_link].sh_offset);
		for (size_t k = 0; k < sh[i].sh_size / sizeof(Elf64_Sym); k++)
			if (strcmp(str + sym[k].st_name, name) == 0) {
				sym[k].st_value = value;
				found = true;
			}
	}
	if (!found)
		return "";
	char path[] = "/tmp/apfsim-elf-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return "";
	bool ok = write(fd, elf.data(), elf.size()) == static_cast<ssize_t>(elf.size());
	close(fd);
	return ok ? path : "";
}

static std::string run_cli(const std::string &args, int *rc)
{
	std::string out = "/tmp/apfsim-guard-out-" + std::to_string(getpid());
	std::string cmd = std::string("timeout 60 ") + APFSIM_CLI + " " + args + " >" + out + " 2>&1";
	int st = std::system(cmd.c_str());
	*rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	std::ifstream in(out);
	std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	unlink(out.c_str());
	return s;
}

// Addresses from a guest image are checked without wrapping: guest_percpu
// near 2^64 once passed "percpu + size <= end" and was written through.
TEST(GuestImageBounds, SymbolNearTheTopOfTheAddressSpaceIsRefused)
{
	for (uint64_t at : { 0xFFFFFFFFFFFFFFC0ull, 0x40000000ull + 0x400000ull - 64 }) {
		std::string img = image_with_symbol_at("guest_percpu", at);
		ASSERT_FALSE(img.empty());
		int rc = 0;
		std::string out = run_cli(std::string("run ") + APFSIM_SOURCE_DIR +
					  "/workloads/scenarios/single-fault.yaml --guest-image " + img, &rc);
		unlink(img.c_str());
		EXPECT_EQ(rc, 2) << out;
		EXPECT_NE(out.find(img + ": guest_percpu at 0x"), std::string::npos) << out;
		EXPECT_NE(out.find("must lie in the kernel region [0x40000000, 0x40400000)"), std::string::npos)
			<< out;
	}
}

// A looping trace of 0-cycle records made progress at no simulated cost
// and spun forever; the operations-per-instant bound stops it (exit 1).
TEST(RunBounds, WorkloadWithoutSimulatedCostStops)
{
	int rc = 0;
	std::string out = run_cli(std::string("run ") + APFSIM_SOURCE_DIR + "/tests/data/runaway/zero-cost.yaml", &rc);
	EXPECT_EQ(rc, 1) << out;
	EXPECT_NE(out.find("task spin (workload trace): more than 1000000 operations at simulated time"),
		  std::string::npos) << out;
	EXPECT_NE(out.find("(limit: 1000000 operations per simulated instant;"), std::string::npos) << out;
}

static std::string scenario_with_trace(const std::string &trace)
{
	char path[] = "/tmp/apfsim-guard-XXXXXX.yaml";
	int fd = mkstemps(path, 5);
	if (fd < 0)
		return "";
	std::string y = "vm: {vcpus: 1, memory: 256MiB}\nrun: {duration: 1ms}\ntasks:\n"
			"  - {name: t, workload: trace, file: " + trace + "}\n";
	bool ok = write(fd, y.data(), y.size()) == static_cast<ssize_t>(y.size());
	close(fd);
	return ok ? path : "";
}

// Trace files are read with limits: /dev/zero once grew one getline()
// buffer until the OOM killer came; a huge line or file is refused.
TEST(RunBounds, TraceFileIsReadWithLimits)
{
	struct Case {
		std::string content, want;
	};
	std::string big;
	for (int i = 0; i < 17000; i++)
		big += "0 C #" + std::string(4000, 'x') + "\n"; // 68 MB
	std::vector<Case> cases = {
		{ "", "/dev/zero:1: error: NUL byte in column 1 (a trace is text)" },
		{ "0 C\n0 " + std::string(5000, 'x') + "\n", ":2: error: line longer than 4096 characters (the record length limit)" },
		{ big, ": error: trace larger than 64 MiB (the trace size limit)" },
	};
	for (const Case &c : cases) {
		std::string trace = "/dev/zero";
		if (!c.content.empty()) {
			char p[] = "/tmp/apfsim-guard-XXXXXX";
			int fd = mkstemp(p);
			ASSERT_GE(fd, 0);
			ASSERT_EQ(write(fd, c.content.data(), c.content.size()), static_cast<ssize_t>(c.content.size()));
			close(fd);
			trace = p;
		}
		std::string sc = scenario_with_trace(trace);
		ASSERT_FALSE(sc.empty());
		int rc = 0;
		std::string out = run_cli("run " + sc, &rc);
		unlink(sc.c_str());
		if (trace != "/dev/zero")
			unlink(trace.c_str());
		EXPECT_EQ(rc, 2) << out;
		EXPECT_NE(out.find(c.want), std::string::npos) << out;
	}
}

// The scenario file is read with a size limit, whatever its kind.
TEST(InputGuard, ScenarioLargerThanTheLimitIsRefusedUnread)
{
	char p[] = "/tmp/apfsim-guard-XXXXXX";
	int fd = mkstemp(p);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, (17 << 20)), 0); // sparse: nothing is written
	close(fd);
	std::string r = bounded([&p] {
		apf_config c;
		cfg_error e;
		std::string s = config_load_file(&c, p, &e) ? printed(e) : "ok";
		config_free(&c);
		return s;
	});
	unlink(p);
	EXPECT_EQ(r, std::string(p) + ": error: expected a scenario of at most 16MiB, found 17825792 bytes");
}

// Every input the fuzzers found (tests/data/fuzz) loads to a result or a
// located error, no crash; under `make test-sanitize` UBSan makes the old
// out-of-range double-to-integer cast in format_bound() fatal.
TEST(FuzzFindings, EveryFoundInputLoadsWithoutCrash)
{
	std::string dir = std::string(APFSIM_SOURCE_DIR) + "/tests/data/fuzz";
	std::vector<std::string> names;
	if (DIR *d = opendir(dir.c_str())) {
		while (dirent *e = readdir(d))
			if (std::string(e->d_name).rfind("scenario-", 0) == 0)
				names.push_back(e->d_name);
		closedir(d);
	}
	ASSERT_GE(names.size(), 8u);
	for (const std::string &n : names) {
		std::string path = dir + "/" + n;
		std::string r = bounded([path] {
			apf_config c;
			cfg_error e;
			std::string s = config_load_file(&c, path.c_str(), &e) ? printed(e) : "ok";
			config_free(&c);
			return s;
		});
		EXPECT_NE(r, "HUNG") << n;
		EXPECT_NE(r, "CRASHED") << n;
		EXPECT_FALSE(r.empty()) << n;
	}
	EXPECT_EQ(load("run: {duration: 0s}\n" + std::string(kOneTask)),
		  "s.yaml:1:17: error: run.duration: expected a time of at least 1ps, found \"0s\"");
}
