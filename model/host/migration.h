/* migration.h — live migration of the VM between two host models
 * (docs/migration.md): precopy rounds of dirty pages until the rest fits
 * the downtime budget, then stop-and-copy; postcopy: switch over at once
 * (or after some precopy rounds, `hybrid`), then a background stream of
 * the remaining pages plus urgent requests for pages the guest faults on,
 * served ahead of the stream with postcopy-preempt.  Remote pages fault
 * like swapped ones, so APF applies to them.  At switch-over the protocol
 * hands its state over as the VMM does (protocol_ops.migrate, reached
 * through host_vm_ops.switch_over: the host layer does not call the
 * protocol or the vCPUs itself).
 *
 * One host object plays both roles: until switch-over it is the source,
 * afterwards the destination (stage 2 starts empty there; pages sent by
 * precopy are resident, the others remote).
 *
 * Every byte crosses one link (miglink.h) that the stream and urgent pages
 * share.  The sender (QEMU's migration thread) walks the pages to send;
 * a page that lives only on the source's swap device is read through the
 * swap device first, one at a time, before it is sent.
 */
#ifndef APFSIM_MODEL_MIGRATION_H
#define APFSIM_MODEL_MIGRATION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "model/kernel/histogram.h"
#include "model/kernel/sim.h"
#include "model/host/miglink.h"

struct host_parts;

enum mig_phase { MIGP_IDLE, MIGP_PRECOPY, MIGP_PAUSED, MIGP_POSTCOPY, MIGP_DONE, MIGP_FAILED };

/* What the sender walks: a precopy round's pages, the dirty pages still on
 * the source's swap before stop-and-copy, or the postcopy stream. */
enum mig_sender { MIGS_IDLE, MIGS_ROUND, MIGS_PREREAD, MIGS_STREAM };

/* An urgent request on its way to (or waiting at) the source. */
struct mig_pending {
	uint64_t gfn;
	sim_time_t t_req;
	bool at_source;		/* waiting for the source's swap read */
};

struct migration {
	const struct host_parts *h;	/* the machine's host parts (host.h) */
	enum mig_phase phase;
	bool to_postcopy;	/* the pause ends in postcopy (not the end) */
	uint32_t rounds;
	uint64_t bytes;		/* sent over the network (RAM + device state) */
	uint64_t pages_sent;
	uint64_t remote_left;	/* pages still at the source (postcopy) */
	uint64_t remote_at_switch;
	uint64_t requests;	/* urgent postcopy requests */
	uint64_t last_dirty;
	struct histogram req_latency;
	sim_time_t start_ps, switch_ps, end_ps, downtime_ps;
	const char *result;	/* "completed", "not_converged", or NULL */
	uint64_t *prog_start, *prog_switch, *prog_end;	/* per task */
	uint64_t arrived;	/* remote pages delivered to the destination */
	uint64_t duplicates;	/* deliveries of a page that was no longer remote */

	struct miglink link;
	enum mig_sender sender;
	uint64_t pos;		/* next page the sender looks at */
	bool waiting;		/* the sender waits for the swap read of wait_gfn */
	uint64_t wait_gfn;
	uint64_t throttle;	/* stream bytes per second; 0 = the link */
	sim_time_t credit_at;	/* stream bytes sent so far are earned by then */
	bool timer;		/* a throttle wake-up is pending */
	bool draining;		/* round walked: waiting for the link to deliver */
	sim_time_t round_start_ps;
	uint64_t round_bytes;	/* delivered in the current round */
	uint64_t *bm_send;	/* precopy: pages of the current round */
	uint64_t *bm_src_swapped;	/* postcopy: the page's copy is on the source's swap */
	uint64_t *bm_src_reading;	/* a swap read whose completion is the source's */
	uint64_t src_swapins;	/* swap reads the migration caused at the source */
	sim_time_t stop_ps;	/* the VM stopped (precopy_ps = stop - start) */
	uint64_t precopy_bytes;	/* sent before the VM stopped */
	struct mig_pending *pend;
	uint32_t npend, cappend;
	/* A pending event that is known to stop the vCPUs (the postcopy
	 * switch-over at the start, a hybrid round past max_rounds) and its
	 * instant; a precopy stop-and-copy is decided at its round's end
	 * and is not known before. */
	bool pause_known;
	sim_time_t pause_at;
};

int migration_init(struct migration *g, const struct host_parts *h);
void migration_fini(struct migration *g);
/* The instant of the next stop of the vCPUs already decided
 * (migration.pause_known): true and *at, or false. */
bool migration_pause_at(const struct migration *g, sim_time_t *at);
/* A fault touched a remote page: request it (urgent). */
void migration_request(struct migration *g, uint64_t page);
/* A swap read finished.  Returns true when it was the source's read of a
 * page that is remote here (postcopy): the caller must not make it
 * resident.  Otherwise a precopy sender waiting for the page goes on
 * (call after the page became resident). */
bool migration_source_read_done(struct migration *g, uint64_t gfn);
void migration_page_resident(struct migration *g, uint64_t gfn);
/* The report sections; run_end is when the run ended (the rates of a
 * migration still running are taken up to it). */
json_t *migration_json(const struct migration *g, sim_time_t run_end);
void migration_summary(const struct migration *g, sim_time_t run_end, FILE *out);

#endif
