/* cpu_pool.c — engines kept between the machines of one process.
 *
 * A Unicorn engine costs ~0.5 ms to bring up (the TCG context, its code
 * buffer's first pages, the AArch64 system-register tables, all done
 * lazily at the first memory map) and ~0.2 ms to close: under arm64-v4
 * that was most of the set-up of every run of `apfsim explore` and
 * `apfsim sweep` (docs/performance.md, eighth round).  cpu_destroy hands
 * the engine here instead; the next cpu_create of the process takes it.
 *
 * Invariant: a pooled engine is indistinguishable, for the model, from a
 * new one.  Giving it back removes what the last machine added (the
 * sentinel hooks, the MMIO frames), drops every translation of the guest
 * code's ranges, so translation starts from nothing as in a new engine
 * (kept translations changed an instruction count: docs/cpu.md), and
 * restores the CPU state saved right after creation (uc_context: every
 * register, system registers and PSTATE included).  The hooks every engine
 * has (block, interrupt, MRS/MSR, unmapped access) stay, with the same
 * struct cpu as their argument, and so does the RAM mapping: the platform
 * pools its RAM buffers, and an engine is remapped only when the next
 * machine's buffer is another one.  Only engines of a known image
 * (cpu_config.code_id) are pooled, never one with an instruction trace.
 * The pool is per process (explore and sweep workers are processes) and
 * not thread-safe: apfsim runs its machines on one thread.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_internal.h"

#define CPU_POOL_MAX 64
/* Machines one engine serves before it is closed.  Dropped translations
 * leave their code-buffer space used (Unicorn reclaims it only with a full
 * flush, which clears the whole buffer: ~80 ms), ~90 KB per quickstart
 * machine: the bound keeps a worker's memory flat (+3 MB per engine at
 * most) while a new engine's start-up is paid once per 32 machines. */
#define CPU_POOL_REUSES 32

static struct cpu *cpu_pool[CPU_POOL_MAX];
static unsigned cpu_pool_n;
static uint64_t cpu_pool_taken;

uint64_t cpu_pool_reused(void)
{
	return cpu_pool_taken;
}

bool cpu_pool_give(struct cpu *c)
{
	bool ok = c->pristine && c->cfg.code_id && c->cfg.n_code_ranges && !c->cfg.insn_trace &&
		  !c->running && ++c->machines < CPU_POOL_REUSES && cpu_pool_n < CPU_POOL_MAX;

	for (unsigned i = 0; ok && i < c->n_sentinels; i++)
		ok = uc_hook_del(c->uc, c->sentinel_hook[i]) == UC_ERR_OK;
	for (unsigned i = 0; ok && i < c->n_mmio; i++)
		ok = uc_mem_unmap(c->uc, c->mmio[i].base, c->mmio[i].size) == UC_ERR_OK;
	for (unsigned i = 0; ok && i < c->cfg.n_code_ranges; i++)
		ok = uc_ctl_remove_cache(c->uc, c->cfg.code_range[i][0], c->cfg.code_range[i][1]) == UC_ERR_OK;
	ok = ok && uc_context_restore(c->uc, c->pristine) == UC_ERR_OK;
	if (!ok)
		return false;
	cpu_pool[cpu_pool_n++] = c;
	return true;
}

/* The pooled engine for cfg: same code and RAM window, preferably already
 * mapping cfg's RAM buffer, the most recently pooled first; cpu_pool_n when
 * none fits. */
static unsigned cpu_pool_pick(const struct cpu_config *cfg)
{
	unsigned fit = cpu_pool_n;

	for (unsigned i = cpu_pool_n; i-- > 0;) {
		const struct cpu *c = cpu_pool[i];

		if (c->cfg.code_id != cfg->code_id || c->cfg.ram_base != cfg->ram_base ||
		    c->cfg.ram_size != cfg->ram_size)
			continue;
		if (c->cfg.ram == cfg->ram)
			return i;
		if (fit == cpu_pool_n)
			fit = i;
	}
	return fit;
}

struct cpu *cpu_pool_take(const struct cpu_config *cfg)
{
	struct cpu *c;
	uc_engine *uc;
	csh cs;
	uc_context *pristine;

	while (cpu_pool_n > 0) {
		unsigned i = cpu_pool_pick(cfg);
		void *old_ram;
		unsigned machines;
		bool ok = true;

		if (i == cpu_pool_n)
			return NULL;
		c = cpu_pool[i];
		cpu_pool[i] = cpu_pool[--cpu_pool_n];
		uc = c->uc;
		cs = c->cs;
		pristine = c->pristine;
		old_ram = c->cfg.ram;
		machines = c->machines;
		/* Every per-machine field starts as in a new cpu. */
		memset(c, 0, sizeof(*c));
		c->uc = uc;
		c->cs = cs;
		c->pristine = pristine;
		c->machines = machines;
		cpu_init_fields(c, cfg);
		/* The RAM stays mapped while pooled: the platform reuses its
		 * buffers too, so the pointer usually matches and nothing is
		 * remapped (an unmap flushes the TLB page by page, ~1 ms for
		 * 4 MiB of 1 KiB target pages). */
		if (old_ram != cfg->ram)
			ok = uc_mem_unmap(uc, cfg->ram_base, cfg->ram_size) == UC_ERR_OK &&
			     uc_mem_map_ptr(uc, cfg->ram_base, cfg->ram_size, UC_PROT_ALL, cfg->ram) == UC_ERR_OK;
		if (ok) {
			cpu_pool_taken++;
			return c;
		}
		/* Cannot take this one: close it, try the next. */
		cpu_close(c);
	}
	return NULL;
}
