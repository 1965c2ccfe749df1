/* smccc.c — dispatch of guest SMCCC calls (Arm DEN 0028 v1.1): the Arm
 * architecture service, KVM's vendor hypervisor service with the arm64
 * APF function (docs/reference.md §2.2), and the SDEI range (owner STANDARD,
 * functions 0x20-0x3F, DEN 0054).  Anything else is NOT_SUPPORTED.
 *
 * Register convention (as KVM's kvm_hvc_call_handler): W0 is the
 * function ID; results in x0..x3, with result registers a call does not
 * use set to 0.  SMC32 arguments are 32-bit (W registers), with the one
 * documented exception of ASYNC_PF ENABLE, where KVM composes
 * control = x3 << 32 | x2 from the full x2.
 */
#include <errno.h>
#include <stdlib.h>

#include "smccc/smccc.h"

struct smccc {
	unsigned nvcpus;
	struct sdei *sdei;
	const struct smccc_apf_ops *apf;
	void *apf_ctx;
	uint64_t stats[SMCCC_STAT_NR];
	uint64_t calls;		/* every dispatch, for cost accounting */
};

static const char *const smccc_stat_names[SMCCC_STAT_NR] = {
	[SMCCC_STAT_VERSION] = "smccc_version",
	[SMCCC_STAT_ARCH_FEATURES] = "smccc_arch_features",
	[SMCCC_STAT_HYP_UID] = "kvm_uid",
	[SMCCC_STAT_HYP_FEATURES] = "kvm_features",
	[SMCCC_STAT_APF_VERSION] = "apf_version",
	[SMCCC_STAT_APF_SLOTS] = "apf_slots",
	[SMCCC_STAT_APF_SDEI] = "apf_sdei",
	[SMCCC_STAT_APF_IRQ] = "apf_irq",
	[SMCCC_STAT_APF_ENABLE] = "apf_enable",
	[SMCCC_STAT_APF_IRQ_ACK] = "apf_irq_ack",
	[SMCCC_STAT_APF_UNKNOWN] = "apf_unknown",
	[SMCCC_STAT_SDEI_FIRST + 0x00] = "sdei_version",
	[SMCCC_STAT_SDEI_FIRST + 0x01] = "sdei_event_register",
	[SMCCC_STAT_SDEI_FIRST + 0x02] = "sdei_event_enable",
	[SMCCC_STAT_SDEI_FIRST + 0x03] = "sdei_event_disable",
	[SMCCC_STAT_SDEI_FIRST + 0x04] = "sdei_event_context",
	[SMCCC_STAT_SDEI_FIRST + 0x05] = "sdei_event_complete",
	[SMCCC_STAT_SDEI_FIRST + 0x06] = "sdei_event_complete_and_resume",
	[SMCCC_STAT_SDEI_FIRST + 0x07] = "sdei_event_unregister",
	[SMCCC_STAT_SDEI_FIRST + 0x08] = "sdei_event_status",
	[SMCCC_STAT_SDEI_FIRST + 0x09] = "sdei_event_get_info",
	[SMCCC_STAT_SDEI_FIRST + 0x0A] = "sdei_event_routing_set",
	[SMCCC_STAT_SDEI_FIRST + 0x0B] = "sdei_pe_mask",
	[SMCCC_STAT_SDEI_FIRST + 0x0C] = "sdei_pe_unmask",
	[SMCCC_STAT_SDEI_FIRST + 0x0D] = "sdei_interrupt_bind",
	[SMCCC_STAT_SDEI_FIRST + 0x0E] = "sdei_interrupt_release",
	[SMCCC_STAT_SDEI_FIRST + 0x0F] = "sdei_event_signal",
	[SMCCC_STAT_SDEI_FIRST + 0x10] = "sdei_features",
	[SMCCC_STAT_SDEI_FIRST + 0x11] = "sdei_private_reset",
	[SMCCC_STAT_SDEI_FIRST + 0x12] = "sdei_shared_reset",
	[SMCCC_STAT_UNKNOWN] = "unknown",
};

struct smccc *smccc_create(unsigned nvcpus, struct sdei *sdei,
			   const struct smccc_apf_ops *apf_ops, void *apf_ctx)
{
	struct smccc *sc;

	if (nvcpus == 0)
		return NULL;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return NULL;
	sc->nvcpus = nvcpus;
	sc->sdei = sdei;
	sc->apf = apf_ops;
	sc->apf_ctx = apf_ctx;
	return sc;
}

void smccc_destroy(struct smccc *sc)
{
	free(sc);
}

uint64_t smccc_calls_total(const struct smccc *sc)
{
	return sc->calls;
}

uint64_t smccc_stat_count(const struct smccc *sc, enum smccc_stat st)
{
	return (unsigned)st < SMCCC_STAT_NR ? sc->stats[st] : 0;
}

const char *smccc_stat_name(enum smccc_stat st)
{
	if ((unsigned)st >= SMCCC_STAT_NR || !smccc_stat_names[st])
		return "sdei_reserved";
	return smccc_stat_names[st];
}

static void set_ret4(struct sdei_regs *r, int64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	r->x[0] = (uint64_t)a0;
	r->x[1] = a1;
	r->x[2] = a2;
	r->x[3] = a3;
}

static bool apf_present(const struct smccc *sc, unsigned vcpu)
{
	return sc->apf && sc->apf->present && sc->apf->present(sc->apf_ctx, vcpu);
}

/* ARM_SMCCC_VENDOR_HYP_KVM_ASYNC_PF_FUNC_ID: sub-function in x1. */
static void smccc_async_pf(struct smccc *sc, unsigned vcpu, struct sdei_regs *r)
{
	const struct smccc_apf_ops *ops = sc->apf;
	uint32_t sub = (uint32_t)r->x[1];
	int64_t (*query)(void *, unsigned, uint64_t *) = NULL;
	int64_t a0 = SMCCC_RET_NOT_SUPPORTED;
	uint64_t a1 = 0;

	sc->stats[sub <= SMCCC_KVM_ASYNC_PF_IRQ_ACK ? SMCCC_STAT_APF_VERSION + sub
						    : SMCCC_STAT_APF_UNKNOWN]++;
	if (!apf_present(sc, vcpu))
		goto out;
	switch (sub) {
	case SMCCC_KVM_ASYNC_PF_VERSION:
		query = ops->version;
		break;
	case SMCCC_KVM_ASYNC_PF_SLOTS:
		query = ops->slots;
		break;
	case SMCCC_KVM_ASYNC_PF_SDEI:
		query = ops->sdei;
		break;
	case SMCCC_KVM_ASYNC_PF_IRQ:
		query = ops->irq;
		break;
	case SMCCC_KVM_ASYNC_PF_ENABLE:
		/* KVM ORs x3 << 32 with the whole of x2 (docs/reference.md §2.2). */
		if (ops->enable)
			a0 = ops->enable(sc->apf_ctx, vcpu, (r->x[3] << 32) | r->x[2]);
		goto out;
	case SMCCC_KVM_ASYNC_PF_IRQ_ACK:
		if (ops->irq_ack)
			a0 = ops->irq_ack(sc->apf_ctx, vcpu);
		goto out;
	default:
		goto out;
	}
	if (query)
		a0 = query(sc->apf_ctx, vcpu, &a1);
out:
	set_ret4(r, a0, a1, 0, 0);
}

int smccc_dispatch(struct smccc *sc, unsigned vcpu, struct sdei_regs *r)
{
	uint32_t id;

	if (vcpu >= sc->nvcpus || !r)
		return -EINVAL;
	sc->calls++;
	id = (uint32_t)r->x[0];

	if (SDEI_IS_FN(id)) {
		sc->stats[SMCCC_STAT_SDEI_FIRST + (id & 0x1F)]++;
		if (sc->sdei)
			return (int)sdei_call(sc->sdei, vcpu, id, r);
		set_ret4(r, SMCCC_RET_NOT_SUPPORTED, 0, 0, 0);
		return SDEI_CALL_RETURN;
	}

	switch (id) {
	case SMCCC_VERSION_FUNC_ID:
		sc->stats[SMCCC_STAT_VERSION]++;
		set_ret4(r, SMCCC_VERSION_1_1, 0, 0, 0);
		break;
	case SMCCC_ARCH_FEATURES_FUNC_ID:
		/* Only the two calls of this service are implemented. */
		sc->stats[SMCCC_STAT_ARCH_FEATURES]++;
		switch ((uint32_t)r->x[1]) {
		case SMCCC_VERSION_FUNC_ID:
		case SMCCC_ARCH_FEATURES_FUNC_ID:
			set_ret4(r, SMCCC_RET_SUCCESS, 0, 0, 0);
			break;
		default:
			set_ret4(r, SMCCC_RET_NOT_SUPPORTED, 0, 0, 0);
			break;
		}
		break;
	case SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID:
		sc->stats[SMCCC_STAT_HYP_UID]++;
		set_ret4(r, SMCCC_KVM_UID_0, SMCCC_KVM_UID_1, SMCCC_KVM_UID_2, SMCCC_KVM_UID_3);
		break;
	case SMCCC_VENDOR_HYP_KVM_FEATURES_FUNC_ID:
		sc->stats[SMCCC_STAT_HYP_FEATURES]++;
		set_ret4(r, SMCCC_KVM_FEATURE_FEATURES |
			    (apf_present(sc, vcpu) ? SMCCC_KVM_FEATURE_ASYNC_PF : 0),
			 0, 0, 0);
		break;
	case SMCCC_VENDOR_HYP_KVM_ASYNC_PF_FUNC_ID:
		smccc_async_pf(sc, vcpu, r);
		break;
	default:
		sc->stats[SMCCC_STAT_UNKNOWN]++;
		set_ret4(r, SMCCC_RET_NOT_SUPPORTED, 0, 0, 0);
		break;
	}
	return SDEI_CALL_RETURN;
}
