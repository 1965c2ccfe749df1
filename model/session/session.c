/* session.c — load, build, run, finish, end (see session.h).  The order of
 * each step is the one every command used before the harness existed, so
 * outputs are byte-identical to theirs. */
#include "model/session/session.h"

#include <stdlib.h>
#include <string.h>

#include "model/check/oracle.h"
#include "model/trace/trace.h"
#include "model/vm/machine.h"

int session_load(struct session *s, const struct session_spec *spec, struct cfg_error *err)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if (spec->scenario)
		rc = config_load_file(&s->cfg, spec->scenario, err);
	else
		rc = config_load_string(&s->cfg, spec->yaml, spec->yaml_name ? spec->yaml_name : "scenario", err);
	if (rc)
		return -1;
	s->loaded = true;
	if (session_set_list(s, spec->sets, spec->nsets, err)) {
		config_free(&s->cfg);
		s->loaded = false;
		return -1;
	}
	return 0;
}

int session_load_copy(struct session *s, const struct apf_config *base)
{
	memset(s, 0, sizeof(*s));
	if (config_copy(&s->cfg, base))
		return -1;
	s->loaded = true;
	return 0;
}

int session_set(struct session *s, const char *assignment, struct cfg_error *err)
{
	return config_set(&s->cfg, assignment, err);
}

int session_set_list(struct session *s, const char *const *assignments, unsigned n, struct cfg_error *err)
{
	return config_set_list(&s->cfg, assignments, n, err);
}

int session_build(struct session *s, const struct session_build *b)
{
	struct machine_opts mo = { .insn_trace = b ? b->insn_trace : NULL };

	s->m = malloc(sizeof(*s->m));
	if (!s->m) {
		snprintf(s->err, sizeof(s->err), "out of memory");
		return SESSION_BAD_INPUT;
	}
	if (machine_init_opts(s->m, &s->cfg, &mo)) {
		snprintf(s->err, sizeof(s->err), "%s", s->m->err);
		return SESSION_BAD_INPUT;
	}
	s->built = true;
	if (b && b->oracle) {
		s->orc = machine_attach_oracle(s->m);
		if (!s->orc) {
			snprintf(s->err, sizeof(s->err), "cannot start the oracle (out of memory)");
			return SESSION_NO_ORACLE;
		}
	}
	return 0;
}

int session_run(struct session *s, const struct session_run *r)
{
	struct machine *m = s->m;

	if (!r || !r->slices) {
		machine_run_until(m, SIM_TIME_MAX);
	} else {
		sim_time_t dur = s->cfg.run.duration, slice = dur / r->slices ? dur / r->slices : 1;
		for (sim_time_t lim = slice; !machine_done(m) && !sim_interrupted; lim += slice) {
			machine_run_until(m, lim);
			if (r->progress)
				r->progress(r->ctx, (double)m->sim.now / (double)dur);
			if (lim >= dur)
				break;
		}
	}
	if (sim_interrupted) {
		s->interrupted = sim_interrupted;
		s->stopped_ps = m->sim.now;
	}
	return s->interrupted;
}

int session_finish(struct session *s)
{
	struct machine *m = s->m;

	machine_finish(m);
	if (trace_finish(&m->tracer, m->end_ps)) {
		snprintf(s->err, sizeof(s->err), "%s",
			 m->tracer.error[0] ? m->tracer.error : "writing a trace failed");
		return -1;
	}
	return 0;
}

void session_reset(struct session *s)
{
	if (s->built)
		trace_abandon(&s->m->tracer);	/* sinks never attached or already finished */
	if (s->orc)
		oracle_destroy(s->orc);
	if (s->m) {
		machine_fini(s->m);
		free(s->m);
	}
	s->m = NULL;
	s->orc = NULL;
	s->built = false;
	s->interrupted = 0;
	s->stopped_ps = 0;
}

void session_end(struct session *s)
{
	session_reset(s);
	if (s->loaded)
		config_free(&s->cfg);
	s->loaded = false;
}
