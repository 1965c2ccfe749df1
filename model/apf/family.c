/* family.c — the three protocol families (family.h). */
#include "model/apf/family.h"

#include <string.h>

#include "model/apf/protocol.h"
#include "model/check/oracle.h"
#include "model/config/config.h"
#include "workloads/guest/guest_abi.h"

static uint32_t no_boot_flags(const struct apf_switches *sw)
{
	(void)sw;
	return 0;
}

/* The x86-semantics guest driver, told which delivery it gets. */
static uint32_t x86_boot_flags(const struct apf_switches *sw)
{
	uint32_t f = GUEST_BOOT_X86;

	if (sw->ack == APF_ACK_NONE)
		f |= GUEST_BOOT_X86_NO_ACK;
	if (sw->pageready == APF_PR_EXCEPTION)
		f |= GUEST_BOOT_X86_LEGACY;
	return f;
}

const struct apf_family apf_family_sync = {
	.name = "sync",
	.presets = "sync",
	.caps = 0,
	.ops = &protocol_sync,
	.boot_flags = no_boot_flags,
	.oracle_checks_off = 0,
};

const struct apf_family apf_family_arm64 = {
	.name = "arm64",
	.presets = "arm64-v4",
	.caps = APF_CAP_ASYNC | APF_CAP_GUEST | APF_CAP_SDEI | APF_CAP_ARM64_DRIVER,
	.ops = &protocol_arm64_v4,
	.boot_flags = no_boot_flags,
	.oracle_checks_off = 0,
};

/* The buffer and PPI-line invariants describe arm64's shared {reason,
 * token} buffer and level PPI (docs/reference.md §2.3, §2.7); the x86
 * family has separate words and a vector-like PPI. */
const struct apf_family apf_family_x86 = {
	.name = "x86",
	.presets = "x86-int-ack, x86-int-noack, x86-legacy",
	.caps = APF_CAP_ASYNC | APF_CAP_GUEST | APF_CAP_X86,
	.ops = &protocol_x86,
	.boot_flags = x86_boot_flags,
	.oracle_checks_off = ORACLE_CHECK(ORACLE_BUFFER_OVERWRITE) | ORACLE_CHECK(ORACLE_PPI_PENDING_MISMATCH),
};

const struct apf_family *apf_family_for(const struct apf_config *c)
{
	if (!strcmp(c->protocol, "sync"))
		return &apf_family_sync;
	return c->sw.notpresent == APF_NP_SDEI ? &apf_family_arm64 : &apf_family_x86;
}

/* guest.driver_variant: no_irq_ack and offline_wake are variants of the
 * arm64 guest driver (workloads/guest/apf.c); the x86 driver and sync
 * (no guest kernel) ignore them. */
const struct apf_key_rule apf_key_rules[] = {
	{ "guest.driver_variant", APF_CAP_ARM64_DRIVER },
	{ "guest.resched_ipi_delay", APF_CAP_GUEST },	/* the APF handler's self-IPI */
	{ "guest.handler_touches_page", APF_CAP_ARM64_DRIVER }, /* its SDEI/PPI handlers */
	{ NULL, 0 },
};

const char *apf_caps_what(uint32_t needs)
{
	if (needs & (APF_CAP_SDEI | APF_CAP_ARM64_DRIVER))
		return needs & APF_CAP_SDEI ? "not-present by SDEI (the arm64 family: arm64-v4)"
					    : "the arm64 guest APF driver (the arm64 family: arm64-v4)";
	if (needs & APF_CAP_X86)
		return "an x86 host path (the x86 family: x86-int-ack, x86-int-noack, x86-legacy)";
	if (needs & APF_CAP_GUEST)
		return "the guest kernel's APF driver (every protocol but sync)";
	return "async page faults (every protocol but sync)";
}
