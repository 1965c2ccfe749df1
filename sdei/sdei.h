/* sdei.h — the SDEI dispatcher as KVM virtualises it for a guest
 * (Arm DEN 0054 "Software Delegated Exception Interface" v1.1; KVM
 * SDEI-virt v4 semantics per docs/reference.md §2.2, §2.7(e)/(i), §4.3).
 *
 * All events are private (per vCPU).  Built in: event 0 (the standard
 * software-signalled event), KVM_SDEI_DEFAULT_NUM and
 * KVM_SDEI_ASYNC_PF_NUM; the host may add KVM-virtual numbers.
 * Each vCPU has at most two running handlers: a normal event preempted by
 * a critical one.  PEs start SDEI-masked (the guest calls PE_UNMASK).
 *
 * The guest reaches the model through sdei_call() with a register context
 * that the CPU glue copies from and back to the real CPU; the host injects
 * with sdei_inject() and performs the dispatch with sdei_deliver() on the
 * next guest entry (KVM_REQ_SDEI).
 */
#ifndef APFSIM_SDEI_SDEI_H
#define APFSIM_SDEI_SDEI_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- function IDs (DEN 0054 §5; SMCCC owner 4 "standard service") ---- */
#define SDEI_FN_BASE_SMC64	0xC4000020u
#define SDEI_FN_BASE_SMC32	0x84000020u
#define SDEI_FN_COUNT		0x20u		/* 0x20..0x3F reserved for SDEI */
#define SDEI_FN(n)		(SDEI_FN_BASE_SMC64 + (n))

#define SDEI_VERSION			SDEI_FN(0x00)
#define SDEI_EVENT_REGISTER		SDEI_FN(0x01)
#define SDEI_EVENT_ENABLE		SDEI_FN(0x02)
#define SDEI_EVENT_DISABLE		SDEI_FN(0x03)
#define SDEI_EVENT_CONTEXT		SDEI_FN(0x04)
#define SDEI_EVENT_COMPLETE		SDEI_FN(0x05)
#define SDEI_EVENT_COMPLETE_AND_RESUME	SDEI_FN(0x06)
#define SDEI_EVENT_UNREGISTER		SDEI_FN(0x07)
#define SDEI_EVENT_STATUS		SDEI_FN(0x08)
#define SDEI_EVENT_GET_INFO		SDEI_FN(0x09)
#define SDEI_EVENT_ROUTING_SET		SDEI_FN(0x0A)
#define SDEI_PE_MASK			SDEI_FN(0x0B)
#define SDEI_PE_UNMASK			SDEI_FN(0x0C)
#define SDEI_INTERRUPT_BIND		SDEI_FN(0x0D)
#define SDEI_INTERRUPT_RELEASE		SDEI_FN(0x0E)
#define SDEI_EVENT_SIGNAL		SDEI_FN(0x0F)
#define SDEI_FEATURES			SDEI_FN(0x10)
#define SDEI_PRIVATE_RESET		SDEI_FN(0x11)
#define SDEI_SHARED_RESET		SDEI_FN(0x12)

/* True for both the SMC32 (0x84000020+n) and SMC64 (0xC4000020+n) forms. */
#define SDEI_IS_FN(id)							\
	((((uint32_t)(id) & ~0x4000001Fu) == SDEI_FN_BASE_SMC32))

/* ---- return codes (DEN 0054 §5.1), 64-bit two's complement in x0 ---- */
#define SDEI_SUCCESS		0
#define SDEI_NOT_SUPPORTED	(-1)
#define SDEI_INVALID_PARAMETERS	(-2)
#define SDEI_DENIED		(-3)
#define SDEI_PENDING		(-5)
#define SDEI_OUT_OF_RESOURCE	(-10)

/* SDEI_VERSION: major [62:48], minor [47:32], vendor [31:0] -> 1.1, 0 */
#define SDEI_VERSION_VALUE	((1ull << 48) | (1ull << 32))

/* ---- events ---------------------------------------------------------- */
#define SDEI_EVENT_0		0ull		/* software-signalled, DEN 0054 §4.3 */
#define KVM_SDEI_DEFAULT_NUM	0x40400000ull	/* software event, normal */
#define KVM_SDEI_ASYNC_PF_NUM	0x40400001ull	/* APF not-present, critical */

#define SDEI_EVENT_TYPE_PRIVATE		0
#define SDEI_EVENT_TYPE_SHARED		1
#define SDEI_EVENT_PRIORITY_NORMAL	0
#define SDEI_EVENT_PRIORITY_CRITICAL	1

/* EVENT_GET_INFO info parameter */
#define SDEI_EVENT_INFO_EV_TYPE		0
#define SDEI_EVENT_INFO_EV_SIGNALED	1
#define SDEI_EVENT_INFO_EV_PRIORITY	2
#define SDEI_EVENT_INFO_EV_ROUTING_MODE	3
#define SDEI_EVENT_INFO_EV_ROUTING_AFF	4
/* EVENT_STATUS result bits */
#define SDEI_EVENT_STATUS_REGISTERED	(1u << 0)
#define SDEI_EVENT_STATUS_ENABLED	(1u << 1)
#define SDEI_EVENT_STATUS_RUNNING	(1u << 2)
/* EVENT_REGISTER flags: bit 0 routing mode (ignored for private events) */
#define SDEI_EVENT_REGISTER_RM_ANY	0
#define SDEI_EVENT_REGISTER_RM_PE	1
/* FEATURES feature parameter */
#define SDEI_FEATURE_BIND_SLOTS		0
#define SDEI_FEATURE_RELATIVE_MODE	1

/* Handler entry PSTATE: AArch64 EL1h (M = 0b0101) with D, A, I, F set. */
#define SDEI_PSTATE_EL1H	0x5ull
#define SDEI_PSTATE_DAIF	0x3C0ull
#define SDEI_HANDLER_PSTATE	(SDEI_PSTATE_EL1H | SDEI_PSTATE_DAIF)

#define SDEI_MAX_EVENTS		8	/* event table size */
#define SDEI_MAX_DEPTH		2	/* normal preempted by critical */
#define SDEI_NR_CTX_REGS	18	/* x0..x17 saved / EVENT_CONTEXT */

/* ---- register context shared with the CPU glue (and smccc/) --------- */
struct sdei_regs {
	uint64_t x[SDEI_NR_CTX_REGS];
	uint64_t pc;
	uint64_t pstate;
	uint64_t spsr_el1;
	uint64_t elr_el1;
};

/* sdei_call() / smccc_dispatch() results */
enum sdei_call_result {
	SDEI_CALL_RETURN = 0,		/* ordinary return: results in x0.. */
	SDEI_CALL_CONTEXT_SWITCHED = 1,	/* *r now holds another context */
};

enum sdei_notify_state {
	SDEI_NOTIFY_DELIVERED,		/* handler entered (after sdei_deliver) */
	SDEI_NOTIFY_COMPLETED,		/* EVENT_COMPLETE(_AND_RESUME) */
};

typedef void (*sdei_notifier_fn)(void *ctx, unsigned vcpu, uint64_t event,
				 enum sdei_notify_state state);
/* Raised where KVM raises KVM_REQ_SDEI: something may be deliverable. */
typedef void (*sdei_request_fn)(void *ctx, unsigned vcpu);

struct sdei_event_info {
	uint64_t num;
	uint8_t type;		/* SDEI_EVENT_TYPE_PRIVATE */
	uint8_t priority;	/* SDEI_EVENT_PRIORITY_* */
	bool signalable;
};

/* ---- per-vCPU state (plain struct: snapshot = copy) ------------------ */
struct sdei_event_state {
	uint64_t entry, arg, flags, affinity;
	bool registered;
	bool enabled;
	bool unregister_pending;  /* UNREGISTER while running: done at COMPLETE */
	uint32_t count;		/* instances queued or running (KVM refcount) */
	uint64_t seq;		/* FIFO order among queued events */
};

struct sdei_context {
	uint64_t event;
	uint64_t x[SDEI_NR_CTX_REGS];
	uint64_t pc;
	uint64_t pstate;
};

struct sdei_vcpu_state {
	bool masked;
	unsigned depth;				/* running handlers */
	struct sdei_context ctx[SDEI_MAX_DEPTH];	/* [depth-1] innermost */
	struct sdei_event_state ev[SDEI_MAX_EVENTS];	/* by table index */
	uint64_t next_seq;
};

struct sdei;

/* Returns NULL for nvcpus == 0 or out of memory. */
struct sdei *sdei_create(unsigned nvcpus);
void sdei_destroy(struct sdei *s);

/* Add a private event.  num must be a KVM-virtual number: fits in 32 bits
 * and bits [23:22] == 1.  Returns 0 (also when the same event with the
 * same attributes exists), -EINVAL (bad number/priority), -EEXIST (exists
 * with other attributes), -ENOSPC (table full). */
int sdei_add_event(struct sdei *s, uint64_t num, unsigned priority, bool signalable);
/* NULL if unknown. */
const struct sdei_event_info *sdei_event_lookup(const struct sdei *s, uint64_t num);
/* 0 or -EINVAL (unknown event).  fn == NULL removes. */
int sdei_set_notifier(struct sdei *s, uint64_t event, sdei_notifier_fn fn, void *ctx);
void sdei_set_request_hook(struct sdei *s, sdei_request_fn fn, void *ctx);
/* Whether sdei_deliver() also writes ELR_EL1 = interrupted PC (default
 * true).  KVM v4 writes only SPSR_EL1 (docs/reference.md §2.7(e)); pass false
 * for that. */
void sdei_set_deliver_writes_elr(struct sdei *s, bool on);

/* Guest call.  func_id is W0; arguments from r->x[1..5] (low 32 bits only
 * for the SMC32 form); the status/result goes to r->x[0] (other registers
 * are left alone) — except COMPLETE / COMPLETE_AND_RESUME, which replace
 * *r with the interrupted (or resumed) context and return
 * SDEI_CALL_CONTEXT_SWITCHED.  Returns -EINVAL for a bad vcpu. */
int64_t sdei_call(struct sdei *s, unsigned vcpu, uint32_t func_id, struct sdei_regs *r);

/* Host side, KVM's kvm_sdei_inject(): 0 = queued (request raised),
 * -EINVAL bad vcpu/event, -EPERM not registered+enabled or vCPU masked,
 * -ENOSPC with immediate: for a critical event a critical one is already
 * queued, for a normal event any event is queued ("queued" counts running
 * instances too, as in KVM).  A second injection of a queued event bumps
 * its count. */
int sdei_inject(struct sdei *s, unsigned vcpu, uint64_t event, bool immediate);
/* KVM's kvm_sdei_cancel(): drop one queued instance.  0, -EINVAL,
 * -ENOENT (none queued), -EBUSY (the only instance is running). */
int sdei_cancel(struct sdei *s, unsigned vcpu, uint64_t event);
/* Migration as the SDEI-virt series does it (docs/reference.md §2.9,
 * §4.9): instances queued and not yet delivered are not migrated, a
 * running context (and the registrations) is.  Drops every such instance
 * of every event on vcpu; fn(ctx, event) is called once per instance
 * dropped (may be NULL).  Returns how many. */
unsigned sdei_drop_queued(struct sdei *s, unsigned vcpu, void (*fn)(void *ctx, uint64_t event), void *ctx);
/* Which event sdei_deliver() would dispatch now: none while masked or
 * while a critical handler runs; a running normal handler admits only
 * critical events; critical before normal, then FIFO. */
bool sdei_deliverable(const struct sdei *s, unsigned vcpu, uint64_t *event);
/* Dispatch on the live context *r: save x0-x17, PC, PSTATE; x0 = event,
 * x1 = arg, x2 = PC, x3 = PSTATE; SPSR_EL1 = PSTATE (and ELR_EL1 = PC
 * unless disabled); PSTATE = SDEI_HANDLER_PSTATE; PC = entry; then the
 * DELIVERED notifier.  0, -EINVAL, -ENOENT (nothing deliverable). */
int sdei_deliver(struct sdei *s, unsigned vcpu, struct sdei_regs *r);

/* Queries (false / 0 on bad arguments). */
bool sdei_event_running(const struct sdei *s, unsigned vcpu, uint64_t *event); /* innermost */
bool sdei_any_running(const struct sdei *s, unsigned vcpu);
unsigned sdei_pending_count(const struct sdei *s, unsigned vcpu, uint64_t event); /* queued, not running */
bool sdei_masked(const struct sdei *s, unsigned vcpu);

/* Snapshot / restore (migration).  0 or -EINVAL. */
int sdei_save_vcpu(const struct sdei *s, unsigned vcpu, struct sdei_vcpu_state *out);
int sdei_restore_vcpu(struct sdei *s, unsigned vcpu, const struct sdei_vcpu_state *in);

#ifdef __cplusplus
}
#endif

#endif
