/* gic.c — the guest's GICv3 driver: distributor enable, redistributor
 * wake-up, SGI/PPI configuration through the redistributor MMIO frames and
 * the CPU-interface system registers (Arm IHI 0069 §12).
 *
 * The redistributor of CPU n is found at GUEST_GICR_BASE + n * stride
 * (the host lays the frames out in vCPU order, gic/gic.h); affinity is
 * Aff1 = n / 16, Aff0 = n % 16.  MMIO costs ~46 ns per access in Unicorn,
 * so it is used at boot only; the hot paths use the ICC_* registers.
 */
#include "guest.h"

/* Register offsets (IHI 0069 §12.9, §12.10). */
#define GICD_CTLR		0x0000
#define GICD_CTLR_ENABLE_GRP1	(1u << 1)
#define GICR_WAKER		0x0014
#define GICR_WAKER_PROCESSOR_SLEEP (1u << 1)
#define GICR_WAKER_CHILDREN_ASLEEP (1u << 2)
#define GICR_SGI_BASE		0x10000
#define GICR_IGROUPR0		(GICR_SGI_BASE + 0x0080)
#define GICR_ISENABLER0		(GICR_SGI_BASE + 0x0100)
#define GICR_ICENABLER0		(GICR_SGI_BASE + 0x0180)
#define GICR_IPRIORITYR		(GICR_SGI_BASE + 0x0400)
#define GICR_ICFGR1		(GICR_SGI_BASE + 0x0C04)

#define ICC_SRE_EL1_SRE_DFB_DIB	0x7

/* Bounded: a redistributor that never reports awake is a host bug, and the
 * boot must still reach SIMCALL_BOOT_DONE. */
#define WAKER_POLL_LIMIT	1000

static uint64_t rd_base(uint32_t cpu)
{
	return GUEST_GICR_BASE + (uint64_t)cpu * GUEST_GICR_STRIDE;
}

/* Make a private interrupt Group 1 with the guest's priority. */
static void gic_private_config(uint64_t rd, uint32_t intid)
{
	mmio_write32(rd + GICR_IGROUPR0, mmio_read32(rd + GICR_IGROUPR0) | (1u << intid));
	mmio_write8(rd + GICR_IPRIORITYR + intid, GUEST_IRQ_PRIORITY);
}

void gic_cpu_init(uint32_t cpu)
{
	uint64_t rd = rd_base(cpu);
	int i;

	/* Distributor: Group 1 forwarding on (idempotent, any CPU may do it). */
	mmio_write32(GUEST_GICD_BASE + GICD_CTLR,
		     mmio_read32(GUEST_GICD_BASE + GICD_CTLR) | GICD_CTLR_ENABLE_GRP1);

	/* Redistributor: clear ProcessorSleep, wait for ChildrenAsleep == 0. */
	mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) & ~GICR_WAKER_PROCESSOR_SLEEP);
	for (i = 0; i < WAKER_POLL_LIMIT; i++)
		if (!(mmio_read32(rd + GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP))
			break;

	/* The reschedule IPI. */
	gic_private_config(rd, GUEST_SGI_RESCHEDULE);
	mmio_write32(rd + GICR_ISENABLER0, 1u << GUEST_SGI_RESCHEDULE);

	/* CPU interface: system-register access first, then priority mask,
	 * binary point and Group 1 enable. */
	write_sysreg(ICC_SRE_EL1, ICC_SRE_EL1_SRE_DFB_DIB);
	isb();
	write_sysreg(ICC_PMR_EL1, GUEST_PMR);
	write_sysreg(ICC_BPR1_EL1, 0);
	write_sysreg(ICC_IGRPEN1_EL1, 1);
	isb();
}

/* PPIs are level-sensitive here: ICFGR1 bit 2(n-16)+1 clear (§2.2:
 * "registers it level-sensitive, active-high"). */
void gic_ppi_enable(uint32_t cpu, uint32_t intid)
{
	uint64_t rd = rd_base(cpu);
	uint32_t cfg_bit = 1u << (2 * (intid - 16) + 1);

	mmio_write32(rd + GICR_ICFGR1, mmio_read32(rd + GICR_ICFGR1) & ~cfg_bit);
	gic_private_config(rd, intid);
	mmio_write32(rd + GICR_ISENABLER0, 1u << intid);
}

void gic_ppi_disable(uint32_t cpu, uint32_t intid)
{
	mmio_write32(rd_base(cpu) + GICR_ICENABLER0, 1u << intid);
}

/* ICC_SGI1R_EL1 value targeting only `cpu` (IHI 0069 §12.2.23): TargetList
 * bit Aff0, Aff1 field, INTID field; Aff2 = Aff3 = 0, IRM = 0. */
uint64_t gic_sgi1r_self(uint32_t cpu, uint32_t sgi)
{
	return ((uint64_t)sgi << 24) | ((uint64_t)(cpu / 16) << 16) | (1u << (cpu % 16));
}
