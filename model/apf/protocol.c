/* protocol.c — the preset registry and the `sync` protocol (APF off):
 * every fault that needs I/O blocks the vCPU in the host. */
#include "model/apf/protocol.h"

#include <string.h>

#include "model/apf/family.h"
#include "model/config/config.h"

static void sync_stage2_fault(struct protocol_env *pe, uint32_t vcpu, struct task *t, uint64_t gfn)
{
	pe->vm->fault_sync(pe->vm_ctx, vcpu, t, gfn);
}

const struct protocol_ops protocol_sync = {
	.name = "sync",
	.doc = "APF off: a stage-2 fault that needs I/O blocks the vCPU until the page is resident",
	.needs_guest = false,
	.stage2_fault = sync_stage2_fault,
};

/* The host driver of the protocol's family (model/apf/family.c). */
const struct protocol_ops *protocol_for(const struct apf_config *c)
{
	if (strcmp(c->protocol, "sync") && !apf_preset_find(c->protocol))
		return NULL;
	return apf_family_for(c)->ops;
}
