// `apfsim validate` checks a scenario's expect: section exactly as `apfsim
// test` does before it runs anything (issue 21): every fixture in
// tests/data/bad_expect/ is a located exit 2 at validate time, with the
// same message `test` prints; a sound expect: section validates.
#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

const std::string kSource = APFSIM_SOURCE_DIR;

// Runs the CLI; returns stdout and stderr apart, and the exit status.
// Standard error goes to a file of its own directory: ctest runs the
// tests of this file in parallel, so a shared name would mix their output.
int Cli(const std::string &args, std::string *out, std::string *err)
{
	apfsim_test::TempDir d;
	std::string errf = d / "stderr";
	std::string cmd = std::string(APFSIM_CLI) + " " + args + " 2>" + errf;
	FILE *p = popen(cmd.c_str(), "r");
	if (!p)
		return -1;
	char buf[4096];
	size_t n;
	out->clear();
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		out->append(buf, n);
	int st = pclose(p);
	*err = apfsim_test::slurp(errf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

std::string FirstLine(const std::string &s)
{
	return s.substr(0, s.find('\n'));
}

TEST(ValidateExpect, BadExpectationsAreLocatedExitTwoAsInTest)
{
	std::string dir = kSource + "/tests/data/bad_expect";
	std::vector<std::string> files;
	if (DIR *d = opendir(dir.c_str())) {
		while (dirent *e = readdir(d)) {
			std::string n = e->d_name;
			if (n.size() > 5 && n.compare(n.size() - 5, 5, ".yaml") == 0)
				files.push_back(dir + "/" + n);
		}
		closedir(d);
	}
	std::sort(files.begin(), files.end());
	ASSERT_GE(files.size(), 3u);
	for (const std::string &f : files) {
		std::string vout, verr, tout, terr;
		EXPECT_EQ(Cli("validate " + f, &vout, &verr), 2) << f << "\n" << vout << verr;
		EXPECT_EQ(vout, "") << f << ": validate must not say ok";
		// FILE:LINE:COL: error: expect...
		EXPECT_EQ(verr.rfind(f + ":", 0), 0u) << verr;
		EXPECT_NE(verr.find(": error: expect."), std::string::npos) << verr;
		EXPECT_EQ(Cli("test " + f, &tout, &terr), 2) << f;
		EXPECT_EQ(FirstLine(verr), FirstLine(terr)) << f;
	}
}

TEST(ValidateExpect, SoundExpectationsValidate)
{
	std::string out, err;
	std::string f = kSource + "/workloads/suites/perf/nvme-fast.yaml";
	EXPECT_EQ(Cli("validate " + f, &out, &err), 0) << err;
	EXPECT_NE(out.find(": ok ("), std::string::npos) << out;
}

} // namespace
