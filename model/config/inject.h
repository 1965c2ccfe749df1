/* inject.h — the fault-injection table (docs/explore.md): every injection
 * a scenario can ask for under `faults`, one row each, and every event an
 * injection records (enum fault_kind, the JSON keys of the run's "faults"
 * object).  The schema's doc lines, the protocol check of `validate`
 * (model/scenario/validate_protocol.c), the trace names and the
 * shrinker's list (model/explore/explore.c) all read this table; it sits
 * in the lowest layer so that the parts that inject (host, apf, vm) can
 * name the kinds without including each other.
 */
#ifndef APFSIM_MODEL_CONFIG_INJECT_H
#define APFSIM_MODEL_CONFIG_INJECT_H

#include <stdbool.h>
#include <stdint.h>

/* Recorded events: X(ENUM, "json name", "what b is in the trace"). */
#define FAULT_KINDS(X) \
	X(SDEI_REFUSE, "sdei_refuse", "token whose not-present was refused") \
	X(WORKER_FAIL, "worker_fail", "page whose fault-in failed") \
	X(KICK_DELAY, "kick_delay", "delay in ps") \
	X(HOST_FLUSH, "host_flush", "works dropped") \
	X(MEMORY_SPIKE, "memory_spike", "new limit in pages") \
	X(MEMORY_RESTORE, "memory_restore", "limit restored, pages") \
	X(MIGRATE_START, "migrate_start", "0: the migration started at a drawn instant") \
	X(CPU_OFFLINE, "cpu_offline", "tasks moved to other vCPUs") \
	X(CPU_ONLINE, "cpu_online", "0") \
	X(APF_DISABLE, "apf_disable", "0: the guest disabled APF (CPU stays up)") \
	X(APF_ENABLE, "apf_enable", "0: ... and enabled it again") \
	X(SDEI_OTHER, "sdei_other", "kvm_sdei_inject's result for the other event (0, -EPERM, -ENOSPC)") \
	X(RESCHED_IPI_DELAY, "resched_ipi_delay", "delay: the self-IPI was held back (guest.resched_ipi_delay)") \
	X(SMM_EXIT, "smm_exit", "works dropped by the CR0.PG flush (0 under flush_on_cr0_pg: false)") \
	X(HANDLER_TOUCH, "handler_touch", "guest-physical address a guest APF handler's load faulted on at EL1 (guest.handler_touches_page)")

#define FAULT_KIND_ENUM(e, name, arg) FAULT_##e,
enum fault_kind {
	FAULT_NONE_ = 0,	/* kinds start at 1 (0 = no injection in traces) */
	FAULT_KINDS(FAULT_KIND_ENUM)
	FAULT__COUNT
};
#undef FAULT_KIND_ENUM

/* What a protocol family offers (struct apf_family.caps); an injection or
 * key that needs a capability the chosen family lacks does nothing. */
#define APF_CAP_ASYNC (1u << 0)		/* async PFs: workers, a queue to flush */
#define APF_CAP_GUEST (1u << 1)		/* the guest kernel runs (its APF driver) */
#define APF_CAP_SDEI (1u << 2)		/* not-present by SDEI (arm64 family) */
#define APF_CAP_ARM64_DRIVER (1u << 3)	/* the arm64 guest driver */
#define APF_CAP_X86 (1u << 4)		/* x86 host paths (CR0.PG, SMM: the x86 family) */

/* One injection of the `faults` section: the keys that ask for it (the
 * first one alone makes it happen: a probability, an instant or a random
 * switch; NULL-terminated), the assignment the shrinker tries to drop it
 * when that key is set, the capabilities it needs and what it injects. */
struct inject_desc {
	const char *name;
	const char *keys[5];		/* under faults., the triggers first */
	uint32_t ntriggers;		/* keys[0..ntriggers) turn it on */
	const char *shrink[2];		/* per trigger: "faults.KEY=OFF" */
	bool chained;			/* trigger 2 is tried only when dropping
					 * trigger 1 kept the failure (a random
					 * window falls back to its fixed one) */
	uint32_t needs;			/* APF_CAP_* */
	const char *doc;
};
extern const struct inject_desc inject_table[];	/* name == NULL ends */

const char *fault_kind_name(enum fault_kind k);

#endif
