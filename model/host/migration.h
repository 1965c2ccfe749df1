/* migration.h — live migration of the VM between two host models
 * (docs/migration.md): precopy rounds of dirty pages until the rest fits
 * the downtime budget, then stop-and-copy; postcopy: switch over at once
 * (or after some precopy rounds, `hybrid`), then a background stream of
 * the remaining pages plus urgent requests for pages the guest faults on,
 * served ahead of the stream with postcopy-preempt.  Remote pages fault
 * like swapped ones, so APF applies to them.  At switch-over the protocol
 * hands its state over as the VMM does (protocol_ops.migrate).
 *
 * One host object plays both roles: until switch-over it is the source,
 * afterwards the destination (stage 2 starts empty there; pages sent by
 * precopy are resident, the others remote).
 */
#ifndef APFSIM_MODEL_MIGRATION_H
#define APFSIM_MODEL_MIGRATION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "model/kernel/histogram.h"
#include "model/kernel/sim.h"

struct machine;

enum mig_phase { MIGP_IDLE, MIGP_PRECOPY, MIGP_PAUSED, MIGP_POSTCOPY, MIGP_DONE, MIGP_FAILED };

struct migration {
	struct machine *m;
	enum mig_phase phase;
	bool to_postcopy;	/* the pause ends in postcopy (not the end) */
	uint32_t rounds;
	uint64_t bytes;		/* sent over the network */
	uint64_t pages_sent;
	uint64_t remote_left;	/* pages still at the source (postcopy) */
	uint64_t remote_at_switch;
	uint64_t stream_pos;
	uint64_t requests;	/* urgent postcopy requests */
	uint64_t last_dirty;
	struct histogram req_latency;
	sim_time_t start_ps, switch_ps, end_ps, downtime_ps;
	const char *result;	/* "completed", "not_converged", or NULL */
	uint64_t *prog_start, *prog_switch, *prog_end;	/* per task */
	uint64_t arrived;	/* remote pages delivered to the destination */
	uint64_t duplicates;	/* deliveries of a page that was no longer remote */
	uint64_t chunk[64];	/* stream pages on the wire */
	uint32_t chunk_n;
};

int migration_init(struct migration *g, struct machine *m);
void migration_fini(struct migration *g);
/* A fault touched a remote page: request it (urgent). */
void migration_request(struct migration *g, uint64_t page);
json_t *migration_json(const struct migration *g);
void migration_summary(const struct migration *g, FILE *out);

#endif
