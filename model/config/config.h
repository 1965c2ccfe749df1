/* config.h — a validated scenario: every field has a value (defaults are
 * filled from the schema in model/scenario/config_schema.c before the scenario is
 * applied), all units resolved (bytes, picoseconds, Hz).
 *
 * Scenario YAML (docs/scenario.md):
 *   seed, protocol, vm{}, host{}, host.swap{}, guest{}, run{}, tasks[]
 */
#ifndef APFSIM_MODEL_CONFIG_H
#define APFSIM_MODEL_CONFIG_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/config/params.h"
#include "model/config/switches.h"
#include "model/kernel/dist.h"
#include "model/kernel/sim.h"
#include "model/kernel/units.h"

#define CFG_PAGE_SIZE 4096ULL
#define CFG_MAX_VCPUS 512	     /* arm64 KVM_MAX_VCPUS of the v4 era */
#define CFG_MAX_TASKS 1024
#define CFG_MAX_MEMORY (1ULL << 40)  /* 1 TiB: flat per-page arrays stay < 256 Mi entries */
/* vm.vcpus x run.duration / guest.timeslice: a run's timer ticks, the floor
 * of its event count; bounded so that a run stays well under the machine's
 * event budget (MACHINE_MAX_EVENTS, 2^32) and ends in minutes, not days. */
#define CFG_MAX_TICKS 5e8

enum reclaim_policy { RECLAIM_CLOCK, RECLAIM_LRU };
enum sim_kernel { SIM_KERNEL_NATIVE, SIM_KERNEL_SYSTEMC };
/* The guest APF driver as built, or a deliberately broken variant (for
 * showing that the oracle catches it). */
enum guest_driver_variant { GUEST_DRIVER_FAITHFUL, GUEST_DRIVER_NO_IRQ_ACK, GUEST_DRIVER_OFFLINE_WAKE };
extern const char *const cfg_driver_variant_names[];
/* guest.handler_touches_page: which of the arm64 guest's own APF handlers
 * load from user memory (docs/protocols.md "Kernel-mode faults"). */
enum guest_handler_touch { GUEST_TOUCH_NONE, GUEST_TOUCH_NOTPRESENT, GUEST_TOUCH_PAGEREADY, GUEST_TOUCH_BOTH };
extern const char *const cfg_handler_touch_names[];
extern const char *const cfg_sdei_priority_names[];
/* Where guest pages are when the run starts. */
enum initial_state { INITIAL_ABSENT, INITIAL_SWAPPED, INITIAL_RESIDENT };
/* Whose trap costs the host charges: auto = the protocol's family (sync and
 * the arm64 presets arm64, the x86 presets x86). */
enum host_arch { HOST_ARCH_AUTO, HOST_ARCH_ARM64, HOST_ARCH_X86 };

struct vm_cfg {
	uint32_t vcpus;
	uint64_t memory;	 /* bytes, multiple of the page size */
	uint64_t freq_hz;	 /* guest CPU frequency */
	double cpi;		 /* cycles per guest instruction (Unicorn code) */
	uint64_t kernel_reserved; /* bytes the guest kernel keeps for itself */
};

/* Swap device presets (host.swap.device), in cfg_swap_device_names order. */
enum swap_device { SWAPDEV_NVME, SWAPDEV_SATA_SSD, SWAPDEV_SAS_HDD, SWAPDEV_ZRAM, SWAPDEV_OPTANE };
/* The block-layer I/O scheduler in front of the device (cfg_swap_sched_names). */
enum swap_sched { SWAP_SCHED_NONE, SWAP_SCHED_MQ_DEADLINE };

/* A read costs floor + read_latency (+ a seek on a device with seek_max),
 * then size / bandwidth on the device's one transfer channel. */
struct swap_cfg {
	uint32_t device;	 /* enum swap_device: the preset the keys below start from */
	uint32_t queue_depth;	 /* requests in service at once; more wait (FIFO) */
	sim_time_t floor;	 /* no read is served faster than this */
	struct dist read_latency;  /* read service time above the floor */
	struct dist write_latency; /* write-back service time (no floor) */
	uint64_t bandwidth;	 /* bytes per second, shared by all transfers */
	sim_time_t seek_max;	 /* full-stroke seek; 0 = no seek (flash, zram) */
	uint32_t page_cluster;	 /* readahead: up to 2^page_cluster slots per read */
	uint32_t scheduler;	 /* enum swap_sched: FIFO, or reads before waiting writes */
};

/* One preset: every value is scenario text, parsed like user input. */
struct swap_preset {
	const char *name;
	const char *queue_depth, *floor, *read_latency, *write_latency, *bandwidth, *seek_max;
	const char *scheduler;
};
extern const struct swap_preset cfg_swap_presets[]; /* enum swap_device order */

struct host_cfg {
	uint64_t memory_limit;	 /* cgroup limit in bytes; >= vm.memory means none */
	uint32_t reclaim;	 /* enum reclaim_policy */
	uint32_t reclaim_batch;	 /* pages one reclaim at the limit frees (SWAP_CLUSTER_MAX) */
	uint32_t initial_state;	 /* enum initial_state */
	uint32_t arch;		 /* enum host_arch */
	struct swap_cfg swap;
	bool thp;		 /* anonymous memory backed by 2 MiB transparent huge pages */
	sim_time_t minor_fault;	 /* map a resident page into stage 2 */
	sim_time_t zero_fill;	 /* first touch: allocate and clear a page */
	sim_time_t vmexit;	 /* guest -> host transition */
	sim_time_t vmentry;	 /* host -> guest transition */
	sim_time_t hypercall;	 /* HVC round trip handled in the host */
	sim_time_t sdei_dispatch; /* host side of an SDEI delivery at entry */
	sim_time_t irq_complete;  /* virtual IRQ completion (EOI) per IRQ taken */
	/* The five trap costs above: CFG_TIME_AUTO (model/apf/trapcost.h) =
	 * the protocol's architecture table; resolved in machine->trap. */
	uint32_t workers;	 /* async-PF worker threads (kworkers) */
	sim_time_t worker_start; /* queue_work to worker running */
};

struct guest_cfg {
	sim_time_t timeslice;	   /* round-robin quantum */
	sim_time_t context_switch; /* cost of switching tasks */
	sim_time_t resched_ipi_delay; /* the APF handler's self-IPI becomes pending this much later */
	char image[PARAM_STRING_MAX]; /* guest kernel ELF; "" = the built-in image */
	uint32_t apf_driver;	   /* enum guest_driver_variant */
	uint32_t handler_touch;	   /* enum guest_handler_touch: handlers that load from user memory */
	bool wakeup_preemption;	   /* a woken task may preempt the current one */
	sim_time_t wakeup_granularity; /* ... if it has run this much less */
	sim_time_t sched_latency;  /* CFS period; a woken sleeper gets half as credit */
};

/* The async-PF interface numbers the VMM chooses (SET_SDEI, SET_IRQ) and
 * the oracle's patience. */
struct apf_cfg {
	uint64_t sdei_event;	/* not-present SDEI event number */
	uint32_t ppi;		/* page-ready PPI INTID, 16..31 */
	sim_time_t stuck_bound;	/* parked this long after the page is resident = stuck */
	sim_time_t delivery_bound; /* oracle late_page_ready bound; 0 = off */
};

/* Live migration (docs/migration.md). */
enum migration_mode { MIG_NONE, MIG_PRECOPY, MIG_POSTCOPY, MIG_HYBRID };
extern const char *const cfg_migration_mode_names[];

struct migration_cfg {
	uint32_t mode;		    /* enum migration_mode */
	sim_time_t start;	    /* when migration starts */
	uint64_t bandwidth;	    /* link bytes per second */
	uint64_t max_bandwidth;	    /* precopy stream throttle (QEMU max-bandwidth) */
	uint64_t max_postcopy_bandwidth; /* postcopy stream throttle; 0 = none */
	sim_time_t rtt;		    /* network round trip */
	sim_time_t downtime_limit;  /* precopy stops when the rest fits this */
	uint64_t device_state;	    /* bytes sent while stopped besides RAM */
	uint32_t max_rounds;	    /* precopy rounds before giving up (hybrid: go postcopy) */
	bool postcopy_preempt;	    /* urgent pages on their own channel */
	uint64_t stream_backlog;    /* bytes queued ahead of an urgent page without preempt */
};

/* Fault injection (docs/explore.md): probabilities and schedules. */
/* An injection that starts on one vCPU and is undone `len` later. */
struct fault_window {
	sim_time_t at;		/* 0 = never (unless random) */
	uint32_t vcpu;
	sim_time_t len;
	bool random;		/* instant in [0, run.duration) and vCPU drawn per seed */
};

struct faults_cfg {
	double sdei_refuse;	/* P(kvm_sdei_inject refuses a not-present) */
	double worker_fail;	/* P(a worker's fault-in fails) */
	sim_time_t kick_delay;	/* added to every vCPU kick */
	sim_time_t host_flush_at; /* the host flushes every vCPU's async-PF queue; 0 = never */
	bool host_flush_random;	/* ... at an instant drawn in [0, run.duration) instead */
	sim_time_t memory_spike_at; /* memory pressure: the cgroup limit drops; 0 = never */
	uint64_t memory_spike;	/* ... by this much */
	sim_time_t memory_spike_len; /* ... for this long */
	bool memory_spike_random; /* ... starting at a drawn instant instead */
	bool migrate_random;	/* migration starts at an instant drawn in [0, run.duration) */
	struct fault_window cpu_offline; /* a guest CPU goes offline, then back online */
	struct fault_window apf_toggle;	 /* the guest disables APF on a CPU, then re-enables */
	struct fault_window sdei_other;	 /* the host signals another private SDEI event (len unused) */
	uint32_t sdei_other_priority;	 /* SDEI_EVENT_PRIORITY_*: 0 normal, 1 critical */
	struct fault_window smm_exit;	 /* an SMI on a vCPU: CR0.PG off and on again (len unused) */
};

struct run_cfg {
	sim_time_t duration;	/* stop at this simulated time */
	bool until_done;	/* stop earlier when every task has exited */
	bool perturb_order;	/* same-instant events in a seed-keyed order (explore) */
	uint32_t kernel;	/* enum sim_kernel: the event kernel's backend */
};

struct task_cfg {
	char name[64];
	int32_t vcpu;			  /* pinned vCPU, -1 = any */
	uint32_t count;			  /* instances of this task */
	sim_time_t start;		  /* when the task becomes runnable */
	bool background;		  /* run.until_done does not wait for it */
	const struct workload_ops *workload;
	alignas(16) unsigned char params[CFG_WL_PARAMS_MAX]; /* workload params struct */
	uint32_t line;			  /* scenario line, for messages */
};

/* Where the scenario or a --set gave a key whose effect depends on the
 * protocol family (model/apf/family.c, model/config/inject.h): kept for
 * the one check after every override (model/scenario/validate_protocol.c). */
#define CFG_MAX_KEY_ORIGINS 24
struct cfg_key_origin {
	char key[48];
	char file[PARAM_STRING_MAX];	/* scenario file, or "--set KEY" */
	uint32_t line, col;
};
struct apf_config {
	char path[PARAM_STRING_MAX];	  /* scenario file */
	char dir[PARAM_STRING_MAX];	  /* its directory, for relative paths */
	uint64_t seed;
	char protocol[32];		  /* preset name: "sync", "arm64-v4", ... */
	struct apf_switches sw;		  /* the preset's switches with overrides applied */
	bool sw_overridden;		  /* some switch differs from the preset */
	struct vm_cfg vm;
	struct host_cfg host;
	struct guest_cfg guest;
	struct apf_cfg apf;
	struct migration_cfg migration;
	struct faults_cfg faults;
	struct run_cfg run;
	uint32_t ntasks;
	struct task_cfg *tasks;		  /* ntasks entries, owned */
	uint32_t nkey_origins;
	struct cfg_key_origin key_origins[CFG_MAX_KEY_ORIGINS];
};

/* A located error, printed as "FILE:LINE:COL: error: MSG". */
struct cfg_error {
	char file[PARAM_STRING_MAX];
	uint32_t line, col;		  /* 0 when not tied to a position */
	char msg[512];
};

/* Fill every field with its documented default (tasks empty). */
void config_defaults(struct apf_config *c);
/* Load and validate a scenario file: 0, or -1 with *err filled. */
int config_load_file(struct apf_config *c, const char *path, struct cfg_error *err);
/* Same from a string (tests); `name` stands for the file in messages. */
int config_load_string(struct apf_config *c, const char *yaml, const char *name, struct cfg_error *err);
/* Same from len bytes that may hold NULs (fuzz/); `name` as above. */
int config_load_text(struct apf_config *c, const char *text, size_t len, const char *name,
		     struct cfg_error *err);
/* Apply one "--set key=value" override (dotted path, e.g. host.swap.queue_depth=8,
 * tasks.0.passes=3) after loading; revalidates.  0 or -1 with *err. */
int config_set(struct apf_config *c, const char *assignment, struct cfg_error *err);
/* Apply n overrides as one batch, in order (a later one of the same key
 * wins): each value is checked as it is applied, the cross-key checks
 * once on the result, so overrides that are valid only together are
 * accepted whatever their order.  All or nothing: 0, or -1 with *err
 * naming the --set to blame and *c unchanged.  n <= CFG_SET_LIST_MAX. */
/* The value checks of one override alone (syntax, type, range, unknown
 * key), not the checks across keys; *c is not changed.  0 or -1. */
int config_check_value(const struct apf_config *c, const char *assignment, struct cfg_error *err);
#define CFG_SET_LIST_MAX 128
int config_set_list(struct apf_config *c, const char *const *assignments, unsigned n,
		    struct cfg_error *err);
void config_free(struct apf_config *c);
/* *dst = an independent copy of the loaded *src (tasks duplicated): the
 * same as loading the same text again.  0, or -1 when out of memory (then
 * *dst holds the defaults). */
int config_copy(struct apf_config *dst, const struct apf_config *src);
/* model/scenario/validate_protocol.c: remember where a key was set (only
 * keys whose effect depends on the protocol family are kept). */
void config_note_key(struct apf_config *c, const char *key, const char *file, uint32_t line, uint32_t col);
/* After the scenario, every --set and --protocol: 0, or -1 with *err at
 * the first explicitly set key that does nothing under the protocol. */
int config_check_protocol_keys(const struct apf_config *c, struct cfg_error *err);
/* The key (dotted) holds a value other than its schema default. */
bool config_key_is_set(const struct apf_config *c, const char *key);
/* compare: the same for n configurations of one scenario under n
 * protocols; a key fails only when it does nothing under all of them. */
int config_check_protocol_keys_all(const struct apf_config *cs, unsigned n, struct cfg_error *err);
/* "FILE:LINE:COL: error: MSG" (or "FILE: error: MSG"). */
void cfg_error_print(const struct cfg_error *e, void *file /* FILE* */);

/* The scenario schema (model/scenario/config_schema.c), shared by the parser, the
 * docs test and `apfsim validate`.  A section's params have offsets into
 * struct apf_config; a key of a section whose value is a mapping names a
 * child section ("host" holds "swap" = section "host.swap"). */
struct cfg_section {
	const char *path;		  /* "" = top level, "vm", "host.swap" */
	const struct param_desc *params;  /* PARAM_END-terminated */
	const char *doc;
};
/* In parse order: "vm" precedes every section that holds times, since a
 * time given in cycles needs vm.freq.  Terminated by path == NULL. */
extern const struct cfg_section cfg_sections[];
/* Keys of one tasks[] entry, offsets into struct task_cfg.  name, workload
 * and vcpu are stored by the parser itself (types shown for the docs). */
extern const struct param_desc cfg_task_params[];
/* Protocol presets accepted by the top-level `protocol` key. */
extern const char *const cfg_protocol_names[];
extern const char *const cfg_reclaim_names[];	/* enum reclaim_policy order */
extern const char *const cfg_kernel_names[];	/* enum sim_kernel order */
extern const char *const cfg_initial_state_names[]; /* enum initial_state order */
extern const char *const cfg_host_arch_names[];     /* enum host_arch order */
extern const char *const cfg_swap_device_names[];   /* enum swap_device order */
extern const char *const cfg_swap_sched_names[];    /* enum swap_sched order */

/* Per-key extras that a param_desc cannot express. */
struct cfg_key_note {
	const char *path;	/* full dotted key */
	const char *word;	/* accepted instead of a value, or NULL */
	uint64_t word_value;	/* stored when `word` is given */
	const char *over_max;	/* why the upper bound exists, or NULL */
};
extern const struct cfg_key_note cfg_key_notes[];	/* path == NULL ends */
const struct cfg_key_note *cfg_key_note_find(const char *path);
const struct cfg_section *cfg_section_find(const char *path);

/* Upper bounds at or above this value print as "no upper bound". */
#define CFG_UNBOUNDED 1.8e19

#endif
