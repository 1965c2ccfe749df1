// `apfsim compare --explain`: the time-account difference of each protocol
// against the first, per task and per vCPU, in the table and in --json.
// Each account sums to its total, so the per-bucket differences must sum to
// the difference of the totals, and each difference is other - base of the
// two runs' own account_ps.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <jansson.h>

namespace {

int Cli(const std::string &args, std::string *out)
{
	std::string o = "/tmp/apfsim_explain_test_" + std::to_string(getpid()) + ".out";
	int rc = std::system((std::string(APFSIM_CLI) + " " + args + " >" + o + " 2>&1").c_str());
	std::ifstream f(o);
	std::stringstream ss;
	ss << f.rdbuf();
	*out = ss.str();
	std::remove(o.c_str());
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

long long I(json_t *o, const char *k) { return (long long)json_integer_value(json_object_get(o, k)); }

// Checks one account difference d against the two runs' accounts a and b.
void CheckDiff(json_t *d, json_t *a, json_t *b, const std::string &what)
{
	long long sum = 0;
	const char *key;
	json_t *v;
	size_t n = 0;
	json_object_foreach(json_object_get(d, "buckets"), key, v) {
		long long base = (long long)json_integer_value(json_object_get(a, key));
		long long other = (long long)json_integer_value(json_object_get(b, key));
		EXPECT_EQ(I(v, "base"), base) << what << " " << key;
		EXPECT_EQ(I(v, "other"), other) << what << " " << key;
		EXPECT_EQ(I(v, "delta"), other - base) << what << " " << key;
		sum += I(v, "delta");
		n++;
	}
	EXPECT_EQ(n, json_object_size(a)) << what << ": every bucket is explained";
	EXPECT_EQ(sum, I(d, "total_delta_ps")) << what;
	EXPECT_EQ(I(d, "total_other_ps") - I(d, "total_base_ps"), I(d, "total_delta_ps")) << what;
}

TEST(CompareExplain, BucketDifferencesSumToTheDifferenceOfTotals)
{
	std::string json = "/tmp/apfsim_explain_test_" + std::to_string(getpid()) + ".json", out;
	// until_done with tasks that exit: totals (lifetimes, simulated time) differ.
	int st = Cli("compare " + std::string(APFSIM_SOURCE_DIR) +
			     "/workloads/scenarios/quickstart.yaml --protocols sync,arm64-v4,x86-int-ack"
			     " --explain --json " + json, &out);
	ASSERT_EQ(st, 0) << out;
	EXPECT_NE(out.find("explain: sync -> arm64-v4"), std::string::npos) << out;
	EXPECT_NE(out.find("explain: sync -> x86-int-ack"), std::string::npos) << out;
	EXPECT_NE(out.find("host_io_wait"), std::string::npos) << out;
	json_error_t je;
	json_t *root = json_load_file(json.c_str(), 0, &je);
	std::remove(json.c_str());
	ASSERT_NE(root, nullptr) << je.text;
	json_t *ex = json_object_get(root, "explain");
	ASSERT_EQ(json_array_size(ex), 2u);
	json_t *res = json_object_get(root, "results");
	json_t *base = json_object_get(res, "sync");
	bool some_total_differs = false;
	for (size_t k = 0; k < 2; k++) {
		json_t *e = json_array_get(ex, k);
		json_t *other = json_object_get(res, json_string_value(json_object_get(e, "other")));
		ASSERT_NE(other, nullptr);
		size_t i;
		json_t *d;
		json_array_foreach(json_object_get(e, "vcpus"), i, d) {
			CheckDiff(d, json_object_get(json_array_get(json_object_get(base, "vcpus"), i), "account_ps"),
				  json_object_get(json_array_get(json_object_get(other, "vcpus"), i), "account_ps"),
				  "vcpu " + std::to_string(i));
			EXPECT_EQ(I(d, "total_delta_ps"), I(other, "sim_time_ps") - I(base, "sim_time_ps"));
		}
		json_array_foreach(json_object_get(e, "tasks"), i, d) {
			json_t *ta = json_array_get(json_object_get(base, "tasks"), i);
			json_t *tb = json_array_get(json_object_get(other, "tasks"), i);
			CheckDiff(d, json_object_get(ta, "account_ps"), json_object_get(tb, "account_ps"),
				  "task " + std::to_string(i));
			EXPECT_EQ(I(d, "total_delta_ps"), I(tb, "lifetime_ps") - I(ta, "lifetime_ps"));
			some_total_differs |= I(d, "total_delta_ps") != 0;
		}
	}
	EXPECT_TRUE(some_total_differs) << "the hog exits at different times under the protocols";
	json_decref(root);
}

TEST(CompareExplain, OnlyCompareTakesIt)
{
	std::string out;
	EXPECT_EQ(Cli("run " + std::string(APFSIM_SOURCE_DIR) + "/workloads/scenarios/quickstart.yaml --explain",
		      &out), 2) << out;
}

} // namespace
