/* region.c — the contiguous guest-page allocation every region workload
 * makes at init, with the one error message they share (workload.h). */
#include <stdio.h>

#include "workloads/workload.h"

int wl_alloc_region(const struct wl_env *env, uint64_t npages, uint64_t *first, const char *who,
		    const char *what, char *err, size_t errlen)
{
	if (env->alloc_pages(env->mem_ctx, npages, first) == 0)
		return 0;
	snprintf(err, errlen, "%s: cannot allocate %s of %llu pages (%.1f MiB); %llu pages free", who, what,
		 (unsigned long long)npages, (double)(npages * env->page_size) / (1 << 20),
		 (unsigned long long)env->free_pages(env->mem_ctx));
	return -1;
}
