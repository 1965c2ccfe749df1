/* platform_internal.h — what the files of the guest platform share (the
 * interface is platform.h).  The platform is cut by block:
 *
 *   platform.c        creation (RAM, image, vCPUs, GICv3, SDEI, SMCCC),
 *                     destruction, accessors
 *   platform_calls.c  hvc #0 (SMCCC, vendor hyp, SDEI) with the call log,
 *                     and the simulator calls (hvc #0xA5F)
 *   platform_gic.c    system registers, the counter, GIC wiring and its MMIO
 *                     frames (the one file that reaches into cpu_internal.h)
 *   platform_run.c    the run loop and every way into guest code: boot,
 *                     hotplug, idle, user entry, IRQ, SDEI, exceptions
 *
 * Invariants: those of platform.c's header comment. */
#ifndef APFSIM_MODEL_VM_PLATFORM_INTERNAL_H
#define APFSIM_MODEL_VM_PLATFORM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/vm/platform.h"
#include "cpu/cpu.h"
#include "sdei/sdei.h"


#define PLATFORM_ERR_LEN 320
#define PLATFORM_DEFAULT_CNTFRQ 62500000ull
#define PLATFORM_SIMCALL_MAX 8


struct platform_vcpu {
	struct platform *p;
	unsigned index;
	struct cpu *cpu;
	bool in_user;
	uint64_t user_pc;
	uint32_t user_pstate;
	bool has_pending;		/* a host op asked the run to stop */
	enum platform_stop pending;
	uint64_t s2_gpa;		/* PLATFORM_STOP_S2FAULT: the load's address */
	platform_deadline_fn deadline;	/* platform_set_deadline (NULL: none) */
	void *deadline_ctx;
	uint64_t run_base;		/* the run's instructions before this engine run */
	bool recheck;			/* an SMCCC call stopped the engine to ask the deadline again */
};

struct platform {
	struct platform_config cfg;
	uint64_t sdei_event;
	void *ram;
	struct cpu_image *img;
	struct platform_syms sym;
	struct gic *gic;
	struct sdei *sdei;
	struct smccc *smccc;
	struct platform_vcpu *v;
	struct cpu_host_ops ops;
	struct platform_call *calls;
	size_t ncalls, calls_cap;
	uint64_t simcalls[PLATFORM_SIMCALL_MAX];
	uint64_t hypercalls;		/* every hvc #0 */
	char err[PLATFORM_ERR_LEN];
};

/* platform.c */
void plat_set_err(struct platform *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* platform_calls.c */
enum cpu_host_action plat_hvc(void *ctx, struct cpu *c, bool smc, uint16_t imm16);
/* platform_gic.c */
bool plat_sysreg_read(void *ctx, struct cpu *c, uint32_t enc, uint64_t *val);
bool plat_sysreg_write(void *ctx, struct cpu *c, uint32_t enc, uint64_t val,
			      enum cpu_host_action *action);
uint64_t plat_counter(void *ctx, struct cpu *c);
void plat_irq_changed(void *ctx, unsigned cpu, bool asserted);
int plat_map_gic_frames(struct platform *p, struct platform_vcpu *v);
/* platform_run.c */
int plat_kernel_stack(struct platform *p, struct platform_vcpu *v, uint64_t *sp);
int plat_map_user_window(struct platform *p, struct platform_vcpu *v);

/* Small helpers every block uses, inline. */
/* End the current run with `why` (from a host op). */
static inline enum cpu_host_action plat_stop_with(struct platform_vcpu *v, enum platform_stop why)
{
	v->has_pending = true;
	v->pending = why;
	return CPU_STOP;
}

static inline struct guest_percpu *plat_percpu_of(struct platform *p, unsigned cpu)
{
	return (struct guest_percpu *)((char *)p->ram + (p->sym.percpu - GUEST_RAM_BASE)) + cpu;
}

#endif
