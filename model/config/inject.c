/* inject.c — the fault-injection table (inject.h). */
#include "model/config/inject.h"

#include <stddef.h>

const struct inject_desc inject_table[] = {
	{ "sdei_refuse", { "sdei_refuse", NULL }, 1, { "faults.sdei_refuse=0" }, false, APF_CAP_SDEI,
	  "kvm_sdei_inject refuses a not-present (arm64 family: not-present by SDEI)" },
	{ "worker_fail", { "worker_fail", NULL }, 1, { "faults.worker_fail=0" }, false, APF_CAP_ASYNC,
	  "an async-PF worker's fault-in fails (any APF family: sync has no workers)" },
	{ "kick_delay", { "kick_delay", NULL }, 1, { "faults.kick_delay=0s" }, false, 0,
	  "every vCPU kick is late (every protocol kicks idle vCPUs)" },
	{ "host_flush", { "host_flush_random", "host_flush_at", NULL }, 2,
	  { "faults.host_flush_random=false", "faults.host_flush_at=0s" }, false, APF_CAP_ASYNC,
	  "the host flushes every vCPU's async-PF queue (any APF family)" },
	{ "memory_spike", { "memory_spike_random", "memory_spike_at", "memory_spike", "memory_spike_len", NULL }, 2,
	  { "faults.memory_spike_random=false", "faults.memory_spike_at=0s" }, false, 0,
	  "the cgroup limit drops for a while (every protocol)" },
	{ "migrate_random", { "migrate_random", NULL }, 1, { "faults.migrate_random=false" }, false, 0,
	  "migration starts at a drawn instant (every protocol)" },
	{ "cpu_offline", { "cpu_offline_random", "cpu_offline_at", "cpu_offline_vcpu", "cpu_offline_len", NULL }, 2,
	  { "faults.cpu_offline_random=false", "faults.cpu_offline_at=0s" }, true, 0, "a guest CPU goes offline, then back online (every protocol)" },
	{ "apf_toggle", { "apf_toggle_random", "apf_toggle_at", "apf_toggle_vcpu", "apf_toggle_len", NULL }, 2,
	  { "faults.apf_toggle_random=false", "faults.apf_toggle_at=0s" }, true, APF_CAP_ASYNC | APF_CAP_GUEST,
	  "the guest disables APF on a CPU, then re-enables it (needs the guest's APF driver)" },
	{ "sdei_other", { "sdei_other_random", "sdei_other_at", "sdei_other_vcpu", "sdei_other_priority", NULL }, 2,
	  { "faults.sdei_other_random=false", "faults.sdei_other_at=0s" }, true, APF_CAP_SDEI,
	  "the host signals a second private SDEI event (needs the SDEI transport: arm64 family)" },
	{ "smm_exit", { "smm_exit_random", "smm_exit_at", "smm_exit_vcpu", NULL }, 2,
	  { "faults.smm_exit_random=false", "faults.smm_exit_at=0s" }, true, APF_CAP_X86 | APF_CAP_ASYNC,
	  "an SMI: entering and leaving SMM toggles CR0.PG, and KVM's CR0.PG path runs (the x86 family)" },
	{ NULL, { NULL }, 0, { NULL }, false, 0, NULL },
};

const char *fault_kind_name(enum fault_kind k)
{
#define FAULT_KIND_NAME(e, name, arg) [FAULT_##e] = name,
	static const char *const n[FAULT__COUNT] = { FAULT_KINDS(FAULT_KIND_NAME) };
#undef FAULT_KIND_NAME
	return (unsigned)k < FAULT__COUNT && n[k] ? n[k] : "?";
}
