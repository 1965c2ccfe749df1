/* config_schema.c — the scenario schema: every key, its type, its default
 * written as scenario text, its bounds and a doc line naming the source of
 * each modelled default (sources are detailed in docs/scenario.md and
 * /work/shared/LATENCIES.md).
 *
 * Invariants: every default parses with the same code as user input and
 * lies within its bounds (tests/config_test.cc loads an empty-but-valid
 * scenario and checks each value); bounds are in the field's unit (bytes,
 * picoseconds, Hz); docs/scenario.md mentions every key (checked by a test).
 */
#include <stddef.h>
#include <string.h>

#include "model/config/config.h"

#define CFG(field) offsetof(struct apf_config, field)
#define NO_MIN 0
#define NO_MAX 1.9e19 /* >= CFG_UNBOUNDED: no upper bound */

/* One table, so adding a preset is one line here (and its ops elsewhere). */
const char *const cfg_protocol_names[] = {
	"sync",
	"arm64-v4",
	"x86-int-ack",
	"x86-int-noack",
	"x86-legacy",
	NULL,
};

const char *const cfg_initial_state_names[] = { "absent", "swapped", "resident", NULL };
const char *const cfg_driver_variant_names[] = { "faithful", "no_irq_ack", "offline_wake", NULL };
const char *const cfg_migration_mode_names[] = { "none", "precopy", "postcopy", "hybrid", NULL };
const char *const cfg_reclaim_names[] = {
	[RECLAIM_CLOCK] = "clock",
	[RECLAIM_LRU] = "lru",
	NULL,
};

/* seed and protocol.  protocol is stored as a name (char[32]) by the
 * parser's protocol handler, never by the generic code; PT_ENUM here only
 * documents the accepted names. */
static const struct param_desc top_params[] = {
	{ "seed", PT_U64, CFG(seed), "1", 1, 0, NULL,
	  "root of every RNG stream; same seed, same results" },
	{ "protocol", PT_ENUM, CFG(protocol), "sync", 0, 0, cfg_protocol_names,
	  "async-PF protocol preset; sync = APF off (every stage-2 fault blocks the vCPU)" },
	PARAM_END,
};

static const struct param_desc vm_params[] = {
	{ "vcpus", PT_U32, CFG(vm.vcpus), "1", 1, CFG_MAX_VCPUS, NULL,
	  "number of vCPUs; at most 512, arm64 KVM_MAX_VCPUS of the v4 era" },
	{ "memory", PT_SIZE, CFG(vm.memory), "1GiB", CFG_PAGE_SIZE, (double)CFG_MAX_MEMORY, NULL,
	  "guest RAM, a multiple of 4KiB" },
	{ "freq", PT_FREQ, CFG(vm.freq_hz), "2GHz", 1e6, 1e10, NULL,
	  "guest CPU frequency; turns cycles into time (2GHz: a typical arm64 server core)" },
	{ "cpi", PT_DOUBLE, CFG(vm.cpi), "1.0", 0.01, 100, NULL,
	  "cycles per guest instruction executed by Unicorn (1.0: in-order estimate)" },
	{ "kernel_reserved", PT_SIZE, CFG(vm.kernel_reserved), "64MiB", 0, (double)CFG_MAX_MEMORY, NULL,
	  "guest memory the guest kernel keeps for itself; below vm.memory, a multiple of 4KiB" },
	PARAM_END,
};

static const struct param_desc host_params[] = {
	{ "memory_limit", PT_SIZE, CFG(host.memory_limit), "none", CFG_PAGE_SIZE, NO_MAX, NULL,
	  "memory cgroup limit on the VM; none = unlimited (no reclaim)" },
	{ "reclaim", PT_ENUM, CFG(host.reclaim), "clock", 0, 0, cfg_reclaim_names,
	  "page reclaim approximation: clock (second chance) or lru (exact LRU)" },
	{ "initial_state", PT_ENUM, CFG(host.initial_state), "absent", 0, 0, cfg_initial_state_names,
	  "guest pages at start: absent (zero-filled on first touch), swapped (on the swap device) or resident (mapped, within memory_limit)" },
	{ "minor_fault", PT_TIME, CFG(host.minor_fault), "2us", 0, 1e12, NULL,
	  "map a resident page into stage 2 (unverified estimate)" },
	{ "zero_fill", PT_TIME, CFG(host.zero_fill), "1us", 0, 1e12, NULL,
	  "first touch: allocate and clear a 4KiB page (estimate)" },
	{ "vmexit", PT_TIME, CFG(host.vmexit), "auto", 0, 1e12, NULL,
	  "guest to host switch; auto = the architecture's: half the hypercall round trip (assumption), arm64 3250 / x86 650 cycles" },
	{ "vmentry", PT_TIME, CFG(host.vmentry), "auto", 0, 1e12, NULL,
	  "host to guest switch; auto = the other half of the hypercall round trip (assumption)" },
	{ "hypercall", PT_TIME, CFG(host.hypercall), "auto", 0, 1e12, NULL,
	  "hypercall round trip; auto = KVM ARM 6500 / KVM x86 1300 cycles (Dall et al., ISCA 2016)" },
	{ "sdei_dispatch", PT_TIME, CFG(host.sdei_dispatch), "auto", 0, 1e12, NULL,
	  "host side of an SDEI delivery: one entry (LATENCIES.md; no published measurement)" },
	{ "irq_complete", PT_TIME, CFG(host.irq_complete), "auto", 0, 1e12, NULL,
	  "virtual IRQ completion per IRQ taken; auto = arm64 71 / x86 1556 cycles (Dall et al., ISCA 2016)" },
	{ "workers", PT_U32, CFG(host.workers), "4", 1, 1024, NULL,
	  "async-PF worker threads (kworkers) serving swap-ins in parallel (estimate)" },
	{ "worker_start", PT_TIME, CFG(host.worker_start), "5us", 0, 1e12, NULL,
	  "queue_work() to the worker running (estimate)" },
	PARAM_END,
};

static const struct param_desc swap_params[] = {
	{ "queue_depth", PT_U32, CFG(host.swap.queue_depth), "32", 1, 65536, NULL,
	  "requests the swap device serves in parallel (NVMe queue)" },
	{ "read_latency", PT_DIST, CFG(host.swap.read_latency),
	  "{dist: lognormal, median: 15us, p99: 80us}", 0, 0, NULL,
	  "swap-in service time per 4KiB page: NVMe flash, 10-20us at QD1 (Hajnoczi, KVM Forum 2020)" },
	{ "write_latency", PT_DIST, CFG(host.swap.write_latency),
	  "{dist: lognormal, median: 20us, p99: 100us}", 0, 0, NULL,
	  "write-back service time per 4KiB page: NVMe flash, writes slower than reads (estimate)" },
	PARAM_END,
};

static const struct param_desc guest_params[] = {
	{ "timeslice", PT_TIME, CFG(guest.timeslice), "4ms", 1e6, 1e13, NULL,
	  "round-robin quantum: one tick at CONFIG_HZ=250" },
	{ "context_switch", PT_TIME, CFG(guest.context_switch), "3us", 0, 1e12, NULL,
	  "cost of switching guest tasks: a few us with cache effects (LATENCIES.md, guest-side costs)" },
	{ "wakeup_preemption", PT_BOOL, CFG(guest.wakeup_preemption), "true", 0, 0, NULL,
	  "a woken task preempts the running one when it has used less CPU (CFS-like); false = pure round-robin" },
	{ "wakeup_granularity", PT_TIME, CFG(guest.wakeup_granularity), "1ms", 0, 1e13, NULL,
	  "CPU-time lead the running task needs before a woken one preempts it (sysctl_sched_wakeup_granularity base, 1 ms)" },
	{ "driver_variant", PT_ENUM, CFG(guest.apf_driver), "faithful", 0, 0, cfg_driver_variant_names,
	  "guest APF driver: faithful, no_irq_ack (a deliberately broken arm64 driver that never acknowledges page-ready), or offline_wake (arm64 with the CPU-offline fix: waiters are woken, as on x86)" },
	{ "sched_latency", PT_TIME, CFG(guest.sched_latency), "6ms", 0, 1e13, NULL,
	  "CFS scheduling period (sysctl_sched_latency base 6 ms); a woken sleeper's vruntime is placed at least min_vruntime - half of it" },
	{ "image", PT_STRING, CFG(guest.image), "", 0, -1, NULL,
	  "guest kernel ELF with the entry symbols of docs/guest-abi.md; empty = the built-in image" },
	PARAM_END,
};

static const struct param_desc apf_params[] = {
	{ "sdei_event", PT_U64, CFG(apf.sdei_event), "0x40400001", 1, 4294967295.0, NULL,
	  "not-present SDEI event (KVM_SDEI_ASYNC_PF_NUM of the v4 series, PROTOCOL.md 2.2)" },
	{ "ppi", PT_U32, CFG(apf.ppi), "18", 16, 31, NULL,
	  "page-ready PPI INTID chosen by the VMM (any of 16-31; 18 is free on the QEMU virt board)" },
	{ "delivery_bound", PT_TIME, CFG(apf.delivery_bound), "0s", 0, NO_MAX, NULL,
	  "oracle: completion -> page-ready longer than this is late_page_ready (0s = not checked)" },
	{ "stuck_bound", PT_TIME, CFG(apf.stuck_bound), "1s", 1, NO_MAX, NULL,
	  "oracle: a task still parked this long after its page became resident is stuck" },
	PARAM_END,
};

static const struct param_desc migration_params[] = {
	{ "mode", PT_ENUM, CFG(migration.mode), "none", 0, 0, cfg_migration_mode_names,
	  "none, precopy, postcopy, or hybrid (precopy rounds, then postcopy)" },
	{ "start", PT_TIME, CFG(migration.start), "1s", 0, NO_MAX, NULL, "when the migration starts" },
	{ "bandwidth", PT_SIZE, CFG(migration.bandwidth), "1192MiB", 1, NO_MAX, NULL,
	  "bytes per second on the migration network (10 Gbps = 1192MiB)" },
	{ "rtt", PT_TIME, CFG(migration.rtt), "100us", 0, 1e13, NULL, "network round trip between the hosts" },
	{ "max_downtime", PT_TIME, CFG(migration.max_downtime), "300ms", 1, NO_MAX, NULL,
	  "precopy stops when the remaining dirty pages fit this (QEMU downtime-limit default 300 ms)" },
	{ "max_rounds", PT_U32, CFG(migration.max_rounds), "30", 1, 100000, NULL,
	  "precopy rounds before giving up (precopy: not converged; hybrid: switch to postcopy)" },
	{ "postcopy_preempt", PT_BOOL, CFG(migration.postcopy_preempt), "true", 0, 0, NULL,
	  "urgent page requests use their own channel (QEMU 8.0 postcopy-preempt)" },
	{ "stream_backlog", PT_SIZE, CFG(migration.stream_backlog), "8MiB", 0, NO_MAX, NULL,
	  "without preempt, an urgent page waits behind this much queued stream data (Peter Xu 2022: ~10 ms vanilla vs 0.6 ms preempt)" },
	PARAM_END,
};

static const struct param_desc faults_params[] = {
	{ "sdei_refuse", PT_FRACTION, CFG(faults.sdei_refuse), "0", 0, 1, NULL,
	  "probability that kvm_sdei_inject refuses a not-present (event queued, running or masked)" },
	{ "worker_fail", PT_FRACTION, CFG(faults.worker_fail), "0", 0, 1, NULL,
	  "probability that an async-PF worker's fault-in fails (it still completes; the retry faults again)" },
	{ "kick_delay", PT_TIME, CFG(faults.kick_delay), "0s", 0, 1e13, NULL, "added to every vCPU kick (a slow IPI)" },
	{ "host_flush_at", PT_TIME, CFG(faults.host_flush_at), "0s", 0, NO_MAX, NULL,
	  "the host flushes every vCPU's async-PF queues without notifications at this time; 0s = never" },
	{ "host_flush_random", PT_BOOL, CFG(faults.host_flush_random), "false", 0, 0, NULL,
	  "the flush happens at an instant drawn uniformly in [0, run.duration) per seed instead of host_flush_at" },
	{ "memory_spike_at", PT_TIME, CFG(faults.memory_spike_at), "0s", 0, NO_MAX, NULL,
	  "memory-pressure spike: the cgroup limit drops at this time; 0s = never" },
	{ "memory_spike", PT_SIZE, CFG(faults.memory_spike), "0B", 0, NO_MAX, NULL, "how much the limit drops" },
	{ "memory_spike_len", PT_TIME, CFG(faults.memory_spike_len), "10ms", 0, NO_MAX, NULL, "how long it stays down" },
	{ "memory_spike_random", PT_BOOL, CFG(faults.memory_spike_random), "false", 0, 0, NULL,
	  "the spike starts at an instant drawn uniformly in [0, run.duration) per seed instead of memory_spike_at" },
	{ "migrate_random", PT_BOOL, CFG(faults.migrate_random), "false", 0, 0, NULL,
	  "the migration starts at an instant drawn uniformly in [0, run.duration) instead of migration.start" },
	{ "cpu_offline_at", PT_TIME, CFG(faults.cpu_offline.at), "0s", 0, NO_MAX, NULL,
	  "a guest vCPU goes offline (CPU hotplug: the APF driver's offline callback, its tasks move away) at this time; 0s = never" },
	{ "cpu_offline_vcpu", PT_U32, CFG(faults.cpu_offline.vcpu), "0", 0, CFG_MAX_VCPUS - 1, NULL,
	  "which vCPU goes offline" },
	{ "cpu_offline_len", PT_TIME, CFG(faults.cpu_offline.len), "10ms", 1, NO_MAX, NULL,
	  "how long it stays offline before coming back online" },
	{ "cpu_offline_random", PT_BOOL, CFG(faults.cpu_offline.random), "false", 0, 0, NULL,
	  "the instant is drawn uniformly in [0, run.duration) and the vCPU among all vCPUs, per seed (instead of cpu_offline_at/_vcpu)" },
	{ "apf_toggle_at", PT_TIME, CFG(faults.apf_toggle.at), "0s", 0, NO_MAX, NULL,
	  "the guest disables APF on a vCPU that stays online (the driver's disable path, as on suspend) at this time; 0s = never" },
	{ "apf_toggle_vcpu", PT_U32, CFG(faults.apf_toggle.vcpu), "0", 0, CFG_MAX_VCPUS - 1, NULL,
	  "on which vCPU" },
	{ "apf_toggle_len", PT_TIME, CFG(faults.apf_toggle.len), "10ms", 1, NO_MAX, NULL,
	  "how long before the guest enables APF again" },
	{ "apf_toggle_random", PT_BOOL, CFG(faults.apf_toggle.random), "false", 0, 0, NULL,
	  "the instant is drawn uniformly in [0, run.duration) and the vCPU among all vCPUs, per seed (instead of apf_toggle_at/_vcpu)" },
	PARAM_END,
};

static const struct param_desc run_params[] = {
	{ "perturb_order", PT_BOOL, CFG(run.perturb_order), "false", 0, 0, NULL,
	  "order events at the same instant by a seed-keyed hash instead of insertion order (apfsim explore)" },
	{ "duration", PT_TIME, CFG(run.duration), "60s", 1, NO_MAX, NULL,
	  "stop at this simulated time" },
	{ "until_done", PT_BOOL, CFG(run.until_done), "true", 0, 0, NULL,
	  "stop earlier when every task has exited" },
	PARAM_END,
};

const struct cfg_section cfg_sections[] = {
	{ "", top_params, "top level" },
	{ "vm", vm_params, "the virtual machine" },
	{ "host", host_params, "the host: memory, costs of KVM paths, async-PF workers" },
	{ "host.swap", swap_params, "the swap device" },
	{ "guest", guest_params, "the guest kernel scheduler" },
	{ "apf", apf_params, "async page fault interface numbers and oracle bounds" },
	{ "migration", migration_params, "live migration, precopy and postcopy" },
	{ "faults", faults_params, "fault injection for exploration" },
	{ "run", run_params, "when the run stops" },
	{ NULL, NULL, NULL },
};

#define TASK(field) offsetof(struct task_cfg, field)

const struct param_desc cfg_task_params[] = {
	{ "name", PT_STRING, TASK(name), NULL, 0, 0, NULL,
	  "unique, 1-63 characters from A-Z a-z 0-9 _ -" },
	{ "workload", PT_STRING, TASK(workload), NULL, 0, 0, NULL,
	  "a registered workload (docs/workloads.md)" },
	{ "vcpu", PT_U32, TASK(vcpu), "any", 0, CFG_MAX_VCPUS - 1, NULL,
	  "pin every instance to this vCPU (below vm.vcpus); any = not pinned" },
	{ "count", PT_U32, TASK(count), "1", 0, CFG_MAX_TASKS, NULL,
	  "instances, named NAME.0, NAME.1, ... by the model" },
	{ "start", PT_TIME, TASK(start), "0s", 0, NO_MAX, NULL,
	  "when the task becomes runnable" },
	PARAM_END,
};

const struct cfg_key_note cfg_key_notes[] = {
	{ "host.memory_limit", "none", UINT64_MAX, NULL },
	{ "vm.memory", NULL, 0, "more memory than the host can represent" },
	{ "vm.vcpus", NULL, 0, "arm64 KVM_MAX_VCPUS is 512" },
	{ NULL, NULL, 0, NULL },
};

const struct cfg_key_note *cfg_key_note_find(const char *path)
{
	for (const struct cfg_key_note *n = cfg_key_notes; n->path; n++)
		if (strcmp(n->path, path) == 0)
			return n;
	return NULL;
}

const struct cfg_section *cfg_section_find(const char *path)
{
	for (const struct cfg_section *s = cfg_sections; s->path; s++)
		if (strcmp(s->path, path) == 0)
			return s;
	return NULL;
}
