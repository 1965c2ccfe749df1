// cpu_pool_test.cc — a machine built on engines reused from an earlier
// machine of the process (cpu/cpu_pool.c, the platform's RAM pool) gives
// the same run document as one built on new engines.  Runs of different
// guest images (the built-in one, the handler-touch one), vCPU counts and
// protocol families are interleaved in one process, and each is compared
// with its own first run, made when the pool had nothing for it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <jansson.h>

#include "test_session.h"

extern "C" {
#include "cpu/cpu.h"
}

namespace {

std::string Document(const std::string &scenario, const std::vector<std::string> &sets)
{
	return apfsim_test::RunDocument(scenario, sets);
}

TEST(CpuPool, ReusedEnginesGiveTheSameDocumentAsNewOnes)
{
	const std::string dir = std::string(APFSIM_SOURCE_DIR) + "/workloads/scenarios/";
	struct Case {
		std::string scenario;
		std::vector<std::string> sets;
	};
	const std::vector<Case> cases = {
		{ "quickstart.yaml", { "protocol=arm64-v4", "run.duration=300ms" } },
		{ "multi-vcpu.yaml", { "protocol=x86-int-ack", "run.duration=200ms" } },
		{ "ack-race.yaml", { "protocol=arm64-v4", "run.duration=300ms", "run.perturb_order=true" } },
		{ "quickstart.yaml",
		  { "protocol=arm64-v4", "run.duration=300ms", "guest.handler_touches_page=both" } },
		{ "cpu-offline.yaml", { "protocol=arm64-v4", "run.duration=400ms" } },
	};
	std::map<size_t, std::string> first;
	uint64_t reused0 = cpu_pool_reused();

	// Three rounds: the first builds each case's reference (on whatever the
	// pool holds by then), the next two rebuild every case on reused engines.
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < cases.size(); i++) {
			std::string doc = Document(dir + cases[i].scenario, cases[i].sets);
			ASSERT_FALSE(doc.empty());
			if (round == 0)
				first[i] = doc;
			else
				EXPECT_EQ(doc, first[i]) << cases[i].scenario << " round " << round;
		}
	// The comparison is about reuse: most machines must have had it.
	EXPECT_GE(cpu_pool_reused() - reused0, 2 * cases.size());
}

TEST(CpuPool, TheFirstRunOfAProcessAgreesWithTheCommandLine)
{
	// The CLI's single run builds new engines; this process has already
	// run other machines, so its run of the same scenario reuses them.
	const std::string sc = std::string(APFSIM_SOURCE_DIR) + "/workloads/scenarios/ack-race.yaml";
	const std::vector<std::string> sets = { "protocol=arm64-v4", "run.duration=300ms" };
	(void)Document(std::string(APFSIM_SOURCE_DIR) + "/workloads/scenarios/quickstart.yaml",
		       { "protocol=arm64-v4", "run.duration=100ms" });
	uint64_t reused0 = cpu_pool_reused();
	std::string pooled = Document(sc, sets);
	EXPECT_GT(cpu_pool_reused(), reused0);
	char path[] = "/tmp/apfsim_pool_XXXXXX";
	int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	close(fd);
	std::string cmd = std::string(APFSIM_CLI) + " run " + sc + " -q --set protocol=arm64-v4 --set run.duration=300ms --json " + path;
	ASSERT_EQ(std::system(cmd.c_str()), 0);
	json_error_t jerr;
	json_t *cli = json_load_file(path, 0, &jerr);
	unlink(path);
	ASSERT_NE(cli, nullptr) << jerr.text;
	// The CLI writes its own version string; compare the rest.
	json_object_set_new(cli, "apfsim_version", json_string("test"));
	char *text = json_dumps(cli, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(cli);
	EXPECT_EQ(std::string(text), pooled);
	free(text);
}

} // namespace
