/* proto_x86.h — state of the x86 protocol family (model/apf/proto/x86.c),
 * exposed for tests and statistics: per vCPU the MSR values, the token
 * allocator, pageready_pending and the KVM_REQ_APF_READY / APF_HALT
 * requests on top of the generic core (docs/reference.md §3.4, §3.5). */
#ifndef APFSIM_MODEL_PROTO_X86_H
#define APFSIM_MODEL_PROTO_X86_H

#include <stdbool.h>
#include <stdint.h>

#include "model/apf/core.h"
#include "model/apf/token.h"
#include "model/kernel/histogram.h"
#include "model/trace/trace.h"

struct machine;

struct x86_apf_vcpu {
	struct apf_vcpu core;
	uint64_t msr_en, msr_int;
	bool send_user_only;
	struct apf_token_x86 tok;
	struct apf_token_arm64 tok16;	/* token_bits: 16 */
	bool pageready_pending;
	bool req_apf_ready;		/* KVM_REQ_APF_READY */
	bool req_apf_halt;		/* KVM_REQ_APF_HALT from not_present */
	sim_time_t completed_at[APF_WORK_POOL];
};

struct x86_apf_stats {
	uint64_t faults, async, repeated, halts;
	uint64_t sync[TR_SYNC__COUNT];
	uint64_t notpresent_injected, notpresent_halted;
	uint64_t pageready, pageready_wakeall, pageready_skipped;
	uint64_t acks, acks_pending, dequeue_refused;
	uint64_t enables, disables, gp;
	struct histogram fault_to_resident, completion_to_ready;
};

struct x86_apf {
	struct machine *m;
	struct x86_apf_vcpu *v;
	struct x86_apf_stats st;
};

/* The MSR write hypercall (MSR_KVM_ASYNC_PF_EN/INT/ACK): 0, or -1 = #GP. */
int64_t x86_apf_msr_write(struct x86_apf *a, unsigned cpu, uint32_t msr, uint64_t val);

#endif
