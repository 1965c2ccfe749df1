/* sim_backends.c — the event-kernel backends of this build, by name
 * (scenario key run.kernel).
 *
 * The SystemC backend (sim_systemc.cc) is either linked into the program
 * (the tests, apfsim-bench, SystemC programs that embed apfsim: the weak
 * reference below then resolves to it) or, for the `apfsim` command, built
 * as the module apfsim-systemc.so and opened when a scenario asks for it.
 * libsystemc's static set-up costs a process ~17 ms (docs/performance.md,
 * twelfth round), more than a whole quickstart run: only runs on the
 * SystemC kernel pay it now.  The module looks for the two symbols it uses,
 * sim_backend_native and sim_interrupted, in the program, which exports them
 * (CMakeLists.txt).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "model/kernel/module.h"
#include "model/kernel/sim.h"

#ifdef APFSIM_HAVE_SYSTEMC
extern const struct sim_backend_ops sim_backend_systemc __attribute__((weak));

static pthread_once_t module_once = PTHREAD_ONCE_INIT;
static const struct sim_backend_ops *module_ops;
static char module_why[PATH_MAX * 2 + 128] = "not looked for";

static void module_open(void)
{
	void *h = apfsim_module_open("apfsim-systemc.so", RTLD_NOW | RTLD_LOCAL, module_why,
				     sizeof(module_why));

	if (h && !(module_ops = dlsym(h, "sim_backend_systemc")))
		snprintf(module_why, sizeof(module_why), "apfsim-systemc.so has no sim_backend_systemc");
}

static const struct sim_backend_ops *systemc_backend(void)
{
	if (&sim_backend_systemc)
		return &sim_backend_systemc;
	pthread_once(&module_once, module_open);
	return module_ops;
}
#endif

const struct sim_backend_ops *sim_backend_named(const char *name)
{
	if (!strcmp(name, "native"))
		return &sim_backend_native;
#ifdef APFSIM_HAVE_SYSTEMC
	if (!strcmp(name, "systemc"))
		return systemc_backend();
#endif
	return NULL;
}

const char *sim_backend_missing(const char *name)
{
#ifdef APFSIM_HAVE_SYSTEMC
	if (!strcmp(name, "systemc") && !systemc_backend())
		return module_why;
#endif
	(void)name;
	return "this apfsim was built without SystemC (Debian libsystemc-dev, found by pkg-config "
	       "at build time; docs/event-kernel.md)";
}
