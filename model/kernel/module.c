/* module.c — finding and opening apfsim's modules (see module.h). */
#define _GNU_SOURCE
#include "model/kernel/module.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void *apfsim_module_open(const char *file, int flags, char *why, size_t whylen)
{
	const char *const dirs[2] = { ".", APFSIM_MODULE_RELDIR };
	char exe[PATH_MAX], path[PATH_MAX + 128];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0) {
		snprintf(why, whylen, "cannot load %s: the program's directory is unknown", file);
		return NULL;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	for (unsigned i = 0; i < 2; i++) {
		void *h;

		snprintf(path, sizeof(path), "%s/%s/%s", exe, dirs[i], file);
		if (access(path, F_OK) != 0)
			continue;
		h = dlopen(path, flags);
		if (!h)
			snprintf(why, whylen, "cannot load %s", dlerror());
		return h;
	}
	snprintf(why, whylen, "%s not found beside %s/ or in %s/%s/", file, exe, exe,
		 APFSIM_MODULE_RELDIR);
	return NULL;
}
