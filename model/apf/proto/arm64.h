/* proto_arm64.h — the arm64 transport of Gavin Shan's v4 series
 * (docs/reference.md §2.4–§2.7, §2.9), faithful including its holes, on
 * the shared host driver (model/apf/proto/host.h).
 *
 * Per vCPU, struct arm64_apf_vcpu is what the series' struct
 * kvm_arch_async_pf_control holds beyond the shared state: the control
 * block, the SDEI event, the PPI and the pending not-present.
 */
#ifndef APFSIM_MODEL_PROTO_ARM64_H
#define APFSIM_MODEL_PROTO_ARM64_H

#include <stdbool.h>
#include <stdint.h>

#include "model/apf/proto/host.h"

struct arm64_apf_vcpu {
	uint64_t control_block;		/* as passed to ENABLE */
	uint64_t sdei_event_num;
	uint32_t irq;
	bool notpresent_pending;
	uint32_t notpresent_token;
};

/* The family's per-vCPU state (apf_host.tp_state). */
static inline struct arm64_apf_vcpu *arm64_apf_vcpu(struct apf_host *h, uint32_t i)
{
	return &((struct arm64_apf_vcpu *)h->tp_state)[i];
}

extern const struct apf_transport arm64_transport;

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
int arm64_apf_vmm_command(struct apf_host *h, uint32_t vcpu, enum arm64_apf_cmd cmd, uint64_t *val);
/* The ENABLE logic of §2.6; returns the SMCCC status. */
int64_t arm64_apf_enable(struct apf_host *h, uint32_t vcpu, uint64_t control);

#endif
