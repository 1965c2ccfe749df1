/* cpu_exception.c — AArch64 exception entry to EL1, done by the host.
 *
 * Unicorn never delivers exceptions to the guest (UNICORN-NOTES.md §2), so
 * the host performs the architectural entry (Arm ARM D1.10, "Exception
 * entry"): ELR_EL1 = return address, SPSR_EL1 = saved PSTATE, PSTATE = EL1h
 * with D, A, I and F masked and IL/SS clear, PC = VBAR_EL1 + vector offset.
 *
 * Invariant: the engine is at EL1 before and after.  Only same-EL PSTATE
 * writes are safe, because Unicorn 2.0.1 does not rebuild its cached
 * translation flags on a PSTATE write (§2, hflags gotcha).  An entry "from
 * user mode" is therefore an EL1 -> EL1 switch whose SPSR_EL1 says EL0t;
 * the kernel's `eret` back to such a context must be a sentinel.
 */
#include "cpu/cpu_internal.h"

static void write_spsr(struct cpu *c, uint64_t v)
{
	/* No UC_ARM64_REG_SPSR_EL1 in the 2.0.1 headers: CP_REG 3,0,4,0,0. */
	uc_arm64_cp_reg cp = { .crn = 4, .crm = 0, .op0 = 3, .op1 = 0, .op2 = 0, .val = v };
	uc_err e = uc_reg_write(c->uc, UC_ARM64_REG_CP_REG, &cp);

	if (e != UC_ERR_OK)
		cpu_note_err(c, "uc_reg_write(SPSR_EL1)", e);
}

static void enter_el1(struct cpu *c, bool from_el0, uint64_t return_pc, uint64_t off_sp0,
		      uint64_t off_spx, uint64_t off_lower)
{
	uint32_t ps = cpu_pstate(c);
	bool el1t = (ps & PSTATE_M_MASK) == PSTATE_MODE_EL1t;
	uint64_t off, sp_el1 = 0;
	uc_err e;

	if (from_el0)
		off = off_lower;
	else
		off = el1t ? off_sp0 : off_spx;

	/* Step 1: the return state. */
	cpu_set_sysreg(c, CPU_SYSREG_ELR_EL1, return_pc);
	write_spsr(c, from_el0 ? PSTATE_MODE_EL0t : ps);

	/* Step 2: EL1t -> EL1h swaps the live SP by hand; Unicorn's PSTATE write
	 * does not.  The banked SP_EL1 is valid while in EL1t. */
	if (el1t) {
		e = uc_reg_read(c->uc, UC_ARM64_REG_SP_EL1, &sp_el1);
		if (e != UC_ERR_OK)
			cpu_note_err(c, "uc_reg_read(SP_EL1)", e);
		e = uc_reg_write(c->uc, UC_ARM64_REG_SP_EL0, &(uint64_t){ cpu_sp(c) });
		if (e != UC_ERR_OK)
			cpu_note_err(c, "uc_reg_write(SP_EL0)", e);
	}

	/* Step 3: EL1h, all of DAIF masked; NZCV and PAN are kept. */
	ps &= ~(PSTATE_M_MASK | 0x10u | PSTATE_DAIF | PSTATE_IL | PSTATE_SS);
	cpu_set_pstate(c, ps | PSTATE_DAIF | PSTATE_MODE_EL1h);
	if (el1t)
		cpu_set_sp(c, sp_el1);

	/* Step 4: the vector. */
	cpu_set_pc(c, cpu_sysreg(c, CPU_SYSREG_VBAR_EL1) + off);
}

void cpu_enter_irq(struct cpu *c, bool from_el0, uint64_t return_pc)
{
	enter_el1(c, from_el0, return_pc, VEC_IRQ_CUR_SP0, VEC_IRQ_CUR_SPX, VEC_IRQ_LOWER_A64);
}

void cpu_enter_sync(struct cpu *c, bool from_el0, uint64_t return_pc, uint64_t esr, uint64_t far)
{
	cpu_set_sysreg(c, CPU_SYSREG_ESR_EL1, esr);
	cpu_set_sysreg(c, CPU_SYSREG_FAR_EL1, far);
	enter_el1(c, from_el0, return_pc, VEC_SYNC_CUR_SP0, VEC_SYNC_CUR_SPX, VEC_SYNC_LOWER_A64);
}
