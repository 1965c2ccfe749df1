/* platform.h — the glue between the aarch64 guest kernel image and the
 * host models: guest RAM for the kernel region, the image (built in or
 * --guest-image FILE), one Unicorn vCPU per guest CPU, the GICv3 (sysregs
 * and MMIO frames), the SDEI dispatcher with the APF event, and SMCCC.
 *
 * Guest exits are routed as docs/guest-abi.md describes:
 *   hvc #0      -> smccc_dispatch (SMCCC, vendor hyp, SDEI; docs/reference.md
 *                  §2.2).  EVENT_COMPLETE restores the interrupted context;
 *                  if that context is user mode the run ends and the C
 *                  model resumes user mode (§2.7 e).
 *   hvc #0 with x0 = APFSIM_HC_* (0xC6000100..102) -> struct
 *                  platform_x86_ops (the x86 driver's MSRs and CPUID leaf)
 *   hvc #0xA5F  -> simulator calls, served by struct platform_sched_ops
 *   ICC_* regs  -> gic_sysreg_read/write; GICD/GICR frames -> gic MMIO
 *   CNTVCT_EL0  -> platform_sched_ops.counter (simulated time)
 * GIC IRQ-line changes drive cpu_set_irq_line and
 * platform_sched_ops.irq_changed (so the model can kick a halted vCPU).
 *
 * User mode is C-modelled (DESIGN.md "Exception levels under Unicorn"):
 * the engine stays at EL1; a vCPU "in user mode" is one whose last run
 * ended at guest_ret_to_user_eret, at an EVENT_COMPLETE back to EL0, or
 * that the model put there with platform_enter_user().
 */
#ifndef APFSIM_MODEL_PLATFORM_H
#define APFSIM_MODEL_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/apf/protocol.h"	/* struct platform_x86_ops */
#include "smccc/smccc.h"
#include "workloads/guest/guest_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct platform;
struct cpu;
struct gic;
struct sdei;
struct smccc;

/* The guest scheduler model: serves the simulator calls.  Any op may be
 * NULL (then: schedule keeps the CPU, the others are no-ops, counter 0). */
struct platform_sched_ops {
	/* SIMCALL_SCHEDULE (reason GUEST_SCHED_*).  Return true when the CPU
	 * switches to another task or to idle: the run then ends with
	 * PLATFORM_STOP_SWITCH.  Return false to let the caller continue
	 * (x0 = 0); the scheduler must have cleared TIF_NEED_RESCHED, and must
	 * not return false for PARK while TIF_ASYNC_PF is still set. */
	bool (*schedule)(void *ctx, unsigned cpu, uint32_t reason);
	void (*wake)(void *ctx, unsigned cpu, uint32_t task);	/* SIMCALL_WAKE */
	void (*warn)(void *ctx, unsigned cpu, uint32_t code, uint64_t arg);
	void (*log)(void *ctx, unsigned cpu, uint32_t code, uint64_t arg);
	/* SIMCALL_BOOT_DONE and SIMCALL_HOTPLUG_DONE: status is
	 * enum guest_boot_status, whether APF is now on for this CPU. */
	void (*boot_done)(void *ctx, unsigned cpu, uint32_t status);
	uint64_t (*counter)(void *ctx, unsigned cpu);		/* CNTVCT_EL0 */
	void (*irq_changed)(void *ctx, unsigned cpu, bool asserted);
	/* The guest acknowledged interrupt intid (an ICC_IAR1_EL1 read that
	 * returned one; NULL: not reported). */
	void (*irq_taken)(void *ctx, unsigned cpu, uint32_t intid);
	/* After a PARK or YIELD switch: does the scheduler have a task for
	 * this CPU?  false lets the run continue straight into the idle loop
	 * (NULL: always end the run with PLATFORM_STOP_SWITCH). */
	bool (*runnable)(void *ctx, unsigned cpu);
	/* A write of ICC_SGI1R_EL1 (NULL: always to the GIC).  true = the
	 * host took it (it raises the SGI itself later: guest.resched_ipi_delay). */
	bool (*sgi_write)(void *ctx, unsigned cpu, uint64_t val);
	/* Handler-touch image: a guest load from user memory at gpa.  true =
	 * stage 2 maps the page (the load completes); false = a stage-2 fault
	 * at EL1: the run ends with PLATFORM_STOP_S2FAULT (NULL: true). */
	bool (*user_load)(void *ctx, unsigned cpu, uint64_t gpa);
};

/* struct platform_x86_ops, the host side of the x86-semantics driver's MSRs
 * and CPUID leaf, is the protocol layer's: model/apf/protocol.h. */

struct platform_config {
	unsigned ncpus;			/* 1 .. GUEST_MAX_CPUS */
	const char *guest_image;	/* ELF path, NULL = the built-in image */
	uint64_t sdei_event;		/* APF not-present event; 0 = KVM_SDEI_ASYNC_PF_NUM */
	uint32_t boot_flags;		/* GUEST_BOOT_* (e.g. "no-kvmapf") */
	uint64_t cntfrq;		/* 0 = 62.5 MHz */
	const struct smccc_apf_ops *apf_ops; /* host side of ASYNC_PF (may be NULL) */
	void *apf_ctx;
	const struct platform_x86_ops *x86_ops; /* APFSIM_HC_* (may be NULL) */
	void *x86_ctx;
	const struct platform_sched_ops *sched;
	void *sched_ctx;
	bool record_calls;		/* keep every SMCCC/SDEI call (tests, traces) */
	/* EVENT_COMPLETE back to user mode with an IRQ already signalled:
	 * take it from EL0 in the same run (as the CPU would at the first
	 * user instruction) instead of stopping with PLATFORM_STOP_USER. */
	bool chain_irq;
	FILE *insn_trace;		/* capstone trace of every guest instruction */
	/* The handler-touch image (GUEST_VARIANT_TOUCH) instead of the
	 * built-in one, with user memory [GUEST_USER_BASE, + user_size)
	 * mapped as a window whose loads go to sched->user_load. */
	bool touch_image;
	uint64_t user_size;
};

/* One SMCCC/SDEI call as the guest made it and as it was answered. */
struct platform_call {
	unsigned cpu;
	uint32_t func;			/* W0 */
	uint64_t arg[5];		/* x1..x5 */
	uint64_t ret[4];		/* x0..x3 after the call */
	bool context_switched;		/* EVENT_COMPLETE*: ret = restored x0..x3 */
};

enum platform_stop {
	PLATFORM_STOP_BOOT_DONE,	/* SIMCALL_BOOT_DONE */
	PLATFORM_STOP_HOTPLUG_DONE,	/* SIMCALL_HOTPLUG_DONE */
	PLATFORM_STOP_USER,		/* back in user mode: platform_user_pc() */
	PLATFORM_STOP_SWITCH,		/* SIMCALL_SCHEDULE switched away */
	PLATFORM_STOP_WFI,		/* idle in WFI, no IRQ signalled */
	PLATFORM_STOP_BUDGET,		/* instruction budget used up */
	PLATFORM_STOP_FAULT,		/* guest fault or bad access: platform_error() */
	PLATFORM_STOP_S2FAULT,		/* a guest_user_load at EL1 found its page unmapped
					 * (platform_s2_fault_gpa); resuming (platform_run)
					 * restarts the load */
	PLATFORM_STOP_DEADLINE,		/* the deadline (platform_set_deadline) was reached;
					 * resuming (platform_run) continues there */
};

struct platform_run_result {
	enum platform_stop reason;
	uint64_t pc;			/* PC at the stop (user PC for STOP_USER) */
	uint64_t insns;			/* guest instructions executed */
};

/* Addresses the platform takes from a guest image's symbol table. */
struct platform_syms {
	uint64_t boot, vectors, sdei_entry, ret_to_user, idle, percpu, tasks, boot_params;
	uint64_t hotplug;	/* optional: 0 when the image has none */
	uint64_t user_load, touch_gpa, touch_end; /* handler-touch image only, else 0 */
};

struct cpu_image;
/* Finds the guest-ABI symbols of a loaded image and checks them: present,
 * aligned, code inside the kernel region and the shared structures wholly
 * inside it (checked without wrapping arithmetic: an address near 2^64 is
 * refused, not wrapped).  0 with *out, or -1 with "WHAT: ..." in err. */
int platform_check_image(const struct cpu_image *img, const char *what, struct platform_syms *out,
			 char *err, size_t errlen);

/* Create everything and load the image; NULL with a message in err (for
 * example naming a required symbol missing from --guest-image). */
struct platform *platform_create(const struct platform_config *cfg, char *err, size_t errlen);
void platform_destroy(struct platform *p);
/* Handler-touch image: the address of the last PLATFORM_STOP_S2FAULT on
 * cpu, and the per-task page its handlers load from (no-ops without it). */
uint64_t platform_s2_fault_gpa(const struct platform *p, unsigned cpu);
void platform_set_touch_gpa(struct platform *p, uint32_t task, uint64_t gpa);

/* A deadline for the runs of one cpu, in instructions: fn(ctx, cpu, insns)
 * returns how many more instructions the run may execute after the
 * `insns` it has executed (0: stop now, before the next one), or
 * PLATFORM_NO_DEADLINE.  It is asked before every engine run of the run
 * loop and after every SMCCC call (which moves the caller's clock), so
 * the run stops at the exact instruction boundary where fn says 0, with
 * PLATFORM_STOP_DEADLINE.  fn NULL: none (the default). */
#define PLATFORM_NO_DEADLINE UINT64_MAX
typedef uint64_t (*platform_deadline_fn)(void *ctx, unsigned cpu, uint64_t insns);
void platform_set_deadline(struct platform *p, unsigned cpu, platform_deadline_fn fn, void *ctx);

/* Run guest_boot on cpu until SIMCALL_BOOT_DONE.  0, or -1 with
 * platform_error() set.  The CPU is then idle-ready (platform_enter_idle). */
int platform_boot(struct platform *p, unsigned cpu);

/* Run the guest's CPU-hotplug entry (GUEST_SYM_HOTPLUG) with op =
 * GUEST_HOTPLUG_* on a booted CPU that holds no kernel context worth
 * keeping (idle, or a task in user mode, whose user state is restored
 * afterwards; an idle loop must be re-entered with platform_enter_idle).
 * Stops with PLATFORM_STOP_HOTPLUG_DONE, or PLATFORM_STOP_FAULT with
 * platform_error() set (also when the image has no guest_hotplug). */
struct platform_run_result platform_hotplug(struct platform *p, unsigned cpu, uint32_t op);

/* Continue the current guest context (IRQs at EL1 are taken on the way;
 * WFI with an IRQ already signalled does not stop).  budget 0 = none. */
struct platform_run_result platform_run(struct platform *p, unsigned cpu, uint64_t budget);

/* Enter the idle loop (guest_idle on the empty kernel stack) and run. */
struct platform_run_result platform_enter_idle(struct platform *p, unsigned cpu, uint64_t budget);

/* Put cpu in user mode at user_pc (EL0t, DAIF clear), e.g. after the
 * scheduler switched to a task.  Nothing runs. */
void platform_enter_user(struct platform *p, unsigned cpu, uint64_t user_pc);

/* The CPU is in user mode and its IRQ line is up: take the IRQ from EL0
 * (vector +0x480, on the empty kernel stack) and run. */
struct platform_run_result platform_irq_from_user(struct platform *p, unsigned cpu,
						  uint64_t budget);

/* Dispatch the deliverable SDEI event (sdei_deliver) from the current
 * context (user mode or the EL1 context of the last stop) and run the
 * handler.  PLATFORM_STOP_FAULT with an error if nothing is deliverable. */
struct platform_run_result platform_sdei_deliver(struct platform *p, unsigned cpu,
						 uint64_t budget);

/* Take a synchronous exception (the x86 driver's async #PF: ESR =
 * APFSIM_ESR_APF(EC), FAR = token) and run.  From user mode: entered from
 * EL0 (vector +0x400) on the empty kernel stack, ELR = the user PC.
 * Otherwise (the idle loop, halted in WFI): entered from the current EL1
 * context (+0x200), which the handler resumes with eret.  Stops as the
 * other entry points. */
struct platform_run_result platform_exception(struct platform *p, unsigned cpu, uint64_t esr,
					      uint64_t far, uint64_t budget);

/* State. */
bool platform_in_user(const struct platform *p, unsigned cpu);
uint64_t platform_user_pc(const struct platform *p, unsigned cpu);
uint32_t platform_user_pstate(const struct platform *p, unsigned cpu);
/* The context an event dispatched now would interrupt (the values an SDEI
 * dispatch hands the handler in x2/x3): the user context in user mode, else
 * the CPU's own PC and PSTATE. */
uint64_t platform_context_pc(const struct platform *p, unsigned cpu);
uint32_t platform_context_pstate(const struct platform *p, unsigned cpu);
const char *platform_error(const struct platform *p);
unsigned platform_ncpus(const struct platform *p);

/* Guest memory seen from the host (pointers into the shared RAM). */
struct guest_percpu *platform_percpu(struct platform *p, unsigned cpu);
struct guest_task *platform_task(struct platform *p, uint32_t task);
struct guest_boot_params *platform_boot_params(struct platform *p);
/* Address of a symbol of the loaded image; 0 if absent. */
uint64_t platform_symbol(const struct platform *p, const char *name);
/* Guest physical address -> host pointer (NULL outside the kernel region). */
void *platform_guest_ptr(struct platform *p, uint64_t gpa, size_t len);

/* The models, for the host side of the protocol and for tests. */
struct cpu *platform_cpu(struct platform *p, unsigned cpu);
struct gic *platform_gic(struct platform *p);
struct sdei *platform_sdei(struct platform *p);
struct smccc *platform_smccc(struct platform *p);
uint64_t platform_sdei_event(const struct platform *p);

/* Recorded calls (cfg.record_calls), oldest first. */
const struct platform_call *platform_calls(const struct platform *p, size_t *n);
void platform_clear_calls(struct platform *p);
/* How many simulator calls of each kind were served (SIMCALL_*). */
uint64_t platform_simcall_count(const struct platform *p, unsigned nr);
/* Every hvc #0 served so far, all vCPUs: SMCCC, SDEI and the apfsim range
 * (smccc_calls_total() counts only the first two).  One host.hypercall each. */
uint64_t platform_hypercalls(const struct platform *p);

#ifdef __cplusplus
}
#endif

#endif
