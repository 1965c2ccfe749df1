/* random.c — random access over a private region: each access touches one
 * page (a write with probability `write_ratio`) and works `cycles` on it.
 *
 * Page choice is uniform, or zipf(s) over page ranks: rank k (1-based) is
 * drawn with probability proportional to k^-s by rejection-inversion
 * (W. Hörmann, G. Derflinger, "Rejection-inversion to generate variates
 * from monotone discrete distributions", ACM TOMACS 6(3), 1996), O(1) time
 * and memory per draw and on average fewer than 1.1 rejections for any s.
 * Ranks map to pages through a fixed keyed bijection (workloads/perm.h), so
 * the hot pages are scattered over the region rather than adjacent.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "workloads/perm.h"
#include "workloads/workload.h"

enum random_dist { RANDOM_UNIFORM, RANDOM_ZIPF };

static const char *const random_dist_names[] = { "uniform", "zipf", NULL };

struct random_params {
	uint64_t region;	/* bytes */
	uint64_t accesses;
	uint32_t distribution;	/* enum random_dist */
	uint32_t cycles;
	double zipf_s;
	double write_ratio;
};

/* Rejection-inversion constants for ranks 1..n, exponent s >= 0. */
struct random_zipf {
	double n, s;
	double h_x1;		/* H(1.5) - 1 */
	double h_n;		/* H(n + 0.5) */
	double accept;		/* squeeze: k - x <= accept is accepted at once */
};

struct random_state {
	struct random_params p;
	struct wl_env env;
	struct random_zipf zipf;
	struct wl_perm rank_to_page;	/* fixed for the task's lifetime */
	uint64_t first, npages;
	uint64_t left;			/* accesses still to produce */
	uint64_t write_below;		/* write iff 53 random bits < this */
	bool held;
};

static const struct param_desc random_params_desc[] = {
	{ "region", PT_SIZE, offsetof(struct random_params, region), "64MiB", 1, 1e15, NULL,
	  "private region allocated at start; accesses fall on its pages" },
	{ "accesses", PT_U64, offsetof(struct random_params, accesses), "0", 0, 1e18, NULL,
	  "accesses before the task exits; 0 = run until the scenario ends" },
	{ "distribution", PT_ENUM, offsetof(struct random_params, distribution), "uniform", 0, 0, random_dist_names,
	  "page choice: uniform, or zipf over pages scattered by a fixed permutation" },
	{ "zipf_s", PT_DOUBLE, offsetof(struct random_params, zipf_s), "0.99", 0, 10, NULL,
	  "zipf exponent s: rank k has weight k^-s (0.99 as in YCSB)" },
	{ "write_ratio", PT_FRACTION, offsetof(struct random_params, write_ratio), "50%", 0, 1, NULL,
	  "share of accesses that are writes" },
	{ "cycles", PT_U32, offsetof(struct random_params, cycles), "200", 1, 4e9, NULL,
	  "cycles of work per access (at least 1: an access takes time)" },
	PARAM_END,
};

/* (exp(x) - 1) / x, accurate near 0. */
static double random_expm1_x(double x)
{
	if (fabs(x) > 1e-8)
		return expm1(x) / x;
	return 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
}

/* log(1 + x) / x, accurate near 0. */
static double random_log1p_x(double x)
{
	if (fabs(x) > 1e-8)
		return log1p(x) / x;
	return 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}

/* H(x) = (x^(1-s) - 1) / (1 - s): a primitive of h(x) = x^-s (log x at s = 1). */
static double random_zipf_H(const struct random_zipf *z, double x)
{
	double lx = log(x);

	return random_expm1_x((1 - z->s) * lx) * lx;
}

static double random_zipf_h(const struct random_zipf *z, double x)
{
	return exp(-z->s * log(x));
}

static double random_zipf_Hinv(const struct random_zipf *z, double y)
{
	double t = y * (1 - z->s);

	if (t < -1)	/* rounding at the domain edge */
		t = -1;
	return exp(random_log1p_x(t) * y);
}

static void random_zipf_init(struct random_zipf *z, uint64_t n, double s)
{
	z->n = (double)n;
	z->s = s;
	z->h_x1 = random_zipf_H(z, 1.5) - 1;
	z->h_n = random_zipf_H(z, z->n + 0.5);
	z->accept = 2 - random_zipf_Hinv(z, random_zipf_H(z, 2.5) - random_zipf_h(z, 2));
}

/* A rank in [1, n]. */
static uint64_t random_zipf_draw(const struct random_zipf *z, struct rng *r)
{
	for (;;) {
		double u = z->h_n + rng_uniform01(r) * (z->h_x1 - z->h_n);
		double x = random_zipf_Hinv(z, u);
		double k = floor(x + 0.5);

		if (k < 1)
			k = 1;
		else if (k > z->n)
			k = z->n;
		if (k - x <= z->accept || u >= random_zipf_H(z, k + 0.5) - random_zipf_h(z, k))
			return (uint64_t)k;
	}
}

static int random_init(void *state, const void *params, const struct wl_env *env, char *err, size_t errlen)
{
	struct random_state *s = state;

	*s = (struct random_state){ 0 };
	s->p = *(const struct random_params *)params;
	s->env = *env;
	s->npages = (s->p.region + env->page_size - 1) / env->page_size;
	if (s->npages == 0)
		s->npages = 1;
	if (wl_alloc_region(env, s->npages, &s->first, "random", "region", err, errlen))
		return -1;
	s->held = true;
	/* accesses = 0: 2^64 - 1 accesses, out of reach of any run. */
	s->left = s->p.accesses ? s->p.accesses : UINT64_MAX;
	s->write_below = (uint64_t)ldexp(s->p.write_ratio, 53);
	random_zipf_init(&s->zipf, s->npages, s->p.zipf_s);
	wl_perm_init(&s->rank_to_page, s->npages, env->rng);
	return 0;
}

static void random_next(void *state, struct wl_op *op)
{
	struct random_state *s = state;
	struct rng *r = s->env.rng;
	uint64_t page;

	*op = (struct wl_op){ 0 };
	if (s->left == 0) {
		if (s->held) {	/* process exit returns its memory */
			s->env.free_range(s->env.mem_ctx, s->first, s->npages);
			s->held = false;
		}
		op->kind = WL_OP_EXIT;
		return;
	}
	s->left--;
	if (s->p.distribution == RANDOM_ZIPF)
		page = wl_perm_apply(&s->rank_to_page, random_zipf_draw(&s->zipf, r) - 1);
	else
		page = rng_below(r, s->npages);
	op->kind = WL_OP_TOUCH;
	op->write = (rng_next(r) >> 11) < s->write_below;
	op->progress = 1;
	op->cycles = s->p.cycles;
	op->arg = s->first + page;
}

const struct workload_ops workload_random = {
	.name = "random",
	.doc = "random page accesses over a private region, uniform or zipf-skewed",
	.params = random_params_desc,
	.params_size = sizeof(struct random_params),
	.state_size = sizeof(struct random_state),
	.init = random_init,
	.next = random_next,
	.fini = NULL,
	.progress_unit = "accesses",
};
