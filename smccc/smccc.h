/* smccc.h — SMC Calling Convention function-ID decoding and the dispatch
 * of guest HVC/SMC calls (Arm DEN 0028 "SMC Calling Convention" v1.1,
 * §2.5 function identifiers, §6 Arm architecture calls; KVM vendor
 * hypervisor service and the arm64 APF function per docs/reference.md §2.2).
 *
 * Served: SMCCC_VERSION, SMCCC_ARCH_FEATURES; the KVM vendor-hypervisor
 * UID, FEATURES and ASYNC_PF (sub-functions forwarded to an ops table);
 * the SDEI range (forwarded to sdei_call()).  Everything else returns
 * SMCCC_RET_NOT_SUPPORTED.
 */
#ifndef APFSIM_SMCCC_SMCCC_H
#define APFSIM_SMCCC_SMCCC_H

#include <stdbool.h>
#include <stdint.h>

#include "sdei/sdei.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- function identifier (DEN 0028 §2.5) ----------------------------- */
#define SMCCC_TYPE_SHIFT	31	/* 1 = fast call, 0 = yielding */
#define SMCCC_CONV_SHIFT	30	/* 1 = SMC64, 0 = SMC32 */
#define SMCCC_OWNER_SHIFT	24
#define SMCCC_OWNER_MASK	0x3Fu
#define SMCCC_FUNC_MASK		0xFFFFu

#define SMCCC_YIELDING_CALL	0
#define SMCCC_FAST_CALL		1
#define SMCCC_SMC_32		0
#define SMCCC_SMC_64		1

#define SMCCC_CALL_VAL(type, conv, owner, func)				\
	((uint32_t)(((uint32_t)(type) << SMCCC_TYPE_SHIFT) |		\
		    ((uint32_t)(conv) << SMCCC_CONV_SHIFT) |		\
		    (((uint32_t)(owner) & SMCCC_OWNER_MASK) << SMCCC_OWNER_SHIFT) | \
		    ((uint32_t)(func) & SMCCC_FUNC_MASK)))

#define SMCCC_IS_FAST_CALL(id)	((((uint32_t)(id)) >> SMCCC_TYPE_SHIFT) & 1u)
#define SMCCC_IS_SMC64(id)	((((uint32_t)(id)) >> SMCCC_CONV_SHIFT) & 1u)
#define SMCCC_OWNER(id)		((((uint32_t)(id)) >> SMCCC_OWNER_SHIFT) & SMCCC_OWNER_MASK)
#define SMCCC_FUNC_NUM(id)	(((uint32_t)(id)) & SMCCC_FUNC_MASK)

/* Owning entity numbers (DEN 0028 §2.5, table 2-4) */
#define SMCCC_OWNER_ARCH		0
#define SMCCC_OWNER_CPU			1
#define SMCCC_OWNER_SIP			2
#define SMCCC_OWNER_OEM			3
#define SMCCC_OWNER_STANDARD		4
#define SMCCC_OWNER_STANDARD_HYP	5
#define SMCCC_OWNER_VENDOR_HYP		6
#define SMCCC_OWNER_TRUSTED_APP		48
#define SMCCC_OWNER_TRUSTED_APP_END	49
#define SMCCC_OWNER_TRUSTED_OS		50
#define SMCCC_OWNER_TRUSTED_OS_END	63

/* ---- return codes (DEN 0028 §6; 64-bit two's complement in x0) ------- */
#define SMCCC_RET_SUCCESS		0
#define SMCCC_RET_NOT_SUPPORTED		(-1)
#define SMCCC_RET_NOT_REQUIRED		(-2)
#define SMCCC_RET_INVALID_PARAMETER	(-3)

/* ---- Arm architecture calls (DEN 0028 §7) ---------------------------- */
#define SMCCC_VERSION_FUNC_ID		0x80000000u
#define SMCCC_ARCH_FEATURES_FUNC_ID	0x80000001u
#define SMCCC_VERSION_1_1		0x10001	/* major [30:16], minor [15:0] */

/* ---- KVM vendor hypervisor service (docs/reference.md §2.2) ---------------- */
#define SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID	0x8600FF01u
#define SMCCC_KVM_FUNC_FEATURES			0
#define SMCCC_KVM_FUNC_PTP			1
#define SMCCC_KVM_FUNC_ASYNC_PF			2	/* v3/v4 (1 in v2) */
#define SMCCC_VENDOR_HYP_KVM_FEATURES_FUNC_ID				\
	SMCCC_CALL_VAL(SMCCC_FAST_CALL, SMCCC_SMC_32, SMCCC_OWNER_VENDOR_HYP, \
		       SMCCC_KVM_FUNC_FEATURES)			/* 0x86000000 */
#define SMCCC_VENDOR_HYP_KVM_ASYNC_PF_FUNC_ID				\
	SMCCC_CALL_VAL(SMCCC_FAST_CALL, SMCCC_SMC_32, SMCCC_OWNER_VENDOR_HYP, \
		       SMCCC_KVM_FUNC_ASYNC_PF)			/* 0x86000002 */

/* KVM's UID, returned in x0..x3 by the UID call */
#define SMCCC_KVM_UID_0		0xb66fb428u
#define SMCCC_KVM_UID_1		0xe911c52eu
#define SMCCC_KVM_UID_2		0x564bcaa9u
#define SMCCC_KVM_UID_3		0x743a004du

/* FEATURES bitmap bits (x0 of 0x86000000) */
#define SMCCC_KVM_FEATURE_FEATURES	(1u << SMCCC_KVM_FUNC_FEATURES)
#define SMCCC_KVM_FEATURE_PTP		(1u << SMCCC_KVM_FUNC_PTP)
#define SMCCC_KVM_FEATURE_ASYNC_PF	(1u << SMCCC_KVM_FUNC_ASYNC_PF)

/* ASYNC_PF sub-functions, in x1 */
#define SMCCC_KVM_ASYNC_PF_VERSION	0
#define SMCCC_KVM_ASYNC_PF_SLOTS	1
#define SMCCC_KVM_ASYNC_PF_SDEI		2
#define SMCCC_KVM_ASYNC_PF_IRQ		3
#define SMCCC_KVM_ASYNC_PF_ENABLE	4
#define SMCCC_KVM_ASYNC_PF_IRQ_ACK	5

/* The APF host side, implemented by the protocol module.  Every op
 * returns a0, the SMCCC status (SMCCC_RET_*); the query ops also store a1
 * (preset to 0).  A NULL op, a NULL table or present() == false make the
 * call return SMCCC_RET_NOT_SUPPORTED without calling anything.
 *   present  — the vCPU has an APF block (also gates FEATURES bit 2)
 *   version  — a1 = 0x010000 (v1.0.0)
 *   slots    — a1 = ASYNC_PF_PER_VCPU
 *   sdei     — a1 = configured SDEI event number
 *   irq      — a1 = configured PPI INTID
 *   enable   — control = x3 << 32 | x2 (x2 NOT masked to 32 bits, as KVM);
 *              returns SUCCESS / NOT_REQUIRED / INVALID_PARAMETER / ...
 *   irq_ack  — returns SUCCESS
 */
struct smccc_apf_ops {
	bool (*present)(void *ctx, unsigned vcpu);
	int64_t (*version)(void *ctx, unsigned vcpu, uint64_t *a1);
	int64_t (*slots)(void *ctx, unsigned vcpu, uint64_t *a1);
	int64_t (*sdei)(void *ctx, unsigned vcpu, uint64_t *a1);
	int64_t (*irq)(void *ctx, unsigned vcpu, uint64_t *a1);
	int64_t (*enable)(void *ctx, unsigned vcpu, uint64_t control);
	int64_t (*irq_ack)(void *ctx, unsigned vcpu);
};

/* ---- statistics ------------------------------------------------------ */
enum smccc_stat {
	SMCCC_STAT_VERSION,
	SMCCC_STAT_ARCH_FEATURES,
	SMCCC_STAT_HYP_UID,
	SMCCC_STAT_HYP_FEATURES,
	SMCCC_STAT_APF_VERSION,		/* = SMCCC_STAT_APF_VERSION + sub-function */
	SMCCC_STAT_APF_SLOTS,
	SMCCC_STAT_APF_SDEI,
	SMCCC_STAT_APF_IRQ,
	SMCCC_STAT_APF_ENABLE,
	SMCCC_STAT_APF_IRQ_ACK,
	SMCCC_STAT_APF_UNKNOWN,		/* unknown sub-function */
	SMCCC_STAT_SDEI_FIRST,		/* + n for SDEI function 0x20 + n */
	SMCCC_STAT_SDEI_LAST = SMCCC_STAT_SDEI_FIRST + 0x1F,
	SMCCC_STAT_UNKNOWN,		/* answered NOT_SUPPORTED */
	SMCCC_STAT_NR
};

struct smccc;

/* sdei may be NULL (then the SDEI range is NOT_SUPPORTED); apf_ops may be
 * NULL (then ASYNC_PF is NOT_SUPPORTED and FEATURES bit 2 clear).  The
 * tables are borrowed, not copied.  NULL on nvcpus == 0 / no memory. */
struct smccc *smccc_create(unsigned nvcpus, struct sdei *sdei,
			   const struct smccc_apf_ops *apf_ops, void *apf_ctx);
void smccc_destroy(struct smccc *sc);

/* Serve the call in r->x[0] (W0 = function ID) for vcpu.  Non-SDEI calls
 * write x0..x3 (unused result registers = 0, as KVM's smccc_set_retval);
 * SDEI calls behave as sdei_call().  Returns SDEI_CALL_RETURN,
 * SDEI_CALL_CONTEXT_SWITCHED (EVENT_COMPLETE*: *r is a new context), or
 * -EINVAL for a bad vcpu / NULL r. */
int smccc_dispatch(struct smccc *sc, unsigned vcpu, struct sdei_regs *r);

uint64_t smccc_stat_count(const struct smccc *sc, enum smccc_stat st);
/* Calls dispatched so far (every function, valid vCPU). */
uint64_t smccc_calls_total(const struct smccc *sc);
const char *smccc_stat_name(enum smccc_stat st);

#ifdef __cplusplus
}
#endif

#endif
