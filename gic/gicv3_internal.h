/* gicv3_internal.h — state shared by the GICv3 model files (private).
 * gicv3_common.c owns the state and the priority rules; gicv3_cpuif.c,
 * gicv3_redist.c and gicv3_dist.c are the register front ends.
 */
#ifndef APFSIM_GIC_GICV3_INTERNAL_H
#define APFSIM_GIC_GICV3_INTERNAL_H

#include "gic/gic.h"

struct gic_cpu_cache {
	unsigned hppi;		/* gicv3_hppi_compute() */
	bool sig;		/* the signal now; asserted[] = last reported */
};

struct gic {
	unsigned ncpus;
	struct gic_dist_state dist;
	struct gic_cpu_state *cpu;
	bool *asserted;		/* last signal reported per vCPU */
	/* Per vCPU, recomputed by gicv3_update() (which every state mutation
	 * ends with): the highest-priority pending interrupt and, when the
	 * signal is asserted, the INTID signalled.  Queries read these. */
	struct gic_cpu_cache *cache;
	gic_irq_changed_fn irq_changed;
	void *irq_ctx;
};

/* Pending state of an INTID (IHI 0069 §4.1): edge-triggered -> the latch;
 * level-sensitive -> the line level OR the software (ISPENDR) latch. */
static inline uint32_t gicv3_pending_mask(const struct gic_cpu_state *c)
{
	return c->pend_latch | (c->line_level & ~c->edge);
}

/* Highest-priority pending interrupt candidate (pending, enabled, not
 * active, Group 1, Group 1 enabled).  Returns the INTID or
 * GIC_INTID_SPURIOUS. */
unsigned gicv3_hppi_compute(const struct gic *g, unsigned cpu);
/* The same, as cached by the last gicv3_update(). */
static inline unsigned gicv3_hppi(const struct gic *g, unsigned cpu)
{
	return g->cache[cpu].hppi;
}
/* Running priority from ICC_AP1R0_EL1: the highest (lowest value) active
 * group priority, 0xFF when none. */
uint8_t gicv3_running_prio(const struct gic_cpu_state *c);
/* Group-priority mask from ICC_BPR1_EL1 (or BPR0 + 1 when CBPR). */
uint8_t gicv3_group_prio_mask(const struct gic_cpu_state *c);
/* Recompute the IRQ signal of cpu and call irq_changed on a change.  Every
 * state mutation ends with this. */
void gicv3_update(struct gic *g, unsigned cpu);
/* Recompute the cache of cpu only (no callback). */
void gicv3_refresh(struct gic *g, unsigned cpu);
/* gicv3_update() for every vCPU, all caches refreshed first. */
void gicv3_update_all(struct gic *g);

/* CPU interface operations used by the sysreg front end. */
unsigned gicv3_acknowledge(struct gic *g, unsigned cpu);
void gicv3_priority_drop(struct gic *g, unsigned cpu);
void gicv3_deactivate(struct gic *g, unsigned cpu, unsigned intid);
void gicv3_sgi1r(struct gic *g, unsigned cpu, uint64_t val);

#endif
