// test_util.h — what many test files need: paths in the source tree, a
// file's bytes, the apfsim CLI run with its output captured.  Header-only
// (inline): each *_test.cc is its own translation unit of one binary.
#ifndef APFSIM_TESTS_TEST_UTIL_H
#define APFSIM_TESTS_TEST_UTIL_H

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace apfsim_test {

// REL (e.g. "workloads/scenarios/quickstart.yaml") in the source tree.
inline std::string src(const std::string &rel) { return std::string(APFSIM_SOURCE_DIR) + "/" + rel; }

// The whole file; "" when it cannot be read.
inline std::string slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

// Runs the shell command CMD, stdout and stderr together; *status is its
// exit code (-1 when it did not exit normally).
inline std::string sh(const std::string &cmd, int *status)
{
	std::string out;
	FILE *p = popen((cmd + " 2>&1").c_str(), "r");
	char buf[4096];
	size_t k;

	if (!p) {
		*status = -1;
		return out;
	}
	while ((k = fread(buf, 1, sizeof(buf), p)) > 0)
		out.append(buf, k);
	int rc = pclose(p);
	*status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	return out;
}

// `apfsim ARGS`, stdout and stderr together.
inline std::string cli(const std::string &args, int *status)
{
	return sh(std::string(APFSIM_CLI) + " " + args, status);
}

}  // namespace apfsim_test

#endif
