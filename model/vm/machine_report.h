/* machine_report.h — the results of a run: a human summary table and a JSON
 * document with stable keys (docs/output.md).  Both are pure functions of
 * the finished machine, so they are byte-identical for the same scenario
 * and seed.  They assemble the sections every part writes of itself (the
 * host memory and swap counters, the protocol's report_* ops, the migration
 * and the fault injections) with the pieces of model/report/report.h. */
#ifndef APFSIM_MODEL_VM_MACHINE_REPORT_H
#define APFSIM_MODEL_VM_MACHINE_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "model/report/report.h"
#include "model/vm/machine.h"

/* The document; the caller owns the reference. */
json_t *report_json(const struct machine *m, const char *version);
void report_summary(const struct machine *m, FILE *out);
/* The closed time account of every vCPU and task (summary section). */
void report_account_summary(const struct machine *m, FILE *out);
/* What a task's account sums to: start to exit, or to `end` if alive. */
sim_time_t report_task_lifetime(const struct task *t, sim_time_t end);

#endif
