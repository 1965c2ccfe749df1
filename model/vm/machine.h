/* machine.h — one simulated VM on one host: the event kernel, host memory,
 * the swap device, the guest scheduler and the vCPUs, assembled from a
 * validated scenario (struct apf_config) and run to completion.
 *
 * Every component draws randomness from its own stream derived from the
 * scenario seed; nothing reads the wall clock.  The same configuration
 * therefore produces the same run, event for event.
 */
#ifndef APFSIM_MODEL_MACHINE_H
#define APFSIM_MODEL_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/config/config.h"
#include "model/apf/trapcost.h"
#include "model/host/faults.h"
#include "model/kernel/histogram.h"
#include "model/host/host.h"
#include "model/host/hostmem.h"
#include "model/host/migration.h"
#include "model/report/account.h"
#include "model/report/fault_classes.h"
#include "model/apf/protocol.h"
#include "model/vm/sched.h"
#include "model/kernel/sim.h"
#include "model/host/swapdev.h"
#include "model/host/swapin.h"
#include "model/trace/trace.h"
#include "model/host/workers.h"

struct machine;
struct protocol_ops;
struct platform;

enum vcpu_state {
	VCPU_RUN,	/* in the guest (tasks or guest kernel) */
	VCPU_HOST,	/* exited: the host handles a fault (or blocks on one) */
	VCPU_IDLE,	/* halted in WFI, nothing to run */
};

/* Pending hotplug ops per vCPU: each window (CPU offline, APF toggle) has
 * at most its start and its undo outstanding. */
#define VCPU_HP_QUEUE 4

struct vcpu {
	struct machine *m;
	uint32_t id;
	enum vcpu_state state;
	sim_time_t since;	/* start of the current state */
	struct task *cur;
	sim_time_t slice_end;
	sim_event_id step_ev;	/* the one pending step event, if any */
	/* Inside its own step the vCPU's next step is only reserved
	 * (sim_defer): at the step's end it either continues inline, when
	 * nothing else comes first, or is committed to the queue.  Invariant:
	 * at most one of step_ev and step_def is live; step_def only while
	 * in_step. */
	struct sim_deferred step_def;
	bool in_step;
	bool op_running;	/* cur's CPU work runs from op_start */
	sim_time_t op_start;
	/* A stage-2 fault being handled in the host. */
	bool waiting_io;	/* blocked until fault_gfn is resident */
	bool fault_major;	/* the fault needed a swap-in */
	uint64_t fault_gfn;
	sim_time_t fault_start;
	bool kicked;		/* an IPI forced an exit: serve it at the next step */
	bool kick_exit;		/* in the host for an IPI or timer exit (not a fault) */
	bool paused;		/* stopped for migration downtime while running */
	sim_time_t tick_taken;	/* slice_end whose timer exit was taken */
	bool need_resched;	/* a woken task preempts cur at the next chance */
	bool apf_halted;	/* synthetic halt (x86 KVM_REQ_APF_HALT): blocked in the
				 * host until a wake-up, then the access is retried */
	struct task *next;	/* picked by the guest's idle-loop schedule call */
	/* CPU hotplug and APF toggles (vcpu_hotplug.c). */
	struct vcpu_hp_req {
		uint32_t op;		/* GUEST_HOTPLUG_* */
		sim_time_t len;		/* CPU_DOWN / APF_OFF: undone this long after */
	} hp_q[VCPU_HP_QUEUE];	/* to run at the next clean step, oldest first */
	uint32_t hp_n;
	uint32_t hp_running;	/* op of the guest hotplug run in progress */
	bool offline;		/* offline: never stepped, no task queued on it */
	/* Guest code (protocols with needs_guest). */
	bool booted;
	bool apf_on;		/* the guest's APF init succeeded (BOOT_DONE) */
	bool guest_wfi;		/* the guest context is halted in WFI */
	bool storm;		/* delivery burst cut short: retry after time passes */
	bool guest_suspended;	/* a guest run hit its budget inside kernel code */
	enum vcpu_bucket suspended_bucket; /* ... the run's time-account bucket */
	/* Handler-touch image: a guest run stopped on a stage-2 fault at EL1
	 * (its handler's load); the loop takes it as a fault, then resumes. */
	bool el1_fault;
	uint64_t el1_fault_page;
	bool el1_suspended;	/* guest_suspended by such a fault or a migration stop
				 * inside an SDEI handler (not by the budget) */
	/* A run inside an SDEI handler with a migration stop pending
	 * (vcpu_guest.c guest_run): the stop instant, the SMCCC count at the
	 * run's start, and how many handler runs such a stop ended. */
	sim_time_t mig_stop_at;
	uint64_t mig_calls0;
	uint64_t mig_handler_stops;
	bool mig_resume;	/* ... and its resumption is still to run */
	bool fault_el1;		/* the fault in the host now was taken at EL1 in guest code */
	bool redeliver;		/* the next step resumes guest delivery */
	uint64_t budget_stops;
	uint64_t last_run_hvcs;	/* hypercalls made by the last guest run */
	struct task *run_task;	/* current task when the guest run started */
	sim_time_t gstart;	/* start of the guest run in progress */
	sim_time_t gcharged;	/* host calls charged to it so far */
	/* The closed time account (enum vcpu_bucket), and the host bucket
	 * the next switch to VCPU_HOST charges. */
	struct acct acct;
	enum vcpu_bucket host_bucket;
	uint64_t irq_acks;	/* IRQ_ACK hypercalls / ACK MSR writes served */
	/* statistics; guest_ps, host_ps and idle_ps are the account's
	 * groups after vcpu_finish (guest; host + io + paused; idle + offline) */
	sim_time_t guest_ps, host_ps, idle_ps;
	sim_time_t sched_ps;	/* context switches (part of guest_ps) */
	sim_time_t guest_code_ps; /* guest kernel code and its hypercalls */
	uint64_t guest_insns;
	uint64_t exits;
	uint64_t kicks;		/* exits forced by IPIs (APF notifications) */
	uint64_t halts;		/* synthetic halts */
	uint64_t ticks;		/* timer-tick exits */
	uint64_t switches;
	uint64_t sdei_dispatches, irqs, exceptions;
};

/* struct fault_classes: model/report/fault_classes.h (filled here and by
 * the protocol through protocol_env.cls). */

struct machine_stats {
	struct fault_classes cls;
	struct histogram fault_latency;	/* exit -> re-entry, every fault */
	struct histogram major_latency;	/* same, faults that needed a swap-in */
	uint64_t faults;		/* stage-2 aborts taken */
	uint64_t faults_user, faults_kernel;
	struct histogram ready_to_run;	/* page-ready wake -> task running */
	struct histogram parked;	/* time parked per APF wait */
	uint64_t remote_faults;		/* postcopy: faults on pages still at the source */
};

/* Free ranges of guest physical memory handed to workloads. */
struct guest_mem {
	uint64_t *start, *len;	/* sorted by start, coalesced */
	uint32_t n, cap;
	uint64_t free_pages;
};

struct machine {
	const struct apf_config *cfg;
	struct sim sim;
	struct hostmem hm;
	struct swapdev swap;
	struct sched sched;
	struct vcpu *vcpus;
	uint32_t nvcpus;
	struct guest_mem gmem;
	struct machine_stats stats;
	const struct protocol_ops *proto;
	struct protocol_env proto_env;	/* what the protocol sees of the machine (machine_proto.c) */
	struct trap_costs trap;		/* exit/entry/hypercall/... of this run */
	struct platform *plat;		/* guest code; NULL for `sync` */
	struct workers workers;		/* async-PF fault-in workers */
	struct tracer tracer;
	struct migration mig;
	struct faults faults;
	struct host_parts host;		/* the host parts and host_vm_ops (machine_host.c) */
	sim_time_t paused_until;	/* migration downtime: vCPUs stopped until then */
	struct vcpu *running_vcpu;	/* the vCPU executing guest code now */
	struct vcpu *stepping;		/* the vCPU whose step event is running */
	void *insn_trace;		/* FILE* for --trace-insn, or NULL */
	uint64_t guest_warns;
	sim_time_t cycle_ps_num;	/* ps per cycle = num / freq */
	double insn_ps;			/* ps per guest instruction (cpi x cycle) */
	sim_time_t end_ps;		/* when the run ended */
	bool started;			/* the event loop runs (kicks are meaningful) */
	bool ended;
	bool failed;			/* guest fault or model failure: exit status 1 */
	char *fail_report;		/* registers and disassembly of a guest fault */
	char err[1024];
};

/* Options of a run that are not part of the scenario. */
struct machine_opts {
	void *insn_trace;		/* FILE* */
};

/* Build the machine; 0, or -1 with m->err set (e.g. a workload that cannot
 * allocate its memory, a trace file that does not parse). */
int machine_init(struct machine *m, const struct apf_config *cfg);
int machine_init_opts(struct machine *m, const struct apf_config *cfg, const struct machine_opts *o);
/* Stop the run: a guest fault or a broken model invariant (m->err). */
void machine_fail(struct machine *m, sim_time_t t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A run dispatches at most this many simulated events (sim.max_events),
 * then fails naming the limit: whatever the scenario, a run ends.  2^32 is
 * some minutes of wall time at the simulator's event rate and far above
 * every stock scenario (docs/reliability.md). */
#define MACHINE_MAX_EVENTS (1ULL << 32)
/* Run until the scenario ends (duration, or every task exited).  May be
 * called repeatedly with growing limits (progress display). */
void machine_run_until(struct machine *m, sim_time_t limit);
bool machine_done(const struct machine *m);
/* Close the books at the end time: settle partial work and state times. */
void machine_finish(struct machine *m);
void machine_fini(struct machine *m);

/* machine_oracle.c: create the oracle for this scenario's protocol and add
 * it as a trace sink; NULL when out of memory or out of sink slots.  The
 * caller destroys it after reading the verdict. */
struct oracle *machine_attach_oracle(struct machine *m);

/* machine_host.c: fill m->host and install the host_vm_ops, before the
 * host parts (workers, faults, migration) are initialised. */
void machine_host_parts(struct machine *m);
/* machine_proto.c: fill m->proto_env and install the protocol_machine_ops
 * and the worker pool's completion, after the host parts exist and before
 * protocol_ops.init. */
void machine_proto_env(struct machine *m);

/* Cycles -> picoseconds at the guest frequency (rounded to nearest). */
sim_time_t machine_cycles_ps(const struct machine *m, uint64_t cycles);

/* vcpu.c */
void vcpu_start(struct vcpu *v);
void vcpu_kick(struct vcpu *v);
void vcpu_settle(struct vcpu *v, sim_time_t at);
void vcpu_page_resident(struct machine *m, uint64_t gfn);
void vcpu_task_wakeup(struct machine *m, struct task *t);
void vcpu_finish(struct vcpu *v, sim_time_t end);
/* Fault paths for protocols: resolve synchronously (blocking while I/O is
 * needed), or resume the guest without a mapping after exit + entry. */
void vcpu_fault_sync(struct vcpu *v, struct task *t, uint64_t gfn);
/* Drop the vCPU's pending (or reserved) step. */
void vcpu_cancel_step(struct vcpu *v);
void vcpu_fault_resume(struct vcpu *v);
/* Synthetic halt: the vCPU blocks in the host until a kick (a completion
 * or an interrupt), then re-enters and retries the faulting access. */
void vcpu_fault_halt(struct vcpu *v);
/* Migration downtime: stop a running vCPU now / let it run again. */
void vcpu_pause(struct vcpu *v);
void vcpu_unpause(struct vcpu *v);
void vcpu_set_state(struct vcpu *v, enum vcpu_state s, sim_time_t at);
/* From `at` on, the vCPU's time goes to bucket b / the task's to b. */
void vcpu_acct(struct vcpu *v, enum vcpu_bucket b, sim_time_t at);
void task_acct(struct task *t, enum task_bucket b, sim_time_t at);
/* The guest bucket of what the vCPU runs now (its task's mode, or the scheduler). */
enum vcpu_bucket vcpu_run_bucket(const struct vcpu *v);
/* Get an idle vCPU to look at its runqueue (reschedule IPI or kick). */
void vcpu_wake_idle(struct machine *m, struct vcpu *v);
/* vcpu_hotplug.c: queue GUEST_HOTPLUG_* op for vCPU v's next clean step
 * (CPU_DOWN: the guest's offline callbacks, then its tasks move to online
 * vCPUs and it stops; CPU_UP brings it back; APF_OFF/APF_ON: the driver's
 * disable/enable alone); CPU_DOWN and APF_OFF are undone `len` after they
 * ran.  Requests that cannot apply (the CPU is already in that state, no
 * guest driver, the last online CPU) are dropped and not recorded. */
void vcpu_hotplug_request(struct vcpu *v, uint32_t op, sim_time_t len);
/* The host signals SDEI event `event` on vCPU `vcpu` (kvm_sdei_inject with
 * immediate = false): 0 queued, or KVM's -EPERM / -ENOSPC / -EINVAL.
 * Guest code only (m->plat). */
int vcpu_sdei_signal(struct machine *m, uint32_t vcpu, uint64_t event);
/* At the switch-over (after the protocol's migrate hook): every SDEI
 * instance queued and not yet delivered is lost, each traced as an
 * sdei_cancel; running handlers go along (§2.9).  No-op without guest code. */
void vcpu_sdei_migrate(struct machine *m);
/* Run the queued ops from the vCPU's step at time *t; true when the vCPU
 * went offline (the step ends). */
bool vcpu_hotplug_run(struct vcpu *v, sim_time_t *t);
/* The online vCPU a task bound to `vcpu` goes to (vcpu itself if online). */
uint32_t vcpu_online_target(const struct machine *m, uint32_t vcpu);
/* vcpu_guest.c */
void vcpu_guest_boot(struct vcpu *v, sim_time_t *t);
bool vcpu_guest_idle(struct vcpu *v, sim_time_t *t);
/* Run the guest's hotplug entry with op (GUEST_HOTPLUG_*) at *t. */
void vcpu_guest_hotplug(struct vcpu *v, uint32_t op, sim_time_t *t);
void machine_schedule_end(struct machine *m, sim_time_t at);

#endif
