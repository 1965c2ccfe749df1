/* registry.c — the built-in workloads, in documentation order. */
#include <string.h>

#include "workloads/workload.h"

extern const struct workload_ops workload_compute;

const struct workload_ops *const workload_table[] = {
	&workload_compute,
	NULL,
};

const struct workload_ops *workload_find(const char *name)
{
	for (size_t i = 0; workload_table[i]; i++)
		if (strcmp(workload_table[i]->name, name) == 0)
			return workload_table[i];
	return NULL;
}
