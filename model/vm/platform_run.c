/* platform_run.c — the run loop and every way into guest code: boot,
 * hotplug, run, idle, user entry, IRQ from user, SDEI delivery, exceptions
 * (platform_internal.h). */
#include "model/vm/platform.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "gic/gic.h"
#include "guest_image.h"
#include "sdei/sdei.h"
#include "smccc/smccc.h"

#include "model/vm/platform_internal.h"

/* ---- user memory (the handler-touch image only) ----------------------------- */

/* A load from the user window: stage 2 maps the page, or the run stops
 * with PLATFORM_STOP_S2FAULT (a stage-2 fault taken at EL1).  Unicorn
 * leaves the PC imprecise inside the callback; run_loop puts it back on
 * the load. */
static uint64_t user_window_read(void *ctx, struct cpu *c, uint64_t off, unsigned size)
{
	struct platform_vcpu *v = ctx;
	struct platform *p = v->p;
	uint64_t gpa = GUEST_USER_BASE + off;

	(void)size;
	if (p->cfg.sched && p->cfg.sched->user_load &&
	    !p->cfg.sched->user_load(p->cfg.sched_ctx, v->index, gpa)) {
		v->s2_gpa = gpa;
		plat_stop_with(v, PLATFORM_STOP_S2FAULT);
		cpu_request_stop(c);
	}
	return 0;	/* user memory contents are not modelled */
}

int plat_map_user_window(struct platform *p, struct platform_vcpu *v)
{
	char msg[192];

	if (!p->sym.user_load || !p->sym.touch_gpa || !p->sym.touch_end) {
		plat_set_err(p, "the handler-touch image lacks %s, %s or %s (docs/guest-abi.md)", GUEST_SYM_USER_LOAD,
			GUEST_SYM_TOUCH_GPA, GUEST_SYM_TOUCH_END);
		return -1;
	}
	if (p->cfg.user_size < 4096)
		return 0;
	if (cpu_map_mmio(v->cpu, GUEST_USER_BASE, p->cfg.user_size & ~0xFFFull, user_window_read, NULL, v, msg,
			 sizeof(msg))) {
		plat_set_err(p, "user window: %s", msg);
		return -1;
	}
	return 0;
}

/* ---- running -------------------------------------------------------------- */

static struct platform_run_result run_loop(struct platform *p, struct platform_vcpu *v,
					   uint64_t budget)
{
	struct platform_run_result res = { .reason = PLATFORM_STOP_FAULT };
	struct cpu_run_result r;

	for (;;) {
		uint64_t left = 0;
		bool exact = false;

		if (budget) {
			if (res.insns >= budget) {
				res.reason = PLATFORM_STOP_BUDGET;
				return res;
			}
			left = budget - res.insns;
		}
		/* A deadline nearer than the budget is kept to the instruction
		 * (cpu_run_exact); a farther one leaves the run as it was. */
		if (v->deadline) {
			uint64_t d = v->deadline(v->deadline_ctx, v->index, res.insns);

			if (d == 0) {
				res.reason = PLATFORM_STOP_DEADLINE;
				res.pc = cpu_pc(v->cpu);
				return res;
			}
			if (d != PLATFORM_NO_DEADLINE && (!left || d < left)) {
				left = d;
				exact = true;
			}
		}
		v->has_pending = false;
		v->recheck = false;
		/* An IRQ signalled while unmasked is taken before the next
		 * instruction: enter it now instead of starting the engine only
		 * for its block hook to stop at once (resume from WFI). */
		if (gic_irq_asserted(p->gic, v->index) && !(cpu_pstate(v->cpu) & PSTATE_I))
			cpu_enter_irq(v->cpu, false, cpu_pc(v->cpu));
		v->run_base = res.insns;
		r = exact ? cpu_run_exact(v->cpu, left) : cpu_run(v->cpu, left);
		res.insns += r.insns;
		res.pc = r.pc;
		switch (r.reason) {
		case CPU_STOP_SENTINEL:
			if (r.pc != p->sym.ret_to_user) {
				plat_set_err(p, "cpu%u: stopped at unexpected sentinel 0x%" PRIx64, v->index,
					r.pc);
				return res;
			}
			/* The final eret: the C model takes over from ELR/SPSR. */
			v->in_user = true;
			v->user_pc = cpu_sysreg(v->cpu, CPU_SYSREG_ELR_EL1);
			v->user_pstate = (uint32_t)cpu_sysreg(v->cpu, CPU_SYSREG_SPSR_EL1);
			res.reason = PLATFORM_STOP_USER;
			res.pc = v->user_pc;
			return res;
		case CPU_STOP_WFI:
			/* WFI completes at once when an interrupt is signalled. */
			if (gic_irq_asserted(p->gic, v->index))
				continue;
			res.reason = PLATFORM_STOP_WFI;
			return res;
		case CPU_STOP_IRQ:
			cpu_enter_irq(v->cpu, false, r.pc);
			continue;
		case CPU_STOP_HOST:
			if (v->recheck && !v->has_pending)
				continue;	/* after an SMCCC call: ask the deadline again */
			if (!v->has_pending) {
				plat_set_err(p, "cpu%u: run stopped by the host for no recorded reason",
					v->index);
				return res;
			}
			res.reason = v->pending;
			if (res.reason == PLATFORM_STOP_USER)
				res.pc = v->user_pc;
			if (res.reason == PLATFORM_STOP_S2FAULT) {
				/* The stop leaves the load mid-block, its PC
				 * not written back (measured: the PC read is the
				 * run's first one, or the load's): the rest of
				 * guest_user_load never ran, x0 and LR are
				 * intact.  Restart the load when resumed. */
				cpu_set_pc(v->cpu, p->sym.user_load);
				res.pc = p->sym.user_load;
			}
			return res;
		case CPU_STOP_BUDGET:
			if (exact)
				continue;	/* the deadline's count: asked again above */
			res.reason = PLATFORM_STOP_BUDGET;
			return res;
		case CPU_STOP_FAULT:
			/* A fault raised by an MMIO callback carries our message. */
			if (!(v->has_pending && v->pending == PLATFORM_STOP_FAULT))
				plat_set_err(p, "cpu%u: guest fault at 0x%" PRIx64 ": %s", v->index, r.pc,
					cpu_fault_reason(v->cpu));
			return res;
		}
	}
}

static struct platform_vcpu *vcpu_of(struct platform *p, unsigned cpu)
{
	if (cpu >= p->cfg.ncpus) {
		plat_set_err(p, "platform: no vCPU %u (have %u)", cpu, p->cfg.ncpus);
		return NULL;
	}
	return &p->v[cpu];
}

void platform_set_deadline(struct platform *p, unsigned cpu, platform_deadline_fn fn, void *ctx)
{
	struct platform_vcpu *v = vcpu_of(p, cpu);

	if (!v)
		return;
	v->deadline = fn;
	v->deadline_ctx = ctx;
}

static const struct platform_run_result bad_cpu = { .reason = PLATFORM_STOP_FAULT };

int platform_boot(struct platform *p, unsigned cpu)
{
	struct platform_vcpu *v = vcpu_of(p, cpu);
	struct platform_run_result r;

	if (!v)
		return -1;
	cpu_set_reg(v->cpu, 0, cpu);
	cpu_set_pstate(v->cpu, PSTATE_MODE_EL1h | PSTATE_DAIF);
	cpu_set_pc(v->cpu, p->sym.boot);
	v->in_user = false;
	r = run_loop(p, v, 0);
	if (r.reason != PLATFORM_STOP_BOOT_DONE) {
		if (r.reason != PLATFORM_STOP_FAULT)
			plat_set_err(p, "cpu%u: guest_boot stopped at 0x%" PRIx64 " before SIMCALL_BOOT_DONE",
				cpu, r.pc);
		return -1;
	}
	return 0;
}

struct platform_run_result platform_hotplug(struct platform *p, unsigned cpu, uint32_t op)
{
	struct platform_vcpu *v = vcpu_of(p, cpu);
	struct platform_run_result r;
	uint64_t sp, user_pc;
	uint32_t user_pstate;
	bool in_user;

	if (!v)
		return bad_cpu;
	if (!p->sym.hotplug) {
		plat_set_err(p, "cpu%u: the guest image has no '%s' (docs/guest-abi.md)", cpu,
			GUEST_SYM_HOTPLUG);
		return bad_cpu;
	}
	if (plat_kernel_stack(p, v, &sp) != 0)
		return bad_cpu;
	in_user = v->in_user;
	user_pc = v->user_pc;
	user_pstate = v->user_pstate;
	cpu_set_reg(v->cpu, 0, p->sym.percpu + (uint64_t)cpu * sizeof(struct guest_percpu));
	cpu_set_reg(v->cpu, 1, op);
	cpu_set_sp(v->cpu, sp);
	cpu_set_pstate(v->cpu, PSTATE_MODE_EL1h | PSTATE_DAIF);
	cpu_set_pc(v->cpu, p->sym.hotplug);
	v->in_user = false;
	r = run_loop(p, v, 0);
	if (r.reason != PLATFORM_STOP_HOTPLUG_DONE) {
		if (r.reason != PLATFORM_STOP_FAULT)
			plat_set_err(p, "cpu%u: guest_hotplug stopped at 0x%" PRIx64
				   " before SIMCALL_HOTPLUG_DONE", cpu, r.pc);
		r.reason = PLATFORM_STOP_FAULT;
		return r;
	}
	/* A task modelled in user mode resumes where it was. */
	v->in_user = in_user;
	v->user_pc = user_pc;
	v->user_pstate = user_pstate;
	return r;
}

struct platform_run_result platform_run(struct platform *p, unsigned cpu, uint64_t budget)
{
	struct platform_vcpu *v = vcpu_of(p, cpu);

	if (!v)
		return bad_cpu;
	if (v->in_user) {
		plat_set_err(p, "cpu%u: platform_run while in user mode (use platform_irq_from_user)",
			cpu);
		return bad_cpu;
	}
	return run_loop(p, v, budget);
}

/* The empty kernel stack the guest recorded at boot. */
int plat_kernel_stack(struct platform *p, struct platform_vcpu *v, uint64_t *sp)
{
	*sp = plat_percpu_of(p, v->index)->kstack_top;
	if (*sp == 0) {
		plat_set_err(p, "cpu%u: not booted (guest_percpu.kstack_top is 0)", v->index);
		return -1;
	}
	return 0;
}

struct platform_run_result platform_enter_idle(struct platform *p, unsigned cpu, uint64_t budget)
{
	struct platform_vcpu *v = vcpu_of(p, cpu);
	uint64_t sp;

	if (!v || plat_kernel_stack(p, v, &sp) != 0)
		return bad_cpu;
	cpu_set_sp(v->cpu, sp);
	cpu_set_pstate(v->cpu, PSTATE_MODE_EL1h | PSTATE_DAIF);
	cpu_set_pc(v->cpu, p->sym.idle);
	v->in_user = false;
	return run_loop(p, v, budget);
}

void platform_enter_user(struct platform *p, unsigned cpu, uint64_t user_pc)
{
	struct platform_vcpu *v = vcpu_of(p, cpu);

	if (!v)
		return;
	v->in_user = true;
	v->user_pc = user_pc;
	v->user_pstate = PSTATE_MODE_EL0t;
}

struct platform_run_result platform_irq_from_user(struct platform *p, unsigned cpu,
						  uint64_t budget)
{
	struct platform_vcpu *v = vcpu_of(p, cpu);
	uint64_t sp;

	if (!v || plat_kernel_stack(p, v, &sp) != 0)
		return bad_cpu;
	if (!v->in_user) {
		plat_set_err(p, "cpu%u: platform_irq_from_user while not in user mode", cpu);
		return bad_cpu;
	}
	cpu_set_sp(v->cpu, sp);
	cpu_enter_irq(v->cpu, true, v->user_pc);
	v->in_user = false;
	return run_loop(p, v, budget);
}

struct platform_run_result platform_sdei_deliver(struct platform *p, unsigned cpu,
						 uint64_t budget)
{
	struct platform_vcpu *v = vcpu_of(p, cpu);
	struct sdei_regs r;
	uint64_t sp = 0;
	int rc;

	if (!v || (v->in_user && plat_kernel_stack(p, v, &sp) != 0))
		return bad_cpu;
	cpu_regs_get(v->cpu, 0, SDEI_NR_CTX_REGS, r.x);
	if (v->in_user) {
		r.pc = v->user_pc;
		r.pstate = v->user_pstate;
	} else {
		r.pc = cpu_pc(v->cpu);
		r.pstate = cpu_pstate(v->cpu);
	}
	/* Outputs only: the dispatcher sets SPSR_EL1, and ELR_EL1 when
	 * configured to (sentinel 0 = left alone). */
	r.spsr_el1 = 0;
	r.elr_el1 = 0;
	rc = sdei_deliver(p->sdei, cpu, &r);
	if (rc != 0) {
		plat_set_err(p, "cpu%u: sdei_deliver: %s", cpu,
			rc == -ENOENT ? "no deliverable event" : "invalid vCPU");
		return bad_cpu;
	}
	/* Handler entry state: x0-x3, SPSR_EL1 (and ELR_EL1 if the
	 * dispatcher writes it), EL1h with DAIF masked, PC = entry. */
	cpu_regs_set(v->cpu, 0, 4, r.x);
	cpu_set_sysreg(v->cpu, CPU_SYSREG_SPSR_EL1, r.spsr_el1);
	if (r.elr_el1 != 0)
		cpu_set_sysreg(v->cpu, CPU_SYSREG_ELR_EL1, r.elr_el1);
	if (v->in_user)
		cpu_set_sp(v->cpu, sp);
	cpu_set_pstate(v->cpu, (uint32_t)r.pstate);
	cpu_set_pc(v->cpu, r.pc);
	v->in_user = false;
	return run_loop(p, v, budget);
}

struct platform_run_result platform_exception(struct platform *p, unsigned cpu, uint64_t esr,
					      uint64_t far, uint64_t budget)
{
	struct platform_vcpu *v = vcpu_of(p, cpu);
	uint64_t sp;

	if (!v)
		return bad_cpu;
	if (v->in_user) {
		if (plat_kernel_stack(p, v, &sp) != 0)
			return bad_cpu;
		cpu_set_sp(v->cpu, sp);
		cpu_enter_sync(v->cpu, true, v->user_pc, esr, far);
		v->in_user = false;
	} else {
		/* The idle context: ELR = where it stopped (after the WFI). */
		cpu_enter_sync(v->cpu, false, cpu_pc(v->cpu), esr, far);
	}
	return run_loop(p, v, budget);
}
