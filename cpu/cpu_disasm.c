/* cpu_disasm.c — aarch64 disassembly with capstone 4 for instruction traces
 * and guest fault reports.
 *
 * Capstone prints lower-case names, including the GICv3 system registers
 * ("mrs x0, icc_iar1_el1").  Words it cannot decode (udf #0 is one of them,
 * UNICORN-NOTES.md §6) are printed as ".inst 0x%08x".  Detail mode stays off:
 * only the text is needed, and it is twice as fast.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cpu/cpu_internal.h"

int cpu_disasm_open(csh *cs)
{
	if (cs_open(CS_ARCH_ARM64, CS_MODE_ARM, cs) != CS_ERR_OK)
		return -1;
	return 0;
}

int cpu_disasm_with(csh cs, uint32_t insn, uint64_t pc, char *buf, size_t len)
{
	uint8_t bytes[4] = { insn & 0xff, (insn >> 8) & 0xff, (insn >> 16) & 0xff, insn >> 24 };
	cs_insn *ci;
	size_t n;

	if (len == 0)
		return -1;
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
