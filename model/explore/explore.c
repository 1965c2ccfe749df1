/* explore.c — the exploration engine (see explore.h). */
#include "model/explore/explore.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/config/config.h"
#include "model/config/inject.h"
#include "model/session/session.h"
#include "model/trace/trace.h"
#include "model/vm/machine.h"

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

/* The scenario with the options' overrides, parsed once per process: a
 * batch loads the same text with the same overrides for every run (the
 * check before the workers are forked fills it, so they inherit it).  A
 * copy of it is what session_load would give again; the file is not
 * re-read, so a batch sees one version of it throughout.  Keyed by the
 * scenario path and the overrides' text. */
static struct {
	bool have;
	char scenario[1024];
	char sets[EXPLORE_MAX_SETS][256];
	unsigned nsets;
	struct apf_config cfg;
} base_cfg;

static bool base_cfg_matches(const struct explore_opts *o)
{
	if (!base_cfg.have || !o->scenario || o->nsets != base_cfg.nsets || strcmp(o->scenario, base_cfg.scenario))
		return false;
	for (unsigned i = 0; i < o->nsets; i++)
		if (strcmp(o->sets[i], base_cfg.sets[i]))
			return false;
	return true;
}

/* Keep ss's config (loaded with exactly o's overrides) for the next runs;
 * skipped when a string does not fit (then every run parses). */
static void base_cfg_keep(const struct explore_opts *o, const struct session *ss)
{
	if (base_cfg.have) {
		config_free(&base_cfg.cfg);
		base_cfg.have = false;
	}
	if (!o->scenario || strlen(o->scenario) >= sizeof(base_cfg.scenario) || o->nsets > EXPLORE_MAX_SETS)
		return;
	for (unsigned i = 0; i < o->nsets; i++)
		if (strlen(o->sets[i]) >= sizeof(base_cfg.sets[i]))
			return;
	if (config_copy(&base_cfg.cfg, &ss->cfg))
		return;
	snprintf(base_cfg.scenario, sizeof(base_cfg.scenario), "%s", o->scenario);
	for (unsigned i = 0; i < o->nsets; i++)
		snprintf(base_cfg.sets[i], sizeof(base_cfg.sets[i]), "%s", o->sets[i]);
	base_cfg.nsets = o->nsets;
	base_cfg.have = true;
}

/* The overrides of one run: the options', the extra ones, then the seed
 * and the perturbed event order. */
static int load(const struct explore_opts *o, const char *const *extra, unsigned nextra, uint64_t seed,
		struct session *ss, char *err, size_t errlen)
{
	struct session_spec spec = { .scenario = o->scenario, .sets = o->sets, .nsets = o->nsets };
	struct cfg_error e;
	char buf[64];

	if (base_cfg_matches(o)) {
		if (session_load_copy(ss, &base_cfg.cfg)) {
			snprintf(err, errlen, "%.120s: error: out of memory", o->scenario);
			return -1;
		}
	} else {
		if (session_load(ss, &spec, &e))
			goto fail;
		base_cfg_keep(o, ss);
	}
	if (session_set_list(ss, extra, nextra, &e))
		goto fail_free;
	snprintf(buf, sizeof(buf), "seed=%llu", (unsigned long long)seed);
	if (session_set(ss, buf, &e) || session_set(ss, "run.perturb_order=true", &e) ||
	    config_check_protocol_keys(&ss->cfg, &e))
		goto fail_free;
	return 0;
fail_free:
	session_end(ss);
fail:
	if (e.line)
		snprintf(err, errlen, "%.120s:%u:%u: error: %.300s", e.file, e.line, e.col, e.msg);
	else
		snprintf(err, errlen, "%.120s: error: %.300s", e.file, e.msg);
	return -1;
}

/* One run; with `ftrace` its trace is written to that stream as well
 * (the sink owns and closes it). */
static struct explore_run run_one(const struct explore_opts *o, const char *const *extra, unsigned nextra,
				  uint64_t seed, FILE *ftrace)
{
	struct explore_run r = { .seed = seed, .vcpu = UINT32_MAX };
	struct session ss;
	struct session_result res;

	if (load(o, extra, nextra, seed, &ss, r.message, sizeof(r.message))) {
		if (ftrace)
			fclose(ftrace);
		r.status = 2;
		snprintf(r.invariant, sizeof(r.invariant), "bad_input");
		return r;
	}
	switch (session_build(&ss, &(struct session_build){ .oracle = true })) {
	case 0:
		break;
	case SESSION_BAD_INPUT:
		r.status = 2;
		snprintf(r.invariant, sizeof(r.invariant), "bad_input");
		snprintf(r.message, sizeof(r.message), "%.255s", ss.err);
		goto out;
	default:
		r.status = 1;
		snprintf(r.invariant, sizeof(r.invariant), "internal_error");
		snprintf(r.message, sizeof(r.message), "%.255s", ss.err);
		goto out;
	}
	if (ftrace) {
		FILE *f = ftrace;
		ftrace = NULL;
		if (trace_ftrace_open_stream(&ss.m->tracer, f, "excerpt trace", r.message, sizeof(r.message))) {
			r.status = 2;
			snprintf(r.invariant, sizeof(r.invariant), "bad_input");
			goto out;
		}
	}
	session_run(&ss, NULL);
	session_finish(&ss);
	if (session_collect(&ss, &(struct session_collect){ 0 }, &res)) {
		r.status = 1;
		snprintf(r.invariant, sizeof(r.invariant), "internal_error");
		snprintf(r.message, sizeof(r.message), "out of memory");
		goto out;
	}
	if (res.first.invariant[0]) {
		r.status = 1;
		snprintf(r.invariant, sizeof(r.invariant), "%s", res.first.invariant);
		snprintf(r.state, sizeof(r.state), "%s", res.first.state);
		snprintf(r.message, sizeof(r.message), "%s", res.first.message);
		r.t_ps = res.first.t_ps;
		r.vcpu = res.first.vcpu;
	}
	session_result_free(&res);
out:
	if (ftrace)
		fclose(ftrace);
	session_end(&ss);
	return r;
}

struct explore_run explore_one(const struct explore_opts *o, const char *const *extra, unsigned nextra,
			       uint64_t seed)
{
	return run_one(o, extra, nextra, seed, NULL);
}

/* One run of the batch: with --chaos its drawn injections come first. */
static struct explore_run batch_one(const struct explore_opts *o, uint64_t seed)
{
	struct chaos_draw d;
	const char *extra[EXPLORE_MAX_SETS];
	unsigned n = 0;
	struct explore_run r;

	if (o->chaos) {
		chaos_draw(&o->chaos_scope, seed, &d);
		n = chaos_flatten(&d, UINT32_MAX, extra, EXPLORE_MAX_SETS);
	}
	r = explore_one(o, extra, n, seed);
	if (o->chaos)
		chaos_format(&d, UINT32_MAX, r.chaos, sizeof(r.chaos));
	return r;
}

/* The overrides kept so far (extra[i] == store[i] for i < n). */
struct shrink_state {
	const struct explore_opts *o;
	struct explore_group *g;
	const char *extra[EXPLORE_MAX_SETS];
	char store[EXPLORE_MAX_SETS][96];
	unsigned n;
};

/* One shrinking attempt: the failing run with the kept overrides plus one
 * more (`replace`: instead of the last kept one, which a halving rewrites
 * in place).  Committed only when the run still fails the same invariant;
 * otherwise the kept list is left exactly as it was. */
static bool shrink_try(struct shrink_state *st, bool replace, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool shrink_try(struct shrink_state *st, bool replace, const char *fmt, ...)
{
	const char *extra[EXPLORE_MAX_SETS];
	char cand[sizeof(st->store[0])];
	unsigned slot = replace && st->n ? st->n - 1 : st->n;
	va_list ap;

	if (slot >= EXPLORE_MAX_SETS - 1 || sim_interrupted)
		return false;
	va_start(ap, fmt);
	vsnprintf(cand, sizeof(cand), fmt, ap);
	va_end(ap);
	memcpy(extra, st->extra, slot * sizeof(extra[0]));
	extra[slot] = cand;
	struct explore_run t = explore_one(st->o, extra, slot + 1, st->g->first.seed);
	st->g->shrink_steps++;
	if (t.status != 1 || strcmp(t.invariant, st->g->invariant) || strcmp(t.state, st->g->state))
		return false;
	memcpy(st->store[slot], cand, sizeof(cand));
	st->extra[slot] = st->store[slot];
	st->n = slot + 1;
	return true;
}

#define TRY(st, ...) shrink_try((st), false, __VA_ARGS__)

/* Halve run.duration while it still fails (never below the violation);
 * one override, rewritten as it shrinks. */
static void shrink_duration(struct shrink_state *st, sim_time_t dur)
{
	for (int k = 0; k < 12; k++) {
		sim_time_t half = dur / 2;

		if (half < st->g->first.t_ps || half < SIM_MS)
			break;
		if (!shrink_try(st, k > 0, "run.duration=%lluns", (unsigned long long)(half / SIM_NS)))
			break;
		dur = half;
	}
}

/* Switch off each injection the scenario turns on, one at a time, in the
 * order of the injection table (model/config/inject.c). */
static void shrink_injections(struct shrink_state *st, const struct apf_config *c)
{
	for (const struct inject_desc *d = inject_table; d->name; d++) {
		for (uint32_t k = 0; k < d->ntriggers; k++) {
			char key[64];

			snprintf(key, sizeof(key), "faults.%s", d->keys[k]);
			if (!config_key_is_set(c, key))
				continue;
			if (!TRY(st, "%s", d->shrink[k]) && d->chained)
				break;
		}
	}
}

/* Fewer task instances: count 1, then 0 (the task dropped).  Invariant:
 * at least one instance is left (a scenario with none is bad input), so
 * the smallest scenario the shrinker can reach has one instance. */
static void shrink_tasks(struct shrink_state *st, const struct apf_config *c)
{
	uint64_t left = 0;

	for (uint32_t i = 0; i < c->ntasks; i++)
		left += c->tasks[i].count;
	for (uint32_t i = 0; i < c->ntasks; i++) {
		uint32_t cur = c->tasks[i].count;

		if (cur > 1 && TRY(st, "tasks.%s.count=1", c->tasks[i].name)) {
			left -= cur - 1;
			cur = 1;
		}
		if (cur && left > cur && TRY(st, "tasks.%s.count=0", c->tasks[i].name))
			left -= cur;
	}
}

/* Fewer pages: halve each task's memory footprint parameters (sizes such
 * as `region` and `buffer`, and memhog's `share`) up to three times. */
static void shrink_pages(struct shrink_state *st, const struct apf_config *c)
{
	for (uint32_t i = 0; i < c->ntasks; i++) {
		const struct task_cfg *t = &c->tasks[i];

		for (const struct param_desc *d = t->workload->params; d && d->key; d++) {
			const void *field = t->params + d->offset;

			if (d->type == PT_SIZE) {
				uint64_t v;

				memcpy(&v, field, sizeof(v));
				for (int k = 0; k < 3 && v / 2 >= 4096; k++, v /= 2)
					if (!shrink_try(st, k > 0, "tasks.%s.%s=%lluB", t->name, d->key,
							(unsigned long long)(v / 2)))
						break;
			} else if (d->type == PT_FRACTION && !strcmp(d->key, "share")) {
				double v;

				memcpy(&v, field, sizeof(v));
				for (int k = 0; k < 3 && v / 2 > 0; k++, v /= 2)
					if (!shrink_try(st, k > 0, "tasks.%s.%s=%.6f", t->name, d->key, v / 2))
						break;
			}
		}
	}
}

/* Replay the smallest reproducer with an ftrace sink on an anonymous
 * temporary file (tmpfile: no name, gone when closed, nothing left behind
 * by a crash) and keep the lines around its violation (g->excerpt).  The
 * sink closes its stream; a duplicate descriptor reads it back. */
static void shrink_excerpt(struct shrink_state *st)
{
	FILE *w = tmpfile();
	int fd = w ? dup(fileno(w)) : -1;

	if (fd < 0) {
		if (w)
			fclose(w);
		return;
	}
	struct explore_run t = run_one(st->o, st->extra, st->n, st->g->first.seed, w);
	FILE *r = fdopen(fd, "r");
	if (!r) {
		close(fd);
		return;
	}
	rewind(r);
	if (t.status == 1 && !strcmp(t.invariant, st->g->invariant) && !strcmp(t.state, st->g->state))
		explore_excerpt_stream(r, t.t_ps, t.vcpu, st->g->excerpt, sizeof(st->g->excerpt));
	fclose(r);
}

/* --chaos: drop the drawn kinds one by one, keeping each drop after which
 * the run still fails the same invariant in the same state; the kinds
 * left become the first kept overrides. */
static void shrink_chaos(struct shrink_state *st)
{
	struct chaos_draw d;
	uint32_t keep = UINT32_MAX;
	const char *extra[EXPLORE_MAX_SETS];

	chaos_draw(&st->o->chaos_scope, st->g->first.seed, &d);
	for (unsigned k = 0; k < d.n && !sim_interrupted; k++) {
		uint32_t cand = keep & ~(1u << k);
		unsigned n = chaos_flatten(&d, cand, extra, EXPLORE_MAX_SETS);
		struct explore_run t = explore_one(st->o, extra, n, st->g->first.seed);

		st->g->shrink_steps++;
		if (t.status == 1 && !strcmp(t.invariant, st->g->invariant) && !strcmp(t.state, st->g->state))
			keep = cand;
	}
	unsigned n = chaos_flatten(&d, keep, extra, EXPLORE_MAX_SETS);
	for (unsigned i = 0; i < n && i < EXPLORE_MAX_SETS - 1; i++) {
		snprintf(st->store[i], sizeof(st->store[i]), "%s", extra[i]);
		st->extra[i] = st->store[i];
	}
	st->n = n < EXPLORE_MAX_SETS - 1 ? n : EXPLORE_MAX_SETS - 1;
}

/* Shrinking: keep every reduction that still fails the same invariant in
 * the same protocol state, in this order — a shorter run, fewer
 * injections, fewer task instances, fewer pages.  Each reduction is tried
 * on top of those already kept. */
static void shrink(const struct explore_opts *o, struct explore_group *g)
{
	struct shrink_state st = { .o = o, .g = g };
	struct session ss;
	char err[256];

	if (load(o, NULL, 0, g->first.seed, &ss, err, sizeof(err)))
		return;
	if (o->chaos)
		shrink_chaos(&st);
	shrink_duration(&st, ss.cfg.run.duration);
	shrink_injections(&st, &ss.cfg);
	shrink_tasks(&st, &ss.cfg);
	shrink_pages(&st, &ss.cfg);
	session_end(&ss);
	shrink_excerpt(&st);
	size_t used = 0;
	g->shrunk[0] = '\0';
	for (unsigned i = 0; i < st.n; i++) {
		int w = snprintf(g->shrunk + used, sizeof(g->shrunk) - used, " --set %s", st.extra[i]);
		if (w < 0 || (size_t)w >= sizeof(g->shrunk) - used)
			break;
		used += (size_t)w;
	}
}

static void group_add(struct explore_result *r, const struct explore_run *run)
{
	for (unsigned i = 0; i < r->ngroups; i++) {
		if (!strcmp(r->groups[i].invariant, run->invariant) && !strcmp(r->groups[i].state, run->state)) {
			r->groups[i].count++;
			return;
		}
	}
	if (r->ngroups == EXPLORE_MAX_GROUPS)
		return;
	struct explore_group *g = &r->groups[r->ngroups++];
	memset(g, 0, sizeof(*g));
	snprintf(g->invariant, sizeof(g->invariant), "%s", run->invariant);
	snprintf(g->state, sizeof(g->state), "%s", run->state);
	g->count = 1;
	g->first = *run;
}

/* Wait for worker `pid`; -1 without reaping it when sim_interrupted gets
 * set meanwhile (the caller then stops every worker). */
static int wait_worker(pid_t pid, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return 0;	/* not ours any more: nothing to wait for */
		if (sim_interrupted)
			return -1;
		struct timespec nap = { 0, 20 * 1000 * 1000 };
		nanosleep(&nap, NULL);
	}
}

/* An interrupt: end every worker still running (they hold nothing that
 * must be saved) and reap them all, so none outlives the command. */
static void stop_workers(const pid_t *pids, const bool *reaped, unsigned jobs)
{
	for (unsigned k = 0; k < jobs; k++)
		if (!reaped[k])
			kill(pids[k], SIGKILL);
	for (unsigned k = 0; k < jobs; k++)
		if (!reaped[k])
			while (waitpid(pids[k], NULL, 0) < 0 && errno == EINTR)
				;
}

/* Test hook (tests/explore_test.cc): APFSIM_EXPLORE_TEST_ABORT=N makes the
 * worker that reaches run N abort() in the first attempt; "N,always" in
 * the re-run as well.  Deterministic, so the test knows which runs die. */
static void test_abort_hook(uint64_t i, bool rerun)
{
	const char *e = getenv("APFSIM_EXPLORE_TEST_ABORT");
	char *end;

	if (!e || !*e)
		return;
	unsigned long long n = strtoull(e, &end, 10);
	if (n == i && (!rerun || strcmp(end, ",always") == 0))
		abort();
}

/* A worker builds and frees one machine per run, and the machine's larger
 * arrays (host page state, swap-slot arrays, event pool, histograms) are
 * the same size every time.  By default glibc gives such blocks back to
 * the kernel on free (munmap, or a brk trim of the heap top), so every run
 * paid fresh page faults on them (~7 % of a quickstart run, the
 * `pvm_irq_enable` of the profile in docs/performance.md).  Blocks up to
 * EXPLORE_MMAP_MAX now come from the heap and the heap is never trimmed
 * below EXPLORE_TRIM_KEEP, so run k + 1 reuses run k's pages.  Bigger blocks
 * (the slot arrays of a multi-GiB guest) stay mmap'd, whose lazily zeroed
 * pages keep their RSS low.  Allocation never changes what a run computes:
 * outputs are the same. */
#define EXPLORE_MMAP_MAX (32u << 20)
#define EXPLORE_TRIM_KEEP (256u << 20)
static void explore_worker_malloc(void)
{
	mallopt(M_MMAP_THRESHOLD, EXPLORE_MMAP_MAX);
	mallopt(M_TRIM_THRESHOLD, EXPLORE_TRIM_KEEP);
}

/* A worker: runs idx[0..n) in order, each result written to `f` (an
 * unlinked temp file, so nothing is left behind whatever happens). */
static pid_t spawn_worker(const struct explore_opts *o, uint64_t seed0, const uint64_t *idx, size_t n,
			  FILE *f, double t0, bool rerun)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	/* A worker ends at once on SIGINT/SIGTERM; its parent cleans up. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	explore_worker_malloc();
	for (size_t j = 0; j < n; j++) {
		if (o->time_limit_s > 0 && wall_now() - t0 > o->time_limit_s)
			break;
		test_abort_hook(idx[j], rerun);
		struct explore_run run = batch_one(o, explore_seed(seed0, idx[j]));
		run.index = idx[j];
		run.found_s = wall_now() - t0;
		if (fwrite(&run, sizeof(run), 1, f) != 1 || fflush(f))
			_exit(3);
	}
	_exit(fclose(f) ? 3 : 0);
}

/* Reads a worker's results into all/have; its status into *died. */
static void collect(FILE *f, const struct explore_opts *o, struct explore_run *all, bool *have)
{
	struct explore_run run;

	rewind(f);
	while (fread(&run, sizeof(run), 1, f) == 1)
		if (run.index < o->runs) {
			all[run.index] = run;
			have[run.index] = true;
		}
	fclose(f);
}

static void describe_death(struct explore_result *r, unsigned k, int st, const uint64_t *idx, size_t n,
			   const bool *have, bool rerun)
{
	size_t used = strlen(r->deaths);
	int w;

	if (WIFSIGNALED(st))
		w = snprintf(r->deaths + used, sizeof(r->deaths) - used, "%sworker %u died (signal %d, %s): runs",
			     rerun ? "re-run " : "", k, WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		w = snprintf(r->deaths + used, sizeof(r->deaths) - used, "%sworker %u died (exit %d): runs",
			     rerun ? "re-run " : "", k, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	if (w < 0 || (size_t)w >= sizeof(r->deaths) - used)
		return;
	used += (size_t)w;
	for (size_t j = 0; j < n; j++) {
		if (have[idx[j]])
			continue;
		w = snprintf(r->deaths + used, sizeof(r->deaths) - used, " %llu", (unsigned long long)idx[j]);
		if (w < 0 || (size_t)w >= sizeof(r->deaths) - used)
			return;
		used += (size_t)w;
	}
	snprintf(r->deaths + used, sizeof(r->deaths) - used, "\n");
}

int explore_all(const struct explore_opts *o_user, struct explore_result *r)
{
	struct explore_opts oc = *o_user, *o = &oc;
	struct session base;
	uint64_t seed0;
	double t0 = wall_now();
	unsigned jobs = o->jobs ? o->jobs : 1;

	memset(r, 0, sizeof(*r));
	/* Check the scenario once, before forking anything. */
	if (load(o, NULL, 0, 1, &base, r->error, sizeof(r->error)))
		return -1;
	seed0 = o->has_seed ? o->seed : base.cfg.seed;
	snprintf(r->protocol, sizeof(r->protocol), "%s", base.cfg.protocol);
	chaos_scope_init(&oc.chaos_scope, &base.cfg);
	if (o->chaos_kinds)
		oc.chaos_scope.kinds = o->chaos_kinds;
	session_end(&base);
	if (jobs > EXPLORE_MAX_GROUPS)
		jobs = EXPLORE_MAX_GROUPS;

	size_t nr = o->runs ? o->runs : 1;
	struct explore_run *all = calloc(nr, sizeof(*all));
	bool *have = calloc(nr, sizeof(*have));
	uint64_t *idx = calloc(nr, sizeof(*idx));
	uint64_t *missing = calloc(nr, sizeof(*missing));
	pid_t pids[EXPLORE_MAX_GROUPS];
	FILE *out[EXPLORE_MAX_GROUPS];
	size_t nmissing = 0;

	if (!all || !have || !idx || !missing) {
		snprintf(r->error, sizeof(r->error), "out of memory for %llu runs", (unsigned long long)o->runs);
		goto fail;
	}
	/* This process's runs are i % nranks == rank (all of them unless the
	 * batch is split); worker k holds the k-th, (k + jobs)-th, ... of
	 * them: idx[] is that order. */
	uint64_t nranks = o->nranks > 1 ? o->nranks : 1, stride = nranks * jobs;
	size_t at = 0, start[EXPLORE_MAX_GROUPS + 1];
	for (unsigned k = 0; k < jobs; k++) {
		start[k] = at;
		for (uint64_t i = o->rank + k * nranks; i < o->runs; i += stride)
			idx[at++] = i;
	}
	start[jobs] = at;
	fflush(NULL);	/* nothing buffered is written twice by the children */
	for (unsigned k = 0; k < jobs; k++) {
		out[k] = tmpfile();
		pids[k] = out[k] ? spawn_worker(o, seed0, idx + start[k], start[k + 1] - start[k], out[k], t0, false)
				 : -1;
		if (pids[k] < 0) {
			snprintf(r->error, sizeof(r->error), "cannot start worker %u: %s", k, strerror(errno));
			for (unsigned j = 0; j < k; j++) {
				kill(pids[j], SIGKILL);
				waitpid(pids[j], NULL, 0);
				fclose(out[j]);
			}
			if (out[k])
				fclose(out[k]);
			goto fail;
		}
	}
	/* Collect, in worker order; a dead worker's missing runs are noted.  An
	 * interrupt (sim_interrupted) ends every worker still running and keeps
	 * only what they had recorded: no death is counted, nothing re-run. */
	bool reaped[EXPLORE_MAX_GROUPS] = { 0 };
	for (unsigned k = 0; k < jobs; k++) {
		int st = 0;

		if (!r->interrupted && wait_worker(pids[k], &st)) {
			stop_workers(pids, reaped, jobs);
			r->interrupted = sim_interrupted;
			for (unsigned j = 0; j < jobs; j++)
				reaped[j] = true;
		}
		reaped[k] = true;
		collect(out[k], o, all, have);
		if (r->interrupted || (WIFEXITED(st) && WEXITSTATUS(st) == 0))
			continue;
		r->worker_deaths++;
		describe_death(r, k, st, idx + start[k], start[k + 1] - start[k], have, false);
		for (size_t j = start[k]; j < start[k + 1]; j++)
			if (!have[idx[j]])
				missing[nmissing++] = idx[j];
	}
	if (sim_interrupted && !r->interrupted)
		r->interrupted = sim_interrupted;
	/* Re-run them once, in one fresh worker; what is still missing is lost. */
	if (nmissing && !r->interrupted) {
		int st = 0;
		FILE *f = tmpfile();
		pid_t pid = f ? spawn_worker(o, seed0, missing, nmissing, f, t0, true) : -1;

		if (pid > 0) {
			waitpid(pid, &st, 0);
			collect(f, o, all, have);
			if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
				r->worker_deaths++;
				describe_death(r, jobs, st, missing, nmissing, have, true);
			}
		} else if (f) {
			fclose(f);
		}
		for (size_t j = 0; j < nmissing; j++) {
			if (have[missing[j]])
				r->rerun++;
			else
				r->lost++;
		}
	}
	if (nranks > 1 && o->gather) {
		/* Every rank's runs to rank 0, which goes on alone. */
		struct explore_run *mine = calloc(at ? at : 1, sizeof(*mine)), *got = NULL;
		uint64_t nm = 0, ng = 0;
		for (size_t j = 0; mine && j < at; j++)
			if (have[idx[j]])
				mine[nm++] = all[idx[j]];
		int grc = mine ? o->gather(mine, nm, &got, &ng) : -1;
		free(mine);
		if (grc) {
			snprintf(r->error, sizeof(r->error), "gathering the runs of every rank failed");
			goto fail;
		}
		if (!got) {
			r->gathered_away = true;
			free(all);
			free(have);
			free(idx);
			free(missing);
			return 0;
		}
		for (uint64_t j = 0; j < ng; j++) {
			if (got[j].index < o->runs) {
				all[got[j].index] = got[j];
				have[got[j].index] = true;
			}
		}
		free(got);
		r->gathered = true;
	}
	for (uint64_t i = 0; i < o->runs; i++) {
		if (!have[i])
			continue;
		r->runs_done++;
		if (all[i].status == 2 && !r->interrupted) {
			snprintf(r->error, sizeof(r->error), "%s", all[i].message);
			goto fail;
		}
		if (all[i].status) {
			r->failures++;
			group_add(r, &all[i]);
		}
	}
	free(all);
	free(have);
	free(idx);
	free(missing);
	r->wall_s = wall_now() - t0;
	if (o->shrink)
		for (unsigned i = 0; i < r->ngroups && !sim_interrupted; i++)
			shrink(o, &r->groups[i]);
	if (sim_interrupted && !r->interrupted)
		r->interrupted = sim_interrupted;
	return 0;
fail:
	free(all);
	free(have);
	free(idx);
	free(missing);
	return -1;
}
