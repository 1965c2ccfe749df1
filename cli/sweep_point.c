/* sweep_point.c — the one place where `apfsim sweep` runs a point, through
 * the run harness (model/session/session.h): the scenario, the overrides
 * (the same `--set` parser and validation as `run`), a machine with the
 * oracle attached, the run document of `run --json`.
 *
 * Like `compare`, a sweep runs one grid under several protocols, so a key
 * that does nothing under one of them is not an error here (the protocol
 * check of `run` is not applied per point). */
#include <stdio.h>

#include "cli/sweep.h"
#include "model/config/config.h"
#include "model/session/session.h"

int sweep_run_point(const char *scenario, const char *const *sets, unsigned nsets, json_t **doc, char *err,
		    size_t errlen)
{
	struct session_spec spec = { .scenario = scenario, .sets = sets, .nsets = nsets };
	struct session_build b = { .oracle = true };
	struct session_collect c = { .version = APFSIM_VERSION, .json = true };
	struct session_result r = { 0 };
	struct session ss;
	struct cfg_error e;
	int rc = SWEEP_RUN_BAD_INPUT;

	*doc = NULL;
	if (session_load(&ss, &spec, &e)) {
		if (e.line)
			snprintf(err, errlen, "%.120s:%u:%u: error: %.300s", e.file, e.line, e.col, e.msg);
		else
			snprintf(err, errlen, "%.120s: error: %.300s", e.file, e.msg);
		return rc;
	}
	if (session_build(&ss, &b)) {
		snprintf(err, errlen, "%.300s", ss.err);
		goto out;
	}
	if (session_run(&ss, NULL)) {
		snprintf(err, errlen, "interrupted");
		rc = SWEEP_RUN_INTERRUPTED;
		goto out;
	}
	if (session_finish(&ss) || session_collect(&ss, &c, &r) || !r.doc) {
		snprintf(err, errlen, "%.300s", ss.err[0] ? ss.err : "out of memory");
		rc = SWEEP_RUN_FAILED;
		goto out;
	}
	*doc = r.doc;
	r.doc = NULL;
	rc = SWEEP_RUN_OK;
	err[0] = '\0';
	if (r.failed) {
		snprintf(err, errlen, "guest fault at %llu ps: %.255s", (unsigned long long)r.first.t_ps,
			 r.first.message);
		rc = SWEEP_RUN_FAILED;
	} else if (r.first.invariant[0]) {
		snprintf(err, errlen, "oracle: %s: %.255s", r.first.invariant, r.first.message);
		rc = SWEEP_RUN_FAILED;
	}
out:
	session_result_free(&r);
	session_end(&ss);
	return rc;
}
