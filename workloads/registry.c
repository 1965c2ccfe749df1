/* registry.c — the built-in workloads, in documentation order
 * (docs/workloads.md describes them in the same order). */
#include <string.h>

#include "workloads/workload.h"

extern const struct workload_ops workload_memhog;
extern const struct workload_ops workload_compute;
extern const struct workload_ops workload_random;
extern const struct workload_ops workload_syscall;
extern const struct workload_ops workload_trace;

const struct workload_ops *const workload_table[] = {
	&workload_memhog,
	&workload_compute,
	&workload_random,
	&workload_syscall,
	&workload_trace,
	NULL,
};

const struct workload_ops *workload_find(const char *name)
{
	for (size_t i = 0; workload_table[i]; i++)
		if (strcmp(workload_table[i]->name, name) == 0)
			return workload_table[i];
	return NULL;
}
