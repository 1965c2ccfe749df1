/* host.h — the host side of one machine as its parts see each other, and
 * the one table through which they act on the VM above them.
 *
 * The host layer (memory, swap, workers, migration, fault injection) sits
 * below model/vm/: it never includes the machine.  Each part keeps a
 * pointer to one `struct host_parts`, filled by model/vm/machine.c at
 * machine build before any host part is initialised; the parts it points
 * to are the machine's own and live as long as the machine.  What a host
 * part must ask of the VM (stop the vCPUs for migration downtime, kick a
 * vCPU, request a hotplug, the protocol's flush) goes through
 * `host_vm_ops`, installed by the machine at the same time.
 */
#ifndef APFSIM_MODEL_HOST_HOST_H
#define APFSIM_MODEL_HOST_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "model/kernel/sim.h"

struct apf_config;
struct tracer;
struct hostmem;
struct swapdev;
struct workers;
struct migration;
struct faults;

/* What the host parts ask of the VM above them.  Installed by model/vm
 * (machine_init) before the host parts are initialised and never changed;
 * every hook is required (none is NULL).  `ctx` is host_parts.vm_ctx. */
struct host_vm_ops {
	/* Fault injection. */
	/* The protocol's kvm_clear_async_pf_completion_queue on one vCPU:
	 * false when the protocol has no queue; else *dropped = works dropped. */
	bool (*flush)(void *ctx, uint32_t vcpu, uint32_t *dropped);
	/* An SMI on one vCPU (x86 CR0.PG path): false outside the x86 family;
	 * else *dropped = works dropped. */
	bool (*cr0_pg_toggle)(void *ctx, uint32_t vcpu, uint32_t *dropped);
	/* kvm_sdei_inject(immediate = false) of `event`: false without guest
	 * code; else *r = 0 queued, or KVM's negative errno. */
	bool (*sdei_signal)(void *ctx, uint32_t vcpu, uint64_t event, int *r);
	/* Kick a vCPU out of the guest (an IPI). */
	void (*kick)(void *ctx, uint32_t vcpu);
	/* Queue GUEST_HOTPLUG_* op for the vCPU (vcpu_hotplug_request). */
	void (*hotplug_request)(void *ctx, uint32_t vcpu, uint32_t op, sim_time_t len);

	/* Migration. */
	/* Every task's progress so far into dst[0 .. host_parts.ntasks). */
	void (*progress)(void *ctx, uint64_t *dst);
	const char *(*task_name)(void *ctx, uint32_t task);
	/* Stop every running vCPU until `until` (migration downtime). */
	void (*pause)(void *ctx, sim_time_t until);
	/* The destination runs: the downtime is over, the protocol hands its
	 * per-vCPU state over (protocol_ops.migrate), queued SDEI events are
	 * lost.  The vCPUs stay stopped until unpause. */
	void (*switch_over)(void *ctx);
	void (*unpause)(void *ctx);
	/* The gfn a vCPU waits for in the host (a synchronous fault), if any. */
	bool (*vcpu_waiting)(void *ctx, uint32_t vcpu, uint64_t *gfn);
	/* A page became resident: vCPUs blocked on it go on. */
	void (*page_resident)(void *ctx, uint64_t gfn);
	/* A broken model invariant: the run stops with this message. */
	void (*fail)(void *ctx, const char *msg);
};

/* The machine's host parts, as pointers (all set, never NULL). */
struct host_parts {
	const struct apf_config *cfg;
	struct sim *sim;
	struct tracer *tracer;
	struct hostmem *hm;
	struct swapdev *swap;
	struct workers *workers;
	struct migration *mig;
	struct faults *faults;
	uint32_t nvcpus;
	uint32_t ntasks;
	sim_time_t vmexit;	/* one exit's cost: the delay of a host kick (IPI) */
	const struct host_vm_ops *vm;
	void *vm_ctx;
};

#endif
