/* platform_gic.c — system registers, the counter, the GIC interrupt line
 * and the GIC's MMIO frames (platform_internal.h). */
#include "model/vm/platform.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "gic/gic.h"
#include "guest_image.h"
#include "sdei/sdei.h"
#include "smccc/smccc.h"

#include "model/vm/platform_internal.h"

/* ---- system registers, counter, GIC wiring -------------------------------- */

static uint32_t gic_enc(uint32_t enc)
{
	return GIC_SYSREG_ENC(CPU_SYSREG_OP0(enc), CPU_SYSREG_OP1(enc), CPU_SYSREG_CRN(enc),
			      CPU_SYSREG_CRM(enc), CPU_SYSREG_OP2(enc));
}

bool plat_sysreg_read(void *ctx, struct cpu *c, uint32_t enc, uint64_t *val)
{
	struct platform_vcpu *v = ctx;
	const struct platform_sched_ops *s = v->p->cfg.sched;
	uint32_t genc = gic_enc(enc);

	(void)c;
	if (gic_sysreg_read(v->p->gic, v->index, genc, val) != 0)
		return false;
	/* INTIDs 1020..1023 are special (spurious): nothing was taken. */
	if (genc == ICC_IAR1_EL1 && *val < 1020 && s && s->irq_taken)
		s->irq_taken(v->p->cfg.sched_ctx, v->index, (uint32_t)*val);
	return true;
}

bool plat_sysreg_write(void *ctx, struct cpu *c, uint32_t enc, uint64_t val,
			      enum cpu_host_action *action)
{
	struct platform_vcpu *v = ctx;
	const struct platform_sched_ops *s = v->p->cfg.sched;

	(void)c;
	*action = CPU_CONTINUE;
	/* The scheduler may take a self-SGI and raise it later itself
	 * (guest.resched_ipi_delay). */
	if (gic_enc(enc) == ICC_SGI1R_EL1 && s && s->sgi_write && s->sgi_write(v->p->cfg.sched_ctx, v->index, val))
		return true;
	return gic_sysreg_write(v->p->gic, v->index, gic_enc(enc), val) == 0;
}

uint64_t plat_counter(void *ctx, struct cpu *c)
{
	struct platform_vcpu *v = ctx;
	const struct platform_sched_ops *s = v->p->cfg.sched;

	(void)c;
	return s && s->counter ? s->counter(v->p->cfg.sched_ctx, v->index) : 0;
}

void plat_irq_changed(void *ctx, unsigned cpu, bool asserted)
{
	struct platform *p = ctx;
	const struct platform_sched_ops *s = p->cfg.sched;

	if (cpu >= p->cfg.ncpus)
		return;
	cpu_set_irq_line(p->v[cpu].cpu, asserted);
	if (s && s->irq_changed)
		s->irq_changed(p->cfg.sched_ctx, cpu, asserted);
}

/* GIC MMIO.  A rejected access (bad size or offset) ends the run with a
 * fault naming it. */
static void mmio_fault(struct platform_vcpu *v, const char *frame, bool write, uint64_t off,
		       unsigned size)
{
	plat_set_err(v->p, "cpu%u: bad %u-byte GIC %s %s at offset 0x%" PRIx64, v->index, size, frame,
		write ? "write" : "read", off);
	plat_stop_with(v, PLATFORM_STOP_FAULT);
	cpu_request_stop(v->cpu);
}

static uint64_t gicd_read(void *ud, struct cpu *c, uint64_t off, unsigned size)
{
	struct platform_vcpu *v = ud;
	uint64_t val = 0;

	(void)c;
	if (gic_dist_mmio_read(v->p->gic, off, size, &val) != 0)
		mmio_fault(v, "distributor", false, off, size);
	return val;
}

static void gicd_write(void *ud, struct cpu *c, uint64_t off, unsigned size, uint64_t val)
{
	struct platform_vcpu *v = ud;

	(void)c;
	if (gic_dist_mmio_write(v->p->gic, off, size, val) != 0)
		mmio_fault(v, "distributor", true, off, size);
}

static uint64_t gicr_read(void *ud, struct cpu *c, uint64_t off, unsigned size)
{
	struct platform_vcpu *v = ud;
	uint64_t val = 0;

	(void)c;
	if (gic_redist_mmio_read(v->p->gic, off, size, &val) != 0)
		mmio_fault(v, "redistributor", false, off, size);
	return val;
}

static void gicr_write(void *ud, struct cpu *c, uint64_t off, unsigned size, uint64_t val)
{
	struct platform_vcpu *v = ud;

	(void)c;
	if (gic_redist_mmio_write(v->p->gic, off, size, val) != 0)
		mmio_fault(v, "redistributor", true, off, size);
}

int plat_map_gic_frames(struct platform *p, struct platform_vcpu *v)
{
	uint64_t rsize = gic_redist_region_size(p->gic);
	char msg[192];

	if (cpu_map_mmio(v->cpu, GIC_DIST_BASE, GIC_DIST_SIZE, gicd_read, gicd_write, v, msg, sizeof(msg)) ||
	    cpu_map_mmio(v->cpu, GIC_REDIST_BASE, rsize, gicr_read, gicr_write, v, msg, sizeof(msg))) {
		plat_set_err(p, "GIC frames: %s", msg);
		return -1;
	}
	return 0;
}
