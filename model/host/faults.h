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

#include "model/config/inject.h"
#include "model/kernel/rng.h"
#include "model/kernel/sim.h"

struct machine;

/* enum fault_kind and fault_kind_name(): the injection table, model/config/inject.h. */

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
/* Injections per kind: {"kind": count} with only the kinds that happened,
 * or NULL when none did (reports of runs without faults stay as they were). */
json_t *faults_json(const struct faults *f);
/* One summary line of the same counts; prints nothing when none happened. */
void faults_summary(const struct faults *f, FILE *out);

#endif
