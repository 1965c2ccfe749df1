/* account.h — the buckets of the closed time account (model/kernel/acct.h)
 * of a vCPU and of a task, and the one table of their names that both the
 * summary and the JSON report print from (docs/output.md, "Time account").
 *
 * Invariants the machine keeps (tests/account_test.cc): a vCPU's buckets
 * sum to the simulated time, a task's to its lifetime (start to exit or to
 * the end of the run), to the picosecond.
 */
#ifndef APFSIM_MODEL_REPORT_ACCOUNT_H
#define APFSIM_MODEL_REPORT_ACCOUNT_H

#include <stdint.h>

#include "model/kernel/acct.h"

enum vcpu_bucket {
	VB_GUEST_USER,		/* task operations in user mode */
	VB_GUEST_KTASK,		/* task operations in kernel mode (kernel-mode workloads) */
	VB_GUEST_SDEI,		/* guest SDEI handler (arm64 page-not-present) */
	VB_GUEST_IRQ,		/* guest IRQ handler: the APF PPI / x86 vector, reschedule SGIs */
	VB_GUEST_EXC,		/* guest exception handler (x86 #PF APF notifications) */
	VB_GUEST_SCHED,		/* scheduler: context switches, the idle loop */
	VB_GUEST_HVC,		/* hypercall round trips made by guest code (but IRQ_ACK) */
	VB_GUEST_OTHER,		/* guest boot and hotplug callbacks */
	VB_HOST_FAULT,		/* stage-2 fault: exit, classification, mapping, entry */
	VB_HOST_APF,		/* async-PF setup: exit and entry of a fault sent async */
	VB_HOST_INJECT,		/* SDEI dispatch at entry, IRQ completion (host.irq_complete) */
	VB_HOST_IRQ_ACK,	/* the IRQ_ACK hypercall / ACK MSR write round trips */
	VB_HOST_OTHER,		/* other exits: timer ticks, IPIs, halt wake-up entries */
	VB_HOST_IO,		/* blocked on I/O: sync swap-in or postcopy fetch, APF halt */
	VB_IDLE,		/* halted in WFI, nothing to run */
	VB_PAUSED,		/* stopped for migration downtime */
	VB_OFFLINE,		/* the guest CPU is hot-unplugged */
	VB_COUNT
};

enum task_bucket {
	TB_RUNNING,		/* current on its vCPU, running its own operations */
	TB_ONCPU_OTHER,		/* current on its vCPU while the vCPU does other work:
				 * context switch, interrupts, hypercalls, exits that
				 * are not its own faults */
	TB_RUNNABLE,		/* on a runqueue, waiting for a vCPU */
	TB_PARKED,		/* parked on an async page fault until page-ready */
	TB_STALLED,		/* its vCPU in the host for its stage-2 fault (I/O under sync) */
	TB_SLEEPING,		/* a timed sleep */
	TB_COUNT
};

struct account_bucket_desc {
	const char *key;	/* JSON key in account_ps, and the summary's label */
	const char *group;	/* guest, host, idle, ... (summary subtotals) */
	const char *what;	/* one line for docs and --explain */
};

extern const struct account_bucket_desc vcpu_buckets[VB_COUNT];
extern const struct account_bucket_desc task_buckets[TB_COUNT];

/* Sum of the buckets of `group` (e.g. "guest") in a vCPU account. */
sim_time_t account_vcpu_group(const struct acct *a, const char *group);

#endif
