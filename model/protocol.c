/* protocol.c — the preset registry and the `sync` protocol (APF off):
 * every fault that needs I/O blocks the vCPU in the host. */
#include "model/protocol.h"

#include <string.h>

#include "model/machine.h"

static void sync_stage2_fault(struct machine *m, struct vcpu *v, struct task *t, uint64_t gfn)
{
	(void)m;
	vcpu_fault_sync(v, t, gfn);
}

const struct protocol_ops protocol_sync = {
	.name = "sync",
	.doc = "APF off: a stage-2 fault that needs I/O blocks the vCPU until the page is resident",
	.needs_guest = false,
	.stage2_fault = sync_stage2_fault,
};

static const struct protocol_ops *const protocol_table[] = {
	&protocol_sync,
	&protocol_arm64_v4,
	NULL,
};

const struct protocol_ops *protocol_find(const char *name)
{
	for (unsigned i = 0; protocol_table[i]; i++)
		if (!strcmp(protocol_table[i]->name, name))
			return protocol_table[i];
	return NULL;
}
