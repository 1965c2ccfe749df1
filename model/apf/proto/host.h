/* host.h — the one host driver of both protocol families, on top of the
 * generic core (model/apf/core.c, docs/reference.md §1).
 *
 * What every family shares is written here once: the per-vCPU core, the
 * token allocator, the page-ready-pending flag and the request bit
 * (arm64 KVM_REQ_ASYNC_PF, x86 KVM_REQ_APF_READY), the fault path of
 * kvm_arch_setup_async_pf's callers, the worker completion, flush,
 * lifecycle and one table-driven statistics struct with one JSON and one
 * summary writer.  What differs is a transport (struct apf_transport):
 * how not-present is delivered (SDEI event or injected exception), how
 * page-ready is (PPI or vector, or exception), how the guest ACKs
 * (hypercall or MSR) and how the guest enables APF.  A family is one
 * transport file (model/apf/proto/arm64.c, x86.c) plus its descriptor
 * (model/apf/family.c).
 */
#ifndef APFSIM_MODEL_APF_PROTO_HOST_H
#define APFSIM_MODEL_APF_PROTO_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "model/apf/core.h"
#include "model/apf/token.h"
#include "model/config/inject.h"
#include "model/kernel/histogram.h"
#include "model/trace/trace.h"

struct protocol_env;
struct task;
struct sdei;
struct gic;
struct apf_config;
struct apf_host;

/* Which family reports a statistic (struct apf_stat_desc.families). */
#define APF_STATS_ARM64 (1u << 0)
#define APF_STATS_X86 (1u << 1)

/* Per vCPU, the state every family keeps. */
struct apf_host_vcpu {
	struct apf_vcpu core;
	struct apf_token tok;		/* token_bits wide (switch), zero skip per switch */
	bool send_user_only;		/* !SEND_ALWAYS at enable */
	bool pageready_pending;
	bool req_ready;			/* KVM_REQ_ASYNC_PF / KVM_REQ_APF_READY */
	sim_time_t completed_at[APF_WORK_POOL];	/* by work pool index */
};

/* Both families' counters; which of them a family reports is the table
 * apf_stat_descs (host.c). */
struct apf_host_stats {
	uint64_t faults;		/* stage-2 faults that needed I/O */
	uint64_t async;			/* async PFs set up */
	uint64_t sync[TR_SYNC__COUNT];	/* handled synchronously, by reason */
	uint64_t repeated;		/* repeated faults (re-entered unmapped) */
	uint64_t halts;			/* synthetic halts taken on the fault path */
	uint64_t notpresent_injected;	/* not-present sent (SDEI accepted / #PF queued) */
	uint64_t notpresent_inject_failed; /* SDEI injection refused */
	uint64_t notpresent_halted;	/* not deliverable: the vCPU halts instead */
	uint64_t notpresent_delivered;	/* SDEI handler entered */
	uint64_t cancelled;		/* neither notification sent */
	uint64_t pageready;		/* page-ready written + notified */
	uint64_t pageready_wakeall;	/* of which wake-all */
	uint64_t pageready_skipped;	/* halt-path faults: no page-ready */
	uint64_t acks;			/* IRQ_ACK hypercalls / ACK MSR writes */
	uint64_t acks_pending;		/* ... that found a page-ready outstanding */
	uint64_t dequeue_refused;	/* can_dequeue said no */
	uint64_t enables, disables;
	uint64_t gp;			/* MSR accesses that raised #GP */
	struct histogram fault_to_resident;	/* setup -> worker completion */
	struct histogram completion_to_ready;	/* completion -> page-ready written */
};

/* One counter of struct apf_host_stats: its JSON key, in the order the
 * JSON object lists them, and the families that report it. */
struct apf_stat_desc {
	const char *key;
	size_t offset;
	unsigned families;	/* APF_STATS_* */
};
extern const struct apf_stat_desc apf_stat_descs[];	/* key == NULL ends */

/* The summary: lines of text with {placeholders} (see host.c), or one
 * percentile line (label, histogram name) when `hist` is set. */
struct apf_summary_line {
	const char *text;
	const char *hist;
};

/* A family's transports.  Every hook gets the host and the vCPU index. */
struct apf_transport {
	const char *name;		/* the core's arch name and `apf (NAME)` */
	unsigned stats;			/* APF_STATS_* this family reports */
	const struct apf_summary_line *summary;	/* NULL-text terminated */
	bool summary_preset;		/* `apf (PRESET)`: the scenario's preset name */
	bool kick_traces_task;		/* TR_KICK names the vCPU's current task */
	bool halt_wakes;		/* completions end a synthetic halt (x86) */
	bool entry_recheck;		/* recheck_every_entry honoured */
	/* Per-family state: allocate and free it (h->tp_state). */
	int (*init)(struct apf_host *h);
	void (*fini)(struct apf_host *h);
	/* The fault path: before the TRY_ASYNC trace (x86: an exception
	 * already waiting), after it (arm64: not_present_allowed); true =
	 * handle synchronously for reason *why.  Either may be NULL. */
	bool (*sync_before)(struct apf_host *h, uint32_t i, const struct task *t, enum trace_sync_reason *why);
	bool (*sync_after)(struct apf_host *h, uint32_t i, const struct task *t, enum trace_sync_reason *why);
	/* After a successful setup: halt instead of resuming (x86 APF_HALT). */
	bool (*halt_after_setup)(struct apf_host *h, uint32_t i);
	/* Not-present transport: kvm_arch_async_page_not_present. */
	bool (*not_present)(struct apf_host *h, uint32_t i, struct apf_work *w);
	/* kvm_arch_can_dequeue_async_page_present. */
	bool (*can_dequeue)(struct apf_host *h, uint32_t i);
	/* Page-ready transport: kvm_arch_async_page_present after the common
	 * part (latency, slot removal); `token` is the page-ready token. */
	void (*page_present)(struct apf_host *h, uint32_t i, struct apf_work *w, uint32_t token);
	/* Live migration of the family's per-vCPU state (the host has
	 * flushed the core and reset the slot table and the common flags). */
	void (*migrate)(struct apf_host *h, uint32_t i);
};

struct apf_host {
	struct protocol_env *pe;	/* the machine as the protocol sees it */
	const struct apf_config *cfg;
	const struct apf_transport *tp;
	struct apf_arch_ops ops;	/* the core's hooks, named after the transport */
	struct apf_host_vcpu *hv;	/* per vCPU */
	void *tp_state;			/* the transport's per-vCPU state */
	struct apf_host_stats st;
};

/* protocol_ops of a family: these run the shared driver with `tp`. */
int apf_host_init(struct protocol_env *pe, const struct apf_transport *tp);
void apf_host_fini(struct protocol_env *pe);
void apf_host_stage2_fault(struct protocol_env *pe, uint32_t vcpu, struct task *t, uint64_t page);
void apf_host_entry(struct protocol_env *pe, uint32_t vcpu);
void apf_host_migrate(struct protocol_env *pe);
uint32_t apf_host_flush(struct protocol_env *pe, uint32_t vcpu);
void apf_host_work_done(struct protocol_env *pe, uint32_t vcpu, void *work, uint32_t worker);
void apf_host_report_summary(const struct protocol_env *pe, FILE *out);
json_t *apf_host_report_json(const struct protocol_env *pe);

/* For transports: what they need of the machine goes through these, and
 * these through protocol_env (its protocol_machine_ops, installed by
 * model/vm): no file of model/apf/ includes model/vm/ or model/host/. */
struct apf_host *apf_host_of(const struct protocol_env *pe);
sim_time_t apf_host_now(const struct apf_host *h, uint32_t i);
void apf_host_trace(struct apf_host *h, uint32_t i, enum trace_kind k, uint64_t x, uint64_t y, uint64_t z);
void apf_host_kick(struct apf_host *h, uint32_t i);
/* The 8 host-mapped bytes at gpa (& ~0x3F), or NULL outside guest RAM. */
uint32_t *apf_host_buffer(struct apf_host *h, uint64_t gpa);
/* The guest's hypercall round trip, charged to its run. */
void apf_host_charge_hypercall(struct apf_host *h, uint32_t i);
/* The guest ACKed: pageready_pending cleared and the queue re-checked. */
void apf_host_ack(struct apf_host *h, uint32_t i);
/* Enable / disable as KVM's enable paths do: disable flushes (and resets
 * the slot table when reset_slots); enable resets the slots and queues a
 * wake-all. */
void apf_host_disable(struct apf_host *h, uint32_t i, bool reset_slots);
void apf_host_enable(struct apf_host *h, uint32_t i, bool send_always, bool reset_slots);
/* Migration, destination side: the works are flushed (traced), the slot
 * table, the common flags and the token allocator start afresh. */
void apf_host_migrate_reset(struct apf_host *h, uint32_t i);
/* Fault injection: true with probability p (stream "faults"), then
 * recorded as kind with arg. */
bool apf_host_inject_draw(struct apf_host *h, uint32_t i, double p, enum fault_kind kind, uint64_t arg);
/* The hardware blocks and vCPU facts a transport reads or drives. */
struct sdei *apf_host_sdei(struct apf_host *h);
struct gic *apf_host_gic(struct apf_host *h);
uint32_t apf_host_nvcpus(const struct apf_host *h);
const struct task *apf_host_cur(const struct apf_host *h, uint32_t i);	/* current task or NULL */
bool apf_host_task_kernel(const struct apf_host *h, const struct task *t);	/* t runs in kernel mode (NULL: no) */
bool apf_host_fault_el1(const struct apf_host *h, uint32_t i); /* vCPU i's fault: EL1 guest code */
bool apf_host_vcpu_guest_wfi(const struct apf_host *h, uint32_t i);
void apf_host_count_irq_ack(struct apf_host *h, uint32_t i);	/* host_irq_ack account */

#endif
