/* memhog.c — a memory hog in the shape of the "testsuite mem" program used
 * to evaluate the arm64 async-PF series: allocate a share of the guest's
 * free memory, write every page `passes` times (one write touch per page,
 * `write_cycles` of stores to it), free the range and exit; `repeat` runs
 * the allocate-write-free cycle several times.
 *
 * Order `random` visits the pages of each pass through a fresh keyed
 * cycle-walking permutation (workloads/perm.h): every page exactly once per
 * pass, O(1) memory whatever the size of the range.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "workloads/perm.h"
#include "workloads/workload.h"

enum memhog_order { MEMHOG_SEQUENTIAL, MEMHOG_RANDOM };

static const char *const memhog_order_names[] = { "sequential", "random", NULL };

struct memhog_params {
	double share;
	uint32_t passes;
	uint32_t order;		/* enum memhog_order */
	uint32_t write_cycles;
	uint32_t repeat;
};

struct memhog_state {
	struct memhog_params p;
	struct wl_env env;	/* copy: the mem callbacks outlive init */
	struct wl_perm perm;	/* keyed anew at the start of each random pass */
	uint64_t npages;	/* size of every allocation */
	uint64_t first;		/* first gfn of the range, valid while held */
	uint64_t end;		/* pages to write in this pass: npages, 0 when done */
	uint64_t i;		/* next page index of this pass, i <= end */
	uint32_t pass;		/* passes finished in this cycle */
	uint32_t cycle;		/* allocate-write-free cycles finished */
	bool held;		/* the range [first, first + npages) is ours */
};

static const struct param_desc memhog_params_desc[] = {
	{ "share", PT_FRACTION, offsetof(struct memhog_params, share), "90%", 0, 1, NULL,
	  "share of the guest's free memory to allocate (testsuite mem: 90%)" },
	{ "passes", PT_U32, offsetof(struct memhog_params, passes), "1", 1, 1e9, NULL,
	  "write passes over the whole range before it is freed" },
	{ "order", PT_ENUM, offsetof(struct memhog_params, order), "sequential", 0, 0, memhog_order_names,
	  "page order of a pass: sequential, or random (fresh permutation per pass)" },
	{ "write_cycles", PT_U32, offsetof(struct memhog_params, write_cycles), "1024", 1, 4e9, NULL,
	  "cycles spent writing one page (~512 8-byte stores of random values)" },
	{ "repeat", PT_U32, offsetof(struct memhog_params, repeat), "1", 1, 1e9, NULL,
	  "allocate-write-free cycles before the task exits" },
	PARAM_END,
};

/* Start pass `s->pass` over the held range. */
static void memhog_start_pass(struct memhog_state *s)
{
	s->i = 0;
	s->end = s->npages;
	if (s->p.order == MEMHOG_RANDOM)
		wl_perm_init(&s->perm, s->npages, s->env.rng);
}

static int memhog_alloc(struct memhog_state *s)
{
	if (s->env.alloc_pages(s->env.mem_ctx, s->npages, &s->first) != 0)
		return -1;
	s->held = true;
	s->pass = 0;
	memhog_start_pass(s);
	return 0;
}

static int memhog_init(void *state, const void *params, const struct wl_env *env, char *err, size_t errlen)
{
	struct memhog_state *s = state;
	uint64_t free_pages;

	*s = (struct memhog_state){ 0 };
	s->p = *(const struct memhog_params *)params;
	s->env = *env;
	free_pages = env->free_pages(env->mem_ctx);
	s->npages = (uint64_t)(s->p.share * (double)free_pages);
	if (s->npages == 0) {
		snprintf(err, errlen, "memhog: share %g%% of %llu free pages is no memory at all",
			 s->p.share * 100, (unsigned long long)free_pages);
		return -1;
	}
	if (memhog_alloc(s) != 0) {
		snprintf(err, errlen, "memhog: cannot allocate %llu contiguous pages (%.1f MiB, %g%% of %llu free pages)",
			 (unsigned long long)s->npages, (double)(s->npages * env->page_size) / (1 << 20),
			 s->p.share * 100, (unsigned long long)free_pages);
		return -1;
	}
	return 0;
}

/* The pass just ended: start the next one, or free the range and start the
 * next cycle.  false when the task is finished (end stays 0 from then on). */
static bool memhog_end_pass(struct memhog_state *s)
{
	if (!s->held)
		return false;
	if (++s->pass < s->p.passes) {
		memhog_start_pass(s);
		return true;
	}
	s->env.free_range(s->env.mem_ctx, s->first, s->npages);
	s->held = false;
	s->i = s->end = 0;
	/* A later cycle asks for the same size; if the guest can no longer
	 * provide it (another task took the memory) the hog simply exits. */
	if (++s->cycle < s->p.repeat && memhog_alloc(s) == 0)
		return true;
	return false;
}

static void memhog_next(void *state, struct wl_op *op)
{
	struct memhog_state *s = state;
	uint64_t x;

	*op = (struct wl_op){ 0 };
	if (s->i == s->end && !memhog_end_pass(s)) {
		op->kind = WL_OP_EXIT;
		return;
	}
	x = s->i++;
	if (s->p.order == MEMHOG_RANDOM)
		x = wl_perm_apply(&s->perm, x);
	op->kind = WL_OP_TOUCH;
	op->write = 1;
	op->progress = 1;
	op->cycles = s->p.write_cycles;
	op->arg = s->first + x;
}

const struct workload_ops workload_memhog = {
	.name = "memhog",
	.doc = "allocate a share of free memory, write every page for N passes, free it (testsuite mem)",
	.params = memhog_params_desc,
	.params_size = sizeof(struct memhog_params),
	.state_size = sizeof(struct memhog_state),
	.init = memhog_init,
	.next = memhog_next,
	.fini = NULL,
	.progress_unit = "pages written",
};
