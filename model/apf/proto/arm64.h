/* proto_arm64.h — the arm64 host side of Gavin Shan's v4 series
 * (docs/reference.md §2.4–§2.7, §2.9), faithful including its holes.
 *
 * Per vCPU, struct arm64_apf_vcpu is the series' kvm_arch_async_pf_control
 * (control block, send_user_only, SDEI event, PPI, the u16 token id,
 * notpresent_pending/token, pageready_pending) plus the generic core and
 * the KVM_REQ_ASYNC_PF request bit.
 */
#ifndef APFSIM_MODEL_PROTO_ARM64_H
#define APFSIM_MODEL_PROTO_ARM64_H

#include <stdbool.h>
#include <stdint.h>

#include "model/apf/core.h"
#include "model/apf/token.h"
#include "model/kernel/histogram.h"
#include "model/trace/trace.h"

struct machine;

struct arm64_apf_vcpu {
	struct apf_vcpu core;
	uint64_t control_block;		/* as passed to ENABLE */
	bool send_user_only;
	uint64_t sdei_event_num;
	uint32_t irq;
	struct apf_token_arm64 tok;
	struct apf_token_x86 tok32;	/* token_bits: 32 */
	bool notpresent_pending;
	uint32_t notpresent_token;
	bool pageready_pending;
	bool req_async_pf;		/* KVM_REQ_ASYNC_PF */
	sim_time_t completed_at[APF_WORK_POOL];	/* by work pool index */
};

struct arm64_apf_stats {
	uint64_t faults;		/* stage-2 faults that needed I/O */
	uint64_t async;			/* async PFs set up */
	uint64_t sync[TR_SYNC__COUNT];	/* handled synchronously, by reason */
	uint64_t repeated;		/* repeated faults (re-entered unmapped) */
	uint64_t notpresent_injected;	/* SDEI injections accepted */
	uint64_t notpresent_inject_failed;
	uint64_t notpresent_delivered;	/* SDEI handler entered */
	uint64_t cancelled;		/* neither notification sent */
	uint64_t pageready;		/* page-ready written + PPI raised */
	uint64_t pageready_wakeall;	/* of which wake-all */
	uint64_t acks;			/* IRQ_ACK hypercalls */
	uint64_t acks_pending;		/* ... that found a page-ready outstanding */
	uint64_t enables, disables;
	uint64_t dequeue_refused;	/* can_dequeue said no (re-polled later) */
	struct histogram fault_to_resident;	/* setup -> worker completion */
	struct histogram completion_to_ready;	/* completion -> page-ready written */
};

struct arm64_apf {
	struct machine *m;
	struct arm64_apf_vcpu *v;
	struct arm64_apf_stats st;
};

/* VMM commands (KVM_ARM_ASYNC_PF_COMMAND, §2.2), for migration. */
enum arm64_apf_cmd {
	ARM64_APF_GET_VERSION = 0,
	ARM64_APF_GET_SDEI = 1,
	ARM64_APF_GET_IRQ = 2,
	ARM64_APF_GET_CONTROL = 3,
	ARM64_APF_SET_SDEI = 4,
	ARM64_APF_SET_IRQ = 5,
	ARM64_APF_SET_CONTROL = 6,
};
/* 0, -EIO (SET_CONTROL refused), -EPERM (no apf block), -EINVAL. */
int arm64_apf_vmm_command(struct arm64_apf *a, uint32_t vcpu, enum arm64_apf_cmd cmd, uint64_t *val);
/* The ENABLE logic of §2.6; returns the SMCCC status. */
int64_t arm64_apf_enable(struct arm64_apf *a, uint32_t vcpu, uint64_t control);

#endif
