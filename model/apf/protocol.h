/* protocol.h — APF protocol variants as ops tables (DESIGN.md "protocol
 * variants").  The vCPU loop calls these at the points where KVM would:
 *
 *   stage2_fault  a stage-2 abort on a page that is not mapped, after the
 *                 exit has been accounted (vcpu_fault_begin): resolve it
 *                 synchronously (protocol_machine_ops.fault_sync) or
 *                 resume the guest unmapped (fault_resume) after starting
 *                 an async PF;
 *   entry         every guest entry: serve pending requests (the arm64
 *                 KVM_REQ_ASYNC_PF, x86 KVM_REQ_APF_READY);
 *   report_*      the protocol's statistics (summary and JSON key "apf").
 *
 * `sync` is APF off.  Variants that need the guest kernel image set
 * needs_guest; the machine then creates the platform (model/vm/platform.h)
 * and boots every vCPU through the real aarch64 code.
 *
 * Calls run downward only: the machine (model/vm) calls a protocol through
 * struct protocol_ops with its struct protocol_env; a protocol acts on the
 * machine (a vCPU's fault path, a kick, host memory, the worker pool, the
 * platform) only through protocol_env.vm, the protocol_machine_ops table
 * that the machine installs.  Nothing in model/apf/ includes model/vm/.
 */
#ifndef APFSIM_MODEL_PROTOCOL_H
#define APFSIM_MODEL_PROTOCOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "model/config/inject.h"
#include "model/kernel/histogram.h"
#include "model/kernel/sim.h"
#include "model/report/fault_classes.h"

struct task;
struct smccc_apf_ops;
struct sdei;
struct gic;
struct tracer;
struct apf_config;
struct protocol_ops;
struct protocol_env;

/* The host side of the x86-semantics driver's MSRs and CPUID leaf
 * (APFSIM_HC_*, guest_abi.h), installed by the x86 family's x86_ops hook
 * into the platform (model/vm/platform.h calls it; the platform config's
 * table is NULL for every other family).  msr_write/msr_read return 0, or
 * -1 for #GP (the guest sees x0 = -1).  A NULL table or op answers -1
 * (features 0). */
struct platform_x86_ops {
	int64_t (*msr_write)(void *ctx, unsigned cpu, uint32_t msr, uint64_t val);
	int64_t (*msr_read)(void *ctx, unsigned cpu, uint32_t msr, uint64_t *val);
	uint64_t (*kvm_features)(void *ctx, unsigned cpu); /* CPUID 0x40000001 EAX */
};

/* What a protocol asks of the machine above it.  Installed by model/vm
 * (machine_proto.c) into protocol_env.vm before protocol_ops.init runs and
 * never changed; every hook is required (none is NULL), `ctx` is
 * protocol_env.vm_ctx.  Hooks that need the guest platform (guest_ptr,
 * charge_hypercall, sdei, gic) are called only by families with
 * needs_guest, after the platform exists. */
struct protocol_machine_ops {
	/* The vCPU's clock: inside its guest run the run's, else now. */
	sim_time_t (*now)(void *ctx, uint32_t vcpu);
	/* The vCPU's current task (NULL when none); whether a task is in
	 * kernel mode; its trace id (TRACE_NO_TASK for NULL). */
	const struct task *(*cur)(void *ctx, uint32_t vcpu);
	bool (*task_kernel)(const struct task *t);
	uint32_t (*task_id)(const struct task *t);
	/* False while the vCPU runs guest code or steps, or before the event
	 * loop starts: it re-checks its requests before re-entering. */
	bool (*kickable)(void *ctx, uint32_t vcpu);
	void (*kick)(void *ctx, uint32_t vcpu);
	/* vCPU state the transports read: idle (halted, nothing to run), the
	 * synthetic APF halt, the guest context halted in WFI. */
	bool (*idle)(void *ctx, uint32_t vcpu);
	bool (*apf_halted)(void *ctx, uint32_t vcpu);
	bool (*guest_wfi)(void *ctx, uint32_t vcpu);
	/* The vCPU's pending fault was taken by guest code at EL1 (a guest
	 * handler's own load, guest.handler_touches_page). */
	bool (*fault_el1)(void *ctx, uint32_t vcpu);
	void (*count_irq_ack)(void *ctx, uint32_t vcpu);
	/* The fault paths of the vCPU loop (machine.h vcpu_fault_*). */
	void (*fault_sync)(void *ctx, uint32_t vcpu, struct task *t, uint64_t page);
	void (*fault_resume)(void *ctx, uint32_t vcpu);
	void (*fault_halt)(void *ctx, uint32_t vcpu);
	/* Host memory: the page needs I/O (a swap-in, one in flight, or a
	 * remote page); prefault = map it when it is (still) resident. */
	bool (*needs_io)(void *ctx, uint64_t page);
	void (*prefault)(void *ctx, uint64_t page);
	/* The async-PF worker pool: start / withdraw the fault-in of `work`;
	 * the pool's completions come back through protocol_ops.work_done. */
	void (*work_submit)(void *ctx, uint32_t vcpu, void *work, uint64_t page);
	bool (*work_cancel)(void *ctx, const void *work);
	/* Fault injection: true with probability p, then recorded. */
	bool (*inject_draw)(void *ctx, uint32_t vcpu, double p, enum fault_kind kind, uint64_t arg);
	/* The guest platform: host-mapped guest memory (NULL outside RAM),
	 * a hypercall's round trip charged to the guest run, the blocks. */
	void *(*guest_ptr)(void *ctx, uint64_t gpa, uint64_t len);
	void (*charge_hypercall)(void *ctx, uint32_t vcpu);
	struct sdei *(*sdei)(void *ctx);
	struct gic *(*gic)(void *ctx);
};

/* The machine as a protocol sees it: plain parts below the protocol layer
 * and the ops table above.  Filled by model/vm at machine build, before
 * protocol_ops.init; `state` is the protocol's own (init sets it, fini
 * clears it; NULL for `sync`). */
struct protocol_env {
	const struct apf_config *cfg;
	const struct protocol_ops *proto;
	struct sim *sim;
	struct tracer *tracer;
	uint32_t nvcpus;
	char *err;			/* init's failure message goes here */
	size_t err_len;
	struct fault_classes *cls;	/* the protocol counts async and repeated */
	const struct histogram *ready_to_run, *parked;	/* for its report */
	void *state;
	const struct protocol_machine_ops *vm;
	void *vm_ctx;
};

struct protocol_ops {
	const char *name;
	const char *doc;
	bool needs_guest;
	/* After the host models exist, before the platform is created. */
	int (*init)(struct protocol_env *pe);
	void (*fini)(struct protocol_env *pe);
	/* Host side of the ASYNC_PF hypercall for the platform (or NULL). */
	const struct smccc_apf_ops *(*apf_ops)(struct protocol_env *pe, void **ctx);
	/* Host side of the apfsim MSR/CPUID hypercalls (x86 family) or NULL. */
	const struct platform_x86_ops *(*x86_ops)(struct protocol_env *pe, void **ctx);
	/* After the platform exists (SDEI notifiers, PPI wiring). */
	int (*attach)(struct protocol_env *pe);
	void (*stage2_fault)(struct protocol_env *pe, uint32_t vcpu, struct task *t, uint64_t gfn);
	void (*entry)(struct protocol_env *pe, uint32_t vcpu);
	/* Live migration switch-over: save the per-vCPU APF state as the VMM
	 * does and restore it into fresh destination vCPUs (what is lost is
	 * lost: works in flight, done, slot table, pending flags). */
	void (*migrate)(struct protocol_env *pe);
	/* Fault injection: kvm_clear_async_pf_completion_queue on one vCPU
	 * (no notifications); returns the works dropped. */
	uint32_t (*flush)(struct protocol_env *pe, uint32_t vcpu);
	/* Fault injection: an SMI on one vCPU; entering SMM clears CR0.PG and
	 * RSM restores it, so KVM's CR0.PG path runs (x86 family; NULL
	 * elsewhere).  Returns the works dropped. */
	uint32_t (*cr0_pg_toggle)(struct protocol_env *pe, uint32_t vcpu);
	/* An exception the family injects (x86 async #PF) waiting for the
	 * next entry that can take it; take clears it and gives its ESR/FAR.
	 * NULL for families that inject none. */
	bool (*exception_pending)(const struct protocol_env *pe, uint32_t vcpu);
	void (*exception_take)(struct protocol_env *pe, uint32_t vcpu, uint64_t *esr, uint64_t *far);
	/* The worker pool finished the fault-in of `work` (submitted through
	 * protocol_machine_ops.work_submit); NULL for families without. */
	void (*work_done)(struct protocol_env *pe, uint32_t vcpu, void *work, uint32_t worker);
	/* The guest acknowledged interrupt intid on vcpu (optional). */
	void (*irq_taken)(struct protocol_env *pe, uint32_t vcpu, uint32_t intid);
	void (*report_summary)(const struct protocol_env *pe, FILE *out);
	json_t *(*report_json)(const struct protocol_env *pe);
};

extern const struct protocol_ops protocol_sync;
extern const struct protocol_ops protocol_arm64_v4;
extern const struct protocol_ops protocol_x86;

const struct protocol_ops *protocol_for(const struct apf_config *c);

#endif
