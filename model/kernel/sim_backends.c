/* sim_backends.c — the event-kernel backends of this build, by name
 * (scenario key run.kernel). */
#include <string.h>

#include "model/kernel/sim.h"

const struct sim_backend_ops *sim_backend_named(const char *name)
{
	if (!strcmp(name, "native"))
		return &sim_backend_native;
#ifdef APFSIM_HAVE_SYSTEMC
	if (!strcmp(name, "systemc"))
		return &sim_backend_systemc;
#endif
	return NULL;
}
