/* trace.h — the event stream every observer consumes.
 *
 * The model emits typed events (struct trace_event) through one tracer;
 * sinks (ftrace text, Chrome/Perfetto JSON, VCD, the oracle, statistics)
 * receive them in emission order, which is simulated-time order per vCPU
 * and deterministic overall.  With no sink attached trace_emit() costs one
 * branch.
 *
 * Event arguments a, b, c are documented per kind below.  Tokens, gfns and
 * addresses are full-width; `task` is a task id or TRACE_NO_TASK (host
 * context: vCPU thread or worker).  Names come from the tracer's name
 * callbacks so sinks never reach into the model.
 */
#ifndef APFSIM_MODEL_TRACE_H
#define APFSIM_MODEL_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/kernel/sim.h"

#define TRACE_NO_TASK UINT32_MAX
#define TRACE_NO_VCPU UINT32_MAX
#define TRACE_MAX_SINKS 8
#define TRACE_ERROR_LEN 512

enum trace_kind {
	/* KVM tracepoints, printed in their exact formats (docs/reference.md §5). */
	TR_KVM_TRY_ASYNC_GET_PAGE,	/* a = gva, b = gfn */
	TR_KVM_REPEATED_FAULT,		/* a = gva, b = gfn */
	TR_KVM_NOT_PRESENT,		/* a = token, b = gva */
	TR_KVM_READY,			/* a = token, b = gva */
	TR_KVM_COMPLETED,		/* a = address (hva), b = gva; emitted by a worker */

	/* Host side (apfsim). */
	TR_APF_SETUP,		/* a = token, b = gfn, c = outstanding works after setup */
	TR_APF_RETIRED,		/* a = token, b = gfn, c = outstanding works after retiring */
	TR_APF_SYNC,		/* synchronous fault: a = gfn, b = enum trace_sync_reason */
	TR_APF_CANCELLED,	/* cancellation case: a = token (neither notification sent) */
	TR_APF_WAKE_ALL,	/* wake-all queued */
	TR_APF_FLUSH,		/* queues flushed: a = works dropped */
	TR_APF_ENABLE,		/* a = control word, b = SMCCC status returned */
	TR_BUF_WRITE,		/* host writes the shared buffer: a = reason, b = token,
				 * c = previous (reason << 32 | token) found there */
	TR_SDEI_INJECT,		/* a = event, b = result (0 or -errno) */
	TR_SDEI_DISPATCH,	/* a = event, b = interrupted PC, c = interrupted PSTATE */
	TR_SDEI_COMPLETE,	/* a = event, b = status the handler returned */
	TR_SDEI_CANCEL,		/* a = event */
	TR_PPI_LEVEL,		/* a = INTID, b = level (0/1) */
	TR_IRQ_TAKEN,		/* guest acknowledged: a = INTID */
	TR_IRQ_ACK,		/* APF IRQ_ACK hypercall: a = pageready_pending before */
	TR_VCPU_STATE,		/* a = enum trace_vcpu_mode */
	TR_KICK,		/* vCPU kicked: a = reason code */

	/* Guest side (apfsim). */
	TR_TASK_PARK,		/* task parked on an APF: a = token */
	TR_TASK_WAKE,		/* task woken: a = token (0xFFFFFFFF for wake-all) */
	TR_TASK_SWITCH,		/* a = previous task id, b = next task id (TRACE_NO_TASK = idle) */
	TR_GUEST_WARN,		/* a = code (guest ABI), b = argument */
	TR_TASK_READY,		/* task became runnable: a = enum trace_ready_reason */

	/* Fault injection and run control. */
	TR_INJECT,		/* a = injection kind, b = argument */
	TR_NOTE,		/* free text in `text` (rare: violations, run end) */

	TR__COUNT
};

enum trace_sync_reason {
	TR_SYNC_APF_DISABLED,	/* APF not enabled on the vCPU (or protocol sync) */
	TR_SYNC_KERNEL_MODE,	/* not allowed in kernel mode (no SEND_ALWAYS) */
	TR_SYNC_SDEI_BUSY,	/* an SDEI event is running on the vCPU */
	TR_SYNC_BUFFER_BUSY,	/* the shared buffer holds a notification */
	TR_SYNC_LIMIT,		/* ASYNC_PF_PER_VCPU works outstanding */
	TR_SYNC_PREFAULT,	/* replayed fault (page ready), never async */
	TR_SYNC__COUNT
};

enum trace_ready_reason {
	TR_READY_START,		/* its start time came */
	TR_READY_WAKE,		/* woken (APF page-ready, timer) */
	TR_READY_PREEMPTED,	/* switched out while still runnable */
};

enum trace_kick_reason {
	TR_KICK_REQUEST = 1,	/* the host raised a request for it (a completion) */
	TR_KICK_HALT_TICK = 2,	/* the guest's timer interrupt ends a synthetic halt */
};

enum trace_vcpu_mode {
	TR_MODE_USER,		/* task in user mode (C-modelled) */
	TR_MODE_KERNEL,		/* guest kernel code or a kernel-mode task op */
	TR_MODE_HOST,		/* exited to the host */
	TR_MODE_IDLE,		/* halted in WFI */
};

struct trace_event {
	sim_time_t t;
	uint32_t vcpu;		/* TRACE_NO_VCPU for host workers */
	uint32_t task;		/* TRACE_NO_TASK in host context */
	uint32_t worker;	/* host worker index for TR_KVM_COMPLETED */
	enum trace_kind kind;
	uint64_t a, b, c;
	const char *text;	/* TR_NOTE only */
};

struct trace_sink_ops {
	const char *name;
	void (*event)(void *ctx, const struct trace_event *e);
	/* End of run: flush and close; returns 0 or -1 on an I/O error. */
	int (*finish)(void *ctx, sim_time_t end);
	void (*destroy)(void *ctx);
};

struct tracer {
	unsigned nsinks;
	const struct trace_sink_ops *ops[TRACE_MAX_SINKS];
	void *ctx[TRACE_MAX_SINKS];
	/* Names for sinks: task name ("hog"), count of tasks and vCPUs. */
	const char *(*task_name)(void *ctx, uint32_t task);
	void *names_ctx;
	uint32_t ntasks, nvcpus;
	/* The first I/O error of a file sink, "" if none:
	 * "OPTION: cannot write 'FILE': reason" (filled by trace_finish). */
	char error[TRACE_ERROR_LEN];
};

void trace_init(struct tracer *tr);
int trace_add_sink(struct tracer *tr, const struct trace_sink_ops *ops, void *ctx);
void trace_dispatch(struct tracer *tr, const struct trace_event *e);

static inline bool trace_on(const struct tracer *tr)
{
	return tr->nsinks != 0;
}

static inline void trace_emit(struct tracer *tr, sim_time_t t, uint32_t vcpu, uint32_t task,
			      enum trace_kind kind, uint64_t a, uint64_t b, uint64_t c)
{
	if (tr->nsinks) {
		struct trace_event e = { t, vcpu, task, 0, kind, a, b, c, 0 };
		trace_dispatch(tr, &e);
	}
}

/* Finish every sink (first error wins, described in tr->error) and
 * destroy them. */
int trace_finish(struct tracer *tr, sim_time_t end);
/* Destroy every sink without finishing it: an interrupted run.  File
 * sinks close their files as they stand (incomplete); the caller, who
 * named them, removes them. */
void trace_abandon(struct tracer *tr);

/* Names of kinds and sync reasons, for text sinks and statistics. */
const char *trace_kind_name(enum trace_kind k);
const char *trace_sync_reason_name(enum trace_sync_reason r);

/* File sinks (model/trace/ftrace.c, trace_perfetto.c, trace_vcd.c; formats in
 * docs/traces.md).  Each opens `path`, adds itself to `tr` and returns 0, or
 * returns -1 with a message in err.  They read tr's name callback and
 * counts (ntasks, nvcpus) lazily, so those may be set after opening but
 * must be set before the first event.  I/O errors surface at trace_finish,
 * with the option, the file and strerror in tr->error. */
int trace_ftrace_open(struct tracer *tr, const char *path, char *err, size_t errlen);
int trace_perfetto_open(struct tracer *tr, const char *path, char *err, size_t errlen);
int trace_vcd_open(struct tracer *tr, const char *path, char *err, size_t errlen);
/* The same sinks on a stream the caller opened (the CLI opens every output
 * before a run starts, cli/outputs.c); `name` names it in messages.  The
 * sink owns f from the call on, also when it fails. */
int trace_ftrace_open_stream(struct tracer *tr, FILE *f, const char *name, char *err, size_t errlen);
int trace_perfetto_open_stream(struct tracer *tr, FILE *f, const char *name, char *err, size_t errlen);
int trace_vcd_open_stream(struct tracer *tr, FILE *f, const char *name, char *err, size_t errlen);
/* The Perfetto sink writing native protobuf (TrackEvent packets) instead
 * of JSON: the same tracks and slices (docs/traces.md). */
int trace_perfetto_proto_open(struct tracer *tr, const char *path, char *err, size_t errlen);
int trace_perfetto_proto_open_stream(struct tracer *tr, FILE *f, const char *name, char *err, size_t errlen);

#endif
