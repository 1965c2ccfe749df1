/* gicv3_common.c — GICv3 state common to all blocks: reset, the pending /
 * priority rules, the IRQ signal to each PE, host-side injection and
 * snapshot.  Arm IHI 0069 §4.1 (interrupt lifecycle), §4.8 (priority,
 * preemption, running priority), §12.2 (ICC_* reset values).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gic/gicv3_internal.h"

static void gicv3_reset_cpu(struct gic_cpu_state *c)
{
	memset(c, 0, sizeof(*c));
	/* SGIs are always edge-triggered (GICR_ICFGR0 is read-only); PPIs
	 * reset to level-sensitive, as in KVM's vGIC. */
	c->edge = 0x0000FFFFu;
	/* KVM's GICv3 model resets SGIs/PPIs to Group 1 (architecturally the
	 * reset value is IMPLEMENTATION DEFINED). */
	c->group = 0xFFFFFFFFu;
	c->waker = GICR_WAKER_ProcessorSleep;
	c->pmr = 0;	/* everything masked until the driver opens PMR */
	c->bpr0 = ICC_BPR0_MIN;
	c->bpr1 = ICC_BPR1_MIN;
}

struct gic *gic_create(unsigned ncpus)
{
	struct gic *g;

	if (ncpus == 0 || ncpus > GIC_MAX_CPUS)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->cpu = calloc(ncpus, sizeof(*g->cpu));
	if (!g->cpu)
		goto err_cpu;
	g->asserted = calloc(ncpus, sizeof(*g->asserted));
	if (!g->asserted)
		goto err_asserted;
	g->cache = calloc(ncpus, sizeof(*g->cache));
	if (!g->cache)
		goto err_cache;
	g->ncpus = ncpus;
	for (unsigned i = 0; i < ncpus; i++) {
		gicv3_reset_cpu(&g->cpu[i]);
		/* Reset state signals nothing (PMR 0); no callback yet. */
		gicv3_update(g, i);
	}
	return g;

err_cache:
	free(g->asserted);
err_asserted:
	free(g->cpu);
err_cpu:
	free(g);
	return NULL;
}

void gic_destroy(struct gic *g)
{
	if (!g)
		return;
	free(g->cache);
	free(g->asserted);
	free(g->cpu);
	free(g);
}

unsigned gic_ncpus(const struct gic *g)
{
	return g->ncpus;
}

void gic_set_irq_changed(struct gic *g, gic_irq_changed_fn fn, void *ctx)
{
	g->irq_changed = fn;
	g->irq_ctx = ctx;
}

uint64_t gic_cpu_mpidr(unsigned cpu)
{
	/* MPIDR_EL1 bit 31 is RES1; Aff1 [15:8], Aff0 [7:0]. */
	return (1ull << 31) | ((uint64_t)(cpu / 16) << 8) | (cpu % 16);
}

uint8_t gicv3_group_prio_mask(const struct gic_cpu_state *c)
{
	/* §4.8.5: ICC_BPR1_EL1 == n splits the priority into group priority
	 * [7:n] and subpriority [n-1:0]; with ICC_CTLR_EL1.CBPR the Group 1
	 * binary point is ICC_BPR0_EL1 + 1. */
	unsigned bp = (c->ctlr & ICC_CTLR_EL1_CBPR) ? c->bpr0 + 1u : c->bpr1;

	if (bp > 7)
		bp = 7;
	return (uint8_t)((0xFFu << bp) & GIC_PRIO_MASK);
}

uint8_t gicv3_running_prio(const struct gic_cpu_state *c)
{
	/* §4.8.6: the running priority is the highest active group priority,
	 * tracked in ICC_AP1R0_EL1 (bit n <-> group priority n << 3 with 5
	 * priority bits); idle priority 0xFF when nothing is active. */
	if (!c->ap1r0)
		return GIC_PRIO_IDLE;
	return (uint8_t)(__builtin_ctz(c->ap1r0) << 3);
}

unsigned gicv3_hppi_compute(const struct gic *g, unsigned cpu)
{
	const struct gic_cpu_state *c = &g->cpu[cpu];
	uint32_t cand;
	unsigned best = GIC_INTID_SPURIOUS;
	unsigned best_prio = 0x100;

	/* Group 1 must be enabled both at the CPU interface and the
	 * distributor (GICD_CTLR.EnableGrp1A gates SGIs/PPIs too, §12.9.4). */
	if (!c->igrpen1 || !(g->dist.ctlr & GICD_CTLR_EnableGrp1A))
		return GIC_INTID_SPURIOUS;
	/* An interrupt that is active (or active and pending) is not
	 * forwarded to the CPU interface (§4.1.2). */
	cand = gicv3_pending_mask(c) & c->enabled & ~c->active & c->group;
	/* Tie-break between equal priorities: the lowest INTID wins (the
	 * architecture leaves this IMPLEMENTATION DEFINED). Visiting the
	 * candidates upwards and replacing only on a strictly higher
	 * priority gives that. */
	while (cand) {
		unsigned i = (unsigned)__builtin_ctz(cand);
		unsigned prio = c->priority[i] & GIC_PRIO_MASK;

		cand &= cand - 1;
		if (prio < best_prio) {
			best_prio = prio;
			best = i;
		}
	}
	return best;
}

/* Would the HPPI be signalled now?  §4.8.2: priority higher than the
 * PMR and group priority higher than the running priority. */
static bool gicv3_signal_compute(const struct gic *g, unsigned cpu, unsigned hppi)
{
	const struct gic_cpu_state *c = &g->cpu[cpu];
	uint8_t prio;

	if (hppi == GIC_INTID_SPURIOUS)
		return false;
	prio = c->priority[hppi] & GIC_PRIO_MASK;
	if (prio >= (c->pmr & GIC_PRIO_MASK))
		return false;
	if ((prio & gicv3_group_prio_mask(c)) >= gicv3_running_prio(c))
		return false;
	return true;
}

/* The signal as cached by the last gicv3_refresh(). */
static bool gicv3_signal(const struct gic *g, unsigned cpu, unsigned *intid)
{
	if (!g->cache[cpu].sig)
		return false;
	if (intid)
		*intid = g->cache[cpu].hppi;
	return true;
}

void gicv3_refresh(struct gic *g, unsigned cpu)
{
	unsigned hppi = gicv3_hppi_compute(g, cpu);

	g->cache[cpu].hppi = hppi;
	g->cache[cpu].sig = gicv3_signal_compute(g, cpu, hppi);
}

void gicv3_update_all(struct gic *g)
{
	/* Every cache first: a callback for one vCPU may query another. */
	for (unsigned i = 0; i < g->ncpus; i++)
		gicv3_refresh(g, i);
	for (unsigned i = 0; i < g->ncpus; i++)
		gicv3_update(g, i);
}

void gicv3_update(struct gic *g, unsigned cpu)
{
	bool now;

	gicv3_refresh(g, cpu);
	now = g->cache[cpu].sig;
	if (now == g->asserted[cpu])
		return;
	g->asserted[cpu] = now;
	if (g->irq_changed)
		g->irq_changed(g->irq_ctx, cpu, now);
}

unsigned gicv3_acknowledge(struct gic *g, unsigned cpu)
{
	struct gic_cpu_state *c = &g->cpu[cpu];
	unsigned intid;
	uint8_t gprio;

	if (!gicv3_signal(g, cpu, &intid))
		return GIC_INTID_SPURIOUS;
	/* §4.1.1: acknowledge makes the interrupt active; it clears the
	 * edge latch (and the ISPENDR latch of a level interrupt), while a
	 * level interrupt whose line is still high stays pending, i.e.
	 * becomes active and pending. */
	c->active |= 1u << intid;
	c->pend_latch &= ~(1u << intid);
	gprio = c->priority[intid] & gicv3_group_prio_mask(c);
	c->ap1r0 |= 1u << (gprio >> 3);
	gicv3_update(g, cpu);
	return intid;
}

void gicv3_priority_drop(struct gic *g, unsigned cpu)
{
	struct gic_cpu_state *c = &g->cpu[cpu];

	/* §4.8.7: EOI drops the running priority, i.e. clears the highest
	 * set active-priority bit. */
	if (c->ap1r0)
		c->ap1r0 &= c->ap1r0 - 1;
	gicv3_update(g, cpu);
}

void gicv3_deactivate(struct gic *g, unsigned cpu, unsigned intid)
{
	if (intid >= GIC_NR_PRIVATE)
		return;
	g->cpu[cpu].active &= ~(1u << intid);
	gicv3_update(g, cpu);
}

void gicv3_sgi1r(struct gic *g, unsigned cpu, uint64_t val)
{
	unsigned intid = (val >> ICC_SGI1R_INTID_SHIFT) & 0xF;
	unsigned aff1 = (val >> ICC_SGI1R_AFF1_SHIFT) & 0xFF;
	unsigned aff2 = (val >> ICC_SGI1R_AFF2_SHIFT) & 0xFF;
	unsigned aff3 = (val >> ICC_SGI1R_AFF3_SHIFT) & 0xFF;
	unsigned rs = (val >> ICC_SGI1R_RS_SHIFT) & 0xF;
	uint32_t list = val & ICC_SGI1R_TARGETLIST_MASK;

	/* §12.2.23: IRM == 1 -> every PE except the sender. */
	if (val & ICC_SGI1R_IRM) {
		for (unsigned t = 0; t < g->ncpus; t++)
			if (t != cpu)
				gic_raise_sgi(g, t, intid, cpu);
		return;
	}
	/* IRM == 0 -> the PEs Aff3.Aff2.Aff1.<RS*16 + n> for each bit n of
	 * TargetList.  vCPU i has Aff1 = i / 16, Aff0 = i % 16, Aff2/3 = 0,
	 * so only RS == 0 can name an existing vCPU. */
	if (aff3 || aff2)
		return;
	for (unsigned n = 0; n < 16; n++) {
		unsigned aff0 = rs * 16 + n;
		unsigned t = aff1 * 16 + aff0;

		if (!(list & (1u << n)) || aff0 >= 16 || t >= g->ncpus)
			continue;
		gic_raise_sgi(g, t, intid, cpu);
	}
}

/* ---- host side -------------------------------------------------------- */

int gic_set_ppi_level(struct gic *g, unsigned cpu, unsigned intid, bool level)
{
	struct gic_cpu_state *c;
	uint32_t bit;

	if (cpu >= g->ncpus || intid < GIC_NR_SGIS || intid >= GIC_NR_PRIVATE)
		return -EINVAL;
	c = &g->cpu[cpu];
	bit = 1u << intid;
	/* Edge-triggered: a rising edge latches pending. Level-sensitive:
	 * pending is derived from the line (gicv3_pending_mask). */
	if ((c->edge & bit) && level && !(c->line_level & bit))
		c->pend_latch |= bit;
	if (level)
		c->line_level |= bit;
	else
		c->line_level &= ~bit;
	gicv3_update(g, cpu);
	return 0;
}

int gic_raise_sgi(struct gic *g, unsigned target_cpu, unsigned intid, unsigned source_cpu)
{
	(void)source_cpu;
	if (target_cpu >= g->ncpus || intid >= GIC_NR_SGIS)
		return -EINVAL;
	g->cpu[target_cpu].pend_latch |= 1u << intid;
	gicv3_update(g, target_cpu);
	return 0;
}

int gic_set_pending(struct gic *g, unsigned cpu, unsigned intid)
{
	if (cpu >= g->ncpus || intid >= GIC_NR_PRIVATE)
		return -EINVAL;
	g->cpu[cpu].pend_latch |= 1u << intid;
	gicv3_update(g, cpu);
	return 0;
}

bool gic_irq_asserted(const struct gic *g, unsigned cpu)
{
	if (cpu >= g->ncpus)
		return false;
	return g->cache[cpu].sig;
}

static bool gic_bit(uint32_t word, unsigned intid)
{
	return (word >> intid) & 1u;
}

#define GIC_QUERY_OK(g, cpu, intid) ((cpu) < (g)->ncpus && (intid) < GIC_NR_PRIVATE)

bool gic_line_level(const struct gic *g, unsigned cpu, unsigned intid)
{
	return GIC_QUERY_OK(g, cpu, intid) &&
	       gic_bit(g->cpu[cpu].line_level, intid);
}

bool gic_is_pending(const struct gic *g, unsigned cpu, unsigned intid)
{
	return GIC_QUERY_OK(g, cpu, intid) &&
	       gic_bit(gicv3_pending_mask(&g->cpu[cpu]), intid);
}

bool gic_is_active(const struct gic *g, unsigned cpu, unsigned intid)
{
	return GIC_QUERY_OK(g, cpu, intid) &&
	       gic_bit(g->cpu[cpu].active, intid);
}

bool gic_is_enabled(const struct gic *g, unsigned cpu, unsigned intid)
{
	return GIC_QUERY_OK(g, cpu, intid) &&
	       gic_bit(g->cpu[cpu].enabled, intid);
}

uint8_t gic_running_priority(const struct gic *g, unsigned cpu)
{
	if (cpu >= g->ncpus)
		return GIC_PRIO_IDLE;
	return gicv3_running_prio(&g->cpu[cpu]);
}

/* ---- snapshot --------------------------------------------------------- */

int gic_save_cpu(const struct gic *g, unsigned cpu, struct gic_cpu_state *out)
{
	if (cpu >= g->ncpus || !out)
		return -EINVAL;
	*out = g->cpu[cpu];
	return 0;
}

int gic_restore_cpu(struct gic *g, unsigned cpu, const struct gic_cpu_state *in)
{
	if (cpu >= g->ncpus || !in)
		return -EINVAL;
	g->cpu[cpu] = *in;
	/* Keep the invariants a guest could never break: SGIs edge. */
	g->cpu[cpu].edge |= 0x0000FFFFu;
	gicv3_update(g, cpu);
	return 0;
}

void gic_save_dist(const struct gic *g, struct gic_dist_state *out)
{
	*out = g->dist;
}

void gic_restore_dist(struct gic *g, const struct gic_dist_state *in)
{
	g->dist.ctlr = in->ctlr & (GICD_CTLR_EnableGrp0 | GICD_CTLR_EnableGrp1A);
	gicv3_update_all(g);
}
