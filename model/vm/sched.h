/* sched.h — the guest scheduler model: tasks, per-vCPU FIFO runqueues,
 * timeslice round-robin, user vs kernel mode, sleeping, idle.
 *
 * Policy lives here in C; the guest kernel image reaches it through the
 * simulator call (docs/guest-abi.md).  Placement is deterministic: a task
 * pinned to a vCPU stays there; an unpinned task starts on vCPU
 * (task index % vCPUs) and an idle vCPU steals the first unpinned task of
 * the longest runqueue (lowest vCPU index on ties).
 */
#ifndef APFSIM_MODEL_SCHED_H
#define APFSIM_MODEL_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "model/kernel/acct.h"
#include "model/kernel/sim.h"
#include "model/report/account.h"
#include "workloads/workload.h"

#define TASK_NONE UINT32_MAX

enum task_state {
	TASK_NEW,	/* not started yet (start time in the future) */
	TASK_RUNNABLE,	/* on a runqueue */
	TASK_RUNNING,	/* current on a vCPU */
	TASK_SLEEPING,	/* timed sleep */
	TASK_PARKED,	/* waiting for a page-ready (APF) */
	TASK_EXITED,
};

struct task {
	uint32_t id;
	char name[80];
	int32_t pinned;		/* vCPU or -1 */
	uint32_t vcpu;		/* runqueue it belongs to */
	enum task_state state;
	const struct workload_ops *wl;
	void *wl_state;
	struct rng rng;
	/* Current operation: op_valid says whether `op` still has work left;
	 * op_left_ps is what remains of its CPU part; touched says a TOUCH op's
	 * access has been performed (only its work remains). */
	struct wl_op op;
	bool op_valid;
	bool touched;
	bool kernel;		/* between KENTER and KEXIT */
	sim_time_t op_left_ps;
	/* Ops fetched at simulated instant instant_at (bound: vcpu.c). */
	sim_time_t instant_at;
	uint32_t instant_ops;
	uint32_t rq_next;
	/* statistics */
	struct acct acct;	/* closed time account, enum task_bucket (report/account.h) */
	uint64_t progress;
	sim_time_t cpu_ps;	/* executing guest code */
	sim_time_t work_ps;	/* executing its own operations (cpu_ps less kernel
				 * code run while it was current) */
	sim_time_t stall_ps;	/* its vCPU blocked in the host for it */
	sim_time_t parked_ps;	/* waiting for a page-ready */
	sim_time_t parked_since;
	/* The latest park that ended (from, to): guest code runs inline past
	 * the run's end, so a park can end after it; machine_finish takes the
	 * part past the end back, as the time account does. */
	sim_time_t last_park_from, last_park_to;
	sim_time_t start_ps;
	sim_time_t exit_ps;	/* SIM_TIME_MAX while alive */
	uint64_t faults;	/* stage-2 faults taken */
	uint64_t switches;	/* times it was switched in */
	int64_t vr_bias;	/* sleeper placement and migration renormalisation,
				 * added to vruntime (sched_vruntime); may be < 0 */
	/* APF waits (guest code). */
	uint32_t apf_token;	/* token it parked on */
	uint64_t parks;
	sim_time_t woken_at;
	bool wake_pending_run;	/* woken, not yet running again */
	bool background;	/* not counted in sched.awaited */
};

struct runqueue {
	uint32_t head, tail, len;
};

struct sched {
	struct task *tasks;
	uint32_t ntasks;
	struct runqueue *rq;
	uint32_t nvcpus;
	uint32_t awaited;	/* not yet exited and not background: run.until_done waits for these */
	bool fair;		/* pick the least vruntime first (guest.wakeup_preemption) */
	int64_t *min_vr;	/* per vCPU, monotonic (CFS min_vruntime) */
};

/* CFS-like virtual runtime with equal weights: all the time the task has
 * been current on its vCPU (CFS's sum_exec_runtime, charged by update_curr
 * for every nanosecond a task is current) plus the placement bias.  "Current"
 * is the three buckets of its closed time account (report/account.h) in which
 * it holds the vCPU: running its own operations, the vCPU doing other work for
 * it (guest-kernel entry and exit, handlers, the context switch, host traps),
 * and its vCPU blocked in the host for its stage-2 fault — the guest cannot
 * tell stolen time from running time without paravirt steal-time accounting
 * (CONFIG_PARAVIRT_TIME_ACCOUNTING, off by default).
 *
 * sched_vruntime counts the charged (closed) part only: exact for a task that
 * is not current, as every queued task is.  sched_vruntime_at adds the open
 * interval of a current task up to `now`, as CFS's update_curr does before a
 * wakeup-preemption check. */
static inline bool sched_bucket_current(uint32_t b)
{
	return b == TB_RUNNING || b == TB_ONCPU_OTHER || b == TB_STALLED;
}
static inline int64_t sched_vruntime(const struct task *t)
{
	return (int64_t)(t->acct.ps[TB_RUNNING] + t->acct.ps[TB_ONCPU_OTHER] + t->acct.ps[TB_STALLED]) +
	       t->vr_bias;
}
static inline int64_t sched_vruntime_at(const struct task *t, sim_time_t now)
{
	int64_t v = sched_vruntime(t);

	if (t->acct.on && !t->acct.closed && sched_bucket_current(t->acct.cur) && now > t->acct.since)
		v += (int64_t)(now - t->acct.since);
	return v;
}
/* vCPU v's min_vruntime, brought up to date and returned: raised (never
 * lowered, as CFS's) to the least vruntime of its current task `cur` (NULL:
 * none, or not known to the caller), charged up to `now`, and of the tasks
 * queued on it. */
int64_t sched_min_vruntime(struct sched *s, uint32_t v, const struct task *cur, sim_time_t now);
/* Put task t (runnable, on no queue) on vCPU `to`.  With s->fair this is
 * CFS's migration renormalisation: the task keeps its lag behind the source
 * vCPU's min_vruntime (min_from) against the destination's (min_to), so a
 * task from a crowded vCPU, whose vruntime grew slowly, is not starved on a
 * less crowded one, whose tasks' vruntimes grew fast, nor the reverse. */
void sched_move(struct sched *s, struct task *t, uint32_t to, int64_t min_from, int64_t min_to);
/* A task wakes on its vCPU at `now` (cur = the task running there, or NULL):
 * like CFS's place_entity, its vruntime is raised to at least min_vruntime -
 * credit, so a long sleeper cannot monopolise the CPU afterwards. */
void sched_place_woken(struct sched *s, struct task *t, const struct task *cur, sim_time_t credit,
		       sim_time_t now);

int sched_init(struct sched *s, uint32_t ntasks, uint32_t nvcpus);
void sched_fini(struct sched *s);
void sched_enqueue(struct sched *s, struct task *t);
/* Queue at the head: a woken task that preempts the current one runs next. */
void sched_enqueue_head(struct sched *s, struct task *t);
/* Next task for vcpu (own runqueue first, then steal); NULL when none.
 * FIFO (round-robin), or with s->fair the queued task with the least CPU
 * time (CFS's pick with equal weights; FIFO order breaks ties). */
struct task *sched_pick(struct sched *s, uint32_t vcpu);
/* Would sched_pick(vcpu) find a task (own queue or an unpinned one to steal)? */
bool sched_has_runnable(const struct sched *s, uint32_t vcpu);
static inline bool sched_has_waiting(const struct sched *s, uint32_t vcpu)
{
	return s->rq[vcpu].len != 0;
}

#endif
