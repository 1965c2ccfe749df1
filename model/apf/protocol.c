/* protocol.c — the preset registry and the `sync` protocol (APF off):
 * every fault that needs I/O blocks the vCPU in the host. */
#include "model/apf/protocol.h"

#include <string.h>

#include "model/apf/family.h"
#include "model/config/config.h"
#include "model/vm/machine.h"

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

void protocol_prefault(struct machine *m, uint64_t page)
{
	if (hostmem_classify(&m->hm, page) == HM_FAULT_MINOR)
		hostmem_map(&m->hm, page);
}

/* The host driver of the protocol's family (model/apf/family.c). */
const struct protocol_ops *protocol_for(const struct apf_config *c)
{
	if (strcmp(c->protocol, "sync") && !apf_preset_find(c->protocol))
		return NULL;
	return apf_family_for(c)->ops;
}
