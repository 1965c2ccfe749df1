/* cpu_trace.c — the --trace-insn instruction trace.
 *
 * One line per executed guest instruction, in execution order:
 *
 *     cpu<N> <pc in lower-case hex, no 0x>: <capstone disassembly>
 *
 * e.g. "cpu0 40000010: mrs x0, icc_iar1_el1".  The line depends only on the
 * guest state, never on host addresses, so traces are byte-identical across
 * runs.  A UC_HOOK_CODE on all addresses costs about 4x in speed
 * (UNICORN-NOTES.md §5f), so the hook exists only when a trace is wanted; it
 * is added at cpu_create(), before anything is translated (§5e gotcha 1).
 * An instruction interrupted by a fault (UDEF, unmapped access) is listed;
 * a sentinel instruction, which never executes, is not.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cpu/cpu_internal.h"

static void cpu_trace_insn(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
	struct cpu *c = ud;
	char text[128];
	uint32_t insn;

	(void)uc;
	(void)size;
	/* A sentinel instruction never executes: the run stops before it. */
	for (unsigned i = 0; i < c->n_sentinels; i++)
		if (c->sentinel[i] == addr)
			return;
	/* Nor does the one cpu_run_exact stops before. */
	if (c->exact_at == addr)
		return;
	if (!cpu_fetch_insn(c, addr, &insn)) {
		fprintf(c->cfg.insn_trace, "cpu%u %" PRIx64 ": (outside RAM)\n", c->cfg.index, addr);
		return;
	}
	cpu_disasm_with(cpu_cs_handle(c), insn, addr, text, sizeof(text));
	fprintf(c->cfg.insn_trace, "cpu%u %" PRIx64 ": %s\n", c->cfg.index, addr, text);
}

int cpu_trace_install(struct cpu *c, char *err, size_t errlen)
{
	uc_hook h;
	uc_err e;

	e = uc_hook_add(c->uc, &h, UC_HOOK_CODE, (void *)cpu_trace_insn, c, 1, 0);
	if (e != UC_ERR_OK) {
		snprintf(err, errlen, "cpu%u: uc_hook_add(UC_HOOK_CODE trace): %s", c->cfg.index,
			 uc_strerror(e));
		return -1;
	}
	return 0;
}
