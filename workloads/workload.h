/* workload.h — C-modelled user programs.
 *
 * A workload is a generator of operations executed by the vCPU model on
 * behalf of one guest task: compute for N cycles, touch a guest page (read
 * or write), enter or leave the kernel (touches in between are kernel-mode
 * accesses), sleep, exit.  Workloads never see time or the host; they only
 * produce the next operation, deterministically from their RNG stream.
 *
 * Each workload is an ops table with a parameter schema (model/config/params.h)
 * that the scenario parser uses to validate `tasks[].` keys.
 */
#ifndef APFSIM_WORKLOADS_WORKLOAD_H
#define APFSIM_WORKLOADS_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/config/params.h"
#include "model/kernel/rng.h"

enum wl_op_kind {
	WL_OP_COMPUTE,	/* run `cycles` cycles of user (or kernel) code */
	WL_OP_TOUCH,	/* access guest page `gfn`, then `cycles` of work on it */
	WL_OP_KENTER,	/* syscall entry: following touches are kernel mode */
	WL_OP_KEXIT,	/* syscall return to user mode */
	WL_OP_SLEEP,	/* block for `ps` picoseconds (timer wake-up) */
	WL_OP_EXIT,	/* task finished; no further ops */
};

struct wl_op {
	uint8_t kind;	  /* enum wl_op_kind */
	uint8_t write;	  /* TOUCH: write access (dirties the page) */
	uint8_t progress; /* completing this op adds 1 to the task's progress */
	uint32_t cycles;  /* COMPUTE/TOUCH/KENTER/KEXIT: CPU cycles */
	uint64_t arg;	  /* TOUCH: gfn; SLEEP: picoseconds */
};

/* Guest physical memory as the guest kernel hands it to tasks. */
struct wl_env {
	struct rng *rng;	   /* this task's private stream */
	uint64_t page_size;	   /* bytes, 4096 */
	uint64_t guest_freq_hz;
	const char *scenario_dir;  /* for relative trace paths */
	void *mem_ctx;
	uint64_t (*free_pages)(void *mem_ctx);
	/* Allocate `pages` contiguous guest pages; returns 0 and the first
	 * gfn, or -1 when the guest has no such free range. */
	int (*alloc_pages)(void *mem_ctx, uint64_t pages, uint64_t *first_gfn);
	void (*free_range)(void *mem_ctx, uint64_t first_gfn, uint64_t pages);
};

struct workload_ops {
	const char *name;
	const char *doc;
	const struct param_desc *params; /* schema of the params struct */
	size_t params_size;
	size_t state_size;
	/* 0 on success; -1 with a message in err (e.g. trace file unreadable). */
	int (*init)(void *state, const void *params, const struct wl_env *env, char *err, size_t errlen);
	/* Produce the next op; after WL_OP_EXIT it keeps returning WL_OP_EXIT. */
	void (*next)(void *state, struct wl_op *op);
	void (*fini)(void *state);
	/* Unit of the progress counter, e.g. "pages written", "iterations". */
	const char *progress_unit;
	/* The file the workload reads, as the scenario names it (relative to
	 * the scenario's directory unless absolute), or NULL; optional. */
	const char *(*input_file)(const void *params);
};

/* Registry, in a fixed order (used by docs and `apfsim validate`). */
extern const struct workload_ops *const workload_table[];
const struct workload_ops *workload_find(const char *name);

/*
 * Allocates `npages` contiguous guest pages for a workload's region.  On
 * failure writes "WHO: cannot allocate WHAT of N pages (X MiB); F pages free"
 * to err and returns -1; 0 and *first otherwise.
 */
int wl_alloc_region(const struct wl_env *env, uint64_t npages, uint64_t *first, const char *who,
		    const char *what, char *err, size_t errlen);

#endif
