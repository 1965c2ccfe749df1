/* cpu.c — one aarch64 vCPU on a Unicorn 2.0.1 engine: set-up, the run loop
 * and the hooks through which guest code reaches the host models.
 *
 * Set-up (docs/cpu.md): one engine per vCPU, the shared RAM buffer mapped
 * once with uc_mem_map_ptr, SCR_EL3 = NS|HCE|RW and HCR_EL2.RW so that a
 * guest `eret` EL1 -> EL1 is legal and HVC traps as EXCP_HVC
 * (UNICORN-NOTES.md §2, §3).  Hooks, all added before any code is
 * translated (§5e gotcha 1):
 *   UC_HOOK_BLOCK, all code   instruction accounting, pending stop, IRQ, budget
 *   UC_HOOK_CODE, per sentinel stop before the sentinel instruction runs
 *   UC_HOOK_INTR              HVC/SMC -> ops->hvc; UDEF and the rest -> fault
 *   UC_HOOK_INSN MRS / MSR    counter, MPIDR, ICC_* and timers -> host
 *   UC_HOOK_MEM_*_UNMAPPED    access outside guest RAM -> fault
 * There are no per-instruction hooks unless an instruction trace is asked
 * for, and no memory hooks on RAM (§5f).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_internal.h"

/* Architectural values written at creation (Arm ARM D13.2.117, D13.2.48). */
#define SCR_EL3_NS (1u << 0)
#define SCR_EL3_HCE (1u << 8)
#define SCR_EL3_RW (1u << 10)
#define HCR_EL2_RW (1ull << 31)
#define MPIDR_EL1_RES1 (1ull << 31)

/* QEMU exception numbers seen by UC_HOOK_INTR (UNICORN-NOTES.md §3). */
#define EXCP_UDEF 1
#define EXCP_SWI 2
#define EXCP_PREFETCH_ABORT 3
#define EXCP_DATA_ABORT 4
#define EXCP_BKPT 7
#define EXCP_HVC 11
#define EXCP_SMC 13

#define INSN_WFI 0xd503207fu

/* MRS/MSR (register) encoding: 1101 0101 00 L 1 o0 op1 CRn CRm op2 Rt. */
#define INSN_SYSREG_MASK 0xffd00000u
#define INSN_SYSREG_BITS 0xd5100000u
#define INSN_SYSREG_L (1u << 21)

static const char *const stop_names[] = {
	[CPU_STOP_SENTINEL] = "sentinel",
	[CPU_STOP_WFI] = "wfi",
	[CPU_STOP_HOST] = "host",
	[CPU_STOP_IRQ] = "irq",
	[CPU_STOP_BUDGET] = "budget",
	[CPU_STOP_FAULT] = "fault",
};

const char *cpu_stop_reason_name(enum cpu_stop_reason r)
{
	if ((unsigned)r < sizeof(stop_names) / sizeof(stop_names[0]) && stop_names[r])
		return stop_names[r];
	return "?";
}

/* ---- small helpers ------------------------------------------------------ */

void cpu_note_err(struct cpu *c, const char *what, uc_err err)
{
	if (c->acc_err == UC_ERR_OK) {
		c->acc_err = err;
		c->acc_what = what;
	}
}

bool cpu_fetch_insn(const struct cpu *c, uint64_t pc, uint32_t *insn)
{
	const uint8_t *p;

	if (pc < c->cfg.ram_base || pc - c->cfg.ram_base > c->cfg.ram_size - 4 || (pc & 3))
		return false;
	p = (const uint8_t *)c->cfg.ram + (pc - c->cfg.ram_base);
	/* Guest code is little-endian, as is every host this builds on. */
	*insn = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return true;
}

/* Ask Unicorn to end the run.  uc_emu_stop() can only fail when no run is
 * active, and the block hook re-issues it at the next block whenever
 * c->stop is set, so its result carries no information here. */
static void stop_engine(struct cpu *c)
{
	(void)uc_emu_stop(c->uc);
}

static void set_stop(struct cpu *c, enum cpu_pending why)
{
	if (c->stop == CPU_PENDING_NONE)
		c->stop = why;
	stop_engine(c);
}

void cpu_fault(struct cpu *c, uint64_t pc, const char *fmt, ...)
{
	va_list ap;

	if (c->stop == CPU_PENDING_FAULT)
		return;
	c->stop = CPU_PENDING_FAULT;
	c->fault_pc = pc;
	va_start(ap, fmt);
	vsnprintf(c->fault_msg, sizeof(c->fault_msg), fmt, ap);
	va_end(ap);
}

/* PC and PSTATE go through a copy while the engine is stopped (struct cpu:
 * pc_valid, ps_valid): the host reads them several times around each entry
 * and Unicorn's single-register calls were ~30 per APF round trip.  A
 * write of the value already there is skipped. */
static uint64_t read_pc(struct cpu *c)
{
	uint64_t pc = 0;
	uc_err e;

	if (!c->running && c->pc_valid)
		return c->pc_copy;
	e = uc_reg_read(c->uc, UC_ARM64_REG_PC, &pc);
	if (e != UC_ERR_OK)
		cpu_note_err(c, "uc_reg_read(PC)", e);
	else if (!c->running) {
		c->pc_copy = pc;
		c->pc_valid = true;
	}
	return pc;
}

/* Outside a run the new PC only goes into the copy: the next run's
 * uc_emu_start(begin = PC) writes the engine's PC itself, so writing it
 * here as well was one redundant engine call per entry (every entry to a
 * handler sets PC).  Nothing reads the engine's PC between runs except
 * read_pc, which answers from the copy. */
static void write_pc(struct cpu *c, uint64_t pc)
{
	uc_err e;

	if (!c->running) {
		c->pc_copy = pc;
		c->pc_valid = true;
		return;
	}
	c->pc_valid = false;
	e = uc_reg_write(c->uc, UC_ARM64_REG_PC, &pc);
	if (e != UC_ERR_OK)
		cpu_note_err(c, "uc_reg_write(PC)", e);
}

static int xreg_id(unsigned n)
{
	if (n <= 28)
		return UC_ARM64_REG_X0 + (int)n;
	if (n == 29)
		return UC_ARM64_REG_X29;
	if (n == 30)
		return UC_ARM64_REG_X30;
	return UC_ARM64_REG_INVALID;
}

static void sysreg_name(uint32_t enc, char *buf, size_t len)
{
	snprintf(buf, len, "S%u_%u_C%u_C%u_%u", CPU_SYSREG_OP0(enc), CPU_SYSREG_OP1(enc),
		 CPU_SYSREG_CRN(enc), CPU_SYSREG_CRM(enc), CPU_SYSREG_OP2(enc));
}

static uint64_t mpidr_value(const struct cpu *c)
{
	/* Aff0 = index[7:0], Aff1 = index[15:8]; U = 0 (multiprocessor). */
	return MPIDR_EL1_RES1 | (c->cfg.index & 0xffu) | ((uint64_t)((c->cfg.index >> 8) & 0xffu) << 8);
}

static uint64_t host_counter(struct cpu *c)
{
	if (c->cfg.ops && c->cfg.ops->counter)
		return c->cfg.ops->counter(c->cfg.ops_ctx, c);
	return 0;
}

/* ---- system-register traps --------------------------------------------- */

/* GICv3 CPU interface at EL1: ICC_PMR_EL1 and op0=3 op1=0 CRn=12 CRm>=8.
 * Unicorn implements none of them (UNICORN-NOTES.md §4). */
static bool is_icc_el1(uint32_t enc)
{
	return enc == CPU_SYSREG_ICC_PMR_EL1 ||
	       (CPU_SYSREG_OP0(enc) == 3 && CPU_SYSREG_OP1(enc) == 0 && CPU_SYSREG_CRN(enc) == 12 &&
		CPU_SYSREG_CRM(enc) >= 8);
}

/* EL0 physical and virtual timers (CNTP_*, CNTV_*): Unicorn implements them
 * on host time, so they belong to the host model for determinism. */
static bool is_generic_timer(uint32_t enc)
{
	return CPU_SYSREG_OP0(enc) == 3 && CPU_SYSREG_OP1(enc) == 3 && CPU_SYSREG_CRN(enc) == 14 &&
	       (CPU_SYSREG_CRM(enc) == 2 || CPU_SYSREG_CRM(enc) == 3);
}

/* Give a trapped access to the host model.  Returns false when the model
 * does not know the register; the caller then reports a guest fault. */
static bool host_sysreg(struct cpu *c, bool read, uint32_t enc, uint64_t *val)
{
	const struct cpu_host_ops *ops = c->cfg.ops;
	enum cpu_host_action action = CPU_CONTINUE;

	if (read)
		return ops && ops->sysreg_read && ops->sysreg_read(c->cfg.ops_ctx, c, enc, val);
	if (!ops || !ops->sysreg_write || !ops->sysreg_write(c->cfg.ops_ctx, c, enc, *val, &action))
		return false;
	/* Takes effect at the next block start (see "Stopping" in docs/cpu.md). */
	if (action == CPU_STOP)
		set_stop(c, CPU_PENDING_HOST);
	return true;
}

static void sysreg_fault(struct cpu *c, bool read, uint32_t enc)
{
	char name[32];

	sysreg_name(enc, name, sizeof(name));
	cpu_fault(c, read_pc(c), "unknown system register %s (%s)", name, read ? "read" : "write");
	stop_engine(c);
}

/* Write an MRS result to Xt; XZR (Rt = 31) discards it. */
static void write_rt(struct cpu *c, int rt, uint64_t v)
{
	uc_err e;

	if (rt == UC_ARM64_REG_XZR || rt == UC_ARM64_REG_WZR)
		return;
	e = uc_reg_write(c->uc, rt, &v);
	if (e != UC_ERR_OK)
		cpu_note_err(c, "uc_reg_write(MRS Xt)", e);
}

/* A register Unicorn does not implement needs return 1 AND PC + 4, or the
 * hook is called again forever (UNICORN-NOTES.md §4, critical gotcha). */
static void skip_insn(struct cpu *c)
{
	write_pc(c, read_pc(c) + 4);
}

static uint32_t hook_mrs(uc_engine *uc, uc_arm64_reg rt, const uc_arm64_cp_reg *cp, void *ud)
{
	struct cpu *c = ud;
	uint32_t enc = CPU_SYSREG(cp->op0, cp->op1, cp->crn, cp->crm, cp->op2);
	uint64_t v = 0;

	(void)uc;
	/* Registers Unicorn knows: returning 1 alone skips the access (§4). */
	switch (enc) {
	case CPU_SYSREG_CNTVCT_EL0:
	case CPU_SYSREG_CNTPCT_EL0:
		write_rt(c, rt, host_counter(c));
		return 1;
	case CPU_SYSREG_CNTFRQ_EL0:
		write_rt(c, rt, c->cfg.cntfrq);
		return 1;
	case CPU_SYSREG_MPIDR_EL1:
		write_rt(c, rt, mpidr_value(c));
		return 1;
	}
	if (is_generic_timer(enc)) {
		if (!host_sysreg(c, true, enc, &v)) {
			sysreg_fault(c, true, enc);
			return 1;
		}
		write_rt(c, rt, v);
		return 1;
	}
	if (is_icc_el1(enc)) {
		if (!host_sysreg(c, true, enc, &v)) {
			sysreg_fault(c, true, enc);
			return 1;
		}
		write_rt(c, rt, v);
		skip_insn(c);
		return 1;
	}
	return 0;
}

static uint32_t hook_msr(uc_engine *uc, uc_arm64_reg rt, const uc_arm64_cp_reg *cp, void *ud)
{
	struct cpu *c = ud;
	uint32_t enc = CPU_SYSREG(cp->op0, cp->op1, cp->crn, cp->crm, cp->op2);
	uint64_t v = cp->val;	/* Xt (0 for XZR) */
	bool unknown = is_icc_el1(enc);

	(void)uc;
	(void)rt;
	if (!unknown && !is_generic_timer(enc))
		return 0;
	if (!host_sysreg(c, false, enc, &v)) {
		sysreg_fault(c, false, enc);
		return 1;
	}
	if (unknown)
		skip_insn(c);
	return 1;
}

/* Slow path for any other register Unicorn lacks: it raises UDEF at the
 * MRS/MSR; offer the access to the host before calling it a fault.
 * Returns true when handled (PC then moves past the instruction). */
static bool udef_sysreg(struct cpu *c, uint64_t pc, uint32_t insn)
{
	uint32_t enc;
	unsigned n = insn & 0x1f;
	bool read = insn & INSN_SYSREG_L;
	uint64_t v = 0;

	if ((insn & INSN_SYSREG_MASK) != INSN_SYSREG_BITS)
		return false;
	enc = CPU_SYSREG(2 | ((insn >> 19) & 1), (insn >> 16) & 7, (insn >> 12) & 0xf,
			 (insn >> 8) & 0xf, (insn >> 5) & 7);
	if (!read && n != 31)
		v = cpu_reg(c, n);
	if (!host_sysreg(c, read, enc, &v))
		return false;
	if (read && n != 31)
		cpu_set_reg(c, n, v);
	write_pc(c, pc + 4);
	return true;
}

/* ---- exceptions and faults --------------------------------------------- */

static void hook_intr(uc_engine *uc, uint32_t intno, void *ud)
{
	struct cpu *c = ud;
	uint64_t pc = read_pc(c);
	uint32_t insn = 0;
	enum cpu_host_action action;

	(void)uc;
	switch (intno) {
	case EXCP_HVC:
	case EXCP_SMC:
		/* PC is already past the instruction; Unicorn does not expose the
		 * syndrome, so take imm16 from the instruction word (§3). */
		if (!cpu_fetch_insn(c, pc - 4, &insn) || !c->cfg.ops || !c->cfg.ops->hvc) {
			cpu_fault(c, pc - 4, "%s with no host handler", intno == EXCP_HVC ? "HVC" : "SMC");
			stop_engine(c);
			return;
		}
		action = c->cfg.ops->hvc(c->cfg.ops_ctx, c, intno == EXCP_SMC, (insn >> 5) & 0xffff);
		if (action == CPU_STOP)
			set_stop(c, CPU_PENDING_HOST);
		return;
	case EXCP_UDEF:
		/* PC is on the instruction: stop, or Unicorn re-executes it forever. */
		if (cpu_fetch_insn(c, pc, &insn) && udef_sysreg(c, pc, insn))
			return;
		cpu_fault(c, pc, "undefined instruction");
		break;
	case EXCP_SWI:
		cpu_fault(c, pc - 4, "unexpected exception: SVC at EL1");
		break;
	case EXCP_BKPT:
		cpu_fault(c, pc, "unexpected exception: BRK");
		break;
	case EXCP_PREFETCH_ABORT:
		cpu_fault(c, pc, "unexpected exception: prefetch abort");
		break;
	case EXCP_DATA_ABORT:
		cpu_fault(c, pc, "unexpected exception: data abort");
		break;
	default:
		cpu_fault(c, pc, "unexpected exception (Unicorn intno %" PRIu32 ")", intno);
		break;
	}
	stop_engine(c);
}

static bool hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
			  void *ud)
{
	struct cpu *c = ud;
	const char *what = type == UC_MEM_FETCH_UNMAPPED ? "instruction fetch" :
			   type == UC_MEM_WRITE_UNMAPPED ? "write" : "read";

	(void)uc;
	(void)value;
	if (c->stop == CPU_PENDING_FAULT)
		return false;
	/* For a data access PC is still the block start here; cpu_run() looks
	 * for the exact instruction once the engine has stopped. */
	cpu_fault(c, type == UC_MEM_FETCH_UNMAPPED ? addr : read_pc(c),
		  "access outside guest RAM: %s of %d bytes at 0x%" PRIx64, what, size, addr);
	c->fault_data = type != UC_MEM_FETCH_UNMAPPED;
	c->fault_addr = addr;
	/* Returning false makes uc_emu_start fail with UC_ERR_*_UNMAPPED. */
	return false;
}

/* ---- stopping and accounting ------------------------------------------- */

/* Runs at every block start, before the block executes.  Stopping here
 * means the block does not run, so it is not counted. */
static void hook_block(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
	struct cpu *c = ud;
	uint32_t ps;

	if (c->stop != CPU_PENDING_NONE)
		goto stop;
	if (c->irq_line) {
		/* PSTATE is read only while the line is asserted. */
		if (uc_reg_read(uc, UC_ARM64_REG_PSTATE, &ps) == UC_ERR_OK && !(ps & PSTATE_I)) {
			c->stop = CPU_PENDING_IRQ;
			goto stop;
		}
	}
	if (c->budget && (c->run_insns >= c->budget || (c->exact && c->run_insns + size / 4 > c->budget))) {
		c->stop = CPU_PENDING_BUDGET;
		goto stop;
	}
	c->run_insns += size / 4;
	c->blk_start = addr;
	c->blk_end = addr + size;
	return;
stop:
	c->blk_start = c->blk_end = addr;
	c->blk_stop = true;
	c->blk_stop_pc = addr;
	stop_engine(c);
}

/* Code hook limited to one sentinel address: fires before it executes,
 * wherever it lies in its block (UC_HOOK_BLOCK only sees block starts). */
static void hook_sentinel(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
	struct cpu *c = ud;

	(void)uc;
	(void)addr;
	(void)size;
	set_stop(c, CPU_PENDING_SENTINEL);
}

int cpu_add_sentinel(struct cpu *c, uint64_t addr)
{
	uc_err e;

	for (unsigned i = 0; i < c->n_sentinels; i++)
		if (c->sentinel[i] == addr)
			return 0;
	if (c->n_sentinels == CPU_MAX_SENTINELS || (addr & 3))
		return -1;
	e = uc_hook_add(c->uc, &c->sentinel_hook[c->n_sentinels], UC_HOOK_CODE, (void *)hook_sentinel,
			c, addr, addr);
	if (e != UC_ERR_OK) {
		cpu_note_err(c, "uc_hook_add(sentinel)", e);
		return -1;
	}
	/* A block translated before the hook existed would not call it. */
	e = uc_ctl_remove_cache(c->uc, addr, addr + 4);
	if (e != UC_ERR_OK) {
		cpu_note_err(c, "uc_ctl_remove_cache(sentinel)", e);
		return -1;
	}
	c->sentinel[c->n_sentinels++] = addr;
	return 0;
}

static uint64_t mmio_read(uc_engine *uc, uint64_t off, unsigned size, void *ud)
{
	struct cpu_mmio *m = ud;

	(void)uc;
	return m->read ? m->read(m->ctx, m->c, off, size) : 0;
}

static void mmio_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t value, void *ud)
{
	struct cpu_mmio *m = ud;

	(void)uc;
	if (m->write)
		m->write(m->ctx, m->c, off, size, value);
}

int cpu_map_mmio(struct cpu *c, uint64_t base, uint64_t size, cpu_mmio_read_t read,
		 cpu_mmio_write_t write, void *ctx, char *err, size_t errlen)
{
	struct cpu_mmio *m;
	uint64_t ram_end = c->cfg.ram_base + c->cfg.ram_size;
	uc_err e;

	if (c->n_mmio == CPU_MAX_MMIO || size == 0 || (base & 0xfff) || (size & 0xfff) ||
	    base + size < base || (base < ram_end && c->cfg.ram_base < base + size)) {
		snprintf(err, errlen, "cpu%u: MMIO [0x%" PRIx64 ", +0x%" PRIx64 ") must be 4 KiB-aligned,"
			 " outside RAM, and one of at most %d", c->cfg.index, base, size, CPU_MAX_MMIO);
		return -1;
	}
	m = &c->mmio[c->n_mmio];
	*m = (struct cpu_mmio){ .c = c, .read = read, .write = write, .ctx = ctx, .base = base, .size = size };
	e = uc_mmio_map(c->uc, base, size, mmio_read, m, mmio_write, m);
	if (e != UC_ERR_OK) {
		snprintf(err, errlen, "cpu%u: uc_mmio_map(0x%" PRIx64 ", 0x%" PRIx64 "): %s", c->cfg.index,
			 base, size, uc_strerror(e));
		return -1;
	}
	c->n_mmio++;
	return 0;
}

void cpu_set_irq_line(struct cpu *c, bool asserted)
{
	c->irq_line = asserted;
}

void cpu_request_stop(struct cpu *c)
{
	set_stop(c, CPU_PENDING_HOST);
}

static enum cpu_stop_reason stop_reason(enum cpu_pending p)
{
	switch (p) {
	case CPU_PENDING_SENTINEL:
		return CPU_STOP_SENTINEL;
	case CPU_PENDING_HOST:
		return CPU_STOP_HOST;
	case CPU_PENDING_IRQ:
		return CPU_STOP_IRQ;
	case CPU_PENDING_BUDGET:
		return CPU_STOP_BUDGET;
	case CPU_PENDING_NONE:
	case CPU_PENDING_FAULT:
		break;
	}
	return CPU_STOP_FAULT;
}

struct cpu_run_result cpu_run(struct cpu *c, uint64_t budget)
{
	struct cpu_run_result r = { .reason = CPU_STOP_FAULT };
	uint64_t pc, never;
	uint32_t insn;
	uc_err e;

	c->stop = CPU_PENDING_NONE;
	c->budget = budget;
	c->run_insns = 0;
	c->blk_stop = false;
	c->blk_start = c->blk_end = 0;
	c->fault_msg[0] = '\0';
	c->fault_data = false;

	/* Step 1: an engine error from an accessor since the last run. */
	if (c->acc_err != UC_ERR_OK) {
		cpu_fault(c, read_pc(c), "%s: %s", c->acc_what, uc_strerror(c->acc_err));
		c->acc_err = UC_ERR_OK;
		r.pc = c->fault_pc;
		return r;
	}
	/* Step 2: an IRQ that is already deliverable is taken before anything runs. */
	if (c->irq_line && !(cpu_pstate(c) & PSTATE_I)) {
		r.reason = CPU_STOP_IRQ;
		r.pc = read_pc(c);
		return r;
	}
	/* Step 3: run.  `until` is an address outside RAM that is never reached:
	 * stopping at `until` costs ~1.7 us per run (UNICORN-NOTES.md §5c). */
	pc = read_pc(c);
	never = c->cfg.ram_base != 0 ? 0 : c->cfg.ram_base + c->cfg.ram_size;
	c->running = true;
	c->pc_valid = c->ps_valid = false;
	e = uc_emu_start(c->uc, pc, never, 0, 0);
	c->running = false;
	/* A stop from the block hook: the block at blk_stop_pc did not run,
	 * but the engine's PC may still be an older one (the block was
	 * entered by a chained jump, which does not write PC back; measured:
	 * the run's first PC).  cpu_run_exact puts it on the block. */
	if (c->fix_pc && c->blk_stop)
		write_pc(c, c->blk_stop_pc);
	pc = read_pc(c);

	/* Step 4: why did it end?  OK with no recorded reason is WFI (§4). */
	if (e != UC_ERR_OK) {
		cpu_fault(c, pc, "uc_emu_start: %s", uc_strerror(e));
	} else if (c->stop == CPU_PENDING_NONE) {
		if (cpu_fetch_insn(c, pc - 4, &insn) && insn == INSN_WFI) {
			r.reason = CPU_STOP_WFI;
		} else {
			cpu_fault(c, pc, "run ended at 0x%" PRIx64 " for no known reason%s", pc,
				  cpu_fetch_insn(c, pc, &insn) ? "" : " (outside guest RAM)");
		}
	}
	if (c->stop != CPU_PENDING_NONE)
		r.reason = stop_reason(c->stop);
	/* A data access outside RAM leaves PC at the block start (the softmmu
	 * path does not restore it); find the instruction in the block. */
	if (c->fault_data && c->fault_pc == c->blk_start &&
	    cpu_disasm_find_access(c, c->blk_start, c->blk_end, c->fault_addr, &pc) == 0) {
		c->fault_pc = pc;
		write_pc(c, pc);
	}

	/* Step 5: the block hook counted the whole last block; drop the part
	 * from the stop PC on when the run ended inside it (sentinel, UDEF). */
	if (pc >= c->blk_start && pc < c->blk_end)
		c->run_insns -= (c->blk_end - pc) / 4;
	r.pc = r.reason == CPU_STOP_FAULT ? c->fault_pc : pc;
	r.insns = c->run_insns;
	c->total_insns += c->run_insns;
	return r;
}

/* The one-off stop of cpu_run_exact: before the instruction it is on. */
static void hook_exact_stop(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
	(void)uc;
	(void)addr;
	(void)size;
	set_stop(ud, CPU_PENDING_BUDGET);
}

struct cpu_run_result cpu_run_exact(struct cpu *c, uint64_t n)
{
	struct cpu_run_result r, r2;
	uc_hook h;
	uint64_t at;
	uc_err e;

	if (n == 0) {
		r = (struct cpu_run_result){ .reason = CPU_STOP_BUDGET, .pc = read_pc(c), .insns = 0 };
		return r;
	}
	c->exact = true;
	c->fix_pc = true;
	r = cpu_run(c, n);
	c->exact = false;
	if (r.reason != CPU_STOP_BUDGET || r.insns >= n) {
		c->fix_pc = false;
		return r;
	}
	/* Stopped before a block that would cross n: the block is straight
	 * line code (a translated block ends at the first branch or
	 * exception), so the first instruction not to run is at `at`.  A code
	 * hook there, like a sentinel's, takes effect once the block is
	 * translated again (UNICORN-NOTES.md §5e gotcha 1), and is removed
	 * the same way so the next translation costs nothing. */
	at = r.pc + 4 * (n - r.insns);
	e = uc_hook_add(c->uc, &h, UC_HOOK_CODE, (void *)hook_exact_stop, c, at, at);
	if (e == UC_ERR_OK)
		e = uc_ctl_remove_cache(c->uc, at, at + 4);
	if (e != UC_ERR_OK) {
		c->fix_pc = false;
		cpu_fault(c, r.pc, "exact budget: %s", uc_strerror(e));
		r.reason = CPU_STOP_FAULT;
		r.pc = c->fault_pc;
		return r;
	}
	c->exact_at = at;
	r2 = cpu_run(c, 0);
	c->exact_at = 0;
	c->fix_pc = false;
	(void)uc_hook_del(c->uc, h);
	e = uc_ctl_remove_cache(c->uc, at, at + 4);
	if (e != UC_ERR_OK)
		cpu_note_err(c, "uc_ctl_remove_cache(exact budget)", e);
	r2.insns += r.insns;
	return r2;
}

uint64_t cpu_run_insns(const struct cpu *c)
{
	return c->run_insns;
}

uint64_t cpu_insns_total(const struct cpu *c)
{
	return c->total_insns;
}

/* ---- creation ----------------------------------------------------------- */

static int write_cp(struct cpu *c, const char *name, unsigned op0, unsigned op1, unsigned crn,
		    unsigned crm, unsigned op2, uint64_t v, char *err, size_t errlen)
{
	uc_arm64_cp_reg cp = { .crn = crn, .crm = crm, .op0 = op0, .op1 = op1, .op2 = op2, .val = v };
	uc_err e = uc_reg_write(c->uc, UC_ARM64_REG_CP_REG, &cp);

	if (e != UC_ERR_OK) {
		snprintf(err, errlen, "cpu%u: writing %s: %s", c->cfg.index, name, uc_strerror(e));
		return -1;
	}
	return 0;
}

bool cpu_preload(char *err, size_t errlen)
{
	return cpu_dl_unicorn(err, errlen);
}

struct cpu *cpu_create(const struct cpu_config *cfg, char *err, size_t errlen)
{
	struct cpu *c;
	char why[256];
	uc_hook h;
	uc_err e;

	if (!cfg->ram || cfg->ram_size == 0 || (cfg->ram_size & 0xfff) || (cfg->ram_base & 0xfff) ||
	    cfg->ram_base + cfg->ram_size < cfg->ram_base) {
		snprintf(err, errlen, "cpu%u: guest RAM must be a non-empty, 4 KiB-aligned buffer",
			 cfg->index);
		return NULL;
	}
	/* An engine left by an earlier machine of this process (explore,
	 * sweep, test batches): same state as a new one, without Unicorn's
	 * start-up (cpu_pool.c). */
	if (cfg->code_id && !cfg->insn_trace && (c = cpu_pool_take(cfg)) != NULL)
		return c;
	/* libunicorn is opened with the first engine (cpu_dl.h). */
	if (!cpu_dl_unicorn(why, sizeof(why))) {
		snprintf(err, errlen, "cpu%u: %s", cfg->index, why);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "cpu%u: out of memory", cfg->index);
		return NULL;
	}
	cpu_init_fields(c, cfg);

	/* Step 1: the engine, at EL1h with DAIF masked (§2).  Capstone, for
	 * traces and fault reports, is opened when first needed (cpu_cs_handle). */
	e = uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &c->uc);
	if (e != UC_ERR_OK) {
		snprintf(err, errlen, "cpu%u: uc_open: %s", cfg->index, uc_strerror(e));
		goto fail_free;
	}
	/* Step 2: guest RAM, one region shared with the other vCPUs. */
	e = uc_mem_map_ptr(c->uc, cfg->ram_base, cfg->ram_size, UC_PROT_ALL, cfg->ram);
	if (e != UC_ERR_OK) {
		snprintf(err, errlen, "cpu%u: uc_mem_map_ptr(0x%" PRIx64 ", 0x%" PRIx64 "): %s",
			 cfg->index, cfg->ram_base, cfg->ram_size, uc_strerror(e));
		goto fail_uc;
	}
	/* Step 3: Non-secure EL1 with an AArch64 EL2 and HVC enabled.  With the
	 * reset SCR_EL3.RW = 0 every `eret` sets PSTATE.IL, and with HCE = 0
	 * HVC is UNDEF at the hvc instead of EXCP_HVC after it (§2, §3). */
	if (write_cp(c, "SCR_EL3", 3, 6, 1, 1, 0, SCR_EL3_RW | SCR_EL3_HCE | SCR_EL3_NS, err,
		     errlen) ||
	    write_cp(c, "HCR_EL2", 3, 4, 1, 1, 0, HCR_EL2_RW, err, errlen))
		goto fail_uc;
	/* The state a pooled engine goes back to (no pooling without it). */
	if (!cfg->insn_trace && uc_context_alloc(c->uc, &c->pristine) == UC_ERR_OK &&
	    uc_context_save(c->uc, c->pristine) != UC_ERR_OK) {
		uc_context_free(c->pristine);
		c->pristine = NULL;
	}

	/* Step 4: hooks, before anything is translated. */
	e = uc_hook_add(c->uc, &h, UC_HOOK_BLOCK, (void *)hook_block, c, 1, 0);
	if (e == UC_ERR_OK)
		e = uc_hook_add(c->uc, &h, UC_HOOK_INTR, (void *)hook_intr, c, 1, 0);
	if (e == UC_ERR_OK)
		e = uc_hook_add(c->uc, &h, UC_HOOK_INSN, (void *)hook_mrs, c, 1, 0, UC_ARM64_INS_MRS);
	if (e == UC_ERR_OK)
		e = uc_hook_add(c->uc, &h, UC_HOOK_INSN, (void *)hook_msr, c, 1, 0, UC_ARM64_INS_MSR);
	if (e == UC_ERR_OK)
		e = uc_hook_add(c->uc, &h, UC_HOOK_MEM_UNMAPPED, (void *)hook_unmapped, c, 1, 0);
	if (e != UC_ERR_OK) {
		snprintf(err, errlen, "cpu%u: uc_hook_add: %s", cfg->index, uc_strerror(e));
		goto fail_uc;
	}
	if (cfg->insn_trace && cpu_trace_install(c, err, errlen) != 0)
		goto fail_uc;
	return c;

fail_uc:
	cpu_close(c);
	return NULL;
fail_free:
	free(c);
	return NULL;
}

void cpu_init_fields(struct cpu *c, const struct cpu_config *cfg)
{
	c->cfg = *cfg;
	for (unsigned n = 0; n <= 30; n++) {
		c->xid[n] = xreg_id(n);
		c->xptr[n] = &c->xbuf[n];
	}
}

void cpu_close(struct cpu *c)
{
	if (c->pristine)
		uc_context_free(c->pristine);
	uc_close(c->uc);
	if (c->cs)
		cs_close(&c->cs);
	free(c);
}

void cpu_destroy(struct cpu *c)
{
	if (c && !cpu_pool_give(c))
		cpu_close(c);
}

unsigned cpu_index(const struct cpu *c)
{
	return c->cfg.index;
}

/* ---- registers ---------------------------------------------------------- */

static uint64_t rd64(struct cpu *c, int id, const char *what)
{
	uint64_t v = 0;
	uc_err e = uc_reg_read(c->uc, id, &v);

	if (e != UC_ERR_OK)
		cpu_note_err(c, what, e);
	return v;
}

static void wr64(struct cpu *c, int id, uint64_t v, const char *what)
{
	uc_err e = uc_reg_write(c->uc, id, &v);

	if (e != UC_ERR_OK)
		cpu_note_err(c, what, e);
}

uint64_t cpu_reg(struct cpu *c, unsigned n)
{
	if (n > 30)
		return 0;
	return rd64(c, xreg_id(n), "uc_reg_read(Xn)");
}

void cpu_set_reg(struct cpu *c, unsigned n, uint64_t v)
{
	if (n <= 30)
		wr64(c, xreg_id(n), v, "uc_reg_write(Xn)");
}

void cpu_regs_get(struct cpu *c, unsigned first, unsigned n, uint64_t *out)
{
	uc_err e;

	if (first > 31 || n > 31 - first) {
		for (unsigned i = 0; i < n; i++)
			out[i] = 0;
		return;
	}
	if (n == 0)
		return;
	e = uc_reg_read_batch(c->uc, &c->xid[first], &c->xptr[first], (int)n);
	if (e != UC_ERR_OK) {
		cpu_note_err(c, "uc_reg_read_batch(Xn)", e);
		memset(&c->xbuf[first], 0, n * sizeof(uint64_t));
	}
	memcpy(out, &c->xbuf[first], n * sizeof(uint64_t));
}

void cpu_regs_set(struct cpu *c, unsigned first, unsigned n, const uint64_t *in)
{
	uc_err e;

	if (first > 31 || n > 31 - first || n == 0)
		return;
	memcpy(&c->xbuf[first], in, n * sizeof(uint64_t));
	e = uc_reg_write_batch(c->uc, &c->xid[first], &c->xptr[first], (int)n);
	if (e != UC_ERR_OK)
		cpu_note_err(c, "uc_reg_write_batch(Xn)", e);
}

uint64_t cpu_pc(struct cpu *c)
{
	return read_pc(c);
}

void cpu_set_pc(struct cpu *c, uint64_t pc)
{
	write_pc(c, pc);
}

/* UC_ARM64_REG_SP is the live SP; UC_ARM64_REG_SP_EL1 is the banked copy,
 * stale while running at EL1h (UNICORN-NOTES.md §2). */
uint64_t cpu_sp(struct cpu *c)
{
	return rd64(c, UC_ARM64_REG_SP, "uc_reg_read(SP)");
}

void cpu_set_sp(struct cpu *c, uint64_t sp)
{
	wr64(c, UC_ARM64_REG_SP, sp, "uc_reg_write(SP)");
}

uint32_t cpu_pstate(struct cpu *c)
{
	uint32_t ps = 0;
	uc_err e;

	if (!c->running && c->ps_valid)
		return c->ps_copy;
	e = uc_reg_read(c->uc, UC_ARM64_REG_PSTATE, &ps);
	if (e != UC_ERR_OK)
		cpu_note_err(c, "uc_reg_read(PSTATE)", e);
	else if (!c->running) {
		c->ps_copy = ps;
		c->ps_valid = true;
	}
	return ps;
}

void cpu_set_pstate(struct cpu *c, uint32_t pstate)
{
	uc_err e;

	if (!c->running && c->ps_valid && c->ps_copy == pstate)
		return;
	c->ps_valid = false;
	e = uc_reg_write(c->uc, UC_ARM64_REG_PSTATE, &pstate);
	if (e != UC_ERR_OK)
		cpu_note_err(c, "uc_reg_write(PSTATE)", e);
}

static bool pstate_el1t(struct cpu *c)
{
	return (cpu_pstate(c) & PSTATE_M_MASK) == PSTATE_MODE_EL1t;
}

/* The dedicated Unicorn id of a plain EL1/EL0 register; 0 for the rest
 * (host-modelled registers, or CP_REG accesses). */
static int sysreg_uc_id(struct cpu *c, uint32_t enc)
{
	switch (enc) {
	case CPU_SYSREG_ELR_EL1:
		return UC_ARM64_REG_ELR_EL1;
	case CPU_SYSREG_ESR_EL1:
		return UC_ARM64_REG_ESR_EL1;
	case CPU_SYSREG_FAR_EL1:
		return UC_ARM64_REG_FAR_EL1;
	case CPU_SYSREG_VBAR_EL1:
		return UC_ARM64_REG_VBAR_EL1;
	case CPU_SYSREG_TPIDR_EL1:
		return UC_ARM64_REG_TPIDR_EL1;
	case CPU_SYSREG_SP_EL0:
		/* In EL1t the live SP is SP_EL0 and the banked copy is stale. */
		return pstate_el1t(c) ? UC_ARM64_REG_SP : UC_ARM64_REG_SP_EL0;
	default:
		return 0;
	}
}

/* A CP_REG access for enc; false for system instructions (op0 < 2),
 * which are not registers. */
static bool sysreg_cp(uint32_t enc, uc_arm64_cp_reg *cp)
{
	if (CPU_SYSREG_OP0(enc) < 2)
		return false;
	*cp = (uc_arm64_cp_reg){ .op0 = CPU_SYSREG_OP0(enc), .op1 = CPU_SYSREG_OP1(enc),
				 .crn = CPU_SYSREG_CRN(enc), .crm = CPU_SYSREG_CRM(enc),
				 .op2 = CPU_SYSREG_OP2(enc) };
	return true;
}

/* Dedicated Unicorn ids where they exist; CP_REG for the rest.  CurrentEL
 * and NZCV must never go through CP_REG: that aborts the process (§2). */
int cpu_sysreg_get(struct cpu *c, uint32_t enc, uint64_t *v)
{
	uc_arm64_cp_reg cp;
	int id;

	switch (enc) {
	case CPU_SYSREG_CURRENTEL:
		*v = cpu_pstate(c) & 0xc;
		return 0;
	case CPU_SYSREG(3, 3, 4, 2, 0): /* NZCV */
		*v = cpu_pstate(c) & 0xf0000000u;
		return 0;
	case CPU_SYSREG_MPIDR_EL1:
		*v = mpidr_value(c);
		return 0;
	case CPU_SYSREG_CNTFRQ_EL0:
		*v = c->cfg.cntfrq;
		return 0;
	case CPU_SYSREG_CNTVCT_EL0:
	case CPU_SYSREG_CNTPCT_EL0:
		*v = host_counter(c);
		return 0;
	}
	if ((id = sysreg_uc_id(c, enc)) != 0)
		return uc_reg_read(c->uc, id, v) == UC_ERR_OK ? 0 : -1;
	if (!sysreg_cp(enc, &cp) || uc_reg_read(c->uc, UC_ARM64_REG_CP_REG, &cp) != UC_ERR_OK)
		return -1;
	*v = cp.val;
	return 0;
}

int cpu_sysreg_put(struct cpu *c, uint32_t enc, uint64_t v)
{
	uc_arm64_cp_reg cp;
	int id;

	switch (enc) {
	case CPU_SYSREG_CURRENTEL:
	case CPU_SYSREG(3, 3, 4, 2, 0):
	case CPU_SYSREG_MPIDR_EL1:
	case CPU_SYSREG_CNTFRQ_EL0:
	case CPU_SYSREG_CNTVCT_EL0:
	case CPU_SYSREG_CNTPCT_EL0:
		return -1;	/* read-only here, or owned by the host model */
	}
	if ((id = sysreg_uc_id(c, enc)) != 0)
		return uc_reg_write(c->uc, id, &v) == UC_ERR_OK ? 0 : -1;
	if (!sysreg_cp(enc, &cp))
		return -1;
	cp.val = v;
	c->ps_valid = false;	/* DAIF, SPSel, PAN ... are PSTATE fields */
	return uc_reg_write(c->uc, UC_ARM64_REG_CP_REG, &cp) == UC_ERR_OK ? 0 : -1;
}

uint64_t cpu_sysreg(struct cpu *c, uint32_t enc)
{
	uint64_t v = 0;

	if (cpu_sysreg_get(c, enc, &v) != 0)
		cpu_note_err(c, "cpu_sysreg (unknown register)", UC_ERR_ARG);
	return v;
}

void cpu_set_sysreg(struct cpu *c, uint32_t enc, uint64_t v)
{
	if (cpu_sysreg_put(c, enc, v) != 0)
		cpu_note_err(c, "cpu_set_sysreg (unknown register)", UC_ERR_ARG);
}

/* ---- fault reports ------------------------------------------------------ */

const char *cpu_fault_reason(const struct cpu *c)
{
	return c->fault_msg[0] ? c->fault_msg : "no fault";
}

void cpu_fault_report(struct cpu *c, FILE *out)
{
	static const char *const modes[16] = { [0] = "EL0t", [4] = "EL1t", [5] = "EL1h",
					       [8] = "EL2t", [9] = "EL2h" };
	char text[128];
	uint32_t insn, ps = cpu_pstate(c);
	uint64_t v;

	fprintf(out, "cpu%u: guest fault: %s\n", c->cfg.index, cpu_fault_reason(c));
	if (cpu_fetch_insn(c, c->fault_pc, &insn)) {
		cpu_disasm_with(cpu_cs_handle(c), insn, c->fault_pc, text, sizeof(text));
		fprintf(out, "  pc   %016" PRIx64 ": %08" PRIx32 "  %s\n", c->fault_pc, insn, text);
	} else {
		fprintf(out, "  pc   %016" PRIx64 ": (not in guest RAM)\n", c->fault_pc);
	}
	for (unsigned n = 0; n <= 30; n++)
		fprintf(out, "%s x%-2u %016" PRIx64 "%s", n % 4 == 0 ? " " : "", n, cpu_reg(c, n),
			n % 4 == 3 || n == 30 ? "\n" : " ");
	fprintf(out, "  sp   %016" PRIx64 "  pstate %08" PRIx32 " (%s, DAIF=%c%c%c%c%s)\n",
		cpu_sp(c), ps, modes[ps & PSTATE_M_MASK] ? modes[ps & PSTATE_M_MASK] : "?",
		ps & PSTATE_D ? 'D' : '-', ps & PSTATE_A ? 'A' : '-', ps & PSTATE_I ? 'I' : '-',
		ps & PSTATE_F ? 'F' : '-', ps & PSTATE_IL ? ", IL" : "");
	fprintf(out, "  elr_el1 %016" PRIx64, cpu_sysreg_get(c, CPU_SYSREG_ELR_EL1, &v) ? 0 : v);
	fprintf(out, "  spsr_el1 %08" PRIx64, cpu_sysreg_get(c, CPU_SYSREG_SPSR_EL1, &v) ? 0 : v);
	fprintf(out, "  esr_el1 %08" PRIx64, cpu_sysreg_get(c, CPU_SYSREG_ESR_EL1, &v) ? 0 : v);
	fprintf(out, "  far_el1 %016" PRIx64 "\n", cpu_sysreg_get(c, CPU_SYSREG_FAR_EL1, &v) ? 0 : v);
}
