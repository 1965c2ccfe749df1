/* gic.h — GICv3 model: one redistributor and one CPU interface per vCPU,
 * plus a minimal distributor (Arm IHI 0069, GICv3/v4 architecture spec).
 *
 * What is modelled: SGIs (INTID 0-15) and PPIs (16-31) only; no SPIs, no
 * LPIs, no ITS.  A single security state (GICD_CTLR.DS == 1, as a KVM guest
 * sees it); only Group 1 is signalled (as IRQ).  5 priority bits
 * (ICC_CTLR_EL1.PRIbits == 4), so priorities are 8-bit values & 0xF8.
 *
 * vCPU affinity (used by GICR_TYPER, ICC_SGI1R_EL1 and gic_cpu_mpidr()):
 *   vCPU i  <->  Aff3 = 0, Aff2 = 0, Aff1 = i / 16, Aff0 = i % 16.
 *
 * Guest physical map (same addresses as the QEMU "virt" board):
 *   GICD  GIC_DIST_BASE   .. + GIC_DIST_SIZE
 *   GICR  GIC_REDIST_BASE .. + ncpus * GIC_REDIST_STRIDE, per vCPU the
 *         RD_base frame then the SGI_base frame (64 KiB each).
 *
 * The model is driven through plain C calls; it has no CPU dependency.
 */
#ifndef APFSIM_GIC_GIC_H
#define APFSIM_GIC_GIC_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- address map ------------------------------------------------------ */
#define GIC_DIST_BASE		0x08000000ULL
#define GIC_DIST_SIZE		0x00010000ULL
#define GIC_REDIST_BASE		0x080A0000ULL
#define GIC_REDIST_FRAME_SIZE	0x00010000ULL	/* one 64 KiB frame */
#define GIC_REDIST_STRIDE	0x00020000ULL	/* RD_base + SGI_base */

#define GIC_MAX_CPUS		4096	/* Aff1:Aff0 = 8:4 bits */

/* ---- INTID space (IHI 0069 §2.2) ------------------------------------- */
#define GIC_NR_SGIS		16
#define GIC_NR_PPIS		16
#define GIC_NR_PRIVATE		32	/* INTIDs handled per redistributor */
#define GIC_INTID_SPURIOUS	1023	/* no pending interrupt (§2.2.1) */
#define GIC_PRIO_IDLE		0xFF	/* ICC_RPR_EL1 with nothing active */
#define GIC_PRIBITS		5	/* implemented priority bits */
#define GIC_PRIO_MASK		0xF8	/* (0xFF << (8 - GIC_PRIBITS)) & 0xFF */

/* ---- CPU interface system registers (IHI 0069 §12.2) ------------------
 * Encoding: (op0, op1, CRn, CRm, op2) packed where the MRS/MSR instruction
 * keeps them (op0 at bit 19, op1 16, CRn 12, CRm 8, op2 5), so
 * GIC_SYSREG_ENC(...) == insn & 0x001FFFE0 for op0 == 3.
 */
#define GIC_SYSREG_ENC(op0, op1, crn, crm, op2)				\
	((uint32_t)(((uint32_t)(op0) << 19) | ((uint32_t)(op1) << 16) |	\
		    ((uint32_t)(crn) << 12) | ((uint32_t)(crm) << 8) |	\
		    ((uint32_t)(op2) << 5)))

#define ICC_PMR_EL1		GIC_SYSREG_ENC(3, 0, 4, 6, 0)
#define ICC_IAR0_EL1		GIC_SYSREG_ENC(3, 0, 12, 8, 0)
#define ICC_EOIR0_EL1		GIC_SYSREG_ENC(3, 0, 12, 8, 1)
#define ICC_HPPIR0_EL1		GIC_SYSREG_ENC(3, 0, 12, 8, 2)
#define ICC_BPR0_EL1		GIC_SYSREG_ENC(3, 0, 12, 8, 3)
#define ICC_AP0R0_EL1		GIC_SYSREG_ENC(3, 0, 12, 8, 4)
#define ICC_AP1R0_EL1		GIC_SYSREG_ENC(3, 0, 12, 9, 0)
#define ICC_DIR_EL1		GIC_SYSREG_ENC(3, 0, 12, 11, 1)
#define ICC_RPR_EL1		GIC_SYSREG_ENC(3, 0, 12, 11, 3)
#define ICC_SGI1R_EL1		GIC_SYSREG_ENC(3, 0, 12, 11, 5)
#define ICC_ASGI1R_EL1		GIC_SYSREG_ENC(3, 0, 12, 11, 6)
#define ICC_SGI0R_EL1		GIC_SYSREG_ENC(3, 0, 12, 11, 7)
#define ICC_IAR1_EL1		GIC_SYSREG_ENC(3, 0, 12, 12, 0)
#define ICC_EOIR1_EL1		GIC_SYSREG_ENC(3, 0, 12, 12, 1)
#define ICC_HPPIR1_EL1		GIC_SYSREG_ENC(3, 0, 12, 12, 2)
#define ICC_BPR1_EL1		GIC_SYSREG_ENC(3, 0, 12, 12, 3)
#define ICC_CTLR_EL1		GIC_SYSREG_ENC(3, 0, 12, 12, 4)
#define ICC_SRE_EL1		GIC_SYSREG_ENC(3, 0, 12, 12, 5)
#define ICC_IGRPEN0_EL1		GIC_SYSREG_ENC(3, 0, 12, 12, 6)
#define ICC_IGRPEN1_EL1		GIC_SYSREG_ENC(3, 0, 12, 12, 7)

/* ICC_CTLR_EL1 fields (§12.2.6) */
#define ICC_CTLR_EL1_CBPR	(1u << 0)
#define ICC_CTLR_EL1_EOIMODE	(1u << 1)
#define ICC_CTLR_EL1_PRIBITS_SHIFT 8
#define ICC_CTLR_EL1_IDBITS_SHIFT 11
/* ICC_SRE_EL1 fields (§12.2.20): SRE, DFB, DIB all RAO/WI here */
#define ICC_SRE_EL1_SRE		(1u << 0)
#define ICC_SRE_EL1_DFB		(1u << 1)
#define ICC_SRE_EL1_DIB		(1u << 2)
/* ICC_SGI1R_EL1 fields (§12.2.23) */
#define ICC_SGI1R_TARGETLIST_MASK 0xFFFFull
#define ICC_SGI1R_AFF1_SHIFT	16
#define ICC_SGI1R_INTID_SHIFT	24
#define ICC_SGI1R_AFF2_SHIFT	32
#define ICC_SGI1R_IRM		(1ull << 40)
#define ICC_SGI1R_RS_SHIFT	44
#define ICC_SGI1R_AFF3_SHIFT	48
/* ICC_BPR1_EL1: minimum value for 5 priority bits (§12.2.4) */
#define ICC_BPR1_MIN		3
#define ICC_BPR0_MIN		2

/* ---- distributor registers (§12.9), offsets from GIC_DIST_BASE -------- */
#define GICD_CTLR		0x0000
#define GICD_TYPER		0x0004
#define GICD_IIDR		0x0008
#define GICD_TYPER2		0x000C
#define GICD_PIDR2		0xFFE8
/* GICD_CTLR with DS == 1 (§12.9.4) */
#define GICD_CTLR_EnableGrp0	(1u << 0)
#define GICD_CTLR_EnableGrp1A	(1u << 1)	/* "EnableGrp1" when DS == 1 */
#define GICD_CTLR_ARE		(1u << 4)	/* RAO/WI: affinity routing only */
#define GICD_CTLR_DS		(1u << 6)	/* RAO/WI: single security state */
#define GICD_CTLR_RWP		(1u << 31)	/* always 0: writes take effect at once */

/* ---- redistributor registers (§12.10), offsets within each vCPU's
 * 128 KiB region (SGI_base registers already include the +64 KiB). ---- */
#define GICR_CTLR		0x0000
#define GICR_IIDR		0x0004
#define GICR_TYPER		0x0008	/* 64-bit */
#define GICR_STATUSR		0x0010
#define GICR_WAKER		0x0014
#define GICR_PIDR2		0xFFE8
#define GICR_SGI_BASE		0x10000
#define GICR_IGROUPR0		(GICR_SGI_BASE + 0x0080)
#define GICR_ISENABLER0		(GICR_SGI_BASE + 0x0100)
#define GICR_ICENABLER0		(GICR_SGI_BASE + 0x0180)
#define GICR_ISPENDR0		(GICR_SGI_BASE + 0x0200)
#define GICR_ICPENDR0		(GICR_SGI_BASE + 0x0280)
#define GICR_ISACTIVER0		(GICR_SGI_BASE + 0x0300)
#define GICR_ICACTIVER0		(GICR_SGI_BASE + 0x0380)
#define GICR_IPRIORITYR(n)	(GICR_SGI_BASE + 0x0400 + 4 * (n)) /* n 0..7 */
#define GICR_ICFGR0		(GICR_SGI_BASE + 0x0C00)
#define GICR_ICFGR1		(GICR_SGI_BASE + 0x0C04)
#define GICR_IGRPMODR0		(GICR_SGI_BASE + 0x0D00)
#define GICR_NSACR		(GICR_SGI_BASE + 0x0E00)
/* GICR_TYPER fields (§12.11.35) */
#define GICR_TYPER_LAST		(1ull << 4)
#define GICR_TYPER_PROCNUM_SHIFT 8
#define GICR_TYPER_AFF_SHIFT	32
/* GICR_WAKER fields (§12.11.40) */
#define GICR_WAKER_ProcessorSleep (1u << 1)
#define GICR_WAKER_ChildrenAsleep (1u << 2)

/* GICD/GICR_IIDR: implementer Arm (JEP106 0x43B), product 0x4B (KVM) */
#define GIC_IIDR_VALUE		0x4B00043Bu
/* GICD/GICR_PIDR2: ArchRev [7:4] == 3 (GICv3), JEDEC bit, JEP106 id bits */
#define GIC_PIDR2_VALUE		0x3Bu

/* ---- the model -------------------------------------------------------- */
struct gic;

/* Called whenever the IRQ signal of one vCPU changes (never twice with the
 * same value in a row). */
typedef void (*gic_irq_changed_fn)(void *ctx, unsigned cpu, bool asserted);

/* Per-vCPU state: redistributor (SGI/PPI) + CPU interface.  A plain struct;
 * copy it for snapshot/restore (live migration). */
struct gic_cpu_state {
	/* Redistributor, one bit per INTID 0..31 */
	uint32_t enabled;
	uint32_t pend_latch;	/* edge latch, or ISPENDR latch for level */
	uint32_t line_level;	/* input line of level-sensitive PPIs */
	uint32_t active;
	uint32_t group;		/* 1 = Group 1 */
	uint32_t edge;		/* 1 = edge-triggered (SGIs always) */
	uint8_t priority[GIC_NR_PRIVATE];
	uint32_t waker;		/* GICR_WAKER ProcessorSleep bit */
	/* CPU interface */
	uint8_t pmr;
	uint8_t bpr0, bpr1;
	uint32_t ctlr;		/* CBPR, EOImode */
	bool igrpen0, igrpen1;
	uint32_t ap1r0;		/* active priorities, bit n = group prio n<<3 */
};

struct gic_dist_state {
	uint32_t ctlr;		/* EnableGrp0, EnableGrp1A */
};

/* Returns NULL on bad ncpus (0 or > GIC_MAX_CPUS) or out of memory.
 * All state at architectural/KVM reset values (see docs/gic-sdei-smccc.md). */
struct gic *gic_create(unsigned ncpus);
void gic_destroy(struct gic *g);
unsigned gic_ncpus(const struct gic *g);
void gic_set_irq_changed(struct gic *g, gic_irq_changed_fn fn, void *ctx);

/* MPIDR_EL1 value for vCPU i: bit 31 RES1, Aff1 = i / 16, Aff0 = i % 16. */
uint64_t gic_cpu_mpidr(unsigned cpu);

/* CPU interface (ICC_*_EL1).  Return 0 if enc is a GIC register (reads of
 * write-only registers give 0, writes to read-only ones are ignored), -1 if
 * it is not a GIC register or cpu is out of range. */
int gic_sysreg_read(struct gic *g, unsigned cpu, uint32_t enc, uint64_t *val);
int gic_sysreg_write(struct gic *g, unsigned cpu, uint32_t enc, uint64_t val);

/* MMIO.  offset is relative to GIC_DIST_BASE / GIC_REDIST_BASE; size is
 * 1, 2, 4 or 8.  Return 0 when handled (reserved offsets are RAZ/WI), -1
 * when the offset is outside the region or the access size is not allowed
 * for that register (32-bit registers: 4; GICR_IPRIORITYR: 1 or 4;
 * GICR_TYPER: 4 or 8). */
int gic_dist_mmio_read(struct gic *g, uint64_t offset, unsigned size, uint64_t *val);
int gic_dist_mmio_write(struct gic *g, uint64_t offset, unsigned size, uint64_t val);
int gic_redist_mmio_read(struct gic *g, uint64_t offset, unsigned size, uint64_t *val);
int gic_redist_mmio_write(struct gic *g, uint64_t offset, unsigned size, uint64_t val);
uint64_t gic_redist_region_size(const struct gic *g);

/* Host side.  All return 0, or -EINVAL on a bad cpu/INTID. */
/* Drive the input line of a PPI (16..31), as kvm_vgic_inject_irq does; for
 * a level-sensitive PPI pending follows the line, for an edge-triggered one
 * a rising edge sets the latch. */
int gic_set_ppi_level(struct gic *g, unsigned cpu, unsigned intid, bool level);
/* Raise SGI intid (0..15) on target_cpu (source recorded nowhere: with
 * affinity routing IAR does not report it). */
int gic_raise_sgi(struct gic *g, unsigned target_cpu, unsigned intid, unsigned source_cpu);
/* Set the pending latch of INTID 0..31 (edge event; for a level PPI the
 * same latch as a GICR_ISPENDR0 write). */
int gic_set_pending(struct gic *g, unsigned cpu, unsigned intid);

/* The IRQ signal to the PE: a pending, enabled, not active, Group 1
 * interrupt with Group 1 enabled (ICC_IGRPEN1_EL1 and GICD_CTLR), priority
 * below (numerically) ICC_PMR_EL1 and group priority below the running
 * priority. */
bool gic_irq_asserted(const struct gic *g, unsigned cpu);

/* Queries for the oracle / VCD (false for bad arguments). */
bool gic_line_level(const struct gic *g, unsigned cpu, unsigned intid);
bool gic_is_pending(const struct gic *g, unsigned cpu, unsigned intid);
bool gic_is_active(const struct gic *g, unsigned cpu, unsigned intid);
bool gic_is_enabled(const struct gic *g, unsigned cpu, unsigned intid);
uint8_t gic_running_priority(const struct gic *g, unsigned cpu);

/* Snapshot / restore (restore re-evaluates the signal and may call
 * irq_changed).  Return 0 or -EINVAL. */
int gic_save_cpu(const struct gic *g, unsigned cpu, struct gic_cpu_state *out);
int gic_restore_cpu(struct gic *g, unsigned cpu, const struct gic_cpu_state *in);
void gic_save_dist(const struct gic *g, struct gic_dist_state *out);
void gic_restore_dist(struct gic *g, const struct gic_dist_state *in);

#ifdef __cplusplus
}
#endif

#endif
