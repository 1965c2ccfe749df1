/* machine_oracle.c — the oracle a run is judged by, configured from the
 * scenario and attached to the machine's tracer (machine.h).  `run` and
 * `explore` share it, so both apply the same checks to the same protocol. */
#include <string.h>

#include "model/apf/family.h"
#include "model/vm/machine.h"
#include "model/check/oracle.h"
#include "workloads/guest/guest_abi.h"

struct oracle *machine_attach_oracle(struct machine *m)
{
	const struct apf_config *c = m->cfg;
	struct oracle_cfg oc = {
		.nvcpus = m->nvcpus,
		.ntasks = m->sched.ntasks,
		.stuck_bound_ps = c->apf.stuck_bound,
		.ppi_intid = c->apf.ppi,
		.sdei_apf_event = c->apf.sdei_event,
		.delivery_bound_ps = c->apf.delivery_bound,
	};
	struct oracle *orc;

	oc.sdei_critical[0] = c->apf.sdei_event;
	if ((c->faults.sdei_other.at || c->faults.sdei_other.random) &&
	    c->faults.sdei_other_priority == 1 /* SDEI_EVENT_PRIORITY_CRITICAL */)
		oc.sdei_critical[1] = GUEST_SDEI_OTHER_EVENT;
	/* The checks that apply are the family's (model/apf/family.c). */
	if (apf_family_for(c)->oracle_checks_off)
		oc.checks = ORACLE_CHECK_ALL & ~apf_family_for(c)->oracle_checks_off;
	orc = oracle_create(&oc);
	if (orc && trace_add_sink(&m->tracer, &oracle_sink_ops, orc)) {
		oracle_destroy(orc);
		orc = NULL;
	}
	return orc;
}
