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

struct host_parts;

/* enum fault_kind and fault_kind_name(): the injection table, model/config/inject.h. */

struct faults {
	struct rng rng;
	uint64_t count[FAULT__COUNT];
	uint64_t saved_limit;
	const struct host_parts *h;	/* the machine's host parts (host.h) */
};

/* Seeds the stream and schedules the injections (the schedules were
 * checked against the run by config validation); 0. */
int faults_init(struct faults *f, const struct host_parts *h);
/* True with probability p (never draws when p is 0). */
bool faults_draw(struct faults *f, double p);
void faults_record(struct faults *f, uint32_t vcpu, enum fault_kind k, uint64_t arg);
/* Same, stamped at t >= now (a vCPU's local time inside its step). */
void faults_record_at(struct faults *f, sim_time_t t, uint32_t vcpu, enum fault_kind k, uint64_t arg);
/* Injections per kind: {"kind": count} with only the kinds that happened,
 * or NULL when none did (reports of runs without faults stay as they were). */
json_t *faults_json(const struct faults *f);
/* One summary line of the same counts; prints nothing when none happened. */
void faults_summary(const struct faults *f, FILE *out);

#endif
