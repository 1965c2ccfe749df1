// The run harness (model/session/session.h): a result's plain structs say
// what the run's JSON document says; a session reset and run again gives the
// same bytes; bad input comes back located, with nothing to free.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <jansson.h>

extern "C" {
#include "model/report/account.h"
#include "model/session/session.h"
}

namespace {

std::string Scenario(const char *name)
{
	return std::string(APFSIM_SOURCE_DIR) + "/workloads/scenarios/" + name;
}

// Load, build (with the oracle), run, finish and collect; the session is
// reset after, its config kept.
bool RunOnce(struct session *ss, struct session_result *res)
{
	struct session_build b = {};
	b.oracle = true;
	if (session_build(ss, &b))
		return false;
	session_run(ss, nullptr);
	session_finish(ss);
	struct session_collect c = {};
	c.version = "test";
	c.summary = true;
	c.json = true;
	int rc = session_collect(ss, &c, res);
	session_reset(ss);
	return rc == 0;
}

json_int_t At(json_t *doc, const std::vector<const char *> &keys)
{
	json_t *v = doc;
	for (const char *k : keys)
		v = json_object_get(v, k);
	EXPECT_TRUE(json_is_integer(v));
	return json_integer_value(v);
}

TEST(Session, ResultStructsAgreeWithTheJsonDocument)
{
	for (const char *proto : { "protocol=sync", "protocol=arm64-v4", "protocol=x86-int-ack" }) {
		SCOPED_TRACE(proto);
		std::string path = Scenario("quickstart.yaml");
		const char *sets[] = { proto, "run.duration=40ms" };
		struct session_spec spec = {};
		spec.scenario = path.c_str();
		spec.sets = sets;
		spec.nsets = 2;
		struct session ss;
		struct cfg_error err;
		ASSERT_EQ(session_load(&ss, &spec, &err), 0) << err.msg;
		struct session_result r;
		ASSERT_TRUE(RunOnce(&ss, &r)) << ss.err;
		EXPECT_EQ((json_int_t)r.sim_time_ps, At(r.doc, { "sim_time_ps" }));
		EXPECT_TRUE(r.oracle);
		EXPECT_EQ((json_int_t)r.violations, At(r.doc, { "oracle", "violations" }));
		EXPECT_EQ(r.first.invariant[0], '\0');
		json_t *tasks = json_object_get(r.doc, "tasks");
		ASSERT_EQ(json_array_size(tasks), r.ntasks);
		for (unsigned i = 0; i < r.ntasks; i++) {
			json_t *t = json_array_get(tasks, i);
			EXPECT_STREQ(r.tasks[i].name, json_string_value(json_object_get(t, "name")));
			EXPECT_EQ((json_int_t)r.tasks[i].progress, At(t, { "progress" }));
			EXPECT_EQ((json_int_t)r.tasks[i].stall_ps, At(t, { "stall_ps" }));
			EXPECT_EQ((json_int_t)r.tasks[i].lifetime_ps, At(t, { "lifetime_ps" }));
			for (unsigned b = 0; b < TB_COUNT; b++)
				EXPECT_EQ((json_int_t)r.tasks[i].account_ps[b], At(t, { "account_ps", task_buckets[b].key }));
		}
		json_t *vcpus = json_object_get(r.doc, "vcpus");
		ASSERT_EQ(json_array_size(vcpus), r.nvcpus);
		for (unsigned i = 0; i < r.nvcpus; i++) {
			json_t *v = json_array_get(vcpus, i);
			EXPECT_EQ((json_int_t)r.vcpus[i].exits, At(v, { "exits" }));
			sim_time_t sum = 0;
			for (unsigned b = 0; b < VB_COUNT; b++)
				sum += r.vcpus[i].account_ps[b];
			EXPECT_EQ(sum, r.sim_time_ps) << "vCPU " << i << "'s account sums to the simulated time";
		}
		// The figures some protocols lack: present exactly when the document has them.
		EXPECT_TRUE(r.has[SF_HOST_FAULTS]);
		EXPECT_EQ(r.fig[SF_HOST_FAULTS], At(r.doc, { "host", "faults", "total" }));
		EXPECT_EQ(r.has[SF_APF_ASYNC], json_object_get(r.doc, "apf") != nullptr &&
						       json_object_get(json_object_get(r.doc, "apf"), "async") != nullptr);
		session_result_free(&r);
		session_end(&ss);
	}
}

// The two results' JSON documents are the same bytes (compact, key order kept).
static void ExpectSameJson(const struct session_result &a, const struct session_result &b)
{
	char *ja = json_dumps(a.doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *jb = json_dumps(b.doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	EXPECT_STREQ(ja, jb);
	free(ja);
	free(jb);
}

TEST(Session, ResetAndRunAgainGivesTheSameBytes)
{
	std::string path = Scenario("quickstart.yaml");
	const char *sets[] = { "protocol=arm64-v4", "run.duration=30ms" };
	struct session_spec spec = {};
	spec.scenario = path.c_str();
	spec.sets = sets;
	spec.nsets = 2;
	struct session ss;
	struct cfg_error err;
	ASSERT_EQ(session_load(&ss, &spec, &err), 0) << err.msg;
	struct session_result a, b;
	ASSERT_TRUE(RunOnce(&ss, &a));
	ASSERT_TRUE(RunOnce(&ss, &b));
	ExpectSameJson(a, b);
	ASSERT_EQ(a.summary_len, b.summary_len);
	EXPECT_EQ(std::string(a.summary, a.summary_len), std::string(b.summary, b.summary_len));
	session_result_free(&a);
	session_result_free(&b);
	session_end(&ss);
}

// explore parses its scenario once and starts each run from a copy: the copy
// outlives the config it came from, takes overrides like a loaded one, and a
// run from it gives the bytes a run from a fresh load does.
TEST(Session, RunFromACopiedConfigGivesTheSameBytes)
{
	std::string path = Scenario("quickstart.yaml");
	const char *sets[] = { "protocol=arm64-v4", "run.duration=30ms" };
	struct session_spec spec = {};
	spec.scenario = path.c_str();
	spec.sets = sets;
	spec.nsets = 2;
	struct session base, fresh, copy;
	struct cfg_error err;
	ASSERT_EQ(session_load(&base, &spec, &err), 0) << err.msg;
	ASSERT_EQ(session_load_copy(&copy, &base.cfg), 0);
	session_end(&base);	// the copy owns its own tasks
	ASSERT_EQ(session_load(&fresh, &spec, &err), 0) << err.msg;
	ASSERT_EQ(session_set(&fresh, "seed=7", &err), 0) << err.msg;
	ASSERT_EQ(session_set(&copy, "seed=7", &err), 0) << err.msg;
	ASSERT_EQ(copy.cfg.ntasks, fresh.cfg.ntasks);
	struct session_result a, b;
	ASSERT_TRUE(RunOnce(&fresh, &a));
	ASSERT_TRUE(RunOnce(&copy, &b));
	ExpectSameJson(a, b);
	session_result_free(&a);
	session_result_free(&b);
	session_end(&fresh);
	session_end(&copy);
}

TEST(Session, BadOverrideIsLocatedAndLeavesNothing)
{
	std::string path = Scenario("quickstart.yaml");
	const char *sets[] = { "run.duration=40ms", "host.swap.queue_depth=zero" };
	struct session_spec spec = {};
	spec.scenario = path.c_str();
	spec.sets = sets;
	spec.nsets = 2;
	struct session ss;
	struct cfg_error err;
	EXPECT_EQ(session_load(&ss, &spec, &err), -1);
	// Located like every --set error: the key in the file field, what was expected.
	EXPECT_NE(std::string(err.file).find("host.swap.queue_depth"), std::string::npos) << err.file;
	EXPECT_NE(std::string(err.msg).find("found \"zero\""), std::string::npos) << err.msg;
	EXPECT_FALSE(ss.loaded);
	session_end(&ss);	// harmless after a failed load
}

TEST(Session, ScenarioTextLoadsLikeAFile)
{
	static const char yaml[] = "protocol: sync\n"
				   "vm: {vcpus: 1, memory: 256MiB, kernel_reserved: 32MiB}\n"
				   "tasks:\n"
				   "  - {name: c, workload: compute}\n"
				   "run: {duration: 5ms}\n";
	struct session_spec spec = {};
	spec.yaml = yaml;
	spec.yaml_name = "inline";
	struct session ss;
	struct cfg_error err;
	ASSERT_EQ(session_load(&ss, &spec, &err), 0) << err.msg;
	struct session_result r;
	ASSERT_TRUE(RunOnce(&ss, &r)) << ss.err;
	EXPECT_EQ(r.sim_time_ps, 5 * SIM_MS);
	EXPECT_EQ(r.ntasks, 1u);
	EXPECT_GT(r.tasks[0].progress, 0u);
	session_result_free(&r);
	session_end(&ss);
}

} // namespace
