// The SystemC backend of the event kernel (run.kernel: systemc,
// docs/event-kernel.md): every example scenario gives byte-identical
// outputs (summary, JSON report, ftrace) under the native and the SystemC
// backend.  Skipped in a build without SystemC, where the key is refused.
#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

using apfsim_test::src;
using apfsim_test::slurp;

int sh(const std::string &cmd)
{
	int rc = std::system(cmd.c_str());
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::vector<std::string> example_scenarios()
{
	std::vector<std::string> v;
	DIR *d = opendir(src("workloads/scenarios").c_str());
	while (struct dirent *e = d ? readdir(d) : nullptr) {
		std::string n = e->d_name;
		if (n.size() > 5 && n.compare(n.size() - 5, 5, ".yaml") == 0)
			v.push_back(n);
	}
	if (d)
		closedir(d);
	std::sort(v.begin(), v.end());
	return v;
}

bool have_systemc()
{
	std::string err = "/tmp/apfsim_sc_probe_" + std::to_string(getpid());
	int rc = sh(std::string(APFSIM_CLI) + " validate " + src("workloads/scenarios/single-fault.yaml") +
		    " --set run.kernel=systemc >/dev/null 2>" + err);
	std::string e = slurp(err);
	std::remove(err.c_str());
	if (rc == 2) {
		EXPECT_NE(e.find("run.kernel: systemc: this apfsim was built without SystemC"), std::string::npos) << e;
	}
	return rc == 0;
}

TEST(SystemcKernel, EveryExampleScenarioIsByteIdenticalToNative)
{
	if (!have_systemc())
		GTEST_SKIP() << "built without SystemC (libsystemc-dev)";
	char t[] = "/tmp/apfsim_sc_XXXXXX";
	std::string dir = mkdtemp(t);
	auto scenarios = example_scenarios();
	ASSERT_GE(scenarios.size(), 10u);
	for (auto &sc : scenarios) {
		std::string out[2];
		const char *kernels[2] = { "native", "systemc" };
		for (int k = 0; k < 2; k++) {
			std::string base = dir + "/" + kernels[k];
			// 300 ms of each (their own protocol and seed): every one has
			// faults by then, most have swap-ins and async notifications.
			int rc = sh(std::string(APFSIM_CLI) + " run " + src("workloads/scenarios/" + sc) +
				    " --set run.duration=300ms --set run.kernel=" + kernels[k] + " --json " + base +
				    ".json --trace-ftrace " + base + ".ftrace >" + base + ".out 2>" + base + ".err");
			EXPECT_TRUE(rc == 0 || rc == 1) << sc << " " << kernels[k] << ": " << slurp(base + ".err");
			out[k] = slurp(base + ".out") + slurp(base + ".json") + slurp(base + ".ftrace") +
				 slurp(base + ".err");
		}
		EXPECT_GT(out[0].size(), 1000u) << sc;
		EXPECT_TRUE(out[0] == out[1]) << sc << ": the SystemC backend's outputs differ from the native one's";
	}
	sh("rm -rf '" + dir + "'");
}

}  // namespace
