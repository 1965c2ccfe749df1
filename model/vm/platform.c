/* platform.c — builds the guest platform (RAM, image, vCPUs, GICv3, SDEI,
 * SMCCC) and routes every exit of the aarch64 guest kernel to the right
 * host model.  Interfaces: model/vm/platform.h; the guest side of the
 * contract: workloads/guest/guest_abi.h and docs/guest-abi.md.
 *
 * Protocol references: docs/reference.md §2.2 (SMCCC/SDEI numbers), §2.3 (the
 * shared buffer), §2.7 e (SDEI delivery and completion), §2.8 (the guest
 * driver these exits come from); §3.4/§3.6 for the x86-semantics driver
 * (apfsim hypercalls, the async #PF as a synchronous exception).
 *
 * Invariants:
 *   - every Unicorn engine stays at EL1 (UNICORN-NOTES.md §2).  A vCPU in
 *     user mode keeps its user PC/PSTATE here, never in the engine;
 *   - entries from user mode start on the CPU's empty kernel stack
 *     (guest_percpu.kstack_top), as SP_EL1 would be on real hardware;
 *   - a host op that ends a run records why in vcpu->pending before it
 *     returns CPU_STOP, and run_loop() reports exactly that reason.
 */
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

/* MMIO: cpu.h has no mapping call yet, so the GIC frames are mapped with
 * Unicorn directly through the engine handle in cpu_internal.h.  To be
 * replaced by cpu_map_mmio() once the CPU module offers it. */
#include "cpu/cpu_internal.h"

#define PLATFORM_ERR_LEN 320
#define PLATFORM_DEFAULT_CNTFRQ 62500000ull
#define PLATFORM_SIMCALL_MAX 8

_Static_assert(GUEST_GICD_BASE == GIC_DIST_BASE, "guest_abi.h GICD base == gic/gic.h");
_Static_assert(GUEST_GICR_BASE == GIC_REDIST_BASE, "guest_abi.h GICR base == gic/gic.h");
_Static_assert(GUEST_GICR_STRIDE == GIC_REDIST_STRIDE, "guest_abi.h GICR stride == gic/gic.h");
_Static_assert(GUEST_MAX_CPUS <= GIC_MAX_CPUS, "GIC affinity covers every guest CPU");
_Static_assert(GUEST_SDEI_EVENT_COMPLETE == SDEI_EVENT_COMPLETE, "SDEI numbering (docs/reference.md §2.2)");
_Static_assert(GUEST_SMCCC_VENDOR_HYP_KVM_ASYNC_PF == SMCCC_VENDOR_HYP_KVM_ASYNC_PF_FUNC_ID,
	       "ASYNC_PF function ID agrees with smccc/");

struct platform_vcpu {
	struct platform *p;
	unsigned index;
	struct cpu *cpu;
	bool in_user;
	uint64_t user_pc;
	uint32_t user_pstate;
	bool has_pending;		/* a host op asked the run to stop */
	enum platform_stop pending;
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

static void set_err(struct platform *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_err(struct platform *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
}

/* End the current run with `why` (from a host op). */
static enum cpu_host_action stop_with(struct platform_vcpu *v, enum platform_stop why)
{
	v->has_pending = true;
	v->pending = why;
	return CPU_STOP;
}

static struct guest_percpu *percpu_of(struct platform *p, unsigned cpu)
{
	return (struct guest_percpu *)((char *)p->ram + (p->sym.percpu - GUEST_RAM_BASE)) + cpu;
}

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

static int kernel_stack(struct platform *p, struct platform_vcpu *v, uint64_t *sp);

/* IRQ entry from user mode inside a run (same steps as
 * platform_irq_from_user); false when the kernel stack is unknown. */
static bool irq_from_user_here(struct platform *p, struct platform_vcpu *v)
{
	uint64_t sp;

	if (kernel_stack(p, v, &sp) != 0)
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

	if (kernel_stack(p, v, &sp) != 0)
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
		set_err(p, "cpu%u: smccc_dispatch(0x%08" PRIx32 ") failed: %d", v->index, fn, ret);
		return stop_with(v, PLATFORM_STOP_FAULT);
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
		return stop_with(v, PLATFORM_STOP_USER);
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
		return stop_with(v, PLATFORM_STOP_BOOT_DONE);
	case SIMCALL_HOTPLUG_DONE:
		if (s && s->boot_done)
			s->boot_done(ctx, v->index, (uint32_t)a1);
		cpu_set_reg(c, 0, 0);
		return stop_with(v, PLATFORM_STOP_HOTPLUG_DONE);
	case SIMCALL_SCHEDULE: {
		struct guest_task *cur;

		cpu_set_reg(c, 0, 0);
		if (s && s->schedule && s->schedule(ctx, v->index, (uint32_t)a1)) {
			/* Switched away with nothing runnable: the CPU goes idle,
			 * so continue into the idle loop without ending the run. */
			if (a1 != GUEST_SCHED_IDLE && s->runnable && !s->runnable(ctx, v->index) &&
			    enter_idle_here(p, v))
				return CPU_CONTINUE;
			return stop_with(v, PLATFORM_STOP_SWITCH);
		}
		/* Keeping a task whose TIF_ASYNC_PF is still set would spin the
		 * guest's park loop forever: a scheduler bug, reported as such. */
		cur = platform_task(p, percpu_of(p, v->index)->current);
		if (a1 == GUEST_SCHED_PARK && cur && (cur->flags & GUEST_TIF_ASYNC_PF)) {
			set_err(p, "cpu%u: scheduler kept task %u running although it must park "
				   "(TIF_ASYNC_PF set)", v->index, percpu_of(p, v->index)->current);
			return stop_with(v, PLATFORM_STOP_FAULT);
		}
		/* The x86 wait only calls while its node is hashed, and nothing
		 * but guest code can unhash it: keeping the task would spin. */
		if (a1 == GUEST_SCHED_WAIT) {
			set_err(p, "cpu%u: scheduler kept task %u running although it waits for "
				   "token 0x%" PRIx64 " (GUEST_SCHED_WAIT)", v->index,
				percpu_of(p, v->index)->current, x[2]);
			return stop_with(v, PLATFORM_STOP_FAULT);
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
		set_err(p, "cpu%u: unknown simulator call %" PRIu64 " at pc 0x%" PRIx64, v->index, nr,
			cpu_pc(c) - 4);
		return stop_with(v, PLATFORM_STOP_FAULT);
	}
	cpu_set_reg(c, 0, 0);
	return CPU_CONTINUE;
}

static enum cpu_host_action plat_hvc(void *ctx, struct cpu *c, bool smc, uint16_t imm16)
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
	return smccc_call(v, c);
}

/* ---- system registers, counter, GIC wiring -------------------------------- */

static uint32_t gic_enc(uint32_t enc)
{
	return GIC_SYSREG_ENC(CPU_SYSREG_OP0(enc), CPU_SYSREG_OP1(enc), CPU_SYSREG_CRN(enc),
			      CPU_SYSREG_CRM(enc), CPU_SYSREG_OP2(enc));
}

static bool plat_sysreg_read(void *ctx, struct cpu *c, uint32_t enc, uint64_t *val)
{
	struct platform_vcpu *v = ctx;

	(void)c;
	return gic_sysreg_read(v->p->gic, v->index, gic_enc(enc), val) == 0;
}

static bool plat_sysreg_write(void *ctx, struct cpu *c, uint32_t enc, uint64_t val,
			      enum cpu_host_action *action)
{
	struct platform_vcpu *v = ctx;

	const struct platform_sched_ops *s = v->p->cfg.sched;

	(void)c;
	*action = CPU_CONTINUE;
	if (gic_enc(enc) == ICC_SGI1R_EL1 && s && s->sgi_write && s->sgi_write(v->p->cfg.sched_ctx, v->index, val))
		return true;
	return gic_sysreg_write(v->p->gic, v->index, gic_enc(enc), val) == 0;
}

static uint64_t plat_counter(void *ctx, struct cpu *c)
{
	struct platform_vcpu *v = ctx;
	const struct platform_sched_ops *s = v->p->cfg.sched;

	(void)c;
	return s && s->counter ? s->counter(v->p->cfg.sched_ctx, v->index) : 0;
}

static void plat_irq_changed(void *ctx, unsigned cpu, bool asserted)
{
	struct platform *p = ctx;
	const struct platform_sched_ops *s = p->cfg.sched;

	if (cpu >= p->cfg.ncpus)
		return;
	cpu_set_irq_line(p->v[cpu].cpu, asserted);
	if (s && s->irq_changed)
		s->irq_changed(p->cfg.sched_ctx, cpu, asserted);
}

/* GIC MMIO.  A rejected access (bad size or offset) ends the run with a
 * fault naming it. */
static void mmio_fault(struct platform_vcpu *v, const char *frame, bool write, uint64_t off,
		       unsigned size)
{
	set_err(v->p, "cpu%u: bad %u-byte GIC %s %s at offset 0x%" PRIx64, v->index, size, frame,
		write ? "write" : "read", off);
	stop_with(v, PLATFORM_STOP_FAULT);
	cpu_request_stop(v->cpu);
}

static uint64_t gicd_read(uc_engine *uc, uint64_t off, unsigned size, void *ud)
{
	struct platform_vcpu *v = ud;
	uint64_t val = 0;

	(void)uc;
	if (gic_dist_mmio_read(v->p->gic, off, size, &val) != 0)
		mmio_fault(v, "distributor", false, off, size);
	return val;
}

static void gicd_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t val, void *ud)
{
	struct platform_vcpu *v = ud;

	(void)uc;
	if (gic_dist_mmio_write(v->p->gic, off, size, val) != 0)
		mmio_fault(v, "distributor", true, off, size);
}

static uint64_t gicr_read(uc_engine *uc, uint64_t off, unsigned size, void *ud)
{
	struct platform_vcpu *v = ud;
	uint64_t val = 0;

	(void)uc;
	if (gic_redist_mmio_read(v->p->gic, off, size, &val) != 0)
		mmio_fault(v, "redistributor", false, off, size);
	return val;
}

static void gicr_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t val, void *ud)
{
	struct platform_vcpu *v = ud;

	(void)uc;
	if (gic_redist_mmio_write(v->p->gic, off, size, val) != 0)
		mmio_fault(v, "redistributor", true, off, size);
}

static int map_gic_frames(struct platform *p, struct platform_vcpu *v)
{
	uc_engine *uc = v->cpu->uc;
	uint64_t rsize = gic_redist_region_size(p->gic);
	uc_err e;

	e = uc_mmio_map(uc, GIC_DIST_BASE, GIC_DIST_SIZE, gicd_read, v, gicd_write, v);
	if (e == UC_ERR_OK)
		e = uc_mmio_map(uc, GIC_REDIST_BASE, rsize, gicr_read, v, gicr_write, v);
	if (e != UC_ERR_OK) {
		set_err(p, "cpu%u: uc_mmio_map(GIC frames): %s", v->index, uc_strerror(e));
		return -1;
	}
	return 0;
}

/* ---- creation ------------------------------------------------------------- */

/* [addr, addr + len) lies inside the kernel region, computed without wrapping. */
static bool in_kernel_region(uint64_t addr, uint64_t len)
{
	return addr >= GUEST_RAM_BASE && len <= GUEST_KERNEL_SIZE &&
	       addr - GUEST_RAM_BASE <= GUEST_KERNEL_SIZE - len;
}

int platform_check_image(const struct cpu_image *img, const char *what, struct platform_syms *out,
			 char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t off;
		uint64_t size;		/* bytes the platform reads or writes there; 4 = code */
	} required[] = {
		{ GUEST_SYM_BOOT, offsetof(struct platform_syms, boot), 4 },
		{ GUEST_SYM_VECTORS, offsetof(struct platform_syms, vectors), 0x800 },
		{ GUEST_SYM_SDEI_ENTRY, offsetof(struct platform_syms, sdei_entry), 4 },
		{ GUEST_SYM_RET_TO_USER, offsetof(struct platform_syms, ret_to_user), 4 },
		{ GUEST_SYM_IDLE, offsetof(struct platform_syms, idle), 4 },
		{ GUEST_SYM_PERCPU, offsetof(struct platform_syms, percpu),
		  (uint64_t)GUEST_MAX_CPUS * sizeof(struct guest_percpu) },
		{ GUEST_SYM_TASKS, offsetof(struct platform_syms, tasks),
		  (uint64_t)GUEST_NR_TASK_SLOTS * sizeof(struct guest_task) },
		{ GUEST_SYM_BOOT_PARAMS, offsetof(struct platform_syms, boot_params),
		  sizeof(struct guest_boot_params) },
	};
	struct platform_syms s = { 0 };
	size_t i;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		uint64_t *dst = (uint64_t *)((char *)&s + required[i].off);

		if (cpu_image_symbol(img, required[i].name, dst) != 0) {
			snprintf(err, errlen, "%s: required symbol '%s' is missing (docs/guest-abi.md)", what,
				 required[i].name);
			return -1;
		}
		if (!in_kernel_region(*dst, required[i].size)) {
			snprintf(err, errlen, "%s: %s at 0x%" PRIx64 " (%" PRIu64 " bytes) must lie in the "
				 "kernel region [0x%llx, 0x%llx)", what, required[i].name, *dst,
				 required[i].size, GUEST_RAM_BASE, GUEST_RAM_BASE + GUEST_KERNEL_SIZE);
			return -1;
		}
	}
	if (cpu_image_symbol(img, GUEST_SYM_HOTPLUG, &s.hotplug) != 0)
		s.hotplug = 0;
	else if (!in_kernel_region(s.hotplug, 4)) {
		snprintf(err, errlen, "%s: %s at 0x%" PRIx64 " must lie in the kernel region [0x%llx, 0x%llx)",
			 what, GUEST_SYM_HOTPLUG, s.hotplug, GUEST_RAM_BASE, GUEST_RAM_BASE + GUEST_KERNEL_SIZE);
		return -1;
	}
	if (s.vectors & 0x7FF) {
		snprintf(err, errlen, "%s: guest_vectors at 0x%" PRIx64 " is not 2 KiB aligned", what, s.vectors);
		return -1;
	}
	if ((s.percpu & 63) || (s.tasks & 3) || (s.boot_params & 3)) {
		snprintf(err, errlen, "%s: guest_percpu must be 64-byte aligned, guest_tasks and "
			 "guest_boot_params 4-byte aligned", what);
		return -1;
	}
	*out = s;
	return 0;
}

static int load_image(struct platform *p)
{
	const char *what = p->cfg.guest_image ? p->cfg.guest_image : "built-in guest image";
	char msg[256];

	if (p->cfg.guest_image)
		p->img = cpu_image_load_file(p->cfg.guest_image, msg, sizeof(msg));
	else
		p->img = cpu_image_load_memory(apfsim_guest_elf, apfsim_guest_elf_size, msg, sizeof(msg));
	if (!p->img) {
		set_err(p, "%s: %s", what, msg);
		return -1;
	}
	if (platform_check_image(p->img, what, &p->sym, msg, sizeof(msg))) {
		set_err(p, "%s", msg);
		return -1;
	}
	if (cpu_image_place(p->img, p->ram, GUEST_RAM_BASE, GUEST_KERNEL_SIZE, msg, sizeof(msg))) {
		set_err(p, "%s: %s", what, msg);
		return -1;
	}
	return 0;
}

static void init_shared_memory(struct platform *p)
{
	struct guest_boot_params *bp = platform_boot_params(p);
	uint32_t t;

	bp->flags = p->cfg.boot_flags;
	bp->ncpus = p->cfg.ncpus;
	for (t = 0; t < GUEST_NR_TASK_SLOTS; t++) {
		struct guest_task *task = platform_task(p, t);

		task->flags = 0;
		task->state = GUEST_TASK_UNUSED;
		task->cpu = 0;
		task->wait_ref = GUEST_NO_WAIT;
	}
}

struct platform *platform_create(const struct platform_config *cfg, char *err, size_t errlen)
{
	struct platform *p;
	char msg[256];
	unsigned i;

	if (cfg->ncpus == 0 || cfg->ncpus > GUEST_MAX_CPUS) {
		snprintf(err, errlen, "platform: %u vCPUs requested, 1..%u supported", cfg->ncpus,
			 GUEST_MAX_CPUS);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "platform: out of memory");
		return NULL;
	}
	p->cfg = *cfg;
	if (!p->cfg.cntfrq)
		p->cfg.cntfrq = PLATFORM_DEFAULT_CNTFRQ;
	p->sdei_event = cfg->sdei_event ? cfg->sdei_event : KVM_SDEI_ASYNC_PF_NUM;
	p->ops.hvc = plat_hvc;
	p->ops.sysreg_read = plat_sysreg_read;
	p->ops.sysreg_write = plat_sysreg_write;
	p->ops.counter = plat_counter;

	/* Step 1: the kernel region of guest RAM, zeroed, and the image. */
	p->ram = aligned_alloc(4096, GUEST_KERNEL_SIZE);
	if (!p->ram) {
		set_err(p, "platform: cannot allocate %llu bytes of guest RAM", GUEST_KERNEL_SIZE);
		goto fail;
	}
	memset(p->ram, 0, GUEST_KERNEL_SIZE);
	if (load_image(p) != 0)
		goto fail;
	init_shared_memory(p);

	/* Step 2: GIC, SDEI (with the APF event: private, critical,
	 * signalable, as KVM declares it, §2.2) and SMCCC. */
	p->gic = gic_create(cfg->ncpus);
	p->sdei = sdei_create(cfg->ncpus);
	if (!p->gic || !p->sdei) {
		set_err(p, "platform: cannot create the GIC or SDEI model");
		goto fail;
	}
	gic_set_irq_changed(p->gic, plat_irq_changed, p);
	if (sdei_add_event(p->sdei, p->sdei_event, SDEI_EVENT_PRIORITY_CRITICAL, true) != 0) {
		set_err(p, "platform: SDEI event 0x%" PRIx64 " is not a valid KVM-virtual event "
			   "(32 bits, bits [23:22] == 1)", p->sdei_event);
		goto fail;
	}
	/* KVM v4 sets SPSR_EL1 only at delivery (docs/reference.md §2.7 e). */
	sdei_set_deliver_writes_elr(p->sdei, false);
	p->smccc = smccc_create(cfg->ncpus, p->sdei, cfg->apf_ops, cfg->apf_ctx);
	if (!p->smccc) {
		set_err(p, "platform: cannot create the SMCCC model");
		goto fail;
	}

	/* Step 3: one engine per vCPU on the shared RAM, GIC frames, and the
	 * return-to-user sentinel. */
	p->v = calloc(cfg->ncpus, sizeof(*p->v));
	if (!p->v) {
		set_err(p, "platform: out of memory");
		goto fail;
	}
	for (i = 0; i < cfg->ncpus; i++) {
		struct platform_vcpu *v = &p->v[i];
		struct cpu_config cc = {
			.index = i,
			.ram = p->ram,
			.ram_base = GUEST_RAM_BASE,
			.ram_size = GUEST_KERNEL_SIZE,
			.cntfrq = p->cfg.cntfrq,
			.ops = &p->ops,
			.ops_ctx = v,
			.insn_trace = cfg->insn_trace,
		};

		v->p = p;
		v->index = i;
		v->cpu = cpu_create(&cc, msg, sizeof(msg));
		if (!v->cpu) {
			set_err(p, "platform: %s", msg);
			goto fail;
		}
		if (map_gic_frames(p, v) != 0)
			goto fail;
		if (cpu_add_sentinel(v->cpu, p->sym.ret_to_user) != 0) {
			set_err(p, "cpu%u: cannot add the sentinel at guest_ret_to_user_eret", i);
			goto fail;
		}
	}
	return p;

fail:
	snprintf(err, errlen, "%s", p->err);
	platform_destroy(p);
	return NULL;
}

void platform_destroy(struct platform *p)
{
	unsigned i;

	if (!p)
		return;
	if (p->v)
		for (i = 0; i < p->cfg.ncpus; i++)
			if (p->v[i].cpu)
				cpu_destroy(p->v[i].cpu);
	free(p->v);
	smccc_destroy(p->smccc);
	sdei_destroy(p->sdei);
	gic_destroy(p->gic);
	if (p->img)
		cpu_image_free(p->img);
	free(p->ram);
	free(p->calls);
	free(p);
}

/* ---- running -------------------------------------------------------------- */

static struct platform_run_result run_loop(struct platform *p, struct platform_vcpu *v,
					   uint64_t budget)
{
	struct platform_run_result res = { .reason = PLATFORM_STOP_FAULT };
	struct cpu_run_result r;

	for (;;) {
		uint64_t left = 0;

		if (budget) {
			if (res.insns >= budget) {
				res.reason = PLATFORM_STOP_BUDGET;
				return res;
			}
			left = budget - res.insns;
		}
		v->has_pending = false;
		/* An IRQ signalled while unmasked is taken before the next
		 * instruction: enter it now instead of starting the engine only
		 * for its block hook to stop at once (resume from WFI). */
		if (gic_irq_asserted(p->gic, v->index) && !(cpu_pstate(v->cpu) & PSTATE_I))
			cpu_enter_irq(v->cpu, false, cpu_pc(v->cpu));
		r = cpu_run(v->cpu, left);
		res.insns += r.insns;
		res.pc = r.pc;
		switch (r.reason) {
		case CPU_STOP_SENTINEL:
			if (r.pc != p->sym.ret_to_user) {
				set_err(p, "cpu%u: stopped at unexpected sentinel 0x%" PRIx64, v->index,
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
			if (!v->has_pending) {
				set_err(p, "cpu%u: run stopped by the host for no recorded reason",
					v->index);
				return res;
			}
			res.reason = v->pending;
			if (res.reason == PLATFORM_STOP_USER)
				res.pc = v->user_pc;
			return res;
		case CPU_STOP_BUDGET:
			res.reason = PLATFORM_STOP_BUDGET;
			return res;
		case CPU_STOP_FAULT:
			/* A fault raised by an MMIO callback carries our message. */
			if (!(v->has_pending && v->pending == PLATFORM_STOP_FAULT))
				set_err(p, "cpu%u: guest fault at 0x%" PRIx64 ": %s", v->index, r.pc,
					cpu_fault_reason(v->cpu));
			return res;
		}
	}
}

static struct platform_vcpu *vcpu_of(struct platform *p, unsigned cpu)
{
	if (cpu >= p->cfg.ncpus) {
		set_err(p, "platform: no vCPU %u (have %u)", cpu, p->cfg.ncpus);
		return NULL;
	}
	return &p->v[cpu];
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
			set_err(p, "cpu%u: guest_boot stopped at 0x%" PRIx64 " before SIMCALL_BOOT_DONE",
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
		set_err(p, "cpu%u: the guest image has no '%s' (docs/guest-abi.md)", cpu,
			GUEST_SYM_HOTPLUG);
		return bad_cpu;
	}
	if (kernel_stack(p, v, &sp) != 0)
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
			set_err(p, "cpu%u: guest_hotplug stopped at 0x%" PRIx64
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
		set_err(p, "cpu%u: platform_run while in user mode (use platform_irq_from_user)",
			cpu);
		return bad_cpu;
	}
	return run_loop(p, v, budget);
}

/* The empty kernel stack the guest recorded at boot. */
static int kernel_stack(struct platform *p, struct platform_vcpu *v, uint64_t *sp)
{
	*sp = percpu_of(p, v->index)->kstack_top;
	if (*sp == 0) {
		set_err(p, "cpu%u: not booted (guest_percpu.kstack_top is 0)", v->index);
		return -1;
	}
	return 0;
}

struct platform_run_result platform_enter_idle(struct platform *p, unsigned cpu, uint64_t budget)
{
	struct platform_vcpu *v = vcpu_of(p, cpu);
	uint64_t sp;

	if (!v || kernel_stack(p, v, &sp) != 0)
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

	if (!v || kernel_stack(p, v, &sp) != 0)
		return bad_cpu;
	if (!v->in_user) {
		set_err(p, "cpu%u: platform_irq_from_user while not in user mode", cpu);
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

	if (!v || (v->in_user && kernel_stack(p, v, &sp) != 0))
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
		set_err(p, "cpu%u: sdei_deliver: %s", cpu,
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
		if (kernel_stack(p, v, &sp) != 0)
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

/* ---- accessors ------------------------------------------------------------ */

bool platform_in_user(const struct platform *p, unsigned cpu)
{
	return cpu < p->cfg.ncpus && p->v[cpu].in_user;
}

uint64_t platform_user_pc(const struct platform *p, unsigned cpu)
{
	return cpu < p->cfg.ncpus ? p->v[cpu].user_pc : 0;
}

uint32_t platform_user_pstate(const struct platform *p, unsigned cpu)
{
	return cpu < p->cfg.ncpus ? p->v[cpu].user_pstate : 0;
}

const char *platform_error(const struct platform *p)
{
	return p->err;
}

unsigned platform_ncpus(const struct platform *p)
{
	return p->cfg.ncpus;
}

struct guest_percpu *platform_percpu(struct platform *p, unsigned cpu)
{
	return cpu < GUEST_MAX_CPUS ? percpu_of(p, cpu) : NULL;
}

struct guest_task *platform_task(struct platform *p, uint32_t task)
{
	if (task >= GUEST_NR_TASK_SLOTS)
		return NULL;
	return (struct guest_task *)((char *)p->ram + (p->sym.tasks - GUEST_RAM_BASE)) + task;
}

struct guest_boot_params *platform_boot_params(struct platform *p)
{
	return (struct guest_boot_params *)((char *)p->ram + (p->sym.boot_params - GUEST_RAM_BASE));
}

uint64_t platform_symbol(const struct platform *p, const char *name)
{
	uint64_t addr;

	return cpu_image_symbol(p->img, name, &addr) == 0 ? addr : 0;
}

void *platform_guest_ptr(struct platform *p, uint64_t gpa, size_t len)
{
	if (gpa < GUEST_RAM_BASE || len > GUEST_KERNEL_SIZE ||
	    gpa - GUEST_RAM_BASE > GUEST_KERNEL_SIZE - len)
		return NULL;
	return (char *)p->ram + (gpa - GUEST_RAM_BASE);
}

struct cpu *platform_cpu(struct platform *p, unsigned cpu)
{
	return cpu < p->cfg.ncpus ? p->v[cpu].cpu : NULL;
}

struct gic *platform_gic(struct platform *p)
{
	return p->gic;
}

struct sdei *platform_sdei(struct platform *p)
{
	return p->sdei;
}

struct smccc *platform_smccc(struct platform *p)
{
	return p->smccc;
}

uint64_t platform_sdei_event(const struct platform *p)
{
	return p->sdei_event;
}

const struct platform_call *platform_calls(const struct platform *p, size_t *n)
{
	*n = p->ncalls;
	return p->calls;
}

void platform_clear_calls(struct platform *p)
{
	p->ncalls = 0;
}

uint64_t platform_simcall_count(const struct platform *p, unsigned nr)
{
	return nr < PLATFORM_SIMCALL_MAX ? p->simcalls[nr] : 0;
}

uint64_t platform_hypercalls(const struct platform *p)
{
	return p->hypercalls;
}
