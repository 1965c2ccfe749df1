/* trapcost.h — per-architecture trap costs: one descriptor per host
 * architecture, in cycles of the guest clock, with its source
 * (docs/scenario.md, "Trap costs").  The protocol preset picks the
 * architecture (an x86 guest driver: KVM x86; otherwise KVM ARM nVHE, also
 * for `sync`); any host.KEY the scenario sets overrides its entry.
 *
 * Invariant, by construction of the table and checked for overrides by the
 * scenario validation: vmexit + vmentry <= hypercall, since a hypercall
 * round trip is one exit and one entry around a trivial handler.
 */
#ifndef APFSIM_MODEL_APF_TRAPCOST_H
#define APFSIM_MODEL_APF_TRAPCOST_H

#include <stdint.h>

#include "model/config/config.h"

/* The "auto" value of a host trap-cost key: take the architecture's entry. */
#define CFG_TIME_AUTO UINT64_MAX

struct trap_arch {
	const char *name;		/* "arm64-nvhe", "x86" */
	uint64_t hypercall;		/* HVC / VMCALL round trip, cycles */
	uint64_t vmexit, vmentry;	/* the round trip's two halves */
	uint64_t sdei_dispatch;		/* host side of an SDEI delivery at entry */
	uint64_t irq_complete;		/* virtual IRQ completion (EOI) */
};

/* The resolved costs of a run, picoseconds. */
struct trap_costs {
	const struct trap_arch *arch;
	sim_time_t hypercall, vmexit, vmentry, sdei_dispatch, irq_complete;
};

extern const struct trap_arch trap_arch_arm64_nvhe, trap_arch_x86;

/* The architecture the scenario's protocol runs on. */
const struct trap_arch *trap_arch_of(const struct apf_config *c);
/* Costs of the run: the architecture's table at vm.freq, overridden by
 * every host.KEY that is not CFG_TIME_AUTO; an automatic vmexit / vmentry
 * is its share of the hypercall round trip in use (set or automatic). */
void trap_costs_resolve(const struct apf_config *c, struct trap_costs *out);

#endif
