/* account.c — bucket names of the closed time account (see account.h). */
#include "model/report/account.h"

#include <string.h>

const struct account_bucket_desc vcpu_buckets[VB_COUNT] = {
	[VB_GUEST_USER] = { "guest_user", "guest", "task operations in user mode" },
	[VB_GUEST_KTASK] = { "guest_kernel_task", "guest", "task operations in kernel mode" },
	[VB_GUEST_SDEI] = { "guest_sdei_handler", "guest", "guest SDEI handler" },
	[VB_GUEST_IRQ] = { "guest_irq_handler", "guest", "guest IRQ handler (APF PPI, IPIs)" },
	[VB_GUEST_EXC] = { "guest_exception_handler", "guest", "guest #PF handler (x86 APF)" },
	[VB_GUEST_SCHED] = { "guest_scheduler", "guest", "context switches and the idle loop" },
	[VB_GUEST_HVC] = { "guest_hypercalls", "guest", "hypercall round trips (IRQ_ACK aside)" },
	[VB_GUEST_OTHER] = { "guest_kernel_other", "guest", "guest boot and hotplug callbacks" },
	[VB_HOST_FAULT] = { "host_fault", "host", "stage-2 fault exit, classification, map, entry" },
	[VB_HOST_APF] = { "host_apf_setup", "host", "exit and entry of a fault sent async" },
	[VB_HOST_INJECT] = { "host_inject", "host", "SDEI dispatch at entry, IRQ completion (EOI)" },
	[VB_HOST_IRQ_ACK] = { "host_irq_ack", "host", "IRQ_ACK hypercall / ACK MSR round trips" },
	[VB_HOST_OTHER] = { "host_other_exits", "host", "timer ticks, IPIs, halt wake-ups" },
	[VB_HOST_IO] = { "host_io_wait", "io", "blocked on a swap-in or postcopy fetch" },
	[VB_IDLE] = { "idle", "idle", "halted in WFI" },
	[VB_PAUSED] = { "paused", "paused", "stopped for migration downtime" },
	[VB_OFFLINE] = { "offline", "offline", "guest CPU hot-unplugged" },
};

const struct account_bucket_desc task_buckets[TB_COUNT] = {
	[TB_RUNNING] = { "running", "task", "running its own operations" },
	[TB_ONCPU_OTHER] = { "on_cpu_other", "task", "current while its vCPU does other work" },
	[TB_RUNNABLE] = { "runnable", "task", "queued, waiting for a vCPU" },
	[TB_PARKED] = { "parked", "task", "parked on an async page fault" },
	[TB_STALLED] = { "stalled", "task", "its vCPU in the host for its fault" },
	[TB_SLEEPING] = { "sleeping", "task", "timed sleep" },
};

sim_time_t account_vcpu_group(const struct acct *a, const char *group)
{
	sim_time_t s = 0;

	for (uint32_t i = 0; i < VB_COUNT; i++)
		if (!strcmp(vcpu_buckets[i].group, group))
			s += a->ps[i];
	return s;
}
