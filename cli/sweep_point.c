/* sweep_point.c — the one place where `apfsim sweep` runs a point: the
 * scenario, the overrides (the same `--set` parser and validation as `run`),
 * a machine with the oracle attached, the run document of `run --json`.
 *
 * This is an adapter on purpose: when the `session` run API (load, build,
 * run, collect) lands, only this file changes. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/sweep.h"
#include "model/check/oracle.h"
#include "model/config/config.h"
#include "model/report/report.h"
#include "model/vm/machine.h"

int sweep_run_point(const char *scenario, const char *const *sets, unsigned nsets, json_t **doc, char *err,
		    size_t errlen)
{
	struct apf_config c;
	struct cfg_error e;
	struct machine *m = NULL;
	struct oracle *orc = NULL;
	int rc = SWEEP_RUN_BAD_INPUT;

	*doc = NULL;
	if (config_load_file(&c, scenario, &e)) {
		snprintf(err, errlen, "%.120s:%u:%u: error: %.300s", e.file, e.line, e.col, e.msg);
		return rc;
	}
	for (unsigned i = 0; i < nsets; i++) {
		if (config_set(&c, sets[i], &e)) {
			snprintf(err, errlen, "%.120s: error: %.300s", sets[i], e.msg);
			goto out;
		}
	}
	m = malloc(sizeof(*m));
	if (!m || machine_init(m, &c)) {
		snprintf(err, errlen, "%.300s", m ? m->err : "out of memory");
		goto out;
	}
	orc = machine_attach_oracle(m);
	if (!orc) {
		snprintf(err, errlen, "cannot start the oracle (out of memory)");
		goto out;
	}
	machine_run_until(m, SIM_TIME_MAX);
	if (sim_interrupted) {
		snprintf(err, errlen, "interrupted");
		rc = SWEEP_RUN_INTERRUPTED;
		goto out;
	}
	machine_finish(m);
	trace_finish(&m->tracer, m->end_ps);
	*doc = report_json(m, APFSIM_VERSION);
	json_object_set_new(*doc, "oracle", oracle_json(orc));
	rc = SWEEP_RUN_OK;
	err[0] = '\0';
	if (m->failed) {
		snprintf(err, errlen, "guest fault at %llu ps: %.300s", (unsigned long long)m->end_ps, m->err);
		rc = SWEEP_RUN_FAILED;
	} else if (oracle_nrecorded(orc)) {
		const struct oracle_violation *v = oracle_violation_at(orc, 0);
		snprintf(err, errlen, "oracle: %s: %.300s", oracle_invariant_name(v->kind), v->msg);
		rc = SWEEP_RUN_FAILED;
	}
out:
	if (orc)
		oracle_destroy(orc);
	if (m)
		machine_fini(m);
	free(m);
	config_free(&c);
	return rc;
}
