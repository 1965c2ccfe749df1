// examples/systemc — an apfsim machine inside a SystemC simulation
// (include/apfsim_sc.h, docs/systemc.md).  A GIC stand-in counts the PPI
// line's rising edges, a memory target takes the guest-buffer writes over
// TLM-2.0, a callback counts the stage-2 faults.
//
//   apfsim_sc_example SCENARIO [--set KEY=VALUE ...]
#include <cstdio>
#include <string>
#include <vector>

#include <tlm_utils/simple_target_socket.h>

#include "apfsim_sc.h"

struct BufferMemory : sc_core::sc_module {
	tlm_utils::simple_target_socket<BufferMemory> socket;
	unsigned writes = 0;
	SC_HAS_PROCESS(BufferMemory);
	explicit BufferMemory(sc_core::sc_module_name n) : sc_core::sc_module(n), socket("socket")
	{
		socket.register_b_transport(this, &BufferMemory::b_transport);
	}
	void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &)
	{
		writes += p.is_write();
		p.set_response_status(tlm::TLM_OK_RESPONSE);
	}
};

struct Gic : sc_core::sc_module {
	sc_core::sc_vector<sc_core::sc_in<bool>> line;
	unsigned raised = 0;
	SC_HAS_PROCESS(Gic);
	Gic(sc_core::sc_module_name n, unsigned nvcpus) : sc_core::sc_module(n), line("line", nvcpus)
	{
		SC_METHOD(edge);
		for (auto &l : line)
			sensitive << l.pos();
		dont_initialize();
	}
	void edge()
	{
		for (auto &l : line)
			raised += l.posedge();
	}
};

int sc_main(int argc, char *argv[])
{
	if (argc < 2) {
		std::fprintf(stderr, "usage: %s SCENARIO [--set KEY=VALUE ...]\n", argv[0]);
		return 2;
	}
	std::vector<std::string> sets;
	for (int i = 2; i + 1 < argc; i += 2)
		sets.push_back(argv[i + 1]);
	apfsim::apfsim_host host("host", argv[1], sets);
	unsigned n = (unsigned)host.ppi.size();
	Gic gic("gic", n);
	BufferMemory mem("mem");
	sc_core::sc_vector<sc_core::sc_signal<bool>> wires("ppi", n);
	for (unsigned v = 0; v < n; v++) {
		host.ppi[v](wires[v]);
		gic.line[v](wires[v]);
	}
	host.buffer.bind(mem.socket);
	unsigned async = 0, sync = 0;
	host.on_stage2_fault = [&](const apfsim::stage2_fault &f) { (f.async ? async : sync)++; };
	sc_core::sc_start();
	std::printf("finished %d ppi_rising %u buffer_writes %u stage2_async %u stage2_sync %u sc_time_ps %llu\n",
		    host.finished(), gic.raised, mem.writes, async, sync,
		    (unsigned long long)sc_core::sc_time_stamp().value());
	return host.finished() ? 0 : 1;
}
