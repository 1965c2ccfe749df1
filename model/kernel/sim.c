/* sim.c — the backend-independent half of the event kernel: the clock, the
 * insertion sequence and the argument checks every backend relies on.
 *
 * Rules enforced here, so that no backend has to:
 *   - An event is never scheduled in the past.  sim_at() with when < now
 *     (and sim_after() whose now + delay overflows) schedules nothing and
 *     returns the zero handle.  Clamping to `now` would silently reorder the
 *     model; refusing makes the caller's bug visible (the handle is "no
 *     event", sim_is_pending() is false, the handler never runs).
 *   - seq is taken from s->seq only for events actually scheduled, so the
 *     (time, seq) order is the same on every backend.
 *   - Time never goes backwards: run() only sets now to the time of the
 *     event it dispatches, and every pending event is >= now.
 */
#include <string.h>

#include "model/kernel/sim.h"

volatile sig_atomic_t sim_interrupted;

/* Room for this many pending events before the first growth. */
#define SIM_INITIAL_CAPACITY 1024

int sim_init(struct sim *s, const struct sim_backend_ops *ops)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops ? ops : &sim_backend_native;
	s->impl = s->ops->create(SIM_INITIAL_CAPACITY);
	if (!s->impl) {
		s->ops = NULL;
		return -1;
	}
	return 0;
}

void sim_fini(struct sim *s)
{
	if (s->ops && s->impl)
		s->ops->destroy(s->impl);
	s->impl = NULL;
	s->ops = NULL;
}

/* A bijective 64-bit mix of the sequence number keyed by the salt: the
 * keys stay unique, so the order stays total and deterministic. */
static uint64_t sim_perturb_key(uint64_t seq, uint64_t salt)
{
	uint64_t z = seq ^ salt;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t sim_key(const struct sim *s)
{
	return s->perturb_salt ? sim_perturb_key(s->seq, s->perturb_salt) : s->seq;
}

/* Schedule under `key`, with the refusals every scheduling call shares: a
 * time in the past or no handler schedules nothing (the zero handle). */
static sim_event_id sim_schedule_keyed(struct sim *s, sim_time_t when, uint64_t key, sim_handler_fn fn,
				       void *ctx, uint64_t arg)
{
	sim_event_id none = { 0, 0 };

	if (when < s->now || !fn)
		return none;
	return s->ops->schedule(s->impl, when, key, fn, ctx, arg);
}

sim_event_id sim_at(struct sim *s, sim_time_t when, sim_handler_fn fn, void *ctx, uint64_t arg)
{
	sim_event_id id = sim_schedule_keyed(s, when, sim_key(s), fn, ctx, arg);

	if (id.gen != 0)
		s->seq++;
	return id;
}

sim_event_id sim_after(struct sim *s, sim_time_t delay, sim_handler_fn fn, void *ctx, uint64_t arg)
{
	sim_event_id none = { 0, 0 };

	if (delay > SIM_TIME_MAX - s->now)
		return none;
	return sim_at(s, s->now + delay, fn, ctx, arg);
}

/* Would an event at `when` scheduled now be the very next one dispatched
 * in this run?  Ties go to the pending event (it was scheduled first). */
static bool sim_next_is(struct sim *s, sim_time_t when)
{
	sim_time_t next;

	if (when < s->now || when > s->limit || s->stop || sim_interrupted ||
	    (s->max_events && s->events_run >= s->max_events))
		return false;
	return !(s->ops->next_time(s->impl, &next) && next <= when);
}

bool sim_advance(struct sim *s, sim_time_t when)
{
	if (!sim_next_is(s, when))
		return false;
	s->seq++;
	s->events_run++;
	s->now = when;
	return true;
}

void sim_defer(struct sim *s, struct sim_deferred *d, sim_time_t when)
{
	d->when = when;
	d->key = sim_key(s);
	d->set = true;
	s->seq++;
}

/* Any event pending at or before d->when refuses the advance, whether it
 * was scheduled before the reservation or after it; the commit then lets
 * the queue order the two by (time, key), as if sim_at had been called at
 * the reservation. */
bool sim_defer_advance(struct sim *s, struct sim_deferred *d)
{
	if (!d->set || s->defer_off || !sim_next_is(s, d->when))
		return false;
	d->set = false;
	s->defer_inline++;
	s->events_run++;
	s->now = d->when;
	return true;
}

sim_event_id sim_defer_commit(struct sim *s, struct sim_deferred *d, sim_handler_fn fn, void *ctx,
			      uint64_t arg)
{
	sim_event_id none = { 0, 0 };

	if (!d->set)
		return none;
	d->set = false;
	return sim_schedule_keyed(s, d->when, d->key, fn, ctx, arg);
}

bool sim_cancel(struct sim *s, sim_event_id id)
{
	if (id.gen == 0)
		return false;
	return s->ops->cancel(s->impl, id);
}

bool sim_is_pending(struct sim *s, sim_event_id id)
{
	if (id.gen == 0)
		return false;
	return s->ops->is_pending(s->impl, id);
}

bool sim_next_time(struct sim *s, sim_time_t *when)
{
	return s->ops->next_time(s->impl, when);
}

size_t sim_pending(struct sim *s)
{
	return s->ops->pending(s->impl);
}

/* Clears a previous stop, dispatches, then — unless stopped or unbounded —
 * advances the clock to `limit`: after sim_run_until(s, t) returns without a
 * stop, now == max(now, t), as with SystemC's sc_start(t).  Events at
 * exactly `limit` run.  A stop leaves now at the time of the event whose
 * handler called sim_stop(). */
void sim_run_until(struct sim *s, sim_time_t limit)
{
	s->stop = false;
	s->limit = limit;
	s->ops->run(s, limit);
	if (!s->stop && !sim_interrupted && limit != SIM_TIME_MAX && s->now < limit)
		s->now = limit;
}

void sim_stop(struct sim *s)
{
	s->stop = true;
}
