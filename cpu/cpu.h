/* cpu.h — one aarch64 vCPU executed by Unicorn 2.0.1.
 *
 * Every vCPU has its own Unicorn engine; all engines map the same host
 * buffer as guest RAM (uc_mem_map_ptr), so stores by one are seen by all.
 * The engine always stays at EL1 (UNICORN-NOTES.md §2): exceptions "from
 * user mode" are entered with SPSR_EL1 describing EL0t and the +0x400/+0x480
 * vectors, and a return to user mode is a run that stops at a sentinel
 * address (the kernel's final `eret`), after which the C model takes over.
 *
 * Exits from guest code reach the host through struct cpu_host_ops:
 *   HVC/SMC (UC_HOOK_INTR)            -> ops->hvc
 *   MRS/MSR of registers Unicorn lacks -> ops->sysreg_read/sysreg_write
 *   CNTVCT_EL0 / CNTFRQ_EL0 reads      -> ops->counter (simulated time)
 * Runs stop at sentinel addresses (UC_HOOK_BLOCK + uc_emu_stop, never the
 * `until` argument), at WFI, when a host op asks, on a guest fault, or when
 * an unmasked IRQ is signalled (checked at block boundaries).
 * Instructions are counted per translated block (never per instruction).
 */
#ifndef APFSIM_CPU_CPU_H
#define APFSIM_CPU_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cpu;

/* System-register encoding as (op0, op1, CRn, CRm, op2), packed. */
#define CPU_SYSREG(op0, op1, crn, crm, op2) \
	((uint32_t)(((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2)))

#define CPU_SYSREG_OP0(enc) (((enc) >> 14) & 0x3u)
#define CPU_SYSREG_OP1(enc) (((enc) >> 11) & 0x7u)
#define CPU_SYSREG_CRN(enc) (((enc) >> 7) & 0xfu)
#define CPU_SYSREG_CRM(enc) (((enc) >> 3) & 0xfu)
#define CPU_SYSREG_OP2(enc) ((enc) & 0x7u)

/* Registers reachable with cpu_sysreg()/cpu_set_sysreg() (Arm ARM D13.2). */
#define CPU_SYSREG_SCTLR_EL1 CPU_SYSREG(3, 0, 1, 0, 0)
#define CPU_SYSREG_SPSR_EL1 CPU_SYSREG(3, 0, 4, 0, 0)
#define CPU_SYSREG_ELR_EL1 CPU_SYSREG(3, 0, 4, 0, 1)
#define CPU_SYSREG_SP_EL0 CPU_SYSREG(3, 0, 4, 1, 0)
#define CPU_SYSREG_CURRENTEL CPU_SYSREG(3, 0, 4, 2, 2) /* read only */
#define CPU_SYSREG_ESR_EL1 CPU_SYSREG(3, 0, 5, 2, 0)
#define CPU_SYSREG_FAR_EL1 CPU_SYSREG(3, 0, 6, 0, 0)
#define CPU_SYSREG_VBAR_EL1 CPU_SYSREG(3, 0, 12, 0, 0)
#define CPU_SYSREG_TPIDR_EL1 CPU_SYSREG(3, 0, 13, 0, 4)
#define CPU_SYSREG_MPIDR_EL1 CPU_SYSREG(3, 0, 0, 0, 5)
#define CPU_SYSREG_CNTFRQ_EL0 CPU_SYSREG(3, 3, 14, 0, 0)
#define CPU_SYSREG_CNTPCT_EL0 CPU_SYSREG(3, 3, 14, 0, 1)
#define CPU_SYSREG_CNTVCT_EL0 CPU_SYSREG(3, 3, 14, 0, 2)

/* GICv3 CPU interface (Arm IHI 0069, 12.2); trapped to ops->sysreg_*. */
#define CPU_SYSREG_ICC_PMR_EL1 CPU_SYSREG(3, 0, 4, 6, 0)
#define CPU_SYSREG_ICC_IAR0_EL1 CPU_SYSREG(3, 0, 12, 8, 0)
#define CPU_SYSREG_ICC_EOIR0_EL1 CPU_SYSREG(3, 0, 12, 8, 1)
#define CPU_SYSREG_ICC_DIR_EL1 CPU_SYSREG(3, 0, 12, 11, 1)
#define CPU_SYSREG_ICC_RPR_EL1 CPU_SYSREG(3, 0, 12, 11, 3)
#define CPU_SYSREG_ICC_SGI1R_EL1 CPU_SYSREG(3, 0, 12, 11, 5)
#define CPU_SYSREG_ICC_IAR1_EL1 CPU_SYSREG(3, 0, 12, 12, 0)
#define CPU_SYSREG_ICC_EOIR1_EL1 CPU_SYSREG(3, 0, 12, 12, 1)
#define CPU_SYSREG_ICC_HPPIR1_EL1 CPU_SYSREG(3, 0, 12, 12, 2)
#define CPU_SYSREG_ICC_BPR1_EL1 CPU_SYSREG(3, 0, 12, 12, 3)
#define CPU_SYSREG_ICC_CTLR_EL1 CPU_SYSREG(3, 0, 12, 12, 4)
#define CPU_SYSREG_ICC_SRE_EL1 CPU_SYSREG(3, 0, 12, 12, 5)
#define CPU_SYSREG_ICC_IGRPEN0_EL1 CPU_SYSREG(3, 0, 12, 12, 6)
#define CPU_SYSREG_ICC_IGRPEN1_EL1 CPU_SYSREG(3, 0, 12, 12, 7)

/* PSTATE bits (Arm ARM D1.7) used by exception entry. */
#define PSTATE_MODE_EL0t 0x0u
#define PSTATE_MODE_EL1t 0x4u
#define PSTATE_MODE_EL1h 0x5u
#define PSTATE_F (1u << 6)
#define PSTATE_I (1u << 7)
#define PSTATE_A (1u << 8)
#define PSTATE_D (1u << 9)
#define PSTATE_DAIF (PSTATE_D | PSTATE_A | PSTATE_I | PSTATE_F)
#define PSTATE_M_MASK 0xfu	/* M[3:0]: EL and SP selection */
#define PSTATE_IL (1u << 20)	/* illegal execution state */
#define PSTATE_SS (1u << 21)	/* software step */

/* Vector offsets from VBAR_EL1 (Arm ARM D1.10.2). */
#define VEC_SYNC_CUR_SPX 0x200
#define VEC_IRQ_CUR_SPX 0x280
#define VEC_SYNC_LOWER_A64 0x400
#define VEC_IRQ_LOWER_A64 0x480
#define VEC_SYNC_CUR_SP0 0x000	/* entries taken while in EL1t */
#define VEC_IRQ_CUR_SP0 0x080

#define CPU_MAX_SENTINELS 16
#define CPU_MAX_CODE_RANGES 4

enum cpu_host_action {
	CPU_CONTINUE = 0, /* resume the guest */
	CPU_STOP = 1,	  /* end this run (reason CPU_STOP_HOST) */
};

struct cpu_host_ops {
	/* HVC (smc=false) or SMC executed with immediate imm16; the PC already
	 * points after the instruction.  Read/write x0.. with cpu_reg_*. */
	enum cpu_host_action (*hvc)(void *ctx, struct cpu *c, bool smc, uint16_t imm16);
	/* Trapped system-register access; return false when the register is
	 * unknown (the run then stops with a guest fault report). */
	bool (*sysreg_read)(void *ctx, struct cpu *c, uint32_t enc, uint64_t *val);
	bool (*sysreg_write)(void *ctx, struct cpu *c, uint32_t enc, uint64_t val,
			     enum cpu_host_action *action);
	/* Virtual counter (CNTVCT_EL0) value now; CNTFRQ_EL0 is cpu_config.cntfrq. */
	uint64_t (*counter)(void *ctx, struct cpu *c);
};

struct cpu_config {
	unsigned index;		/* vCPU number */
	void *ram;		/* host buffer shared by all vCPUs */
	uint64_t ram_base;	/* guest physical address of ram[0] */
	uint64_t ram_size;	/* bytes, multiple of 4 KiB */
	uint64_t cntfrq;	/* counter frequency reported to the guest */
	const struct cpu_host_ops *ops;
	void *ops_ctx;
	FILE *insn_trace;	/* non-NULL: capstone trace of every instruction */
	/* Non-zero: names the guest code this vCPU runs — the same id means
	 * byte-identical code at the same addresses (a built-in image).  An
	 * engine of an earlier machine of the process with the same id is
	 * reused (cpu_pool.c).  0: never reused. */
	uint64_t code_id;
	/* With code_id: where that code lies ([start, end), guest physical).
	 * A reused engine drops its translations of these ranges, so it
	 * translates from nothing, as a new engine does. */
	uint64_t code_range[CPU_MAX_CODE_RANGES][2];
	unsigned n_code_ranges;
};

/* Engines taken from the process's pool by cpu_create so far (cpu_pool.c;
 * tests and benchmarks). */
uint64_t cpu_pool_reused(void);

/* Guest stores to RAM pages that never held code skip Unicorn 2.0.1's
 * code-invalidation lock (cpu_storefix.c, UNICORN-NOTES.md §5b).  Host time
 * only: outputs are the same with it on or off.  cpu_storefix_active():
 * in use in this process; cpu_storefix_set(): turn it on or off (benchmarks,
 * tests; APFSIM_UNICORN_STORE_FIX=0 starts with it off), returns the old
 * setting; cpu_storefix_stats(): stores of the calling thread that skipped
 * the lock or took it (every guest store is one of the two). */
struct cpu_storefix_stats {
	uint64_t skipped;
	uint64_t locked;
};
bool cpu_storefix_active(void);
bool cpu_storefix_set(bool on);
void cpu_storefix_stats(struct cpu_storefix_stats *out);

enum cpu_stop_reason {
	CPU_STOP_SENTINEL,	/* reached an address added with cpu_add_sentinel */
	CPU_STOP_WFI,		/* executed WFI; PC is after it */
	CPU_STOP_HOST,		/* a host op returned CPU_STOP */
	CPU_STOP_IRQ,		/* IRQ signalled and PSTATE.I clear: take it */
	CPU_STOP_BUDGET,	/* instruction budget used up */
	CPU_STOP_FAULT,		/* guest fault; cpu_fault_report() describes it */
};

struct cpu_run_result {
	enum cpu_stop_reason reason;
	uint64_t pc;		/* PC at the stop */
	uint64_t insns;		/* instructions executed in this run */
};

/* Opens libunicorn now rather than with the first engine (cpu/cpu_dl.h): a
 * process about to fork one child per run that runs guest code calls it
 * once, so the children share the loaded library instead of each paying
 * its ~13 ms start-up.  False with the reason in err if it cannot be. */
bool cpu_preload(char *err, size_t errlen);

/* Returns NULL with a message in err on failure.  The engine starts at
 * Non-secure EL1h with DAIF masked, SCR_EL3 = NS|HCE|RW and HCR_EL2.RW
 * (see docs/cpu.md); PC, SP and VBAR_EL1 are 0 until the model sets them. */
struct cpu *cpu_create(const struct cpu_config *cfg, char *err, size_t errlen);
void cpu_destroy(struct cpu *c);
unsigned cpu_index(const struct cpu *c);

/* Stop a run when execution reaches addr, before the instruction there runs
 * (at most CPU_MAX_SENTINELS; any address, not only block starts).  Returns
 * 0, or -1 when the table is full or addr is not 4-byte aligned. */
int cpu_add_sentinel(struct cpu *c, uint64_t addr);
/* The IRQ signal from the interrupt controller; checked at block starts. */
void cpu_set_irq_line(struct cpu *c, bool asserted);

/* Device memory (the GIC frames): guest loads and stores in
 * [base, base + size) call read/write with the offset from base and the
 * access size in bytes (~46 ns per access, UNICORN-NOTES.md §5f).  base and
 * size are 4 KiB-aligned and outside RAM; at most CPU_MAX_MMIO per vCPU.
 * Call before the first run.  A callback may use cpu_request_stop(); PC is
 * not exact inside it (Unicorn leaves it at the block start).  Measured:
 * Unicorn 2.0.1 splits an 8-byte access into two 4-byte calls, low word
 * (offset) first, then offset + 4; the model must handle 64-bit registers
 * (GICD_IROUTER, GICR_TYPER) as two halves. */
#define CPU_MAX_MMIO 8
typedef uint64_t (*cpu_mmio_read_t)(void *ctx, struct cpu *c, uint64_t offset, unsigned size);
typedef void (*cpu_mmio_write_t)(void *ctx, struct cpu *c, uint64_t offset, unsigned size,
				 uint64_t value);
int cpu_map_mmio(struct cpu *c, uint64_t base, uint64_t size, cpu_mmio_read_t read,
		 cpu_mmio_write_t write, void *ctx, char *err, size_t errlen);

/* Run from the current PC until a stop condition or `budget` instructions
 * (0 = unlimited; granularity one translated block: the run stops at the
 * first block start where insns >= budget, so it overshoots by less than
 * one block).  insns is exact for every stop reason (see docs/cpu.md).
 * Guest reads of MPIDR_EL1 return 0x80000000 | Aff1 = index[15:8] |
 * Aff0 = index[7:0]; CNTVCT_EL0/CNTPCT_EL0 return ops->counter(). */
struct cpu_run_result cpu_run(struct cpu *c, uint64_t budget);
/* Run exactly: stop before the instruction that would make the run's count
 * exceed n (n = 0: nothing runs), or earlier for any other reason; the stop
 * for n is CPU_STOP_BUDGET with insns == n.  The block hook stops before a
 * block that would cross n, then a one-off code hook on the instruction
 * after the n-th ends the partial block (docs/cpu.md, "Exact budget"). */
struct cpu_run_result cpu_run_exact(struct cpu *c, uint64_t n);
/* Inside a run (from a host hook): instructions executed so far in it, the
 * current one included when it ends its block (HVC, SMC). */
uint64_t cpu_run_insns(const struct cpu *c);
/* Ask the current run to stop after the current instruction (from a hook). */
void cpu_request_stop(struct cpu *c);

/* Registers.  n = 0..30 for x0..x30. */
uint64_t cpu_reg(struct cpu *c, unsigned n);
void cpu_set_reg(struct cpu *c, unsigned n, uint64_t v);
/* x[first] .. x[first + n - 1] in one engine call each way (first + n must
 * not exceed 31; out of range does nothing, reads give 0). */
void cpu_regs_get(struct cpu *c, unsigned first, unsigned n, uint64_t *out);
void cpu_regs_set(struct cpu *c, unsigned first, unsigned n, const uint64_t *in);
uint64_t cpu_pc(struct cpu *c);
void cpu_set_pc(struct cpu *c, uint64_t pc);
uint64_t cpu_sp(struct cpu *c);		/* live SP (SP_EL1 at EL1h) */
void cpu_set_sp(struct cpu *c, uint64_t sp);
uint32_t cpu_pstate(struct cpu *c);
/* Only same-EL changes (EL1 -> EL1) are safe; see UNICORN-NOTES.md §2. */
void cpu_set_pstate(struct cpu *c, uint32_t pstate);
uint64_t cpu_sysreg(struct cpu *c, uint32_t enc);	/* ELR/SPSR/ESR/FAR/VBAR/SP_EL0/TPIDR */
void cpu_set_sysreg(struct cpu *c, uint32_t enc, uint64_t v);
/* The same with an error: -1 when Unicorn does not implement enc (e.g. the
 * ICC_* registers, which live in the GIC model) or refuses the access. */
int cpu_sysreg_get(struct cpu *c, uint32_t enc, uint64_t *v);
int cpu_sysreg_put(struct cpu *c, uint32_t enc, uint64_t v);
/* Instructions retired by this vCPU over all runs (block granularity). */
uint64_t cpu_insns_total(const struct cpu *c);
const char *cpu_stop_reason_name(enum cpu_stop_reason r);

/* Architectural exception entry emulated in the host (Arm ARM D1.10):
 * ELR_EL1 = return PC, SPSR_EL1 = saved PSTATE, PSTATE = EL1h with DAIF
 * masked, PC = VBAR_EL1 + vector offset.  For an entry "from user mode"
 * (from_el0) the saved PSTATE is EL0t with the given DAIF bits clear and
 * return_pc is the user PC the model chooses; ESR/FAR are set for
 * synchronous exceptions.  ELR_EL1 = return_pc in both cases (pass
 * cpu_pc(c) to interrupt the current EL1 context).  An entry from EL1t
 * uses the SP0 vectors (+0x000/+0x080) and switches SP to SP_EL1.
 * Costs ~0.1 us (docs/cpu.md). */
void cpu_enter_irq(struct cpu *c, bool from_el0, uint64_t return_pc);
void cpu_enter_sync(struct cpu *c, bool from_el0, uint64_t return_pc, uint64_t esr, uint64_t far);

/* After CPU_STOP_FAULT: PC, registers and the disassembled instruction. */
void cpu_fault_report(struct cpu *c, FILE *out);
const char *cpu_fault_reason(const struct cpu *c);

/* Guest images (ELF64, EM_AARCH64): load PT_LOAD segments into RAM and read
 * the symbol table.  Returns 0 or -1 with a message. */
struct cpu_image;
struct cpu_image *cpu_image_load_file(const char *path, char *err, size_t errlen);
struct cpu_image *cpu_image_load_memory(const void *elf, size_t len, char *err, size_t errlen);
int cpu_image_place(const struct cpu_image *img, void *ram, uint64_t ram_base, uint64_t ram_size,
		    char *err, size_t errlen);
/* The same into RAM known to be all zero (a fresh anonymous mapping): the
 * .bss part (p_memsz beyond p_filesz) is left as it is instead of being
 * cleared, so its pages are not touched until the guest uses them. */
int cpu_image_place_zeroed(const struct cpu_image *img, void *ram, uint64_t ram_base, uint64_t ram_size,
			   char *err, size_t errlen);
/* The [start, end) guest physical ranges of the executable PT_LOAD
 * segments into out[0..max); their count, or -1 when there are more. */
int cpu_image_code_ranges(const struct cpu_image *img, uint64_t (*out)[2], unsigned max);
/* 0 and *addr, or -1 when the symbol is missing. */
int cpu_image_symbol(const struct cpu_image *img, const char *name, uint64_t *addr);
uint64_t cpu_image_entry(const struct cpu_image *img);
void cpu_image_free(struct cpu_image *img);

/* Disassemble one instruction word at pc ("msr icc_eoir1_el1, x0").
 * Returns 0, or -1 when the word does not decode (buf then holds
 * ".inst 0x........").  Opens a capstone handle per call: debug use only. */
int cpu_disasm(uint32_t insn, uint64_t pc, char *buf, size_t len);

#endif
