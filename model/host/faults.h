/* faults.h — fault injection (docs/explore.md): each injection is a real
 * event a hypervisor or guest can see, drawn from the scenario's `faults`
 * probabilities (stream "faults", so seeds vary them) or scheduled at fixed
 * times, and recorded in the trace as TR_INJECT. */
#ifndef APFSIM_MODEL_FAULTS_H
#define APFSIM_MODEL_FAULTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "model/kernel/rng.h"
#include "model/kernel/sim.h"

struct machine;

enum fault_kind {
	FAULT_SDEI_REFUSE = 1,	/* b = token whose not-present was refused */
	FAULT_WORKER_FAIL,	/* b = page whose fault-in failed */
	FAULT_KICK_DELAY,	/* b = delay in ps */
	FAULT_HOST_FLUSH,	/* b = works dropped */
	FAULT_MEMORY_SPIKE,	/* b = new limit in pages */
	FAULT_MEMORY_RESTORE,	/* b = limit restored, pages */
	FAULT_MIGRATE_START,	/* b = 0: the migration started at a drawn instant */
	FAULT_CPU_OFFLINE,	/* b = tasks moved to other vCPUs */
	FAULT_CPU_ONLINE,	/* b = 0 */
	FAULT_APF_DISABLE,	/* b = 0: the guest disabled APF (CPU stays up) */
	FAULT_APF_ENABLE,	/* b = 0: ... and enabled it again */
	FAULT_SDEI_OTHER,	/* b = kvm_sdei_inject's result for the other event (0, -EPERM, -ENOSPC) */
	FAULT_RESCHED_IPI_DELAY, /* b = delay: the self-IPI was held back (guest.resched_ipi_delay) */
	FAULT__COUNT
};

struct faults {
	struct rng rng;
	uint64_t count[FAULT__COUNT];
	uint64_t saved_limit;
};

/* Checks the schedules against the run and schedules them; 0 or -1 (m->err). */
int faults_init(struct machine *m);
/* True with probability p (never draws when p is 0). */
bool faults_draw(struct machine *m, double p);
void faults_record(struct machine *m, uint32_t vcpu, enum fault_kind k, uint64_t arg);
/* Same, stamped at t >= now (a vCPU's local time inside its step). */
void faults_record_at(struct machine *m, sim_time_t t, uint32_t vcpu, enum fault_kind k, uint64_t arg);
const char *fault_kind_name(enum fault_kind k);
/* Injections per kind: {"kind": count} with only the kinds that happened,
 * or NULL when none did (reports of runs without faults stay as they were). */
json_t *faults_json(const struct faults *f);
/* One summary line of the same counts; prints nothing when none happened. */
void faults_summary(const struct faults *f, FILE *out);

#endif
