/* cpu_internal.h — state shared by the cpu/ files; not part of the API.
 *
 * One struct cpu wraps one Unicorn engine.  The hooks in cpu.c record why
 * a run must end in `stop` before they call uc_emu_stop(), so cpu_run() can
 * tell a hook-initiated stop from WFI (uc_emu_start returning UC_ERR_OK with
 * no reason recorded, UNICORN-NOTES.md §4).
 */
#ifndef APFSIM_CPU_CPU_INTERNAL_H
#define APFSIM_CPU_CPU_INTERNAL_H

#include "cpu/cpu.h"
#include "cpu/cpu_dl.h"	/* Unicorn and capstone, through their tables */

/* Why the current run ends.  CPU_PENDING_NONE while it may continue. */
enum cpu_pending {
	CPU_PENDING_NONE = 0,
	CPU_PENDING_SENTINEL,
	CPU_PENDING_HOST,
	CPU_PENDING_IRQ,
	CPU_PENDING_BUDGET,
	CPU_PENDING_FAULT,
};

#define CPU_FAULT_MSG_LEN 192

/* One MMIO mapping: Unicorn calls back with the engine; this gets the cpu. */
struct cpu_mmio {
	struct cpu *c;
	cpu_mmio_read_t read;
	cpu_mmio_write_t write;
	void *ctx;
	uint64_t base, size;	/* the mapped range (unmapped when pooled) */
};

struct cpu {
	uc_engine *uc;
	csh cs;			/* capstone handle for traces and fault reports; 0 until
				 * first needed (cpu_cs_handle) */
	/* CPU state right after creation (cpu_pool.c restores it), and how
	 * many machines this engine has served. */
	uc_context *pristine;
	unsigned machines;
	struct cpu_config cfg;

	uint64_t sentinel[CPU_MAX_SENTINELS];
	uc_hook sentinel_hook[CPU_MAX_SENTINELS];
	unsigned n_sentinels;

	bool irq_line;

	/* uc_reg_{read,write}_batch arguments for x0..x30, built once:
	 * xid[n] = Unicorn id of xn, xptr[n] = &xbuf[n]. */
	int xid[31];
	void *xptr[31];
	uint64_t xbuf[31];

	struct cpu_mmio mmio[CPU_MAX_MMIO];
	unsigned n_mmio;

	/* The current run.  Invariant: `stop` only moves away from NONE once
	 * per run (the first reason wins), and every hook that sees it set asks
	 * Unicorn to stop again, because a PC write from a hook cancels an
	 * earlier uc_emu_stop() (docs/cpu.md, "Stopping"). */
	enum cpu_pending stop;
	uint64_t budget;	/* 0 = unlimited */
	bool exact;		/* cpu_run_exact: never start a block crossing budget */
	bool fix_pc;		/* cpu_run_exact: a block-hook stop writes PC back */
	bool blk_stop;		/* this run was stopped by the block hook ... */
	uint64_t blk_stop_pc;	/* ... before the block at this address */
	uint64_t exact_at;	/* cpu_run_exact's one-off stop address (0: none) */
	uint64_t run_insns;	/* instructions counted by the block hook */
	uint64_t blk_start;	/* last block counted: [blk_start, blk_end) */
	uint64_t blk_end;
	uint64_t total_insns;

	/* The last fault (valid after CPU_STOP_FAULT). */
	uint64_t fault_pc;
	bool fault_data;	/* data access outside RAM at fault_addr */
	uint64_t fault_addr;
	char fault_msg[CPU_FAULT_MSG_LEN];

	/* Copies of PC and PSTATE, valid only while the engine is stopped
	 * (running == false) and the flag is set.  Invariant: between two
	 * runs only cpu.c's own accessors change PC or PSTATE (a CP_REG write
	 * may change PSTATE fields and drops ps_valid), so a valid PSTATE copy
	 * equals the engine's register, and a valid PC copy is the PC: a PC set
	 * between runs lives only in the copy until the next run's
	 * uc_emu_start(begin = copy) writes it.  A run drops both; inside a
	 * run every access goes to Unicorn (the guest moves them). */
	bool running;
	bool pc_valid, ps_valid;
	uint64_t pc_copy;
	uint32_t ps_copy;

	/* First engine error met by a void accessor; reported by cpu_run(). */
	uc_err acc_err;
	const char *acc_what;
};

/* The engine pool (cpu_pool.c): an engine whose vCPU was destroyed is
 * kept, reset, for the next cpu_create of the process.  cpu_pool_take
 * returns a pooled cpu set up for cfg (RAM mapped), or NULL when the pool
 * is empty; cpu_pool_give resets c and keeps it, false when it cannot
 * (then the caller closes it). */
struct cpu *cpu_pool_take(const struct cpu_config *cfg);
bool cpu_pool_give(struct cpu *c);
/* Close the engine, the capstone handle and the saved context, free c:
 * the end of every cpu that is not pooled (a failed creation included). */
void cpu_close(struct cpu *c);
/* Fill the per-instance fields of a fresh or pooled cpu for cfg. */
void cpu_init_fields(struct cpu *c, const struct cpu_config *cfg);

/* Record a fault (first one wins) and ask Unicorn to stop. */
void cpu_fault(struct cpu *c, uint64_t pc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Note the first failing engine call made outside a run. */
void cpu_note_err(struct cpu *c, const char *what, uc_err err);

/* Read the instruction word at guest address pc from the shared RAM buffer;
 * false when pc is outside RAM or misaligned. */
bool cpu_fetch_insn(const struct cpu *c, uint64_t pc, uint32_t *insn);

/* Disassembly with an existing capstone handle (cpu_disasm.c). */
int cpu_disasm_with(csh cs, uint32_t insn, uint64_t pc, char *buf, size_t len);
int cpu_disasm_open(csh *cs);
/* c's capstone handle, opened on first use; 0 when capstone cannot be. */
csh cpu_cs_handle(struct cpu *c);
/* The first load/store in [start, end) whose memory operand, evaluated with
 * the current registers, covers addr: 0 and *pc, or -1. */
int cpu_disasm_find_access(struct cpu *c, uint64_t start, uint64_t end, uint64_t addr, uint64_t *pc);

/* Instruction trace (cpu_trace.c): installs a UC_HOOK_CODE on all code. */
int cpu_trace_install(struct cpu *c, char *err, size_t errlen);

#endif
