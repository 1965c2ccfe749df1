/* gicv3_dist.c — minimal GICv3 distributor MMIO (Arm IHI 0069 §12.9).
 *
 * There are no SPIs: the distributor only holds GICD_CTLR, whose Group
 * enables gate SGIs and PPIs as well (§12.9.4), and identification
 * registers.  Single security state (DS == 1) with affinity routing
 * always on (ARE RAO/WI).  Every other offset is RAZ/WI.
 */
#include "gic/gicv3_internal.h"

/* GICD_TYPER (§12.9.38): ITLinesNumber 0 (INTIDs up to 31), CPUNumber 0
 * (ignored with ARE), SecurityExtn 0 (DS == 1), IDbits 9 (10-bit INTIDs),
 * No1N 1 (1-of-N SPI routing not supported), LPIS/MBIS/RSS/A3V 0. */
#define GICD_TYPER_IDBITS_SHIFT	19
#define GICD_TYPER_No1N		(1u << 25)
#define GICD_TYPER_VALUE	((9u << GICD_TYPER_IDBITS_SHIFT) | GICD_TYPER_No1N)

static int gicd_check(uint64_t offset, unsigned size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -1;
	if ((offset & (size - 1)) || offset >= GIC_DIST_SIZE)
		return -1;
	return 0;
}

static bool gicd_is_reg32(uint64_t offset)
{
	offset &= ~3ull;
	return offset == GICD_CTLR || offset == GICD_TYPER ||
	       offset == GICD_IIDR || offset == GICD_TYPER2 ||
	       offset == GICD_PIDR2;
}

int gic_dist_mmio_read(struct gic *g, uint64_t offset, unsigned size, uint64_t *val)
{
	if (gicd_check(offset, size))
		return -1;
	if (!gicd_is_reg32(offset)) {
		*val = 0;
		return 0;
	}
	if (size != 4)
		return -1;
	switch (offset) {
	case GICD_CTLR:
		*val = g->dist.ctlr | GICD_CTLR_ARE | GICD_CTLR_DS;
		break;
	case GICD_TYPER:
		*val = GICD_TYPER_VALUE;
		break;
	case GICD_IIDR:
		*val = GIC_IIDR_VALUE;
		break;
	case GICD_PIDR2:
		*val = GIC_PIDR2_VALUE;
		break;
	default:
		*val = 0;	/* GICD_TYPER2 */
		break;
	}
	return 0;
}

int gic_dist_mmio_write(struct gic *g, uint64_t offset, unsigned size, uint64_t val)
{
	if (gicd_check(offset, size))
		return -1;
	if (!gicd_is_reg32(offset))
		return 0;
	if (size != 4)
		return -1;
	if (offset == GICD_CTLR) {
		g->dist.ctlr = (uint32_t)val & (GICD_CTLR_EnableGrp0 | GICD_CTLR_EnableGrp1A);
		gicv3_update_all(g);
	}
	return 0;
}
