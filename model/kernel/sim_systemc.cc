// sim_systemc.cc — the SystemC backend of the event kernel (run.kernel:
// systemc; docs/event-kernel.md "The SystemC backend").
//
// SystemC's own ordering of simultaneous notifications is not apfsim's
// (time, seq) rule, so it is not relied on: the pending set stays in the
// native (time, seq) queue (every queue operation is the native
// backend's), and SystemC's scheduler keeps the time.  One sc_event wakes
// one SC_METHOD dispatcher at the earliest pending time; the dispatcher
// dispatches, in (time, seq) order, every event of that instant (those
// its handlers add at the same instant included) through the native run,
// then re-arms the sc_event for the next pending time.  run() calls
// sc_start() once and returns when SystemC starves: nothing pending up to
// the limit, a stop, an interrupt or the event budget.  The dispatch
// sequence is therefore the native one, and so is every output.
//
// SystemC has one simulation per process and its time only grows: one
// dispatcher module is elaborated at first use and serves every struct sim
// in turn; a run maps model time t to the SystemC delay t - s->now.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <cstdlib>
#include <systemc>

extern "C" {
#include "model/kernel/sim.h"
}

namespace {

struct Dispatcher : sc_core::sc_module {
	sc_core::sc_event wake;
	struct sim *cur = nullptr;
	sim_time_t limit = 0, armed = 0;

	SC_HAS_PROCESS(Dispatcher);
	explicit Dispatcher(sc_core::sc_module_name n) : sc_core::sc_module(n)
	{
		SC_METHOD(dispatch);
		sensitive << wake;
		dont_initialize();
	}

	// Notify `wake` at the earliest pending time if the run goes on.
	bool arm()
	{
		sim_time_t t;
		struct sim *s = cur;

		if (s->stop || sim_interrupted || s->budget_hit ||
		    !sim_backend_native.next_time(s->impl, &t) || t > limit)
			return false;
		if (s->max_events && s->events_run >= s->max_events)
			return false;
		armed = t;
		wake.notify(sc_core::sc_time::from_value(t - s->now));
		return true;
	}

	void dispatch()
	{
		sim_backend_native.run(cur, armed);
		arm();
	}
};

Dispatcher *dispatcher()
{
	static Dispatcher *d;

	if (!d) {
		// SystemC prints a banner on standard output unless told not to;
		// apfsim's standard output is its summary.
		setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
		sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
		sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
		d = new Dispatcher("apfsim_sim_dispatcher");
	}
	return d;
}

void *sc_create(size_t cap)
{
	dispatcher();	// elaborate before the first sc_start()
	return sim_backend_native.create(cap);
}

void sc_destroy(void *impl) { sim_backend_native.destroy(impl); }

sim_event_id sc_schedule(void *impl, sim_time_t when, uint64_t seq, sim_handler_fn fn, void *ctx, uint64_t arg)
{
	return sim_backend_native.schedule(impl, when, seq, fn, ctx, arg);
}

bool sc_cancel(void *impl, sim_event_id id) { return sim_backend_native.cancel(impl, id); }
bool sc_is_pending(void *impl, sim_event_id id) { return sim_backend_native.is_pending(impl, id); }
bool sc_next_time(void *impl, sim_time_t *when) { return sim_backend_native.next_time(impl, when); }
size_t sc_pending(void *impl) { return sim_backend_native.pending(impl); }

void sc_run(struct sim *s, sim_time_t limit)
{
	Dispatcher *d = dispatcher();

	if (s->max_events && s->events_run >= s->max_events) {
		sim_backend_native.run(s, limit);	// sets budget_hit
		return;
	}
	d->cur = s;
	d->limit = limit;
	if (d->arm())
		sc_core::sc_start();	// returns when nothing more is notified
	d->cur = nullptr;
}

}  // namespace

extern "C" const struct sim_backend_ops sim_backend_systemc = {
	"systemc", sc_create, sc_destroy, sc_schedule, sc_cancel, sc_is_pending, sc_next_time, sc_pending, sc_run,
};

// libsystemc refers to sc_main (its own main() calls it).  apfsim has its
// own main, so a weak one satisfies the link; a SystemC program that
// embeds apfsim defines the real one, which wins.
extern "C" __attribute__((weak)) int sc_main(int, char **)
{
	return 0;
}
