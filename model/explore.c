/* explore.c — the exploration engine (see explore.h). */
#include "model/explore.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/config.h"
#include "model/machine.h"
#include "model/oracle.h"

uint64_t explore_seed(uint64_t base, uint64_t i)
{
	uint64_t z = base + (i + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z ? z : 1;
}

static double wall_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int load(const struct explore_opts *o, const char *const *extra, unsigned nextra, uint64_t seed,
		struct apf_config *c, char *err, size_t errlen)
{
	struct cfg_error e;
	char buf[64];

	if (config_load_file(c, o->scenario, &e))
		goto fail;
	for (unsigned i = 0; i < o->nsets; i++)
		if (config_set(c, o->sets[i], &e))
			goto fail_free;
	for (unsigned i = 0; i < nextra; i++)
		if (config_set(c, extra[i], &e))
			goto fail_free;
	snprintf(buf, sizeof(buf), "seed=%llu", (unsigned long long)seed);
	if (config_set(c, buf, &e) || config_set(c, "run.perturb_order=true", &e))
		goto fail_free;
	return 0;
fail_free:
	config_free(c);
fail:
	if (e.line)
		snprintf(err, errlen, "%.120s:%u:%u: error: %.300s", e.file, e.line, e.col, e.msg);
	else
		snprintf(err, errlen, "%.120s: error: %.300s", e.file, e.msg);
	return -1;
}

struct explore_run explore_one(const struct explore_opts *o, const char *const *extra, unsigned nextra,
			       uint64_t seed)
{
	struct explore_run r = { .seed = seed };
	struct apf_config c;
	struct machine *m;
	struct oracle *orc;

	if (load(o, extra, nextra, seed, &c, r.message, sizeof(r.message))) {
		r.status = 2;
		snprintf(r.invariant, sizeof(r.invariant), "bad_input");
		return r;
	}
	m = malloc(sizeof(*m));
	if (!m || machine_init(m, &c)) {
		r.status = 2;
		snprintf(r.invariant, sizeof(r.invariant), "bad_input");
		snprintf(r.message, sizeof(r.message), "%.255s", m ? m->err : "out of memory");
		goto out;
	}
	orc = machine_attach_oracle(m);
	if (!orc) {
		r.status = 1;
		snprintf(r.invariant, sizeof(r.invariant), "internal_error");
		snprintf(r.message, sizeof(r.message), "cannot start the oracle (out of memory)");
		goto out;
	}
	machine_run_until(m, SIM_TIME_MAX);
	machine_finish(m);
	trace_finish(&m->tracer, m->end_ps);
	if (m->failed) {
		r.status = 1;
		snprintf(r.invariant, sizeof(r.invariant), "guest_fault");
		snprintf(r.message, sizeof(r.message), "%.255s", m->err);
		r.t_ps = m->end_ps;
	} else if (oracle_nrecorded(orc)) {
		const struct oracle_violation *v = oracle_violation_at(orc, 0);
		r.status = 1;
		snprintf(r.invariant, sizeof(r.invariant), "%s", oracle_invariant_name(v->kind));
		snprintf(r.message, sizeof(r.message), "%.255s", v->msg);
		r.t_ps = v->t;
	}
	oracle_destroy(orc);
out:
	if (m)
		machine_fini(m);
	free(m);
	config_free(&c);
	return r;
}

/* One shrinking attempt: the failing run with one more override; kept
 * (appended to extra) when it still fails the same invariant. */
static bool shrink_try(const struct explore_opts *o, struct explore_group *g, const char **extra,
		       char (*store)[96], unsigned *n, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static bool shrink_try(const struct explore_opts *o, struct explore_group *g, const char **extra,
		       char (*store)[96], unsigned *n, const char *fmt, ...)
{
	va_list ap;

	if (*n >= EXPLORE_MAX_SETS - 1)
		return false;
	va_start(ap, fmt);
	vsnprintf(store[*n], sizeof(store[*n]), fmt, ap);
	va_end(ap);
	extra[*n] = store[*n];
	struct explore_run t = explore_one(o, extra, *n + 1, g->first.seed);
	g->shrink_steps++;
	if (t.status != 1 || strcmp(t.invariant, g->invariant))
		return false;
	(*n)++;
	return true;
}

/* Shrinking: keep every reduction that still fails the same invariant —
 * shorter runs (halving the duration, never below the violation), fewer
 * task instances (count 1, then 0 = the task dropped). */
static void shrink(const struct explore_opts *o, struct explore_group *g)
{
	const char *extra[EXPLORE_MAX_SETS];
	char store[EXPLORE_MAX_SETS][96];
	char names[64][64];
	uint32_t counts[64];
	unsigned n = 0;
	struct apf_config c;
	char err[256];

	if (load(o, NULL, 0, g->first.seed, &c, err, sizeof(err)))
		return;
	sim_time_t dur = c.run.duration;
	uint32_t ntasks = c.ntasks < 64 ? c.ntasks : 64;
	for (uint32_t i = 0; i < ntasks; i++) {
		snprintf(names[i], sizeof(names[i]), "%s", c.tasks[i].name);
		counts[i] = c.tasks[i].count;
	}
	config_free(&c);
	/* The duration override is one entry, rewritten as it shrinks. */
	for (int k = 0; k < 12; k++) {
		sim_time_t half = dur / 2;
		unsigned before = n;
		if (half < g->first.t_ps || half < SIM_MS)
			break;
		if (k > 0)
			n--;	/* retry in the slot of the previous duration */
		if (!shrink_try(o, g, extra, store, &n, "run.duration=%lluns",
				(unsigned long long)(half / SIM_NS))) {
			n = before;
			break;
		}
		dur = half;
	}
	for (uint32_t i = 0; i < ntasks; i++) {
		if (counts[i] > 1)
			shrink_try(o, g, extra, store, &n, "tasks.%s.count=1", names[i]);
		shrink_try(o, g, extra, store, &n, "tasks.%s.count=0", names[i]);
	}
	size_t used = 0;
	g->shrunk[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		int w = snprintf(g->shrunk + used, sizeof(g->shrunk) - used, " --set %s", extra[i]);
		if (w < 0 || (size_t)w >= sizeof(g->shrunk) - used)
			break;
		used += (size_t)w;
	}
}

static void group_add(struct explore_result *r, const struct explore_run *run)
{
	for (unsigned i = 0; i < r->ngroups; i++) {
		if (!strcmp(r->groups[i].invariant, run->invariant)) {
			r->groups[i].count++;
			return;
		}
	}
	if (r->ngroups == EXPLORE_MAX_GROUPS)
		return;
	struct explore_group *g = &r->groups[r->ngroups++];
	memset(g, 0, sizeof(*g));
	snprintf(g->invariant, sizeof(g->invariant), "%s", run->invariant);
	g->count = 1;
	g->first = *run;
}

int explore_all(const struct explore_opts *o, struct explore_result *r)
{
	struct apf_config base;
	uint64_t seed0;
	double t0 = wall_now();
	unsigned jobs = o->jobs ? o->jobs : 1;
	char path[EXPLORE_MAX_GROUPS][64];

	memset(r, 0, sizeof(*r));
	/* Check the scenario once, before forking anything. */
	if (load(o, NULL, 0, 1, &base, r->error, sizeof(r->error)))
		return -1;
	seed0 = o->has_seed ? o->seed : base.seed;
	snprintf(r->protocol, sizeof(r->protocol), "%s", base.protocol);
	config_free(&base);
	if (jobs > EXPLORE_MAX_GROUPS)
		jobs = EXPLORE_MAX_GROUPS;

	pid_t pids[EXPLORE_MAX_GROUPS];
	for (unsigned k = 0; k < jobs; k++) {
		snprintf(path[k], sizeof(path[k]), "/tmp/apfsim-explore-%d-%u", (int)getpid(), k);
		pids[k] = fork();
		if (pids[k] < 0) {
			snprintf(r->error, sizeof(r->error), "fork: %s", strerror(errno));
			return -1;
		}
		if (pids[k] == 0) {
			FILE *f = fopen(path[k], "wb");
			if (!f)
				_exit(3);
			for (uint64_t i = k; i < o->runs; i += jobs) {
				if (o->time_limit_s > 0 && wall_now() - t0 > o->time_limit_s)
					break;
				struct explore_run run = explore_one(o, NULL, 0, explore_seed(seed0, i));
				run.index = i;
				fwrite(&run, sizeof(run), 1, f);
			}
			fclose(f);
			_exit(0);
		}
	}
	/* Collect, in run order. */
	struct explore_run *all = calloc(o->runs ? o->runs : 1, sizeof(*all));
	bool *have = calloc(o->runs ? o->runs : 1, sizeof(*have));
	for (unsigned k = 0; k < jobs; k++) {
		int st;
		waitpid(pids[k], &st, 0);
		FILE *f = fopen(path[k], "rb");
		struct explore_run run;
		while (f && fread(&run, sizeof(run), 1, f) == 1)
			if (run.index < o->runs) {
				all[run.index] = run;
				have[run.index] = true;
			}
		if (f)
			fclose(f);
		remove(path[k]);
	}
	for (uint64_t i = 0; i < o->runs; i++) {
		if (!have[i])
			continue;
		r->runs_done++;
		if (all[i].status == 2) {
			snprintf(r->error, sizeof(r->error), "%s", all[i].message);
			free(all);
			free(have);
			return -1;
		}
		if (all[i].status) {
			r->failures++;
			group_add(r, &all[i]);
		}
	}
	free(all);
	free(have);
	r->wall_s = wall_now() - t0;
	if (o->shrink)
		for (unsigned i = 0; i < r->ngroups; i++)
			shrink(o, &r->groups[i]);
	return 0;
}
