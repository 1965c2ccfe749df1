// gic_test.cc — GICv3 redistributor / CPU interface behaviour as the Arm
// GICv3 spec (IHI 0069) defines it: priority order, PMR, running priority,
// level and edge pending, SGI targeting, MMIO programming, IRQ signal.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

extern "C" {
#include "gic/gic.h"
}

namespace {

struct Signal {
	std::vector<std::pair<unsigned, bool>> events;
	static void cb(void *ctx, unsigned cpu, bool asserted)
	{
		static_cast<Signal *>(ctx)->events.emplace_back(cpu, asserted);
	}
};

class GicTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		g = gic_create(4);
		ASSERT_NE(g, nullptr);
		gic_set_irq_changed(g, Signal::cb, &sig);
		// What a guest driver does: enable Group 1 at the distributor,
		// wake the redistributors, open PMR, enable Group 1 signalling.
		ASSERT_EQ(gic_dist_mmio_write(g, GICD_CTLR, 4, GICD_CTLR_EnableGrp1A | GICD_CTLR_ARE), 0);
		for (unsigned c = 0; c < 4; c++) {
			ASSERT_EQ(rd_write(c, GICR_WAKER, 0), 0);
			ASSERT_EQ(gic_sysreg_write(g, c, ICC_PMR_EL1, 0xF0), 0);
			ASSERT_EQ(gic_sysreg_write(g, c, ICC_IGRPEN1_EL1, 1), 0);
		}
	}
	void TearDown() override { gic_destroy(g); }

	int rd_write(unsigned cpu, uint64_t off, uint64_t v, unsigned size = 4)
	{
		return gic_redist_mmio_write(g, cpu * GIC_REDIST_STRIDE + off, size, v);
	}
	uint64_t rd_read(unsigned cpu, uint64_t off, unsigned size = 4)
	{
		uint64_t v = ~0ull;
		EXPECT_EQ(gic_redist_mmio_read(g, cpu * GIC_REDIST_STRIDE + off, size, &v), 0);
		return v;
	}
	void enable(unsigned cpu, unsigned intid, uint8_t prio)
	{
		ASSERT_EQ(rd_write(cpu, GICR_IPRIORITYR(0) + intid, prio, 1), 0);
		ASSERT_EQ(rd_write(cpu, GICR_ISENABLER0, 1u << intid), 0);
	}
	uint64_t sysr(unsigned cpu, uint32_t enc)
	{
		uint64_t v = ~0ull;
		EXPECT_EQ(gic_sysreg_read(g, cpu, enc, &v), 0);
		return v;
	}
	void sysw(unsigned cpu, uint32_t enc, uint64_t v)
	{
		EXPECT_EQ(gic_sysreg_write(g, cpu, enc, v), 0);
	}
	uint64_t ack(unsigned cpu = 0) { return sysr(cpu, ICC_IAR1_EL1); }
	void eoi(uint64_t intid, unsigned cpu = 0) { sysw(cpu, ICC_EOIR1_EL1, intid); }

	struct gic *g = nullptr;
	Signal sig;
};

TEST_F(GicTest, SysregEncodingMatchesInstructionFields)
{
	// MRS x0, ICC_IAR1_EL1 = 0xD538CC00: bits [20:5] hold op0..op2.
	EXPECT_EQ(ICC_IAR1_EL1, 0xD538CC00u & 0x001FFFE0u);
	EXPECT_EQ(ICC_PMR_EL1, GIC_SYSREG_ENC(3, 0, 4, 6, 0));
	uint64_t v;
	EXPECT_EQ(gic_sysreg_read(g, 0, GIC_SYSREG_ENC(3, 3, 14, 0, 2), &v), -1); // CNTVCT_EL0
	EXPECT_EQ(gic_sysreg_write(g, 0, GIC_SYSREG_ENC(3, 0, 1, 0, 0), 0), -1);  // SCTLR_EL1
	EXPECT_EQ(gic_sysreg_read(g, 9, ICC_IAR1_EL1, &v), -1);                   // no such vCPU
}

TEST_F(GicTest, HighestPriorityFirstLowestIntidBreaksTies)
{
	enable(0, 20, 0x80);
	enable(0, 5, 0x40);
	enable(0, 3, 0x40);
	enable(0, 27, 0x20);
	gic_set_pending(g, 0, 20);
	gic_set_pending(g, 0, 5);
	gic_set_pending(g, 0, 3);
	gic_set_pending(g, 0, 27);
	EXPECT_EQ(sysr(0, ICC_HPPIR1_EL1), 27u);
	EXPECT_EQ(ack(), 27u);
	eoi(27);
	// 3 and 5 share priority 0x40: the lower INTID wins.
	EXPECT_EQ(ack(), 3u);
	eoi(3);
	EXPECT_EQ(ack(), 5u);
	eoi(5);
	EXPECT_EQ(ack(), 20u);
	eoi(20);
	EXPECT_EQ(ack(), (uint64_t)GIC_INTID_SPURIOUS);
}

TEST_F(GicTest, PriorityUsesFiveImplementedBits)
{
	EXPECT_EQ(rd_write(0, GICR_IPRIORITYR(0) + 7, 0xFF, 1), 0);
	EXPECT_EQ(rd_read(0, GICR_IPRIORITYR(0) + 7, 1), 0xF8u);
	sysw(0, ICC_PMR_EL1, 0xFF);
	EXPECT_EQ(sysr(0, ICC_PMR_EL1), 0xF8u);
	// ICC_CTLR_EL1.PRIbits = 4 (5 bits).
	EXPECT_EQ((sysr(0, ICC_CTLR_EL1) >> ICC_CTLR_EL1_PRIBITS_SHIFT) & 7, 4u);
	EXPECT_EQ(sysr(0, ICC_SRE_EL1) & 1, 1u);
}

TEST_F(GicTest, PmrMasksEqualAndLowerPriorities)
{
	enable(0, 16, 0xA0);
	sysw(0, ICC_PMR_EL1, 0xA0);	// priority must be strictly higher
	gic_set_pending(g, 0, 16);
	EXPECT_FALSE(gic_irq_asserted(g, 0));
	EXPECT_EQ(ack(), (uint64_t)GIC_INTID_SPURIOUS);
	EXPECT_TRUE(gic_is_pending(g, 0, 16));	// masked, not lost
	sysw(0, ICC_PMR_EL1, 0xA8);
	EXPECT_TRUE(gic_irq_asserted(g, 0));
	EXPECT_EQ(ack(), 16u);
}

TEST_F(GicTest, SpuriousWhenNothingDisabledOrGroupOff)
{
	EXPECT_EQ(ack(), (uint64_t)GIC_INTID_SPURIOUS);
	// Pending but not enabled.
	gic_set_pending(g, 0, 17);
	EXPECT_EQ(ack(), (uint64_t)GIC_INTID_SPURIOUS);
	enable(0, 17, 0x10);
	// Group 1 disabled at the CPU interface.
	sysw(0, ICC_IGRPEN1_EL1, 0);
	EXPECT_EQ(ack(), (uint64_t)GIC_INTID_SPURIOUS);
	sysw(0, ICC_IGRPEN1_EL1, 1);
	// Group 1 disabled at the distributor.
	gic_dist_mmio_write(g, GICD_CTLR, 4, 0);
	EXPECT_EQ(ack(), (uint64_t)GIC_INTID_SPURIOUS);
	gic_dist_mmio_write(g, GICD_CTLR, 4, GICD_CTLR_EnableGrp1A);
	// Group 0 interrupts are not signalled as IRQ.
	rd_write(0, GICR_IGROUPR0, ~(1u << 17));
	EXPECT_EQ(ack(), (uint64_t)GIC_INTID_SPURIOUS);
	rd_write(0, GICR_IGROUPR0, ~0u);
	EXPECT_EQ(ack(), 17u);
}

TEST_F(GicTest, RunningPriorityAndPreemption)
{
	enable(0, 1, 0x80);
	enable(0, 2, 0x80);
	enable(0, 3, 0x40);
	enable(0, 4, 0xC0);
	EXPECT_EQ(sysr(0, ICC_RPR_EL1), 0xFFu);
	gic_set_pending(g, 0, 1);
	EXPECT_EQ(ack(), 1u);
	EXPECT_EQ(sysr(0, ICC_RPR_EL1), 0x80u);
	// Same and lower priority do not preempt.
	gic_set_pending(g, 0, 2);
	gic_set_pending(g, 0, 4);
	EXPECT_FALSE(gic_irq_asserted(g, 0));
	EXPECT_EQ(ack(), (uint64_t)GIC_INTID_SPURIOUS);
	// Higher priority does.
	gic_set_pending(g, 0, 3);
	EXPECT_TRUE(gic_irq_asserted(g, 0));
	EXPECT_EQ(ack(), 3u);
	EXPECT_EQ(sysr(0, ICC_RPR_EL1), 0x40u);
	EXPECT_TRUE(gic_is_active(g, 0, 1));
	EXPECT_TRUE(gic_is_active(g, 0, 3));
	// EOI drops to the next active priority, then to idle.
	eoi(3);
	EXPECT_FALSE(gic_is_active(g, 0, 3));
	EXPECT_EQ(sysr(0, ICC_RPR_EL1), 0x80u);
	EXPECT_FALSE(gic_irq_asserted(g, 0));
	eoi(1);
	EXPECT_EQ(sysr(0, ICC_RPR_EL1), 0xFFu);
	EXPECT_EQ(ack(), 2u);
	eoi(2);
	EXPECT_EQ(ack(), 4u);
	eoi(4);
}

TEST_F(GicTest, EoiModeOneSplitsDropAndDeactivate)
{
	enable(0, 9, 0x50);
	sysw(0, ICC_CTLR_EL1, ICC_CTLR_EL1_EOIMODE);
	gic_set_pending(g, 0, 9);
	EXPECT_EQ(ack(), 9u);
	eoi(9);
	EXPECT_EQ(sysr(0, ICC_RPR_EL1), 0xFFu);
	EXPECT_TRUE(gic_is_active(g, 0, 9));
	// Active: a new edge is latched but not forwarded until DIR.
	gic_set_pending(g, 0, 9);
	EXPECT_FALSE(gic_irq_asserted(g, 0));
	sysw(0, ICC_DIR_EL1, 9);
	EXPECT_FALSE(gic_is_active(g, 0, 9));
	EXPECT_TRUE(gic_irq_asserted(g, 0));
}

TEST_F(GicTest, LevelPpiPendingFollowsLine)
{
	enable(0, 23, 0x80);
	EXPECT_EQ(gic_set_ppi_level(g, 0, 23, true), 0);
	EXPECT_TRUE(gic_line_level(g, 0, 23));
	EXPECT_TRUE(gic_is_pending(g, 0, 23));
	EXPECT_TRUE(gic_irq_asserted(g, 0));
	// Line lowered before the acknowledge: no longer pending.
	gic_set_ppi_level(g, 0, 23, false);
	EXPECT_FALSE(gic_is_pending(g, 0, 23));
	EXPECT_FALSE(gic_irq_asserted(g, 0));
	EXPECT_EQ(ack(), (uint64_t)GIC_INTID_SPURIOUS);

	// Acknowledged while the line stays high: active and pending, and
	// re-pends (signals again) after EOI.
	gic_set_ppi_level(g, 0, 23, true);
	EXPECT_EQ(ack(), 23u);
	EXPECT_TRUE(gic_is_active(g, 0, 23));
	EXPECT_TRUE(gic_is_pending(g, 0, 23));
	EXPECT_FALSE(gic_irq_asserted(g, 0));
	eoi(23);
	EXPECT_TRUE(gic_irq_asserted(g, 0));
	EXPECT_EQ(ack(), 23u);
	// Device lowers the line in the handler: nothing after EOI.
	gic_set_ppi_level(g, 0, 23, false);
	eoi(23);
	EXPECT_FALSE(gic_irq_asserted(g, 0));
	EXPECT_FALSE(gic_is_pending(g, 0, 23));
	// ICPENDR cannot clear a pending state driven by the line.
	gic_set_ppi_level(g, 0, 23, true);
	rd_write(0, GICR_ICPENDR0, 1u << 23);
	EXPECT_TRUE(gic_is_pending(g, 0, 23));
}

TEST_F(GicTest, EdgeSgiLatches)
{
	enable(0, 2, 0x80);
	EXPECT_EQ(gic_raise_sgi(g, 0, 2, 1), 0);
	EXPECT_EQ(gic_raise_sgi(g, 0, 2, 3), 0);	// two edges, one latch
	EXPECT_TRUE(gic_is_pending(g, 0, 2));
	EXPECT_EQ(ack(), 2u);
	EXPECT_FALSE(gic_is_pending(g, 0, 2));	// latch cleared by acknowledge
	eoi(2);
	EXPECT_EQ(ack(), (uint64_t)GIC_INTID_SPURIOUS);
	EXPECT_EQ(gic_raise_sgi(g, 0, 16, 1), -EINVAL);	// not an SGI
	// GICR_ICFGR0 reads all-edge and ignores writes.
	rd_write(0, GICR_ICFGR0, 0);
	EXPECT_EQ(rd_read(0, GICR_ICFGR0), 0xAAAAAAAAu);
}

TEST_F(GicTest, EdgePpiLatchesRisingEdge)
{
	enable(0, 30, 0x80);
	rd_write(0, GICR_ICFGR1, 2u << (2 * (30 - 16)));
	EXPECT_EQ(rd_read(0, GICR_ICFGR1), 2u << (2 * (30 - 16)));
	gic_set_ppi_level(g, 0, 30, true);
	gic_set_ppi_level(g, 0, 30, false);
	EXPECT_TRUE(gic_is_pending(g, 0, 30));	// the edge was latched
	EXPECT_EQ(ack(), 30u);
	eoi(30);
	EXPECT_FALSE(gic_is_pending(g, 0, 30));
}

TEST_F(GicTest, Sgi1rTargetListAff1AndIrm)
{
	struct gic *big = gic_create(20);
	ASSERT_NE(big, nullptr);
	EXPECT_EQ(gic_cpu_mpidr(17), (1ull << 31) | (1u << 8) | 1u);
	// SGI 5 to Aff1 = 0, TargetList {0, 2}.
	uint64_t v = (5ull << ICC_SGI1R_INTID_SHIFT) | 0x5;
	EXPECT_EQ(gic_sysreg_write(big, 1, ICC_SGI1R_EL1, v), 0);
	EXPECT_TRUE(gic_is_pending(big, 0, 5));
	EXPECT_FALSE(gic_is_pending(big, 1, 5));
	EXPECT_TRUE(gic_is_pending(big, 2, 5));
	// SGI 6 to Aff1 = 1, TargetList {1, 3, 4}: vCPUs 17, 19 (20 absent).
	v = (6ull << ICC_SGI1R_INTID_SHIFT) | (1ull << ICC_SGI1R_AFF1_SHIFT) | 0x1A;
	EXPECT_EQ(gic_sysreg_write(big, 0, ICC_SGI1R_EL1, v), 0);
	for (unsigned c = 0; c < 20; c++)
		EXPECT_EQ(gic_is_pending(big, c, 6), c == 17 || c == 19) << c;
	// RS = 1 names Aff0 16..31: no vCPU has such an Aff0.
	v = (7ull << ICC_SGI1R_INTID_SHIFT) | (1ull << ICC_SGI1R_RS_SHIFT) | 0xFFFF;
	gic_sysreg_write(big, 0, ICC_SGI1R_EL1, v);
	for (unsigned c = 0; c < 20; c++)
		EXPECT_FALSE(gic_is_pending(big, c, 7));
	// IRM: everyone but the sender.
	v = (8ull << ICC_SGI1R_INTID_SHIFT) | ICC_SGI1R_IRM;
	gic_sysreg_write(big, 4, ICC_SGI1R_EL1, v);
	for (unsigned c = 0; c < 20; c++)
		EXPECT_EQ(gic_is_pending(big, c, 8), c != 4) << c;
	gic_destroy(big);
}

TEST_F(GicTest, RedistributorMmioProgramsInterrupts)
{
	EXPECT_EQ(rd_read(0, GICR_ISENABLER0), 0u);
	rd_write(0, GICR_ISENABLER0, 0x00030004);
	EXPECT_EQ(rd_read(0, GICR_ICENABLER0), 0x00030004u);
	rd_write(0, GICR_ICENABLER0, 0x00010000);
	EXPECT_EQ(rd_read(0, GICR_ISENABLER0), 0x00020004u);
	EXPECT_FALSE(gic_is_enabled(g, 0, 16));
	EXPECT_TRUE(gic_is_enabled(g, 0, 17));
	// Word write of priorities for INTIDs 16..19.
	rd_write(0, GICR_IPRIORITYR(4), 0x10203040);
	EXPECT_EQ(rd_read(0, GICR_IPRIORITYR(4)), 0x10203040u);
	EXPECT_EQ(rd_read(0, GICR_IPRIORITYR(0) + 17, 1), 0x30u);
	// Pending via ISPENDR, visible to the CPU interface.
	rd_write(0, GICR_ISPENDR0, 1u << 17);
	EXPECT_EQ(rd_read(0, GICR_ISPENDR0), 1u << 17);
	EXPECT_TRUE(gic_irq_asserted(g, 0));
	rd_write(0, GICR_ICPENDR0, 1u << 17);
	EXPECT_FALSE(gic_irq_asserted(g, 0));
	// Active via ISACTIVER blocks the same INTID.
	rd_write(0, GICR_ISACTIVER0, 1u << 17);
	rd_write(0, GICR_ISPENDR0, 1u << 17);
	EXPECT_FALSE(gic_irq_asserted(g, 0));
	rd_write(0, GICR_ICACTIVER0, 1u << 17);
	EXPECT_TRUE(gic_irq_asserted(g, 0));
	// Only vCPU 0 was touched.
	EXPECT_EQ(rd_read(1, GICR_ISENABLER0), 0u);
	// Bad sizes and offsets.
	uint64_t v;
	EXPECT_EQ(gic_redist_mmio_read(g, GICR_ISENABLER0, 1, &v), -1);
	EXPECT_EQ(gic_redist_mmio_read(g, 4 * GIC_REDIST_STRIDE, 4, &v), -1);
	EXPECT_EQ(gic_redist_mmio_read(g, GICR_ISENABLER0 + 2, 2, &v), -1);
}

TEST_F(GicTest, RedistributorIdentificationAndWaker)
{
	for (unsigned c = 0; c < 4; c++) {
		uint64_t t = rd_read(c, GICR_TYPER, 8);
		EXPECT_EQ((t >> GICR_TYPER_PROCNUM_SHIFT) & 0xFFFF, c);
		EXPECT_EQ(t >> 32, c);	// Aff0 = c for c < 16
		EXPECT_EQ((t & GICR_TYPER_LAST) != 0, c == 3);
		EXPECT_EQ(rd_read(c, GICR_TYPER + 4), t >> 32);
	}
	EXPECT_EQ((rd_read(0, GICR_PIDR2) >> 4) & 0xF, 3u);
	EXPECT_EQ(rd_read(0, GICR_IIDR), GIC_IIDR_VALUE);
	// ProcessorSleep / ChildrenAsleep handshake.
	rd_write(2, GICR_WAKER, GICR_WAKER_ProcessorSleep);
	EXPECT_EQ(rd_read(2, GICR_WAKER), GICR_WAKER_ProcessorSleep | GICR_WAKER_ChildrenAsleep);
	rd_write(2, GICR_WAKER, 0);
	EXPECT_EQ(rd_read(2, GICR_WAKER), 0u);
	EXPECT_EQ(gic_redist_region_size(g), 4 * GIC_REDIST_STRIDE);
}

TEST_F(GicTest, DistributorRegisters)
{
	uint64_t v;
	ASSERT_EQ(gic_dist_mmio_read(g, GICD_CTLR, 4, &v), 0);
	EXPECT_EQ(v & (GICD_CTLR_ARE | GICD_CTLR_DS | GICD_CTLR_EnableGrp1A),
		  (uint64_t)(GICD_CTLR_ARE | GICD_CTLR_DS | GICD_CTLR_EnableGrp1A));
	ASSERT_EQ(gic_dist_mmio_read(g, GICD_PIDR2, 4, &v), 0);
	EXPECT_EQ((v >> 4) & 0xF, 3u);
	ASSERT_EQ(gic_dist_mmio_read(g, GICD_TYPER, 4, &v), 0);
	EXPECT_EQ(v & 0x1F, 0u);	// no SPIs
	ASSERT_EQ(gic_dist_mmio_read(g, 0x100, 4, &v), 0);	// RAZ
	EXPECT_EQ(v, 0u);
	EXPECT_EQ(gic_dist_mmio_read(g, GIC_DIST_SIZE, 4, &v), -1);
}

TEST_F(GicTest, IrqChangedFiresOncePerTransition)
{
	enable(1, 20, 0x80);
	enable(1, 21, 0x80);
	sig.events.clear();
	gic_set_ppi_level(g, 1, 20, true);
	gic_set_ppi_level(g, 1, 21, true);	// already asserted: no event
	gic_set_ppi_level(g, 1, 20, true);	// no change
	ASSERT_EQ(sig.events.size(), 1u);
	EXPECT_EQ(sig.events[0], std::make_pair(1u, true));
	EXPECT_EQ(ack(1), 20u);			// 21 has equal priority: no preempt
	ASSERT_EQ(sig.events.size(), 2u);
	EXPECT_EQ(sig.events[1], std::make_pair(1u, false));
	gic_set_ppi_level(g, 1, 20, false);
	eoi(20, 1);				// 21 now signalled
	ASSERT_EQ(sig.events.size(), 3u);
	EXPECT_EQ(sig.events[2], std::make_pair(1u, true));
	sysw(1, ICC_PMR_EL1, 0);		// masked
	ASSERT_EQ(sig.events.size(), 4u);
	EXPECT_EQ(sig.events[3], std::make_pair(1u, false));
	sysw(1, ICC_PMR_EL1, 0);		// no change
	EXPECT_EQ(sig.events.size(), 4u);
}

TEST_F(GicTest, SnapshotRestoreRoundTrip)
{
	enable(0, 19, 0x60);
	gic_set_ppi_level(g, 0, 19, true);
	EXPECT_EQ(ack(), 19u);
	struct gic_cpu_state st;
	ASSERT_EQ(gic_save_cpu(g, 0, &st), 0);
	struct gic_dist_state ds;
	gic_save_dist(g, &ds);

	struct gic *g2 = gic_create(4);
	ASSERT_NE(g2, nullptr);
	gic_restore_dist(g2, &ds);
	ASSERT_EQ(gic_restore_cpu(g2, 0, &st), 0);
	EXPECT_TRUE(gic_is_active(g2, 0, 19));
	EXPECT_TRUE(gic_line_level(g2, 0, 19));
	EXPECT_EQ(gic_running_priority(g2, 0), 0x60u);
	uint64_t v;
	gic_sysreg_write(g2, 0, ICC_EOIR1_EL1, 19);
	EXPECT_TRUE(gic_irq_asserted(g2, 0));	// line still high
	ASSERT_EQ(gic_sysreg_read(g2, 0, ICC_IAR1_EL1, &v), 0);
	EXPECT_EQ(v, 19u);
	gic_destroy(g2);
}

} // namespace
