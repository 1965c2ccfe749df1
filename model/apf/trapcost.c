/* trapcost.c — the per-architecture trap-cost table (see trapcost.h and
 * docs/scenario.md, "Trap costs", for each figure's source). */
#include "model/apf/trapcost.h"

#include <string.h>

#include "model/apf/switches.h"

/* KVM ARM without VHE.  Dall et al., ISCA 2016 (Table 3, transcription
 * unverified in docs/latencies.md): hypercall round trip 6 500 cycles, virtual
 * IRQ completion 71 (the GIC virtual CPU interface, no trap).  Exit and
 * entry: the round trip split evenly (assumption), so exit + entry equals
 * the round trip that contains them.  SDEI dispatch: docs/latencies.md models a
 * delivery as one entry plus one hypercall round trip (COMPLETE, charged as
 * the guest's hypercall); the entry part is this one (no published figure). */
const struct trap_arch trap_arch_arm64_nvhe = {
	.name = "arm64-nvhe",
	.hypercall = 6500,
	.vmexit = 3250,
	.vmentry = 3250,
	.sdei_dispatch = 3250,
	.irq_complete = 71,
};

/* KVM x86 (VMX).  Dall et al., ISCA 2016: hypercall round trip 1 300
 * cycles, virtual IRQ completion 1 556 (the EOI traps).  Exit and entry: the
 * round trip split evenly (assumption); SplitX (Landau et al., WIOV 2011)
 * measured ~2 000 cycles for an exit alone on a 2009 Nehalem, more than the
 * later round trip, so it is not used.  No SDEI on x86: the entry cost. */
const struct trap_arch trap_arch_x86 = {
	.name = "x86",
	.hypercall = 1300,
	.vmexit = 650,
	.vmentry = 650,
	.sdei_dispatch = 650,
	.irq_complete = 1556,
};

const struct trap_arch *trap_arch_of(const struct apf_config *c)
{
	switch (c->host.arch) {
	case HOST_ARCH_ARM64:
		return &trap_arch_arm64_nvhe;
	case HOST_ARCH_X86:
		return &trap_arch_x86;
	default:
		return apf_switches_x86_driver(&c->sw) && strcmp(c->protocol, "sync") ? &trap_arch_x86
										   : &trap_arch_arm64_nvhe;
	}
}

static sim_time_t cyc(const struct apf_config *c, uint64_t cycles)
{
	uint64_t f = c->vm.freq_hz ? c->vm.freq_hz : 1;

	return (cycles * SIM_S + f / 2) / f;
}

static sim_time_t pick(const struct apf_config *c, sim_time_t set, uint64_t cycles)
{
	return set == CFG_TIME_AUTO ? cyc(c, cycles) : set;
}

void trap_costs_resolve(const struct apf_config *c, struct trap_costs *o)
{
	const struct trap_arch *a = trap_arch_of(c);
	const struct host_cfg *h = &c->host;

	o->arch = a;
	o->hypercall = pick(c, h->hypercall, a->hypercall);
	/* An automatic exit / entry is its share of the round trip in use, so
	 * setting host.hypercall alone keeps exit + entry <= hypercall. */
	o->vmexit = h->vmexit != CFG_TIME_AUTO ? h->vmexit : o->hypercall * a->vmexit / a->hypercall;
	o->vmentry = h->vmentry != CFG_TIME_AUTO ? h->vmentry : o->hypercall * a->vmentry / a->hypercall;
	o->sdei_dispatch = pick(c, h->sdei_dispatch, a->sdei_dispatch);
	o->irq_complete = pick(c, h->irq_complete, a->irq_complete);
}
