/* select.h — trace selection: which events reach the file sinks
 * (`--trace-from`, `--trace-until`, `--trace-vcpus`, `--trace-events`,
 * `--trace-token`; docs/traces.md "Selection").
 *
 * A selection sits in front of the file sinks as one sink of its own
 * (trace_select_wrap): the model's event stream is unchanged, so the
 * oracle and the statistics still see every event; only the traces are
 * cut.  Every test is a pure function of the events seen so far, so a
 * selected trace is as deterministic as a full one.
 */
#ifndef APFSIM_MODEL_TRACE_SELECT_H
#define APFSIM_MODEL_TRACE_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/trace/trace.h"

#define TRACE_SELECT_MAX_VCPUS 4096u

struct trace_select {
	bool any;			/* some criterion is set */
	bool have_from, have_until;
	sim_time_t from, until;		/* inclusive window */
	bool have_vcpus;
	uint64_t vcpus[TRACE_SELECT_MAX_VCPUS / 64];
	bool have_events;
	bool kinds[TR__COUNT];		/* kinds whose ftrace name matched a glob */
	bool have_token;
	uint64_t token;
};

/* The ftrace name of a kind: the KVM tracepoints as they are
 * ("kvm_async_pf_ready"), apfsim's own events "apfsim_<name>". */
const char *trace_ftrace_event_name(enum trace_kind k, char *buf, size_t len);

/* Parsers: 0, or -1 with a message in err (without the option name). */
int trace_select_events(struct trace_select *s, const char *globs, char *err, size_t errlen);
int trace_select_vcpus(struct trace_select *s, const char *list, uint32_t nvcpus, char *err,
		       size_t errlen);
void trace_select_window(struct trace_select *s, bool have_from, sim_time_t from, bool have_until,
			 sim_time_t until);
void trace_select_token(struct trace_select *s, uint64_t token);

/* Put every sink added at index `first` or later behind one selecting
 * sink (nothing happens when s selects everything).  0, or -1 with a
 * message (out of memory). */
int trace_select_wrap(struct tracer *tr, unsigned first, const struct trace_select *s, char *err,
		      size_t errlen);

#endif
