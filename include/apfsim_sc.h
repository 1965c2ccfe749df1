// apfsim_sc.h — an apfsim machine as a SystemC module (docs/systemc.md).
//
// apfsim_host runs one scenario's machine inside a user's SystemC
// simulation, loosely timed: its SC_THREAD lets the machine run ahead by
// one quantum on apfsim's own (native) event kernel, then replays what the
// host side did in that quantum at the exact SystemC times (apfsim time 0
// = the SystemC time the thread starts), through
//
//   ppi[v]       sc_out<bool>: the page-ready PPI line of vCPU v (the
//                level of every apfsim ppi_level event, one delta cycle
//                per change so that a raise and a lower at one instant are
//                both seen);
//   enable       bound like an sc_in<bool> (an sc_signal<bool>): the machine
//                advances only while it is high (may stay unbound);
//   buffer       a TLM-2.0 initiator socket: each host write of vCPU v's
//                shared APF buffer becomes a blocking 8-byte write
//                (b_transport) at address v * 64, data {u32 reason,
//                u32 token} little-endian;
//   on_stage2_fault
//                a callback for every stage-2 fault the host handles
//                (kvm_try_async_get_page: async = true; apf_sync: false).
//
// The apfsim run is the same as `apfsim run SCENARIO` with the same
// overrides (byte-identical figures); SystemC only observes it.  The
// machine's own kernel is native: run.kernel: systemc inside a SystemC
// simulation would start SystemC from within itself, so it is refused.
#ifndef APFSIM_SC_H
#define APFSIM_SC_H

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

extern "C" {
#include "model/config/config.h"
#include "model/trace/trace.h"
#include "model/vm/machine.h"
}

namespace apfsim {

struct stage2_fault {
	sc_core::sc_time when;
	uint32_t vcpu;
	uint64_t gfn, gva;	// gva 0 when the fault was handled synchronously
	bool async;		// the host tried the async path
};

class apfsim_host : public sc_core::sc_module {
public:
	sc_core::sc_vector<sc_core::sc_out<bool>> ppi;
	// Bind like an sc_in<bool> (same interface); may stay unbound.
	sc_core::sc_port<sc_core::sc_signal_in_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND> enable;
	tlm_utils::simple_initiator_socket<apfsim_host> buffer;
	std::function<void(const stage2_fault &)> on_stage2_fault;

	SC_HAS_PROCESS(apfsim_host);

	// `sets`: overrides as `apfsim run --set` takes them ("seed=3").
	apfsim_host(sc_core::sc_module_name name, const std::string &scenario,
		    const std::vector<std::string> &sets = {},
		    sc_core::sc_time quantum = sc_core::sc_time(10, sc_core::SC_US))
		: sc_core::sc_module(name), buffer("buffer"), quantum_(quantum)
	{
		struct cfg_error err;
		if (config_load_file(&cfg_, scenario.c_str(), &err))
			fail(err);
		loaded_ = true;
		for (auto &s : sets)
			if (config_set(&cfg_, s.c_str(), &err))
				fail(err);
		if (config_set(&cfg_, "run.kernel=native", &err))
			fail(err);
		m_ = new machine;
		if (machine_init(m_, &cfg_))
			throw std::runtime_error(m_->err);
		ppi.init(cfg_.vm.vcpus);
		sink_.name = "apfsim_sc";
		sink_.event = &apfsim_host::on_event;
		sink_.finish = nullptr;
		sink_.destroy = nullptr;
		if (trace_add_sink(&m_->tracer, &sink_, this))
			throw std::runtime_error("apfsim_sc: no free trace sink slot");
		SC_THREAD(run);
	}

	~apfsim_host() override
	{
		if (m_) {
			trace_abandon(&m_->tracer);
			machine_fini(m_);
			delete m_;
		}
		if (loaded_)
			config_free(&cfg_);
	}

	// The machine, for reports once the run is over (model/vm/machine_report.h).
	struct machine *machine_state() { return m_; }
	bool finished() const { return finished_; }

private:
	struct apf_config cfg_;
	struct machine *m_ = nullptr;
	bool loaded_ = false, finished_ = false;
	sc_core::sc_time quantum_, start_;
	struct trace_sink_ops sink_;
	std::vector<trace_event> pending_;	// host-side events of this quantum

	[[noreturn]] static void fail(const struct cfg_error &e)
	{
		char buf[1024];
		FILE *f = fmemopen(buf, sizeof(buf), "w");
		if (f) {
			cfg_error_print(&e, f);
			fclose(f);
		}
		buf[sizeof(buf) - 1] = '\0';
		throw std::runtime_error(f ? buf : "apfsim_sc: bad scenario");
	}

	static void on_event(void *ctx, const struct trace_event *e)
	{
		auto *self = static_cast<apfsim_host *>(ctx);
		if (e->kind == TR_PPI_LEVEL || e->kind == TR_BUF_WRITE || e->kind == TR_KVM_TRY_ASYNC_GET_PAGE ||
		    e->kind == TR_APF_SYNC) {
			trace_event c = *e;
			c.text = nullptr;
			self->pending_.push_back(c);
		}
	}

	sc_core::sc_time at(sim_time_t t) const { return start_ + sc_core::sc_time::from_value(t); }

	void replay(const trace_event &e)
	{
		if (at(e.t) > sc_core::sc_time_stamp())
			wait(at(e.t) - sc_core::sc_time_stamp());
		if (e.vcpu >= ppi.size())
			return;
		switch (e.kind) {
		case TR_PPI_LEVEL:
			ppi[e.vcpu].write(e.b != 0);
			wait(sc_core::SC_ZERO_TIME);	// one delta per change: none is lost
			break;
		case TR_BUF_WRITE: {
			unsigned char data[8];
			uint32_t w[2] = { (uint32_t)e.a, (uint32_t)e.b };
			for (int i = 0; i < 8; i++)
				data[i] = (unsigned char)(w[i / 4] >> (8 * (i % 4)));
			tlm::tlm_generic_payload p;
			sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
			p.set_command(tlm::TLM_WRITE_COMMAND);
			p.set_address((uint64_t)e.vcpu * 64);
			p.set_data_ptr(data);
			p.set_data_length(8);
			p.set_streaming_width(8);
			p.set_byte_enable_ptr(nullptr);
			p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
			buffer->b_transport(p, delay);
			if (p.is_response_error())
				SC_REPORT_ERROR("apfsim_sc", "guest buffer write failed");
			break;
		}
		case TR_KVM_TRY_ASYNC_GET_PAGE:
		case TR_APF_SYNC:
			if (on_stage2_fault) {
				bool async = e.kind == TR_KVM_TRY_ASYNC_GET_PAGE;
				on_stage2_fault(stage2_fault{ at(e.t), e.vcpu, async ? e.b : e.a, async ? e.a : 0, async });
			}
			break;
		default:
			break;
		}
	}

	void run()
	{
		start_ = sc_core::sc_time_stamp();
		for (auto &p : ppi)
			p.write(false);
		for (sim_time_t lim = quantum_.value(); !machine_done(m_); lim += quantum_.value()) {
			while (enable.get_interface() && !enable->read())
				wait(enable->posedge_event());
			machine_run_until(m_, lim);
			for (auto &e : pending_)
				replay(e);
			pending_.clear();
			if (at(lim) > sc_core::sc_time_stamp())
				wait(at(lim) - sc_core::sc_time_stamp());
			if (lim >= cfg_.run.duration)
				break;
		}
		machine_finish(m_);
		trace_finish(&m_->tracer, m_->end_ps);
		finished_ = true;
	}
};

}  // namespace apfsim

#endif
