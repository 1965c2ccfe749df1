/* proto_x86.h — the x86 family's transports (model/apf/proto/x86.c) on the
 * shared host driver: per vCPU the MSR values, the KVM_REQ_APF_HALT
 * request and the exception waiting for injection (docs/reference.md
 * §3.4, §3.5), exposed for tests. */
#ifndef APFSIM_MODEL_PROTO_X86_H
#define APFSIM_MODEL_PROTO_X86_H

#include <stdbool.h>
#include <stdint.h>

#include "model/apf/proto/host.h"

struct x86_apf_vcpu {
	uint64_t msr_en, msr_int;
	bool req_apf_halt;		/* KVM_REQ_APF_HALT from not_present */
	/* The async #PF (or legacy page-ready #PF) to inject at the next
	 * entry that can take it: ESR and FAR of the synchronous exception. */
	bool exc_pending;
	uint64_t exc_esr, exc_far;
};

static inline struct x86_apf_vcpu *x86_apf_vcpu(struct apf_host *h, uint32_t i)
{
	return &((struct x86_apf_vcpu *)h->tp_state)[i];
}

extern const struct apf_transport x86_transport;

/* The MSR write hypercall (MSR_KVM_ASYNC_PF_EN/INT/ACK): 0, or -1 = #GP. */
int64_t x86_apf_msr_write(struct apf_host *h, unsigned cpu, uint32_t msr, uint64_t val);

#endif
