/* gicv3_redist.c — GICv3 redistributor MMIO (Arm IHI 0069 §12.10/§12.11):
 * the RD_base frame (CTLR, IIDR, TYPER, WAKER, PIDR2) and the SGI_base
 * frame (SGI/PPI enable, pending, active, priority, configuration, group).
 *
 * Layout: vCPU i's RD_base is at GIC_REDIST_BASE + i * GIC_REDIST_STRIDE,
 * its SGI_base 64 KiB further; frames are contiguous for all vCPUs and
 * the last one has GICR_TYPER.Last set (§9.5, discovery by the driver).
 * Unimplemented offsets inside a frame are RAZ/WI (no LPIs, no VLPIs).
 */
#include "gic/gicv3_internal.h"

static uint64_t gicr_typer(const struct gic *g, unsigned cpu)
{
	uint64_t mpidr = gic_cpu_mpidr(cpu);
	/* Affinity_Value [63:32] = Aff3.Aff2.Aff1.Aff0; Processor_Number
	 * [23:8]; Last [4]; PLPIS/VLPIS/DirectLPI 0. */
	uint64_t aff = ((mpidr >> 8) & 0xFF) << 8 | (mpidr & 0xFF);
	uint64_t v = aff << GICR_TYPER_AFF_SHIFT |
		     (uint64_t)cpu << GICR_TYPER_PROCNUM_SHIFT;

	if (cpu == g->ncpus - 1)
		v |= GICR_TYPER_LAST;
	return v;
}

/* GICR_ICFGR1: two bits per PPI, bit [2n+1] set = edge-triggered. */
static uint32_t icfgr1_read(const struct gic_cpu_state *c)
{
	uint32_t v = 0;

	for (unsigned n = 0; n < GIC_NR_PPIS; n++)
		if (c->edge & (1u << (GIC_NR_SGIS + n)))
			v |= 2u << (2 * n);
	return v;
}

static void icfgr1_write(struct gic_cpu_state *c, uint32_t val)
{
	for (unsigned n = 0; n < GIC_NR_PPIS; n++) {
		uint32_t bit = 1u << (GIC_NR_SGIS + n);

		if (val & (2u << (2 * n)))
			c->edge |= bit;
		else
			c->edge &= ~bit;
	}
}

static int gicr_locate(const struct gic *g, uint64_t offset, unsigned size,
		       unsigned *cpu, uint32_t *off)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -1;
	if (offset & (size - 1))
		return -1;
	if (offset >= gic_redist_region_size(g))
		return -1;
	*cpu = (unsigned)(offset / GIC_REDIST_STRIDE);
	*off = (uint32_t)(offset % GIC_REDIST_STRIDE);
	return 0;
}

/* The 32-bit registers implemented here (accessed with size 4 only). */
static bool is_reg32(uint32_t off)
{
	switch (off & ~3u) {
	case GICR_CTLR:
	case GICR_IIDR:
	case GICR_WAKER:
	case GICR_PIDR2:
	case GICR_IGROUPR0:
	case GICR_ISENABLER0:
	case GICR_ICENABLER0:
	case GICR_ISPENDR0:
	case GICR_ICPENDR0:
	case GICR_ISACTIVER0:
	case GICR_ICACTIVER0:
	case GICR_ICFGR0:
	case GICR_ICFGR1:
		return true;
	default:
		return false;
	}
}

static bool is_prio(uint32_t off)
{
	return off >= GICR_IPRIORITYR(0) && off < GICR_IPRIORITYR(8);
}

uint64_t gic_redist_region_size(const struct gic *g)
{
	return (uint64_t)g->ncpus * GIC_REDIST_STRIDE;
}

int gic_redist_mmio_read(struct gic *g, uint64_t offset, unsigned size, uint64_t *val)
{
	const struct gic_cpu_state *c;
	unsigned cpu;
	uint32_t off;

	if (gicr_locate(g, offset, size, &cpu, &off))
		return -1;
	c = &g->cpu[cpu];
	if (is_prio(off)) {
		unsigned first = off - GICR_IPRIORITYR(0);

		if (size != 1 && size != 4)
			return -1;
		*val = 0;
		for (unsigned b = 0; b < size; b++)
			*val |= (uint64_t)(c->priority[first + b] & GIC_PRIO_MASK) << (8 * b);
		return 0;
	}
	if (off == GICR_TYPER || off == GICR_TYPER + 4) {
		uint64_t t = gicr_typer(g, cpu);

		if (size == 8 && off == GICR_TYPER)
			*val = t;
		else if (size == 4)
			*val = off == GICR_TYPER ? (uint32_t)t : t >> 32;
		else
			return -1;
		return 0;
	}
	if (!is_reg32(off)) {
		*val = 0;	/* RAZ/WI */
		return 0;
	}
	if (size != 4)
		return -1;
	switch (off) {
	case GICR_CTLR:
		*val = 0;	/* EnableLPIs 0, RWP 0, UWP 0 */
		break;
	case GICR_IIDR:
		*val = GIC_IIDR_VALUE;
		break;
	case GICR_WAKER:
		/* ChildrenAsleep follows ProcessorSleep at once: the
		 * handshake of §12.11.40 completes immediately. */
		*val = (c->waker & GICR_WAKER_ProcessorSleep) ?
			       GICR_WAKER_ProcessorSleep | GICR_WAKER_ChildrenAsleep : 0;
		break;
	case GICR_PIDR2:
		*val = GIC_PIDR2_VALUE;
		break;
	case GICR_IGROUPR0:
		*val = c->group;
		break;
	case GICR_ISENABLER0:
	case GICR_ICENABLER0:
		*val = c->enabled;
		break;
	case GICR_ISPENDR0:
	case GICR_ICPENDR0:
		*val = gicv3_pending_mask(c);
		break;
	case GICR_ISACTIVER0:
	case GICR_ICACTIVER0:
		*val = c->active;
		break;
	case GICR_ICFGR0:
		*val = 0xAAAAAAAAu;	/* SGIs: always edge, read-only */
		break;
	case GICR_ICFGR1:
		*val = icfgr1_read(c);
		break;
	}
	return 0;
}

int gic_redist_mmio_write(struct gic *g, uint64_t offset, unsigned size, uint64_t val)
{
	struct gic_cpu_state *c;
	unsigned cpu;
	uint32_t off;
	uint32_t v = (uint32_t)val;

	if (gicr_locate(g, offset, size, &cpu, &off))
		return -1;
	c = &g->cpu[cpu];
	if (is_prio(off)) {
		unsigned first = off - GICR_IPRIORITYR(0);

		if (size != 1 && size != 4)
			return -1;
		for (unsigned b = 0; b < size; b++)
			c->priority[first + b] = (val >> (8 * b)) & GIC_PRIO_MASK;
		gicv3_update(g, cpu);
		return 0;
	}
	if (off == GICR_TYPER || off == GICR_TYPER + 4)
		return (size == 4 || (size == 8 && off == GICR_TYPER)) ? 0 : -1;
	if (!is_reg32(off))
		return 0;	/* RAZ/WI */
	if (size != 4)
		return -1;
	switch (off) {
	case GICR_CTLR:
	case GICR_IIDR:
	case GICR_PIDR2:
	case GICR_ICFGR0:
		return 0;	/* read-only */
	case GICR_WAKER:
		c->waker = v & GICR_WAKER_ProcessorSleep;
		break;
	case GICR_IGROUPR0:
		c->group = v;
		break;
	case GICR_ISENABLER0:
		c->enabled |= v;
		break;
	case GICR_ICENABLER0:
		c->enabled &= ~v;
		break;
	case GICR_ISPENDR0:
		/* Sets the latch; for a level interrupt the latch is
		 * cleared by acknowledge or ICPENDR (§12.11.21). */
		c->pend_latch |= v;
		break;
	case GICR_ICPENDR0:
		/* Clears the latch only: a level interrupt whose line is
		 * high stays pending. */
		c->pend_latch &= ~v;
		break;
	case GICR_ISACTIVER0:
		c->active |= v;
		break;
	case GICR_ICACTIVER0:
		c->active &= ~v;
		break;
	case GICR_ICFGR1:
		icfgr1_write(c, v);
		break;
	}
	gicv3_update(g, cpu);
	return 0;
}
