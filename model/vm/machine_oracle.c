/* machine_oracle.c — the oracle a run is judged by, configured from the
 * scenario and attached to the machine's tracer (machine.h).  `run` and
 * `explore` share it, so both apply the same checks to the same protocol. */
#include <string.h>

#include "model/apf/switches.h"
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
	/* The buffer and PPI-line invariants describe arm64's shared
	 * {reason, token} buffer and level PPI (docs/reference.md §2.3, §2.7); the
	 * x86 family has separate words and a vector-like PPI. */
	if (apf_switches_x86_driver(&c->sw) && strcmp(c->protocol, "sync"))
		oc.checks = ORACLE_CHECK_ALL & ~(ORACLE_CHECK(ORACLE_BUFFER_OVERWRITE) |
						 ORACLE_CHECK(ORACLE_PPI_PENDING_MISMATCH));
	orc = oracle_create(&oc);
	if (orc && trace_add_sink(&m->tracer, &oracle_sink_ops, orc)) {
		oracle_destroy(orc);
		orc = NULL;
	}
	return orc;
}
