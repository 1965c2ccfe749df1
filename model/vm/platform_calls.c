/* platform_calls.c — hvc #0: SMCCC, the vendor hypervisor service and SDEI,
 * each call logged; hvc #0xA5F: the simulator calls (platform_internal.h). */
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

/* ---- call log ------------------------------------------------------------ */

static void record_call(struct platform *p, unsigned cpu, const struct sdei_regs *in,
			const struct sdei_regs *out, bool switched)
{
	struct platform_call *c;

	if (!p->cfg.record_calls)
		return;
	if (p->ncalls == p->calls_cap) {
		size_t cap = p->calls_cap ? 2 * p->calls_cap : 64;
		struct platform_call *n = realloc(p->calls, cap * sizeof(*n));

		if (!n)
			return; /* the log is best effort; the run is not */
		p->calls = n;
		p->calls_cap = cap;
	}
	c = &p->calls[p->ncalls++];
	c->cpu = cpu;
	c->func = (uint32_t)in->x[0];
	memcpy(c->arg, &in->x[1], sizeof(c->arg));
	memcpy(c->ret, out->x, sizeof(c->ret));
	c->context_switched = switched;
}

/* ---- hvc #0: SMCCC, vendor hyp, SDEI -------------------------------------- */

/* Registers read for a call: x0 (function) and x1..x3, the arguments of
 * every SMCCC function served, plus x4..x5 for SDEI (EVENT_REGISTER) and
 * for the call log.  x6..x17, PC, PSTATE, SPSR_EL1 and ELR_EL1 are never
 * inputs of a call: EVENT_COMPLETE* fill the whole context in from the
 * dispatcher's saved copy.  (Each register access is a Unicorn call.) */
#define SMCCC_ARG_REGS 4
#define SDEI_ARG_REGS 6

/* IRQ entry from user mode inside a run (same steps as
 * platform_irq_from_user); false when the kernel stack is unknown. */
static bool irq_from_user_here(struct platform *p, struct platform_vcpu *v)
{
	uint64_t sp;

	if (plat_kernel_stack(p, v, &sp) != 0)
		return false;
	cpu_set_sp(v->cpu, sp);
	cpu_enter_irq(v->cpu, true, v->user_pc);
	v->in_user = false;
	return true;
}

/* Continue into the idle loop inside a run (platform_enter_idle's steps). */
static bool enter_idle_here(struct platform *p, struct platform_vcpu *v)
{
	uint64_t sp;

	if (plat_kernel_stack(p, v, &sp) != 0)
		return false;
	cpu_set_sp(v->cpu, sp);
	cpu_set_pstate(v->cpu, PSTATE_MODE_EL1h | PSTATE_DAIF);
	cpu_set_pc(v->cpu, p->sym.idle);
	v->in_user = false;
	return true;
}

/* The apfsim range (APFSIM_HC_*): the x86 driver's MSR accesses and CPUID
 * feature leaf, answered by cfg.x86_ops.  x0 = 0 or -1 (#GP), x1 = value. */
static enum cpu_host_action apfsim_call(struct platform_vcpu *v, struct cpu *c, uint32_t fn,
					uint64_t a1, uint64_t a2)
{
	struct platform *p = v->p;
	const struct platform_x86_ops *ops = p->cfg.x86_ops;
	void *ctx = p->cfg.x86_ctx;
	uint64_t val = 0;
	int64_t ret = APFSIM_HC_GP;

	switch (fn) {
	case APFSIM_HC_MSR_WRITE:
		if (ops && ops->msr_write)
			ret = ops->msr_write(ctx, v->index, (uint32_t)a1, a2);
		break;
	case APFSIM_HC_MSR_READ:
		if (ops && ops->msr_read)
			ret = ops->msr_read(ctx, v->index, (uint32_t)a1, &val);
		if (ret != 0)
			val = 0;
		break;
	default: /* APFSIM_HC_KVM_FEATURES */
		ret = 0;
		val = ops && ops->kvm_features ? ops->kvm_features(ctx, v->index) : 0;
		break;
	}
	if (ret != 0)
		ret = APFSIM_HC_GP;
	if (fn != APFSIM_HC_MSR_WRITE)
		cpu_regs_set(c, 0, 2, (const uint64_t[2]){ (uint64_t)ret, val });
	else
		cpu_set_reg(c, 0, (uint64_t)ret);
	if (p->cfg.record_calls) {
		struct sdei_regs in = { .x = { fn, a1, a2 } }, out = in;

		out.x[0] = (uint64_t)ret;
		if (fn != APFSIM_HC_MSR_WRITE)
			out.x[1] = val;
		record_call(p, v->index, &in, &out, false);
	}
	return CPU_CONTINUE;
}

static enum cpu_host_action smccc_call(struct platform_vcpu *v, struct cpu *c)
{
	struct platform *p = v->p;
	struct sdei_regs r, in;
	uint32_t fn;
	bool sdei_fn;
	unsigned nregs, i, lo, hi;
	int ret;

	/* x0..x5 in one engine call; only the first nregs are inputs. */
	cpu_regs_get(c, 0, SDEI_ARG_REGS, r.x);
	fn = (uint32_t)r.x[0];
	sdei_fn = SDEI_IS_FN(fn);
	nregs = sdei_fn || p->cfg.record_calls ? SDEI_ARG_REGS : SMCCC_ARG_REGS;
	p->hypercalls++;
	if (fn >= APFSIM_HC_MSR_WRITE && fn <= APFSIM_HC_KVM_FEATURES)
		return apfsim_call(v, c, fn, r.x[1], r.x[2]);

	r.x[0] = fn;
	for (i = nregs; i < SDEI_NR_CTX_REGS; i++)
		r.x[i] = 0;
	r.pc = r.pstate = r.spsr_el1 = r.elr_el1 = 0;
	in = r;
	ret = smccc_dispatch(p->smccc, v->index, &r);
	if (ret < 0) {
		plat_set_err(p, "cpu%u: smccc_dispatch(0x%08" PRIx32 ") failed: %d", v->index, fn, ret);
		return plat_stop_with(v, PLATFORM_STOP_FAULT);
	}
	record_call(p, v->index, &in, &r, ret == SDEI_CALL_CONTEXT_SWITCHED);
	if (ret != SDEI_CALL_CONTEXT_SWITCHED) {
		/* Write back x0..x3 from the first to the last changed one. */
		for (lo = 0; lo < 4 && r.x[lo] == in.x[lo]; lo++)
			;
		for (hi = 4; hi > lo && r.x[hi - 1] == in.x[hi - 1]; hi--)
			;
		if (hi - lo == 1)
			cpu_set_reg(c, lo, r.x[lo]);
		else if (hi > lo)
			cpu_regs_set(c, lo, hi - lo, &r.x[lo]);
		return CPU_CONTINUE;
	}

	/* EVENT_COMPLETE(_AND_RESUME): *r is the context to resume. */
	cpu_regs_set(c, 0, SDEI_NR_CTX_REGS, r.x);
	if ((r.pstate & PSTATE_M_MASK) == PSTATE_MODE_EL0t) {
		/* Back to user mode: never written into the engine (hflags). */
		v->in_user = true;
		v->user_pc = r.pc;
		v->user_pstate = (uint32_t)r.pstate;
		/* An IRQ already signalled (the handler's reschedule SGI) is
		 * taken at the first user instruction boundary: enter it from
		 * EL0 in this same run rather than stopping and restarting. */
		if (p->cfg.chain_irq && !(r.pstate & PSTATE_I) && gic_irq_asserted(p->gic, v->index) &&
		    irq_from_user_here(p, v))
			return CPU_CONTINUE;
		return plat_stop_with(v, PLATFORM_STOP_USER);
	}
	/* COMPLETE_AND_RESUME enters the handler again with a new return
	 * state; plain COMPLETE leaves ELR/SPSR alone. */
	if (r.spsr_el1 != in.spsr_el1 || r.elr_el1 != in.elr_el1) {
		cpu_set_sysreg(c, CPU_SYSREG_SPSR_EL1, r.spsr_el1);
		cpu_set_sysreg(c, CPU_SYSREG_ELR_EL1, r.elr_el1);
	}
	cpu_set_pstate(c, (uint32_t)r.pstate);
	cpu_set_pc(c, r.pc);
	return CPU_CONTINUE;
}

/* ---- hvc #0xA5F: simulator calls ------------------------------------------ */

static enum cpu_host_action simcall(struct platform_vcpu *v, struct cpu *c)
{
	struct platform *p = v->p;
	const struct platform_sched_ops *s = p->cfg.sched;
	void *ctx = p->cfg.sched_ctx;
	uint64_t x[3], nr, a1;

	cpu_regs_get(c, 0, 3, x);
	nr = x[0];
	a1 = x[1];

	if (nr < PLATFORM_SIMCALL_MAX)
		p->simcalls[nr]++;
	switch (nr) {
	case SIMCALL_BOOT_DONE:
		if (s && s->boot_done)
			s->boot_done(ctx, v->index, (uint32_t)a1);
		cpu_set_reg(c, 0, 0);
		return plat_stop_with(v, PLATFORM_STOP_BOOT_DONE);
	case SIMCALL_HOTPLUG_DONE:
		if (s && s->boot_done)
			s->boot_done(ctx, v->index, (uint32_t)a1);
		cpu_set_reg(c, 0, 0);
		return plat_stop_with(v, PLATFORM_STOP_HOTPLUG_DONE);
	case SIMCALL_SCHEDULE: {
		struct guest_task *cur;

		cpu_set_reg(c, 0, 0);
		if (s && s->schedule && s->schedule(ctx, v->index, (uint32_t)a1)) {
			/* Switched away with nothing runnable: the CPU goes idle,
			 * so continue into the idle loop without ending the run. */
			if (a1 != GUEST_SCHED_IDLE && s->runnable && !s->runnable(ctx, v->index) &&
			    enter_idle_here(p, v))
				return CPU_CONTINUE;
			return plat_stop_with(v, PLATFORM_STOP_SWITCH);
		}
		/* Keeping a task whose TIF_ASYNC_PF is still set would spin the
		 * guest's park loop forever: a scheduler bug, reported as such. */
		cur = platform_task(p, plat_percpu_of(p, v->index)->current);
		if (a1 == GUEST_SCHED_PARK && cur && (cur->flags & GUEST_TIF_ASYNC_PF)) {
			plat_set_err(p, "cpu%u: scheduler kept task %u running although it must park "
				   "(TIF_ASYNC_PF set)", v->index, plat_percpu_of(p, v->index)->current);
			return plat_stop_with(v, PLATFORM_STOP_FAULT);
		}
		/* The x86 wait only calls while its node is hashed, and nothing
		 * but guest code can unhash it: keeping the task would spin. */
		if (a1 == GUEST_SCHED_WAIT) {
			plat_set_err(p, "cpu%u: scheduler kept task %u running although it waits for "
				   "token 0x%" PRIx64 " (GUEST_SCHED_WAIT)", v->index,
				plat_percpu_of(p, v->index)->current, x[2]);
			return plat_stop_with(v, PLATFORM_STOP_FAULT);
		}
		return CPU_CONTINUE;
	}
	case SIMCALL_WAKE:
		if (s && s->wake)
			s->wake(ctx, v->index, (uint32_t)a1);
		break;
	case SIMCALL_WARN:
		if (s && s->warn)
			s->warn(ctx, v->index, (uint32_t)a1, x[2]);
		break;
	case SIMCALL_LOG:
		if (s && s->log)
			s->log(ctx, v->index, (uint32_t)a1, x[2]);
		break;
	default:
		plat_set_err(p, "cpu%u: unknown simulator call %" PRIu64 " at pc 0x%" PRIx64, v->index, nr,
			cpu_pc(c) - 4);
		return plat_stop_with(v, PLATFORM_STOP_FAULT);
	}
	cpu_set_reg(c, 0, 0);
	return CPU_CONTINUE;
}

enum cpu_host_action plat_hvc(void *ctx, struct cpu *c, bool smc, uint16_t imm16)
{
	struct platform_vcpu *v = ctx;

	if (smc) {
		/* No secure firmware behind this virtual platform. */
		cpu_set_reg(c, 0, (uint64_t)(int64_t)SMCCC_RET_NOT_SUPPORTED);
		return CPU_CONTINUE;
	}
	if (imm16 == GUEST_SIMCALL_IMM)
		return simcall(v, c);
	/* KVM ignores the HVC immediate: any other one is an SMCCC call. */
	enum cpu_host_action a = smccc_call(v, c);
	/* The call moved the caller's clock: with a deadline, stop after it
	 * (the run loop asks the deadline again and goes on) unless the
	 * deadline no longer applies.  A stop the call made wins. */
	if (a == CPU_CONTINUE && v->deadline &&
	    v->deadline(v->deadline_ctx, v->index, v->run_base + cpu_run_insns(c)) != PLATFORM_NO_DEADLINE) {
		v->recheck = true;
		return CPU_STOP;
	}
	return a;
}
