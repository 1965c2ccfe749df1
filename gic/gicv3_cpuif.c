/* gicv3_cpuif.c — GICv3 CPU interface system registers (ICC_*_EL1),
 * Arm IHI 0069 §12.2, with the acknowledge / EOI / deactivate flow of
 * §4.1 and the priority rules of §4.8 (implemented in gicv3_common.c).
 *
 * Only Group 1 is signalled.  Group 0 registers exist so a guest driver
 * that touches them does not trap: IAR0/HPPIR0 read 1023, EOIR0/SGI0R/
 * ASGI1R/AP0R0 writes are ignored, IGRPEN0/BPR0 hold their values.
 */
#include "gic/gicv3_internal.h"

static uint64_t icc_ctlr_read(const struct gic_cpu_state *c)
{
	/* PRIbits = implemented priority bits - 1; IDbits = 0 (16-bit
	 * INTIDs); SEIS, A3V, RSS, ExtRange all 0. */
	return (c->ctlr & (ICC_CTLR_EL1_CBPR | ICC_CTLR_EL1_EOIMODE)) |
	       ((uint64_t)(GIC_PRIBITS - 1) << ICC_CTLR_EL1_PRIBITS_SHIFT);
}

static uint8_t icc_bpr1_read(const struct gic_cpu_state *c)
{
	/* With CBPR the Group 1 binary point reads as min(BPR0 + 1, 7). */
	if (c->ctlr & ICC_CTLR_EL1_CBPR)
		return c->bpr0 + 1 > 7 ? 7 : c->bpr0 + 1;
	return c->bpr1;
}

int gic_sysreg_read(struct gic *g, unsigned cpu, uint32_t enc, uint64_t *val)
{
	struct gic_cpu_state *c;

	if (cpu >= g->ncpus)
		return -1;
	c = &g->cpu[cpu];
	switch (enc) {
	case ICC_IAR1_EL1:
		*val = gicv3_acknowledge(g, cpu);
		return 0;
	case ICC_HPPIR1_EL1:
		/* The highest-priority pending Group 1 interrupt, regardless
		 * of PMR and running priority (§12.2.14). */
		*val = gicv3_hppi(g, cpu);
		return 0;
	case ICC_RPR_EL1:
		*val = gicv3_running_prio(c);
		return 0;
	case ICC_PMR_EL1:
		*val = c->pmr;
		return 0;
	case ICC_BPR1_EL1:
		*val = icc_bpr1_read(c);
		return 0;
	case ICC_BPR0_EL1:
		*val = c->bpr0;
		return 0;
	case ICC_CTLR_EL1:
		*val = icc_ctlr_read(c);
		return 0;
	case ICC_SRE_EL1:
		/* System register interface always on; DFB/DIB RAO/WI. */
		*val = ICC_SRE_EL1_SRE | ICC_SRE_EL1_DFB | ICC_SRE_EL1_DIB;
		return 0;
	case ICC_IGRPEN1_EL1:
		*val = c->igrpen1;
		return 0;
	case ICC_IGRPEN0_EL1:
		*val = c->igrpen0;
		return 0;
	case ICC_AP1R0_EL1:
		*val = c->ap1r0;
		return 0;
	case ICC_IAR0_EL1:
	case ICC_HPPIR0_EL1:
		*val = GIC_INTID_SPURIOUS;
		return 0;
	case ICC_AP0R0_EL1:
	case ICC_EOIR1_EL1:
	case ICC_EOIR0_EL1:
	case ICC_DIR_EL1:
	case ICC_SGI1R_EL1:
	case ICC_SGI0R_EL1:
	case ICC_ASGI1R_EL1:
		/* write-only (or RAZ here) */
		*val = 0;
		return 0;
	default:
		return -1;
	}
}

int gic_sysreg_write(struct gic *g, unsigned cpu, uint32_t enc, uint64_t val)
{
	struct gic_cpu_state *c;
	unsigned intid = val & 0xFFFFFF;

	if (cpu >= g->ncpus)
		return -1;
	c = &g->cpu[cpu];
	switch (enc) {
	case ICC_EOIR1_EL1:
		/* §4.1.1/§12.2.10: INTIDs 1020-1023 are special and ignored.
		 * Otherwise drop the running priority, and with EOImode == 0
		 * deactivate the INTID as well. */
		if (intid >= 1020 && intid <= 1023)
			return 0;
		gicv3_priority_drop(g, cpu);
		if (!(c->ctlr & ICC_CTLR_EL1_EOIMODE))
			gicv3_deactivate(g, cpu, intid);
		return 0;
	case ICC_DIR_EL1:
		/* Deactivation through DIR only with EOImode == 1. */
		if (c->ctlr & ICC_CTLR_EL1_EOIMODE)
			gicv3_deactivate(g, cpu, intid);
		return 0;
	case ICC_PMR_EL1:
		c->pmr = val & GIC_PRIO_MASK;
		break;
	case ICC_BPR1_EL1:
		/* Writes are ignored while CBPR is set; values below the
		 * minimum read back as the minimum. */
		if (!(c->ctlr & ICC_CTLR_EL1_CBPR))
			c->bpr1 = (val & 7) < ICC_BPR1_MIN ? ICC_BPR1_MIN : val & 7;
		break;
	case ICC_BPR0_EL1:
		c->bpr0 = (val & 7) < ICC_BPR0_MIN ? ICC_BPR0_MIN : val & 7;
		break;
	case ICC_CTLR_EL1:
		c->ctlr = val & (ICC_CTLR_EL1_CBPR | ICC_CTLR_EL1_EOIMODE);
		break;
	case ICC_IGRPEN1_EL1:
		c->igrpen1 = val & 1;
		break;
	case ICC_IGRPEN0_EL1:
		c->igrpen0 = val & 1;
		return 0;
	case ICC_AP1R0_EL1:
		/* Only meaningful to restore a saved context (§12.2.2). */
		c->ap1r0 = (uint32_t)val;
		break;
	case ICC_SGI1R_EL1:
		gicv3_sgi1r(g, cpu, val);
		return 0;
	case ICC_SRE_EL1:
	case ICC_IAR1_EL1:
	case ICC_HPPIR1_EL1:
	case ICC_RPR_EL1:
	case ICC_IAR0_EL1:
	case ICC_HPPIR0_EL1:
	case ICC_EOIR0_EL1:
	case ICC_SGI0R_EL1:
	case ICC_ASGI1R_EL1:
	case ICC_AP0R0_EL1:
		return 0;	/* read-only, or no Group 0 model: ignored */
	default:
		return -1;
	}
	gicv3_update(g, cpu);
	return 0;
}
