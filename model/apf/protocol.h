/* protocol.h — APF protocol variants as ops tables (DESIGN.md "protocol
 * variants").  The vCPU loop calls these at the points where KVM would:
 *
 *   stage2_fault  a stage-2 abort on a page that is not mapped, after the
 *                 exit has been accounted (vcpu_fault_begin): resolve it
 *                 synchronously (vcpu_fault_sync) or resume the guest
 *                 unmapped (vcpu_fault_resume) after starting an async PF;
 *   entry         every guest entry: serve pending requests (the arm64
 *                 KVM_REQ_ASYNC_PF, x86 KVM_REQ_APF_READY);
 *   report_*      the protocol's statistics (summary and JSON key "apf").
 *
 * `sync` is APF off.  Variants that need the guest kernel image set
 * needs_guest; the machine then creates the platform (model/vm/platform.h)
 * and boots every vCPU through the real aarch64 code.
 */
#ifndef APFSIM_MODEL_PROTOCOL_H
#define APFSIM_MODEL_PROTOCOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct machine;
struct vcpu;
struct task;
struct smccc_apf_ops;

/* The host side of the x86-semantics driver's MSRs and CPUID leaf
 * (APFSIM_HC_*, guest_abi.h), installed by the x86 family's x86_ops hook
 * into the platform (model/vm/platform.h calls it; the platform config's
 * table is NULL for every other family).  msr_write/msr_read return 0, or -1 for #GP
 * (the guest sees x0 = -1).  A NULL table or op answers -1 (features 0). */
struct platform_x86_ops {
	int64_t (*msr_write)(void *ctx, unsigned cpu, uint32_t msr, uint64_t val);
	int64_t (*msr_read)(void *ctx, unsigned cpu, uint32_t msr, uint64_t *val);
	uint64_t (*kvm_features)(void *ctx, unsigned cpu); /* CPUID 0x40000001 EAX */
};

struct protocol_ops {
	const char *name;
	const char *doc;
	bool needs_guest;
	/* After the host models exist, before the platform is created. */
	int (*init)(struct machine *m);
	void (*fini)(struct machine *m);
	/* Host side of the ASYNC_PF hypercall for the platform (or NULL). */
	const struct smccc_apf_ops *(*apf_ops)(struct machine *m, void **ctx);
	/* Host side of the apfsim MSR/CPUID hypercalls (x86 family) or NULL. */
	const struct platform_x86_ops *(*x86_ops)(struct machine *m, void **ctx);
	/* After the platform exists (SDEI notifiers, PPI wiring). */
	int (*attach)(struct machine *m);
	void (*stage2_fault)(struct machine *m, struct vcpu *v, struct task *t, uint64_t gfn);
	void (*entry)(struct machine *m, struct vcpu *v);
	/* Live migration switch-over: save the per-vCPU APF state as the VMM
	 * does and restore it into fresh destination vCPUs (what is lost is
	 * lost: works in flight, done, slot table, pending flags). */
	void (*migrate)(struct machine *m);
	/* Fault injection: kvm_clear_async_pf_completion_queue on one vCPU
	 * (no notifications); returns the works dropped. */
	uint32_t (*flush)(struct machine *m, uint32_t vcpu);
	/* Fault injection: an SMI on one vCPU; entering SMM clears CR0.PG and
	 * RSM restores it, so KVM's CR0.PG path runs (x86 family; NULL
	 * elsewhere).  Returns the works dropped. */
	uint32_t (*cr0_pg_toggle)(struct machine *m, uint32_t vcpu);
	/* An exception the family injects (x86 async #PF) waiting for the
	 * next entry that can take it; take clears it and gives its ESR/FAR.
	 * NULL for families that inject none. */
	bool (*exception_pending)(const struct machine *m, uint32_t vcpu);
	void (*exception_take)(struct machine *m, uint32_t vcpu, uint64_t *esr, uint64_t *far);
	void (*report_summary)(const struct machine *m, FILE *out);
	json_t *(*report_json)(const struct machine *m);
};

struct apf_config;

extern const struct protocol_ops protocol_sync;
extern const struct protocol_ops protocol_arm64_v4;
extern const struct protocol_ops protocol_x86;

const struct protocol_ops *protocol_for(const struct apf_config *c);
/* kvm_arch_async_page_ready's replay as a prefault: map the page when it is
 * (still) resident, so the retried access does not exit again. */
void protocol_prefault(struct machine *m, uint64_t page);

#endif
