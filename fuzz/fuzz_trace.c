/* fuzz_trace.c — libFuzzer target: a page-access trace file (the `trace`
 * workload, workloads/trace.c; format in docs/workloads.md), parsed by the
 * workload's init and then replayed for a bounded number of ops.
 * Properties: no crash, no hang, no leak; every TOUCH lands in the region
 * the workload allocated. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workloads/workload.h"

#define FIRST_GFN 1000u
static uint64_t held_pages;

static uint64_t free_pages(void *ctx)
{
	(void)ctx;
	return 1u << 20;
}

static int alloc_pages(void *ctx, uint64_t pages, uint64_t *first)
{
	(void)ctx;
	if (pages > (1u << 20))
		return -1;
	held_pages = pages;
	*first = FIRST_GFN;
	return 0;
}

static void free_range(void *ctx, uint64_t first, uint64_t pages)
{
	(void)ctx;
	(void)first;
	(void)pages;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];	/* /proc/self/fd/N of an unlinked temp file */
	static int fd = -1;
	const struct workload_ops *w = workload_find("trace");
	unsigned char params[1024] __attribute__((aligned(16))) = { 0 };
	unsigned char state[4096] __attribute__((aligned(16)));
	struct wl_env env = { .page_size = 4096, .guest_freq_hz = 2000000000ull, .scenario_dir = "",
			      .free_pages = free_pages, .alloc_pages = alloc_pages, .free_range = free_range };
	char err[512];

	if (!w || w->params_size > sizeof(params) || w->state_size > sizeof(state))
		abort();
	if (fd < 0) {
		const char *tmp = getenv("TMPDIR");

		snprintf(path, sizeof(path), "%s/apfsim-fuzz-trace-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		fd = mkstemp(path);
		if (fd < 0 || unlink(path))
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	/* params: file (the first field), then defaults for region and loop */
	snprintf((char *)params, PARAM_STRING_MAX, "%s", path);
	{
		/* region 0 = sized to the trace; loop = (first byte odd) */
		const struct param_desc *d;

		for (d = w->params; d->key; d++) {
			if (!strcmp(d->key, "region"))
				*(uint64_t *)(params + d->offset) = 0;
			else if (!strcmp(d->key, "loop"))
				*(_Bool *)(params + d->offset) = size && (data[0] & 1);
		}
	}
	if (w->init(state, params, &env, err, sizeof(err)) == 0) {
		struct wl_op op;

		for (int i = 0; i < 4096; i++) {
			w->next(state, &op);
			if (op.kind == WL_OP_TOUCH && (op.arg < FIRST_GFN || op.arg >= FIRST_GFN + held_pages))
				abort();
			if (op.kind == WL_OP_EXIT)
				break;
		}
		w->fini(state);
	}
	return 0;
}
