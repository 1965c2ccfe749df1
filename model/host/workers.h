/* workers.h — the host's async-PF worker pool (the kworkers that run
 * async_pf_execute, docs/reference.md §1.3).
 *
 * `host.workers` workers take jobs FIFO.  A job starts `host.worker_start`
 * after a worker picks it up, then faults the page in through the host
 * memory model: nothing to do if it is resident, a zero-fill if it was
 * never touched, otherwise a swap-in through the swap device (queueing
 * with every other request) — or waiting for a swap-in already in flight.
 * The worker is busy until the page is resident; then the completion
 * callback runs (through the machine, the protocol's work_done and the
 * APF core's apf_work_completed).  Faulting in does not
 * map the page in stage 2: that is the prefault's job (page ready).
 */
#ifndef APFSIM_MODEL_WORKERS_H
#define APFSIM_MODEL_WORKERS_H

#include <stdbool.h>
#include <stdint.h>

#include "model/kernel/histogram.h"
#include "model/kernel/sim.h"

struct host_parts;

struct worker_job {
	uint32_t vcpu;
	void *work;		/* opaque to the pool (struct apf_work *) */
	uint64_t gfn;
	sim_time_t submitted;
};

struct worker {
	bool busy;
	bool waiting_io;	/* blocked until job.gfn is resident */
	struct worker_job job;
};

struct workers_stats {
	uint64_t jobs;
	uint64_t no_io;			/* page already resident */
	uint64_t zero_fills;
	uint64_t swap_ins;		/* started by a worker */
	uint64_t cancelled;		/* withdrawn before starting */
	struct histogram queue_wait;	/* submit -> picked up */
	struct histogram fault_in;	/* submit -> completion */
};

struct workers {
	const struct host_parts *h;	/* the machine's host parts (host.h) */
	uint32_t n;
	struct worker *w;
	struct worker_job *q;	/* ring of waiting jobs */
	uint32_t qcap, qhead, qlen;
	/* Workers with waiting_io set.  workers_page_resident() stops scanning
	 * once it has seen them all: with the 256-worker default a swap-in
	 * completion used to walk every worker (13 % of a testsuite-mem run). */
	uint32_t n_waiting_io;
	struct workers_stats stats;
	/* Job finished: the page is resident (or the fault-in failed).  Set by
	 * model/vm (machine_proto.c) to hand it to protocol_ops.work_done; NULL:
	 * nobody listens. */
	void (*complete)(void *ctx, const struct worker_job *job, uint32_t worker);
	void *ctx;
};

int workers_init(struct workers *ws, const struct host_parts *h, uint32_t n);
void workers_fini(struct workers *ws);
int workers_submit(struct workers *ws, uint32_t vcpu, void *work, uint64_t gfn);
/* Withdraw a job that has not started (cancel_work_sync); true if removed. */
bool workers_cancel(struct workers *ws, const void *work);
/* A swap-in completed: release every worker waiting for this gfn. */
void workers_page_resident(struct workers *ws, uint64_t gfn);

#endif
