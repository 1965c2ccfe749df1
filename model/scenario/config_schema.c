/* config_schema.c — the scenario schema: every key, its type, its default
 * written as scenario text, its bounds and a doc line naming the source of
 * each modelled default (sources are detailed in docs/scenario.md and
 * docs/latencies.md).
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
const char *const cfg_host_arch_names[] = { "auto", "arm64", "x86", NULL };
const char *const cfg_swap_device_names[] = { "nvme", "sata-ssd", "sas-hdd", "zram", "optane", NULL };
const char *const cfg_swap_sched_names[] = { "none", "mq-deadline", NULL };

/* Swap device presets; sources per figure in docs/scenario.md "The swap
 * device model" (from docs/latencies.md).  Read service time =
 * floor + read_latency (+ seek), then 4 KiB / bandwidth of transfer, so the
 * QD1 4 KiB read medians are: nvme 50+32+1.3 = 83 us (enterprise TLC NAND,
 * 80-90 us), sata-ssd 100+15+7.4 = 122 us (100-150 us), sas-hdd 2 ms + seek
 * + rotation (2-12 ms), zram 0.8+0.05+0.4 = 1.25 us, optane 7+1.5+1.7 =
 * 10 us.  Write-back latencies are assumptions (no source measured them). */
#define NVME_QD "32"
#define NVME_FLOOR "50us"
#define NVME_READ "{dist: lognormal, median: 32us, p99: 150us}"
#define NVME_WRITE "{dist: lognormal, median: 20us, p99: 100us}"
#define NVME_BW "3052MiB"
#define NVME_SEEK "0s"
#define NVME_SCHED "none"

const struct swap_preset cfg_swap_presets[] = {
	[SWAPDEV_NVME] = { "nvme", NVME_QD, NVME_FLOOR, NVME_READ, NVME_WRITE, NVME_BW, NVME_SEEK,
			   NVME_SCHED },
	[SWAPDEV_SATA_SSD] = { "sata-ssd", "32", "100us", "{dist: lognormal, median: 15us, p99: 150us}",
			       "{dist: lognormal, median: 40us, p99: 200us}", "525MiB", "0s", "mq-deadline" },
	[SWAPDEV_SAS_HDD] = { "sas-hdd", "1", "2ms", "{dist: uniform, min: 0s, max: 6ms}",
			      "{dist: uniform, min: 2ms, max: 8ms}", "191MiB", "4ms", "mq-deadline" },
	[SWAPDEV_ZRAM] = { "zram", "8", "800ns", "{dist: lognormal, median: 50ns, p99: 500ns}",
			   "{dist: lognormal, median: 2us, p99: 5us}", "10GiB", "0s", "none" },
	[SWAPDEV_OPTANE] = { "optane", "32", "7us", "{dist: lognormal, median: 1500ns, p99: 8us}",
			     "{dist: lognormal, median: 10us, p99: 30us}", "2289MiB", "0s", "none" },
};
const char *const cfg_driver_variant_names[] = { "faithful", "no_irq_ack", "offline_wake", NULL };
const char *const cfg_handler_touch_names[] = { "none", "notpresent", "pageready", "both", NULL };
/* Index = SDEI_EVENT_PRIORITY_* (DEN 0054 §4.4). */
const char *const cfg_sdei_priority_names[] = { "normal", "critical", NULL };
const char *const cfg_migration_mode_names[] = { "none", "precopy", "postcopy", "hybrid", NULL };
const char *const cfg_kernel_names[] = { "native", "systemc", NULL };
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
	{ "reclaim_batch", PT_U32, CFG(host.reclaim_batch), "32", 1, 1024, NULL,
	  "pages one reclaim frees when a charge hits memory_limit; their write-backs go out under one block plug (32: SWAP_CLUSTER_MAX, the least try_to_free_mem_cgroup_pages asks for)" },
	{ "initial_state", PT_ENUM, CFG(host.initial_state), "absent", 0, 0, cfg_initial_state_names,
	  "guest pages at start: absent (zero-filled on first touch), swapped (on the swap device) or resident (mapped, within memory_limit)" },
	{ "arch", PT_ENUM, CFG(host.arch), "auto", 0, 0, cfg_host_arch_names,
	  "whose trap costs: auto (the protocol's: sync and arm64 presets arm64, x86 presets x86), arm64 or x86 (e.g. sync on x86 costs)" },
	{ "thp", PT_BOOL, CFG(host.thp), "false", 0, 0, NULL,
	  "back guest memory with 2MiB transparent huge pages: a first touch zero-fills the whole 2MiB; swap-out splits them (2020-21 kernels), so swap-in stays per 4KiB (false: the series' tests ran without THP; assumption)" },
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
	  "host side of an SDEI delivery: one entry (docs/latencies.md; no published measurement)" },
	{ "irq_complete", PT_TIME, CFG(host.irq_complete), "auto", 0, 1e12, NULL,
	  "virtual IRQ completion per IRQ taken; auto = arm64 71 / x86 1556 cycles (Dall et al., ISCA 2016)" },
	{ "workers", PT_U32, CFG(host.workers), "256", 1, 1024, NULL,
	  "async-PF work items in service at once: the kworkers of system_wq, which start another worker when one sleeps on I/O, up to max_active (WQ_DFL_ACTIVE, 256)" },
	{ "worker_start", PT_TIME, CFG(host.worker_start), "5us", 0, 1e12, NULL,
	  "queue_work() to the worker running (estimate)" },
	PARAM_END,
};

/* `device` is applied first (whatever the key order) and loads its preset
 * into the keys after it; a key given explicitly overrides the preset.  The
 * defaults below are the nvme preset (a test checks they agree). */
static const struct param_desc swap_params[] = {
	{ "device", PT_ENUM, CFG(host.swap.device), "nvme", 0, 0, cfg_swap_device_names,
	  "swap device preset: nvme (TLC NAND, the common server case), sata-ssd, sas-hdd, zram or optane; sets the keys below (docs/latencies.md)" },
	{ "queue_depth", PT_U32, CFG(host.swap.queue_depth), NVME_QD, 1, 65536, NULL,
	  "requests the swap device serves at once; more wait FIFO (nvme: 32, assumption; sata-ssd: NCQ 32; sas-hdd: 1, one actuator)" },
	{ "floor", PT_TIME, CFG(host.swap.floor), NVME_FLOOR, 0, 1e12, NULL,
	  "service-time floor of a read: no swap-in is served faster (nvme: 50us, the low end of NAND NVMe 50-100us at QD1, docs/latencies.md)" },
	{ "read_latency", PT_DIST, CFG(host.swap.read_latency), NVME_READ, 0, 0, NULL,
	  "read service time above the floor (nvme: median total 83us, enterprise NVMe 80-90us at QD1, docs/latencies.md; the p99 is an assumption)" },
	{ "write_latency", PT_DIST, CFG(host.swap.write_latency), NVME_WRITE, 0, 0, NULL,
	  "write-back service time per request, no floor: writes land in the device cache (assumption)" },
	{ "bandwidth", PT_SIZE, CFG(host.swap.bandwidth), NVME_BW, 1, NO_MAX, NULL,
	  "bytes per second of the device's one transfer channel, shared by all requests (nvme: 3.2GB/s, docs/latencies.md 3-7GB/s)" },
	{ "seek_max", PT_TIME, CFG(host.swap.seek_max), NVME_SEEK, 0, 1e12, NULL,
	  "full-stroke seek: a jump of d of D slots adds seek_max*sqrt(d/D); 0s = no seek (sas-hdd: 4ms, so a random read costs 2-12ms, docs/latencies.md)" },
	{ "scheduler", PT_ENUM, CFG(host.swap.scheduler), NVME_SCHED, 0, 0, cfg_swap_sched_names,
	  "I/O scheduler: none (FIFO; Linux's default for multi-queue devices such as NVMe) or mq-deadline (reads before waiting writes; the default for single-queue SATA/SAS devices)" },
	{ "page_cluster", PT_U32, CFG(host.swap.page_cluster), "3", 0, 6, NULL,
	  "swap readahead: one read fetches up to 2^page_cluster consecutive swap slots (vm.page-cluster, default 3, Documentation/admin-guide/sysctl/vm.rst)" },
	PARAM_END,
};

static const struct param_desc guest_params[] = {
	{ "timeslice", PT_TIME, CFG(guest.timeslice), "4ms", 1e6, 1e13, NULL,
	  "round-robin quantum: one tick at CONFIG_HZ=250" },
	{ "context_switch", PT_TIME, CFG(guest.context_switch), "3us", 0, 1e12, NULL,
	  "cost of switching guest tasks: a few us with cache effects (docs/latencies.md, guest-side costs)" },
	{ "wakeup_preemption", PT_BOOL, CFG(guest.wakeup_preemption), "true", 0, 0, NULL,
	  "a woken task preempts the running one when it has used less CPU (CFS-like); false = pure round-robin" },
	{ "wakeup_granularity", PT_TIME, CFG(guest.wakeup_granularity), "1ms", 0, 1e13, NULL,
	  "CPU-time lead the running task needs before a woken one preempts it (sysctl_sched_wakeup_granularity base, 1 ms)" },
	{ "driver_variant", PT_ENUM, CFG(guest.apf_driver), "faithful", 0, 0, cfg_driver_variant_names,
	  "guest APF driver: faithful, no_irq_ack (a deliberately broken arm64 driver that never acknowledges page-ready), or offline_wake (arm64 with the CPU-offline fix: waiters are woken, as on x86)" },
	{ "sched_latency", PT_TIME, CFG(guest.sched_latency), "6ms", 0, 1e13, NULL,
	  "CFS scheduling period (sysctl_sched_latency base 6 ms); a woken sleeper's vruntime is placed at least min_vruntime - half of it" },
	{ "resched_ipi_delay", PT_TIME, CFG(guest.resched_ipi_delay), "0s", 0, 1e12, NULL,
	  "the reschedule IPI the not-present handler sends itself is taken this much later (the architecture allows a pending IRQ to stay untaken; 0s = at once, assumption); meanwhile the task runs on in user mode" },
	{ "handler_touches_page", PT_ENUM, CFG(guest.handler_touch), "none", 0, 0, cfg_handler_touch_names,
	  "arm64 guest APF handlers that load from user memory at EL1: none (v4: they touch only the shared buffer and their tables), notpresent (the SDEI handler loads from the parked task's page), pageready (the PPI handler loads from the page after the woken task's, before IRQ_ACK), or both; boots the handler-touch image" },
	{ "image", PT_STRING, CFG(guest.image), "", 0, -1, NULL,
	  "guest kernel ELF with the entry symbols of docs/guest-abi.md; empty = the built-in image" },
	PARAM_END,
};

static const struct param_desc apf_params[] = {
	{ "sdei_event", PT_U64, CFG(apf.sdei_event), "0x40400001", 1, 4294967295.0, NULL,
	  "not-present SDEI event (KVM_SDEI_ASYNC_PF_NUM of the v4 series, docs/reference.md 2.2)" },
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
	  "link bytes per second, shared by the stream and urgent postcopy pages (10 Gbps = 1192MiB)" },
	{ "max_bandwidth", PT_SIZE, CFG(migration.max_bandwidth), "128MiB", 1, NO_MAX, NULL,
	  "precopy stream throttle (QEMU max-bandwidth default, MAX_THROTTLE = 128 MiB/s)" },
	{ "max_postcopy_bandwidth", PT_SIZE, CFG(migration.max_postcopy_bandwidth), "0B", 0, NO_MAX, NULL,
	  "postcopy background-stream throttle; 0 = none, the link (QEMU max-postcopy-bandwidth default 0)" },
	{ "rtt", PT_TIME, CFG(migration.rtt), "100us", 0, 1e13, NULL, "network round trip between the hosts" },
	{ "downtime_limit", PT_TIME, CFG(migration.downtime_limit), "300ms", 1, NO_MAX, NULL,
	  "precopy stops when the remaining dirty pages can be sent within this at the measured bandwidth (QEMU downtime-limit default 300 ms)" },
	{ "device_state", PT_SIZE, CFG(migration.device_state), "1MiB", 0, NO_MAX, NULL,
	  "non-RAM state sent while the VM is stopped (assumption: vCPU, GIC/APIC and virtio state)" },
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
	{ "sdei_other_at", PT_TIME, CFG(faults.sdei_other.at), "0s", 0, NO_MAX, NULL,
	  "the host signals a second private SDEI event (0x40400002, handled by the guest image) on a vCPU at this time; 0s = never" },
	{ "sdei_other_vcpu", PT_U32, CFG(faults.sdei_other.vcpu), "0", 0, CFG_MAX_VCPUS - 1, NULL,
	  "on which vCPU" },
	{ "sdei_other_priority", PT_ENUM, CFG(faults.sdei_other_priority), "critical", 0, 0, cfg_sdei_priority_names,
	  "the other event's SDEI priority: critical (a queued instance makes kvm_sdei_inject of the APF event return -ENOSPC) or normal" },
	{ "sdei_other_random", PT_BOOL, CFG(faults.sdei_other.random), "false", 0, 0, NULL,
	  "the instant is drawn uniformly in [0, run.duration) and the vCPU among all vCPUs, per seed (instead of sdei_other_at/_vcpu)" },
	{ "smm_exit_at", PT_TIME, CFG(faults.smm_exit.at), "0s", 0, NO_MAX, NULL,
	  "an SMI on a vCPU at this time: entering and leaving SMM clears and restores CR0.PG, so KVM's CR0.PG path runs (x86 family); 0s = never" },
	{ "smm_exit_vcpu", PT_U32, CFG(faults.smm_exit.vcpu), "0", 0, CFG_MAX_VCPUS - 1, NULL,
	  "on which vCPU" },
	{ "smm_exit_random", PT_BOOL, CFG(faults.smm_exit.random), "false", 0, 0, NULL,
	  "the instant is drawn uniformly in [0, run.duration) and the vCPU among all vCPUs, per seed (instead of smm_exit_at/_vcpu)" },
	PARAM_END,
};

static const struct param_desc run_params[] = {
	{ "perturb_order", PT_BOOL, CFG(run.perturb_order), "false", 0, 0, NULL,
	  "order events at the same instant by a seed-keyed hash instead of insertion order (apfsim explore)" },
	{ "duration", PT_TIME, CFG(run.duration), "60s", 1, NO_MAX, NULL,
	  "stop at this simulated time" },
	{ "until_done", PT_BOOL, CFG(run.until_done), "true", 0, 0, NULL,
	  "stop earlier when every task has exited" },
	{ "kernel", PT_ENUM, CFG(run.kernel), "native", 0, 0, cfg_kernel_names,
	  "event-kernel backend: native (binary heap) or systemc (SystemC 2.3.4 keeps the time; same results byte for byte)" },
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
	{ "background", PT_BOOL, TASK(background), "false", 0, 0, NULL,
	  "run.until_done does not wait for it (a CPU-bound thread beside a test)" },
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
