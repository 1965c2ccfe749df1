// test_session.h — a scenario run in process through the session harness
// (model/session/session.h), its JSON run document as one compact string
// with sorted keys: what tests that compare whole runs byte for byte need.
// Header-only (inline), like test_util.h.
#ifndef APFSIM_TESTS_TEST_SESSION_H
#define APFSIM_TESTS_TEST_SESSION_H

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <jansson.h>

extern "C" {
#include "model/session/session.h"
}

namespace apfsim_test {

// session_load of SCENARIO with the overrides SETS; false (and a test
// failure with the error's FILE:LINE:COL and message) when refused.
inline bool LoadScenario(struct session *ss, const std::string &scenario, const std::vector<std::string> &sets)
{
	std::vector<const char *> argv;
	for (const std::string &s : sets)
		argv.push_back(s.c_str());
	struct session_spec spec = {};
	spec.scenario = scenario.c_str();
	spec.sets = argv.data();
	spec.nsets = (unsigned)argv.size();
	struct cfg_error err;

	if (session_load(ss, &spec, &err) == 0)
		return true;
	ADD_FAILURE() << (err.file[0] ? err.file : scenario.c_str()) << ":" << err.line << ":" << err.col << ": "
		      << err.msg;
	return false;
}

// Load, build with the oracle, call `before_run` on the built session (may
// be null), run, finish, collect, and `after_run` (may be null) before the
// session ends.  The document ("" when the run could not be made).
template <typename Before, typename After>
std::string RunDocument(const std::string &scenario, const std::vector<std::string> &sets, Before before_run,
			After after_run)
{
	struct session ss;
	std::string out;

	if (!LoadScenario(&ss, scenario, sets))
		return out;
	struct session_build b = {};
	b.oracle = true;
	if (session_build(&ss, &b)) {
		ADD_FAILURE() << scenario << ": " << ss.err;
		session_end(&ss);
		return out;
	}
	before_run(&ss);
	session_run(&ss, nullptr);
	session_finish(&ss);
	after_run(&ss);
	struct session_collect c = {};
	c.version = "test";
	c.json = true;
	struct session_result r = {};
	if (session_collect(&ss, &c, &r) == 0 && r.doc) {
		char *text = json_dumps(r.doc, JSON_SORT_KEYS | JSON_COMPACT);
		out = text ? text : "";
		free(text);
	}
	session_result_free(&r);
	session_end(&ss);
	return out;
}

inline std::string RunDocument(const std::string &scenario, const std::vector<std::string> &sets)
{
	return RunDocument(scenario, sets, [](struct session *) {}, [](struct session *) {});
}

} // namespace apfsim_test

#endif
