/* perfetto_proto.h — the Perfetto protobuf encoding of the tracks that
 * model/trace/perfetto.c derives from the event stream (private to the
 * two files; docs/traces.md "Perfetto protobuf").
 *
 * perfetto.c keeps one set of track rules (mode, task and token slices,
 * counters, instants) and hands every slice, counter and instant either to
 * its JSON writer or to these functions, so both files hold the same
 * slices at the same times.
 */
#ifndef APFSIM_MODEL_TRACE_PERFETTO_PROTO_H
#define APFSIM_MODEL_TRACE_PERFETTO_PROTO_H

#include <stdint.h>

#include "model/trace/sinks.h"
#include "model/trace/trace.h"

struct pfp;

/* The writer over `out` (not owned); NULL when out of memory.  Writes the
 * first packet (incremental state cleared, the process tracks). */
struct pfp *pfp_create(struct trace_out *out, const struct tracer *tr);
void pfp_destroy(struct pfp *w);

/* pid 1: tid = vCPU; pid 2: tid = task id. */
void pfp_slice(struct pfp *w, int pid, uint32_t tid, const char *cat, const char *name, sim_time_t start,
	       sim_time_t end);
/* An async token slice: ph 'b' opens instance `id` on the vCPU, 'e' ends it. */
void pfp_async(struct pfp *w, char ph, uint32_t vcpu, uint64_t id, uint64_t token, sim_time_t t);
void pfp_counter(struct pfp *w, uint32_t vcpu, sim_time_t t, int64_t value);
/* An instant with the event's arguments as debug annotations. */
void pfp_instant(struct pfp *w, const struct trace_event *e, const char *cat);

#endif
