/* syscall.c — a syscall-heavy task: each iteration enters the kernel
 * (`entry_cycles`), makes `touches` kernel-mode accesses to pages of a
 * private buffer (as copy_{to,from}_user or a page-cache copy would), returns
 * to user mode (`exit_cycles`) and computes `user_cycles` before the next
 * call.  Kernel-mode faults are the case where a paravirtual async PF cannot
 * simply schedule another task, so this workload exercises that path.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "workloads/workload.h"

struct syscall_params {
	uint64_t iterations;
	uint64_t buffer;	/* bytes */
	uint32_t entry_cycles;
	uint32_t exit_cycles;
	uint32_t touches;
	uint32_t touch_cycles;
	uint32_t user_cycles;
	double write_ratio;
};

/* Steps of one iteration, in order; touches take steps [1, touches]. */
struct syscall_state {
	struct syscall_params p;
	struct wl_env env;
	uint64_t first, npages;
	uint64_t left;		/* syscalls still to start */
	uint64_t write_below;	/* kernel write iff 53 random bits < this */
	uint32_t step;		/* next step: 0 = enter, 1..touches, touches+1 = exit, +2 = user */
	bool held;
};

static const struct param_desc syscall_params_desc[] = {
	{ "iterations", PT_U64, offsetof(struct syscall_params, iterations), "0", 0, 1e18, NULL,
	  "syscalls before the task exits; 0 = run until the scenario ends" },
	{ "buffer", PT_SIZE, offsetof(struct syscall_params, buffer), "16MiB", 1, 1e15, NULL,
	  "private buffer allocated at start; the kernel touches its pages" },
	{ "entry_cycles", PT_U32, offsetof(struct syscall_params, entry_cycles), "1000", 1, 4e9, NULL,
	  "cycles of syscall entry (exception entry, dispatch)" },
	{ "exit_cycles", PT_U32, offsetof(struct syscall_params, exit_cycles), "500", 1, 4e9, NULL,
	  "cycles of syscall return to user mode" },
	{ "touches", PT_U32, offsetof(struct syscall_params, touches), "4", 0, 1e6, NULL,
	  "kernel-mode page accesses per syscall, uniform over the buffer" },
	{ "touch_cycles", PT_U32, offsetof(struct syscall_params, touch_cycles), "200", 0, 4e9, NULL,
	  "cycles of kernel work per page access" },
	{ "user_cycles", PT_U32, offsetof(struct syscall_params, user_cycles), "20000", 0, 4e9, NULL,
	  "cycles of user-mode compute between syscalls" },
	{ "write_ratio", PT_FRACTION, offsetof(struct syscall_params, write_ratio), "50%", 0, 1, NULL,
	  "share of kernel accesses that are writes" },
	PARAM_END,
};

static int syscall_init(void *state, const void *params, const struct wl_env *env, char *err, size_t errlen)
{
	struct syscall_state *s = state;

	*s = (struct syscall_state){ 0 };
	s->p = *(const struct syscall_params *)params;
	s->env = *env;
	s->npages = (s->p.buffer + env->page_size - 1) / env->page_size;
	if (s->npages == 0)
		s->npages = 1;
	if (wl_alloc_region(env, s->npages, &s->first, "syscall", "buffer", err, errlen))
		return -1;
	s->held = true;
	s->left = s->p.iterations ? s->p.iterations : UINT64_MAX; /* unreachable */
	s->write_below = (uint64_t)ldexp(s->p.write_ratio, 53);
	return 0;
}

static void syscall_next(void *state, struct wl_op *op)
{
	struct syscall_state *s = state;
	struct rng *r = s->env.rng;
	uint32_t step = s->step++;

	*op = (struct wl_op){ 0 };
	if (step == 0) {
		if (s->left == 0) {
			s->step = 0;
			if (s->held) {	/* process exit returns its memory */
				s->env.free_range(s->env.mem_ctx, s->first, s->npages);
				s->held = false;
			}
			op->kind = WL_OP_EXIT;
			return;
		}
		s->left--;
		op->kind = WL_OP_KENTER;
		op->cycles = s->p.entry_cycles;
	} else if (step <= s->p.touches) {
		op->kind = WL_OP_TOUCH;
		op->arg = s->first + rng_below(r, s->npages);
		op->write = (rng_next(r) >> 11) < s->write_below;
		op->cycles = s->p.touch_cycles;
	} else if (step == s->p.touches + 1) {
		op->kind = WL_OP_KEXIT;
		op->cycles = s->p.exit_cycles;
		op->progress = 1;
		if (s->p.user_cycles == 0)
			s->step = 0;
	} else {
		op->kind = WL_OP_COMPUTE;
		op->cycles = s->p.user_cycles;
		s->step = 0;
	}
}

const struct workload_ops workload_syscall = {
	.name = "syscall",
	.doc = "syscall loop whose kernel side touches pages of a private buffer",
	.params = syscall_params_desc,
	.params_size = sizeof(struct syscall_params),
	.state_size = sizeof(struct syscall_state),
	.init = syscall_init,
	.next = syscall_next,
	.fini = NULL,
	.progress_unit = "syscalls",
};
