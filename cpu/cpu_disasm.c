/* cpu_disasm.c — aarch64 disassembly with capstone 4 for instruction traces
 * and guest fault reports.
 *
 * Capstone prints lower-case names, including the GICv3 system registers
 * ("mrs x0, icc_iar1_el1").  Words it cannot decode (udf #0 is one of them,
 * UNICORN-NOTES.md §6) are printed as ".inst 0x%08x".  Detail mode stays off:
 * only the text is needed, and it is twice as fast.  Detail mode is switched
 * on only to locate the instruction of a data access fault: Unicorn 2.0.1
 * leaves PC at the start of the block then (docs/cpu.md, "Fault reports").
 * libcapstone itself is opened with the first disassembly (cpu_dl.h); where
 * it cannot be, every instruction prints as ".inst 0x%08x".
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cpu/cpu_internal.h"

int cpu_disasm_open(csh *cs)
{
	if (!cpu_dl_capstone(NULL, 0) || cs_open(CS_ARCH_ARM64, CS_MODE_ARM, cs) != CS_ERR_OK)
		return -1;
	return 0;
}

csh cpu_cs_handle(struct cpu *c)
{
	if (!c->cs && cpu_disasm_open(&c->cs) != 0)
		c->cs = 0;
	return c->cs;
}

int cpu_disasm_with(csh cs, uint32_t insn, uint64_t pc, char *buf, size_t len)
{
	uint8_t bytes[4] = { insn & 0xff, (insn >> 8) & 0xff, (insn >> 16) & 0xff, insn >> 24 };
	cs_insn *ci;
	size_t n;

	if (len == 0)
		return -1;
	if (!cs) {
		snprintf(buf, len, ".inst 0x%08" PRIx32, insn);
		return -1;
	}
	n = cs_disasm(cs, bytes, sizeof(bytes), pc, 1, &ci);
	if (n != 1) {
		snprintf(buf, len, ".inst 0x%08" PRIx32, insn);
		return -1;
	}
	if (ci[0].op_str[0] != '\0')
		snprintf(buf, len, "%s %s", ci[0].mnemonic, ci[0].op_str);
	else
		snprintf(buf, len, "%s", ci[0].mnemonic);
	cs_free(ci, n);
	return 0;
}

int cpu_disasm(uint32_t insn, uint64_t pc, char *buf, size_t len)
{
	csh cs;
	int ret;

	if (cpu_disasm_open(&cs) != 0) {
		if (len > 0)
			snprintf(buf, len, ".inst 0x%08" PRIx32, insn);
		return -1;
	}
	ret = cpu_disasm_with(cs, insn, pc, buf, len);
	cs_close(&cs);
	return ret;
}

/* Value of a capstone register operand from the live vCPU state. */
static bool operand_value(struct cpu *c, csh cs, arm64_reg reg, uint64_t *v)
{
	const char *name = cs_reg_name(cs, reg);
	unsigned n;

	if (!name)
		return false;
	if (strcmp(name, "sp") == 0 || strcmp(name, "wsp") == 0) {
		*v = cpu_sp(c);
	} else if (strcmp(name, "xzr") == 0 || strcmp(name, "wzr") == 0) {
		*v = 0;
	} else if (strcmp(name, "fp") == 0 || strcmp(name, "lr") == 0) {
		*v = cpu_reg(c, name[0] == 'f' ? 29 : 30);
	} else if ((name[0] == 'x' || name[0] == 'w') && sscanf(name + 1, "%u", &n) == 1 && n <= 30) {
		*v = cpu_reg(c, n);
		if (name[0] == 'w')
			*v &= 0xffffffffu;
	} else {
		return false;
	}
	return true;
}

/* Effective address of the memory operand of a load/store, from the
 * register values as they are now. */
static bool access_address(struct cpu *c, csh cs, const cs_insn *ci, uint64_t *ea)
{
	const cs_arm64 *d = &ci->detail->arm64;

	for (unsigned i = 0; i < d->op_count; i++) {
		const cs_arm64_op *op = &d->operands[i];
		uint64_t base, index = 0;

		if (op->type != ARM64_OP_MEM)
			continue;
		if (!operand_value(c, cs, op->mem.base, &base))
			return false;
		if (op->mem.index != ARM64_REG_INVALID) {
			if (!operand_value(c, cs, op->mem.index, &index))
				return false;
			if (op->ext == ARM64_EXT_SXTW)
				index = (uint64_t)(int64_t)(int32_t)index;
			else if (op->ext == ARM64_EXT_UXTW)
				index &= 0xffffffffu;
			if (op->shift.type == ARM64_SFT_LSL)
				index <<= op->shift.value;
		}
		*ea = base + index + (uint64_t)(int64_t)op->mem.disp;
		return true;
	}
	return false;
}

int cpu_disasm_find_access(struct cpu *c, uint64_t start, uint64_t end, uint64_t addr, uint64_t *pc)
{
	int found = -1;
	csh cs = cpu_cs_handle(c);

	if (!cs || cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK)
		return -1;
	for (uint64_t a = start; a < end && found != 0; a += 4) {
		uint8_t bytes[4];
		uint32_t insn;
		uint64_t ea;
		cs_insn *ci;

		if (!cpu_fetch_insn(c, a, &insn))
			break;
		memcpy(bytes, &insn, 4);
		if (cs_disasm(cs, bytes, 4, a, 1, &ci) != 1)
			continue;
		/* The widest access is 64 bytes (ld4/st4 of four q registers). */
		if (access_address(c, cs, &ci[0], &ea) && addr - ea < 64) {
			*pc = a;
			found = 0;
		}
		cs_free(ci, 1);
	}
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_OFF);
	return found;
}
