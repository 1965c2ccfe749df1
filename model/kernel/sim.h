/* sim.h — the discrete-event kernel: one clock, one event queue.
 *
 * Time is a uint64_t count of picoseconds.  Events are ordered by
 * (time, insertion sequence), a total and reproducible order.  Events can
 * be cancelled.  No allocation happens per event: handles index a pool that
 * grows geometrically and is never shrunk during a run.
 *
 * The queue lives behind a small backend interface (struct sim_backend_ops)
 * so the same model can run on the native binary heap (the default) or
 * under another kernel (SystemC); every backend must produce the same
 * order, hence byte-identical results.
 */
#ifndef APFSIM_MODEL_SIM_H
#define APFSIM_MODEL_SIM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t sim_time_t;

#define SIM_PS ((sim_time_t)1)
#define SIM_NS ((sim_time_t)1000)
#define SIM_US ((sim_time_t)1000000)
#define SIM_MS ((sim_time_t)1000000000)
#define SIM_S ((sim_time_t)1000000000000ULL)
#define SIM_TIME_MAX UINT64_MAX

typedef void (*sim_handler_fn)(void *ctx, uint64_t arg);

/* A handle on a scheduled event.  gen == 0 never names a live event, so a
 * zero-initialised handle is "no event". */
typedef struct sim_event_id {
	uint32_t slot;
	uint32_t gen;
} sim_event_id;

struct sim;

/* Backend: owns the pending-event set.  `run` dispatches events in
 * (time, seq) order while their time is <= limit, s->stop is false and
 * sim_interrupted is zero, setting s->now before each handler. */
struct sim_backend_ops {
	const char *name;
	void *(*create)(size_t initial_capacity);
	void (*destroy)(void *impl);
	sim_event_id (*schedule)(void *impl, sim_time_t when, uint64_t seq,
				 sim_handler_fn fn, void *ctx, uint64_t arg);
	bool (*cancel)(void *impl, sim_event_id id);
	bool (*is_pending)(void *impl, sim_event_id id);
	/* Earliest pending event time; false when nothing is pending. */
	bool (*next_time)(void *impl, sim_time_t *when);
	size_t (*pending)(void *impl);
	void (*run)(struct sim *s, sim_time_t limit);
};

struct sim {
	sim_time_t now;
	uint64_t seq;		/* next insertion sequence number */
	uint64_t events_run;	/* handlers dispatched so far */
	bool stop;		/* set by sim_stop(); run() returns early */
	/* Non-zero: same-instant events are ordered by a keyed hash of their
	 * insertion sequence instead of the sequence itself — a different but
	 * reproducible interleaving per salt (apfsim explore). */
	uint64_t perturb_salt;
	sim_time_t limit;	/* of the sim_run_until() in progress */
	/* Event budget: non-zero = run() dispatches no event once events_run
	 * reaches it, sets budget_hit and returns (a bound on run time that
	 * the owner reports as an error). */
	uint64_t max_events;
	bool budget_hit;
	/* Deferred follow-ups (sim_defer) that went on inline.  defer_off:
	 * sim_defer_advance always refuses, so every follow-up goes through
	 * the queue — the reference the tests compare the model against. */
	uint64_t defer_inline;
	bool defer_off;
	const struct sim_backend_ops *ops;
	void *impl;
};

extern const struct sim_backend_ops sim_backend_native;
/* The backend called `name` ("native", "systemc"), NULL when this build
 * has none by that name or cannot load it.  The SystemC backend
 * (sim_systemc.cc, sim_backend_systemc) exists when apfsim was built with
 * SystemC (APFSIM_HAVE_SYSTEMC), linked in or as a module (sim_backends.c). */
const struct sim_backend_ops *sim_backend_named(const char *name);
/* Why sim_backend_named(name) gave NULL, in one line. */
const char *sim_backend_missing(const char *name);

/* Process-wide asynchronous stop request.  Only a signal handler sets it
 * (the CLI stores the signal number: SIGINT, SIGTERM, or SIGALRM for its
 * wall-clock limit); the model never writes it.  While it is non-zero no
 * backend dispatches another event, sim_advance() refuses and
 * sim_run_until() returns at the next event boundary without advancing the
 * clock, so the caller regains control within one handler.  A run that
 * was never interrupted cannot observe it: outputs stay deterministic. */
extern volatile sig_atomic_t sim_interrupted;

/* ops == NULL selects sim_backend_native.  Returns 0 on success, -1 when
 * the backend could not allocate. */
int sim_init(struct sim *s, const struct sim_backend_ops *ops);
void sim_fini(struct sim *s);

/* Schedule fn(ctx, arg) at absolute time `when` (>= s->now).  A time in the
 * past (when < s->now), now + delay overflowing, a NULL fn or an allocation
 * failure schedule nothing and return the zero handle (gen == 0): the
 * request is refused, never clamped to now.  An event at exactly s->now,
 * even from a handler, runs in this same sim_run_until() after the events
 * already pending for that time. */
sim_event_id sim_at(struct sim *s, sim_time_t when, sim_handler_fn fn, void *ctx, uint64_t arg);
sim_event_id sim_after(struct sim *s, sim_time_t delay, sim_handler_fn fn, void *ctx, uint64_t arg);
/* Cancel a pending event; false if it already ran, was cancelled, or the
 * handle is zero or stale (its slot was reused).  A running handler's own
 * event is no longer pending. */
bool sim_cancel(struct sim *s, sim_event_id id);
bool sim_is_pending(struct sim *s, sim_event_id id);
bool sim_next_time(struct sim *s, sim_time_t *when);
size_t sim_pending(struct sim *s);
/* Dispatch events with time <= limit (SIM_TIME_MAX: until empty or stopped
 * or sim_interrupted).  Clears a previous stop first.  Unless stopped, the clock then advances to
 * limit (now == max(now, limit)); SIM_TIME_MAX leaves it at the last event.
 * Not reentrant: handlers must not call it. */
void sim_run_until(struct sim *s, sim_time_t limit);
/* From a handler: continue at `when` as if the handler had scheduled an
 * event there and that event had been dispatched next — allowed only when
 * nothing is pending at or before `when`, `when` is within the run's limit
 * and no stop was requested; otherwise nothing changes and false comes
 * back (schedule the event instead).  It consumes one sequence number and
 * counts one event, as the schedule-and-dispatch it replaces does, so
 * every output (perturbed orders included) is the same either way. */
bool sim_advance(struct sim *s, sim_time_t when);
/* A handler's follow-up event decided at the handler's end (the vCPU step
 * that may continue inline).  sim_defer() takes the event's sequence number
 * at once, exactly as sim_at() would, so events the handler schedules after
 * it still order after it at the same instant; a second sim_defer() replaces
 * the first (whose number stays used, as a cancelled event's does).  At the
 * end the handler either continues at d->when (sim_defer_advance: the
 * checks of sim_advance, no second number) or schedules it under the
 * reserved number (sim_defer_commit).  Either way every output is the one
 * sim_at() at the sim_defer() point would have given.  Until committed the
 * event is not in the queue: the owner must commit before asking the queue
 * anything (sim_next_time, sim_advance) on the handler's behalf. */
struct sim_deferred {
	sim_time_t when;
	uint64_t key;		/* the reserved (possibly perturbed) sequence key */
	bool set;
};
void sim_defer(struct sim *s, struct sim_deferred *d, sim_time_t when);
bool sim_defer_advance(struct sim *s, struct sim_deferred *d);
sim_event_id sim_defer_commit(struct sim *s, struct sim_deferred *d, sim_handler_fn fn, void *ctx,
			      uint64_t arg);
/* Make the current sim_run_until() return after this handler; now stays at
 * this event's time and later events stay pending. */
void sim_stop(struct sim *s);

#endif
