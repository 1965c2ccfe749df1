/* compute.c — a compute loop with a progress counter: each iteration runs
 * `iteration` cycles and adds one to the task's progress; `iterations` = 0
 * loops until the run ends.  With `sleep_every` = N > 0 the task blocks for
 * `sleep` after every N iterations (a periodic, timer-driven task). */
#include <stddef.h>

#include "workloads/workload.h"

struct compute_params {
	uint64_t iteration_cycles;
	uint64_t iterations;
	uint64_t sleep_every;
	uint64_t sleep_ps;
};

struct compute_state {
	struct compute_params p;
	uint64_t done;		/* iterations produced */
	uint64_t since_sleep;	/* iterations since the last sleep, <= sleep_every */
};

static const struct param_desc compute_params_desc[] = {
	{ "iteration", PT_U64, offsetof(struct compute_params, iteration_cycles), "100000", 1, 4e9, NULL,
	  "cycles per loop iteration (one progress unit)" },
	{ "iterations", PT_U64, offsetof(struct compute_params, iterations), "0", 0, 1e18, NULL,
	  "iterations before the task exits; 0 = run until the scenario ends" },
	{ "sleep_every", PT_U64, offsetof(struct compute_params, sleep_every), "0", 0, 1e18, NULL,
	  "sleep after every N iterations; 0 = never sleep" },
	{ "sleep", PT_TIME, offsetof(struct compute_params, sleep_ps), "1ms", 0, 1e18, NULL,
	  "length of each sleep (a timer wake-up)" },
	PARAM_END,
};

static int compute_init(void *state, const void *params, const struct wl_env *env, char *err, size_t errlen)
{
	struct compute_state *s = state;

	(void)env;
	(void)err;
	(void)errlen;
	s->p = *(const struct compute_params *)params;
	s->done = 0;
	s->since_sleep = 0;
	return 0;
}

static void compute_next(void *state, struct wl_op *op)
{
	struct compute_state *s = state;

	*op = (struct wl_op){ 0 };
	if (s->p.iterations && s->done >= s->p.iterations) {
		op->kind = WL_OP_EXIT;
		return;
	}
	if (s->p.sleep_every && s->since_sleep == s->p.sleep_every) {
		s->since_sleep = 0;
		op->kind = WL_OP_SLEEP;
		op->arg = s->p.sleep_ps;
		return;
	}
	s->done++;
	s->since_sleep++;
	op->kind = WL_OP_COMPUTE;
	op->cycles = (uint32_t)s->p.iteration_cycles;
	op->progress = 1;
}

const struct workload_ops workload_compute = {
	.name = "compute",
	.doc = "compute loop with a progress counter, optionally sleeping periodically",
	.params = compute_params_desc,
	.params_size = sizeof(struct compute_params),
	.state_size = sizeof(struct compute_state),
	.init = compute_init,
	.next = compute_next,
	.fini = NULL,
	.progress_unit = "iterations",
};
