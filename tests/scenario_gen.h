// scenario_gen.h — random valid scenarios for the random half of the bound
// sweep (bounds_test.cc, docs/testing.md "The bound sweep").
//
// RandomScenario(seed) writes one scenario as YAML text: a protocol preset,
// 1–8 vCPUs, a guest memory and a cgroup limit, a swap device preset with
// its knobs, the guest scheduler's knobs, sometimes a migration, sometimes
// one fault injection, and 1–4 tasks of the built-in workloads, run for
// 40–250 ms of simulated time.  Every choice is inside the range
// docs/scenario.md gives and honours "Keys that depend on the protocol", so
// a scenario that does not load is a finding (generator or validation),
// never noise.  Same seed, same text: the sweep is reproducible and a
// failure names the seed to rerun (APFSIM_SOAK_FIRST).
#pragma once

#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <string>

namespace apfsim_test {

class GenRng {
public:
	explicit GenRng(uint64_t seed) : s_(seed)
	{
		s_ = Next() ^ 0x2545F4914F6CDD1Dull; // seeds n and n+1: unrelated streams
	}
	uint64_t Next()
	{
		// splitmix64: independent of the simulator's own RNG streams.
		uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		return z ^ (z >> 31);
	}
	unsigned Below(unsigned n) { return (unsigned)(Next() % n); }
	unsigned Range(unsigned lo, unsigned hi) { return lo + Below(hi - lo + 1); }
	bool Pct(unsigned p) { return Below(100) < p; }
	template <size_t N> const char *Pick(const char *const (&a)[N]) { return a[Below(N)]; }

private:
	uint64_t s_;
};

inline std::string Fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
inline std::string Fmt(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

// Tasks with a fixed region (random, syscall) come first and take at most
// an eighth of guest memory between all their instances, so validation's
// allocation check (which refuses a task that cannot get its region) never
// refuses them; memhogs take a share of whatever is left at their start.
inline std::string RandomTask(GenRng &r, unsigned i, unsigned vcpus, unsigned mem_mib, bool hog)
{
	static const char *const kFixed[] = { "compute", "random", "syscall" };
	const std::string w = hog ? "memhog" : r.Pick(kFixed);
	// One instance at least; one memhog instance (each takes a share of
	// what the last left, so four of them leave the fourth nothing).
	const unsigned count = hog ? 1 : r.Pct(25) ? r.Range(i == 0 ? 1 : 0, 4) : 1;
	const unsigned region = std::max(1u, mem_mib / 8 / 4 / std::max(count, 1u));
	std::string t = Fmt("  - {name: t%u, workload: %s, count: %u", i, w.c_str(), count);

	if (w == "memhog") {
		t += Fmt(", share: %u%%, passes: %u, order: %s, write_cycles: %u, repeat: %u", r.Range(20, 95),
			 r.Range(1, 3), r.Pct(30) ? "random" : "sequential", r.Pct(50) ? 1024 : r.Range(1, 20000),
			 r.Range(1, 2));
	} else if (w == "compute") {
		t += Fmt(", iteration: %u, iterations: %u", r.Range(1000, 2000000), r.Pct(50) ? 0 : r.Range(1, 500));
		if (r.Pct(40))
			t += Fmt(", sleep_every: %u, sleep: %uus", r.Range(1, 50), r.Range(1, 5000));
	} else if (w == "random") {
		t += Fmt(", region: %uMiB, accesses: %u, distribution: %s, write_ratio: %u%%, cycles: %u",
			 r.Range(1, region), r.Pct(50) ? 0 : r.Range(1, 200000), r.Pct(50) ? "zipf" : "uniform",
			 r.Range(0, 100), r.Range(1, 5000));
	} else {
		t += Fmt(", iterations: %u, buffer: %uMiB, touches: %u, user_cycles: %u, write_ratio: %u%%",
			 r.Pct(50) ? 0 : r.Range(1, 20000), r.Range(1, region), r.Range(0, 16), r.Range(0, 100000),
			 r.Range(0, 100));
	}
	if (r.Pct(25))
		t += Fmt(", start: %ums", r.Range(0, 30));
	if (vcpus > 1 && r.Pct(30))
		t += Fmt(", vcpu: %u", r.Below(vcpus));
	if (i > 0 && r.Pct(30))
		t += ", background: true";
	return t + "}\n";
}

inline std::string RandomScenario(uint64_t seed)
{
	static const char *const kProtocols[] = { "sync", "arm64-v4", "x86-int-ack", "x86-int-noack", "x86-legacy" };
	static const char *const kDevices[] = { "nvme", "sata-ssd", "sas-hdd", "zram", "optane" };
	static const char *const kStates[] = { "absent", "swapped", "resident" };
	static const char *const kMigration[] = { "precopy", "postcopy", "hybrid" };
	GenRng r(seed);
	const std::string proto = r.Pick(kProtocols);
	const bool arm64 = proto == "arm64-v4", sync = proto == "sync", x86 = !arm64 && !sync;
	const unsigned vcpus = r.Pct(60) ? 1 : r.Pct(85) ? r.Range(2, 4) : r.Range(5, 8);
	const unsigned mem_mib = 64u << r.Below(5); // 64 MiB .. 1 GiB
	const unsigned dur_ms = r.Range(40, 250);
	std::string y = Fmt("seed: %llu\n", (unsigned long long)r.Range(1, 1000000));
	if (!sync && r.Pct(30)) {
		// A preset with some of its switches turned (apfsim protocols).
		y += Fmt("protocol: {base: %s", proto.c_str());
		if (r.Pct(40))
			y += Fmt(", token_bits: %u", arm64 ? r.Range(2, 16) : r.Pct(50) ? 32 : r.Range(2, 16));
		if (r.Pct(30))
			y += Fmt(", token_zero_skip: %s", r.Pct(50) ? "true" : "false");
		if (arm64 && r.Pct(30))
			y += Fmt(", send_always: %s", r.Pct(50) ? "true" : "false");
		if (arm64 && r.Pct(30))
			y += Fmt(", cancellation: %s", r.Pct(50) ? "true" : "false");
		if (arm64 && r.Pct(30))
			y += Fmt(", refuse_np_while_pageready: %s", r.Pct(50) ? "true" : "false");
		if (x86 && r.Pct(30))
			y += Fmt(", flush_on_cr0_pg: %s", r.Pct(50) ? "true" : "false");
		if (r.Pct(20))
			y += Fmt(", repeated_fault: %s", r.Pct(50) ? "spin" : "halt");
		// Without an ACK a second completion is delivered only by the
		// re-check at entry (apfsim protocols); legacy has no ACK at all.
		if (x86 && proto != "x86-legacy" && r.Pct(30))
			y += r.Pct(50) ? ", ack: msr" : ", ack: none, recheck_every_entry: true";
		y += "}\n";
	} else {
		y += Fmt("protocol: %s\n", proto.c_str());
	}

	y += Fmt("vm: {vcpus: %u, memory: %uMiB, kernel_reserved: %uMiB, freq: %uMHz, cpi: %u.%u}\n", vcpus, mem_mib,
		 r.Pct(50) ? 8 : 32, r.Pct(70) ? 2000 : r.Range(100, 5000), r.Range(0, 3), r.Range(1, 9));
	y += "host:\n";
	if (r.Pct(70))
		y += Fmt("  memory_limit: %uMiB\n", mem_mib * r.Range(10, 110) / 100 + 1);
	y += Fmt("  reclaim: %s\n  reclaim_batch: %u\n  initial_state: %s\n  thp: %s\n  workers: %u\n",
		 r.Pct(50) ? "clock" : "lru", r.Pct(50) ? 32 : r.Range(1, 256), r.Pick(kStates),
		 r.Pct(20) ? "true" : "false", r.Pct(70) ? 256 : r.Range(1, 16));
	y += Fmt("  swap: {device: %s, page_cluster: %u, queue_depth: %u", r.Pick(kDevices), r.Range(0, 6),
		 r.Pct(50) ? 32 : r.Range(1, 64));
	if (r.Pct(20))
		y += Fmt(", floor: %uus, read_latency: {dist: uniform, min: %uus, max: %uus}", r.Range(0, 200),
			 r.Range(0, 10), r.Range(10, 500));
	else if (r.Pct(15))
		y += Fmt(", read_latency: {dist: exponential, mean: %uus}, write_latency: %uus", r.Range(1, 300),
			 r.Range(0, 300));
	if (r.Pct(15))
		y += Fmt(", scheduler: %s, seek_max: %ums", r.Pct(50) ? "mq-deadline" : "none", r.Range(0, 8));
	if (r.Pct(10))
		y += Fmt(", bandwidth: %uMiB", r.Range(1, 4096));
	y += "}\n";
	if (r.Pct(20))
		y += Fmt("  minor_fault: %uns\n  zero_fill: %uns\n  vmexit: %uns\n  vmentry: %uns\n  hypercall: %uns\n"
			 "  worker_start: %uus\n", r.Range(0, 5000), r.Range(0, 5000), r.Range(0, 1500),
			 r.Range(0, 1500), r.Range(3000, 6000), r.Range(0, 50));
	y += Fmt("guest: {timeslice: %uus, wakeup_preemption: %s", r.Range(100, 8000), r.Pct(70) ? "true" : "false");
	if (!sync && r.Pct(30))
		y += Fmt(", resched_ipi_delay: %uus", r.Range(1, 200));
	if (arm64 && r.Pct(25)) {
		static const char *const kTouch[] = { "notpresent", "pageready", "both" };
		y += Fmt(", handler_touches_page: %s", r.Pick(kTouch));
	}
	if (arm64 && r.Pct(10))
		y += ", driver_variant: offline_wake";
	y += "}\n";
	if (r.Pct(25)) {
		y += Fmt("migration: {mode: %s, start: %ums, bandwidth: %uMiB, max_bandwidth: %uMiB, rtt: %uus,"
			 " max_rounds: %u, postcopy_preempt: %s, downtime_limit: %ums, device_state: %uKiB,"
			 " stream_backlog: %uKiB, max_postcopy_bandwidth: %uMiB}\n",
			 r.Pick(kMigration), r.Range(1, dur_ms / 2), r.Range(50, 4000), r.Range(16, 2048),
			 r.Range(10, 2000), r.Range(1, 30), r.Pct(50) ? "true" : "false", r.Range(1, 500),
			 r.Range(0, 4096), r.Range(64, 16384), r.Pct(70) ? 0 : r.Range(1, 1000));
	}
	switch (r.Below(10)) {
	case 7:
		y += Fmt("faults: {kick_delay: %uus}\n", r.Range(1, 500));
		break;
	case 8:
		if (arm64)
			y += Fmt("faults: {sdei_other_random: true, sdei_other_priority: %s}\n",
				 r.Pct(50) ? "critical" : "normal");
		break;
	case 0:
		if (arm64)
			y += Fmt("faults: {sdei_refuse: 0.%02u}\n", r.Range(1, 99));
		break;
	case 1:
		if (!sync)
			y += Fmt("faults: {worker_fail: 0.%02u}\n", r.Range(1, 50));
		break;
	case 2:
		if (!sync)
			y += "faults: {host_flush_random: true}\n";
		break;
	case 3:
		if (vcpus > 1)
			y += Fmt("faults: {cpu_offline_at: %ums, cpu_offline_vcpu: %u, cpu_offline_len: %ums}\n",
				 r.Range(1, dur_ms - 1), r.Below(vcpus), r.Range(1, 40));
		break;
	case 4:
		if (!sync)
			y += Fmt("faults: {apf_toggle_at: %ums, apf_toggle_vcpu: %u, apf_toggle_len: %ums}\n",
				 r.Range(1, dur_ms - 1), r.Below(vcpus), r.Range(1, 40));
		break;
	case 5:
		y += Fmt("faults: {memory_spike_random: true, memory_spike: %uMiB, memory_spike_len: %ums}\n",
			 r.Range(1, mem_mib / 2), r.Range(1, 40));
		break;
	case 6:
		if (x86)
			y += "faults: {smm_exit_random: true}\n";
		break;
	default:
		break;
	}
	y += "tasks:\n";
	const unsigned ntasks = r.Range(1, 4), nhogs = r.Range(0, std::min(ntasks, 2u));
	for (unsigned i = 0; i < ntasks; i++)
		y += RandomTask(r, i, vcpus, mem_mib, i >= ntasks - nhogs);
	y += Fmt("run: {duration: %ums, until_done: %s, perturb_order: %s}\n", dur_ms, r.Pct(50) ? "true" : "false",
		 r.Pct(30) ? "true" : "false");
	return y;
}

} // namespace apfsim_test
