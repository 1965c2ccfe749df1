/* trace_ftrace.c — ftrace text sink (`--trace-ftrace FILE`).
 *
 * One line per event in the layout of `trace-cmd report`:
 *
 *          CPU 0/KVM-1000  [000]     0.000123: kvm_async_pf_not_present: token 0x1003 gva 0x7f0000
 *
 * i.e. TASK right-aligned in 16 columns, '-', PID left-aligned in 5, " [",
 * the CPU as at least 3 digits, "] ", the time in seconds with 6 decimals
 * (picoseconds truncated to microseconds) right-aligned in 12, ": ", the
 * event name, ": ", its arguments.  The five KVM tracepoints print exactly
 * the TP_printk formats of docs/reference.md §5 (%#llx: "0" for zero, else
 * "0x..."); apfsim's own events are `apfsim_<kind>` with key=value fields.
 * The file starts with trace-cmd's "cpus=N" line and nothing else: no date.
 *
 * Contexts (TASK-PID): host events run in the vCPU thread "CPU n/KVM" with
 * pid 1000+n (QEMU's naming); kvm_async_pf_completed runs in the worker
 * "kworker/u<w>:0" with pid 2000+w; guest events (park, wake, switch, guest
 * warn) run in the guest task (pid 100+id, "<idle>-0" for none); events
 * with neither vCPU nor task are the simulator's own ("apfsim-1").
 *
 * Numbers are formatted by trace_sinks.h, not printf: this sink must keep
 * up with ~10 M events per run.
 */
#include <stdlib.h>
#include <string.h>

#include "model/trace/trace.h"
#include "model/trace/sinks.h"

#define FTRACE_TASK_WIDTH 16
#define FTRACE_PID_WIDTH 5
#define FTRACE_TIME_WIDTH 12
/* Task names are cut to this many bytes so a line fits one reservation. */
#define FTRACE_NAME_MAX 63
#define FTRACE_LINE_MAX 1024

#define FTRACE_PID_VCPU 1000u
#define FTRACE_PID_WORKER 2000u
#define FTRACE_PID_TASK 100u
#define FTRACE_PID_SIM 1u

struct ftrace_sink {
	struct trace_out out;
	const struct tracer *tr;
	bool header_done;
	/* the padded time field of the last microsecond printed: events come
	 * in bursts at one time, so most lines reuse it */
	uint64_t ts_us;
	size_t ts_len;
	char ts[40];
};

static size_t ftrace_copy_name(char *p, const char *s)
{
	size_t n = strlen(s);

	if (n > FTRACE_NAME_MAX)
		n = FTRACE_NAME_MAX;
	memcpy(p, s, n);
	return n;
}

/* Guest task display name: "<idle>" for TRACE_NO_TASK. */
static const char *ftrace_task(const struct tracer *tr, uint32_t task, char *tmp)
{
	if (task == TRACE_NO_TASK)
		return "<idle>";
	return trace_task_name(tr, task, tmp);
}

static bool ftrace_guest_kind(enum trace_kind k)
{
	return k == TR_TASK_PARK || k == TR_TASK_WAKE || k == TR_TASK_SWITCH ||
	       k == TR_GUEST_WARN || k == TR_TASK_READY;
}

/* "TASK-PID [CPU] TIME: " into p; returns its length. */
static size_t ftrace_prefix(struct ftrace_sink *s, const struct trace_event *e, char *p)
{
	char comm[FTRACE_NAME_MAX + 32], tmp[16], ts[32];
	size_t cn, tn, n = 0;
	uint64_t pid, cpu;

	if (ftrace_guest_kind(e->kind)) {
		/* sched_switch-like: the switch is printed in prev's context */
		uint32_t task = e->kind == TR_TASK_SWITCH ? (uint32_t)e->a : e->task;

		cn = ftrace_copy_name(comm, ftrace_task(s->tr, task, tmp));
		pid = task == TRACE_NO_TASK ? 0 : FTRACE_PID_TASK + (uint64_t)task;
	} else if (e->kind == TR_KVM_COMPLETED) {
		memcpy(comm, "kworker/u", 9);
		cn = 9 + trace_fmt_u64(comm + 9, e->worker);
		memcpy(comm + cn, ":0", 2);
		cn += 2;
		pid = FTRACE_PID_WORKER + (uint64_t)e->worker;
	} else if (e->vcpu != TRACE_NO_VCPU) {
		memcpy(comm, "CPU ", 4);
		cn = 4 + trace_fmt_u64(comm + 4, e->vcpu);
		memcpy(comm + cn, "/KVM", 4);
		cn += 4;
		pid = FTRACE_PID_VCPU + (uint64_t)e->vcpu;
	} else {
		memcpy(comm, "apfsim", 6);
		cn = 6;
		pid = FTRACE_PID_SIM;
	}
	/* Workers run on host CPUs numbered after the vCPUs. */
	if (e->vcpu != TRACE_NO_VCPU)
		cpu = e->vcpu;
	else if (e->kind == TR_KVM_COMPLETED)
		cpu = (uint64_t)s->tr->nvcpus + e->worker;
	else
		cpu = 0;

	for (; cn + n < FTRACE_TASK_WIDTH; n++)
		p[n] = ' ';
	memcpy(p + n, comm, cn);
	n += cn;
	p[n++] = '-';
	tn = trace_fmt_u64(p + n, pid);
	n += tn;
	for (; tn < FTRACE_PID_WIDTH; tn++)
		p[n++] = ' ';
	p[n++] = ' ';
	p[n++] = '[';
	n += trace_fmt_u64_pad(p + n, cpu, 3);
	p[n++] = ']';
	p[n++] = ' ';
	if (e->t / SIM_US != s->ts_us || !s->ts_len) {
		tn = trace_fmt_time6(ts, e->t, SIM_S);
		for (cn = 0; cn + tn < FTRACE_TIME_WIDTH; cn++)
			s->ts[cn] = ' ';
		memcpy(s->ts + cn, ts, tn);
		s->ts_len = cn + tn;
		s->ts_us = e->t / SIM_US;
	}
	memcpy(p + n, s->ts, s->ts_len);
	n += s->ts_len;
	p[n++] = ':';
	p[n++] = ' ';
	return n;
}

static size_t ftrace_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return n;
}

/* " key=0x..." */
static size_t ftrace_hex(char *p, const char *key, uint64_t v)
{
	size_t n = 0;

	p[n++] = ' ';
	n += ftrace_str(p + n, key);
	p[n++] = '=';
	return n + trace_fmt_hex(p + n, v);
}

/* " key=123" */
static size_t ftrace_dec(char *p, const char *key, uint64_t v)
{
	size_t n = 0;

	p[n++] = ' ';
	n += ftrace_str(p + n, key);
	p[n++] = '=';
	return n + trace_fmt_u64(p + n, v);
}

/* " key=-22" (signed statuses and results) */
static size_t ftrace_sdec(char *p, const char *key, uint64_t v)
{
	size_t n = 0;

	p[n++] = ' ';
	n += ftrace_str(p + n, key);
	p[n++] = '=';
	return n + trace_fmt_s64(p + n, (int64_t)v);
}

static const char *ftrace_mode_name(uint64_t m)
{
	switch (m) {
	case TR_MODE_USER:
		return "user";
	case TR_MODE_KERNEL:
		return "kernel";
	case TR_MODE_HOST:
		return "host";
	case TR_MODE_IDLE:
		return "idle";
	}
	return "unknown";
}

/* The §5 formats: "gva = %#llx, gfn = %#llx", "token %#llx gva %#llx",
 * "gva %#llx address %#lx". */
static size_t ftrace_kvm_args(char *p, const struct trace_event *e)
{
	size_t n = 0;

	switch (e->kind) {
	case TR_KVM_TRY_ASYNC_GET_PAGE:
	case TR_KVM_REPEATED_FAULT:
		n += ftrace_str(p + n, "gva = ");
		n += trace_fmt_hex(p + n, e->a);
		n += ftrace_str(p + n, ", gfn = ");
		n += trace_fmt_hex(p + n, e->b);
		break;
	case TR_KVM_NOT_PRESENT:
	case TR_KVM_READY:
		n += ftrace_str(p + n, "token ");
		n += trace_fmt_hex(p + n, e->a);
		n += ftrace_str(p + n, " gva ");
		n += trace_fmt_hex(p + n, e->b);
		break;
	case TR_KVM_COMPLETED:
		n += ftrace_str(p + n, "gva ");
		n += trace_fmt_hex(p + n, e->b);
		n += ftrace_str(p + n, " address ");
		n += trace_fmt_hex(p + n, e->a);
		break;
	default:
		break;
	}
	return n;
}

/* key=value fields of apfsim's own events, each preceded by a space. */
static size_t ftrace_apfsim_args(struct ftrace_sink *s, char *p, const struct trace_event *e)
{
	char tmp[16];
	size_t n = 0;

	switch (e->kind) {
	case TR_APF_SETUP:
	case TR_APF_RETIRED:
		n += ftrace_hex(p + n, "token", e->a);
		n += ftrace_hex(p + n, "gfn", e->b);
		n += ftrace_dec(p + n, "outstanding", e->c);
		break;
	case TR_APF_SYNC:
		n += ftrace_hex(p + n, "gfn", e->a);
		n += ftrace_str(p + n, " reason=");
		n += ftrace_str(p + n, trace_sync_reason_name((enum trace_sync_reason)e->b));
		break;
	case TR_APF_CANCELLED:
	case TR_TASK_PARK:
	case TR_TASK_WAKE:
		n += ftrace_hex(p + n, "token", e->a);
		break;
	case TR_APF_WAKE_ALL:
		break;
	case TR_APF_FLUSH:
		n += ftrace_dec(p + n, "dropped", e->a);
		break;
	case TR_APF_ENABLE:
		n += ftrace_hex(p + n, "ctrl", e->a);
		n += ftrace_sdec(p + n, "status", e->b);
		break;
	case TR_BUF_WRITE:
		n += ftrace_dec(p + n, "reason", e->a);
		n += ftrace_hex(p + n, "token", e->b);
		n += ftrace_dec(p + n, "prev_reason", e->c >> 32);
		n += ftrace_hex(p + n, "prev_token", e->c & 0xffffffffu);
		break;
	case TR_SDEI_INJECT:
		n += ftrace_hex(p + n, "event", e->a);
		n += ftrace_sdec(p + n, "result", e->b);
		break;
	case TR_SDEI_DISPATCH:
		n += ftrace_hex(p + n, "event", e->a);
		n += ftrace_hex(p + n, "pc", e->b);
		n += ftrace_hex(p + n, "pstate", e->c);
		break;
	case TR_SDEI_COMPLETE:
		n += ftrace_hex(p + n, "event", e->a);
		n += ftrace_sdec(p + n, "status", e->b);
		break;
	case TR_SDEI_CANCEL:
		n += ftrace_hex(p + n, "event", e->a);
		break;
	case TR_PPI_LEVEL:
		n += ftrace_dec(p + n, "intid", e->a);
		n += ftrace_dec(p + n, "level", e->b);
		break;
	case TR_IRQ_TAKEN:
		n += ftrace_dec(p + n, "intid", e->a);
		break;
	case TR_IRQ_ACK:
		n += ftrace_dec(p + n, "pageready_pending", e->a);
		break;
	case TR_VCPU_STATE:
		n += ftrace_str(p + n, " mode=");
		n += ftrace_str(p + n, ftrace_mode_name(e->a));
		break;
	case TR_KICK:
		n += ftrace_dec(p + n, "reason", e->a);
		break;
	case TR_TASK_SWITCH:
		n += ftrace_str(p + n, " prev=");
		n += ftrace_copy_name(p + n, ftrace_task(s->tr, (uint32_t)e->a, tmp));
		n += ftrace_str(p + n, " next=");
		n += ftrace_copy_name(p + n, ftrace_task(s->tr, (uint32_t)e->b, tmp));
		break;
	case TR_GUEST_WARN:
		n += ftrace_dec(p + n, "code", e->a);
		n += ftrace_hex(p + n, "arg", e->b);
		break;
	case TR_TASK_READY:
		n += ftrace_dec(p + n, "reason", e->a);
		break;
	case TR_INJECT:
		n += ftrace_dec(p + n, "kind", e->a);
		n += ftrace_hex(p + n, "arg", e->b);
		break;
	default:
		break;
	}
	return n;
}

static void ftrace_header(struct ftrace_sink *s)
{
	char *p = trace_out_reserve(&s->out, 32);
	size_t n = ftrace_str(p, "cpus=");

	n += trace_fmt_u64(p + n, s->tr->nvcpus);
	p[n++] = '\n';
	s->out.len += n;
	s->header_done = true;
}

static void ftrace_event(void *ctx, const struct trace_event *e)
{
	struct ftrace_sink *s = ctx;
	char *p;
	size_t n;

	if (!s->header_done)
		ftrace_header(s);
	p = trace_out_reserve(&s->out, FTRACE_LINE_MAX);
	n = ftrace_prefix(s, e, p);
	if (e->kind <= TR_KVM_COMPLETED) {
		n += ftrace_str(p + n, trace_kind_name(e->kind));
		p[n++] = ':';
		p[n++] = ' ';
		n += ftrace_kvm_args(p + n, e);
	} else {
		n += ftrace_str(p + n, "apfsim_");
		n += ftrace_str(p + n, trace_kind_name(e->kind));
		p[n++] = ':';
		n += ftrace_apfsim_args(s, p + n, e);
	}
	if (e->kind == TR_NOTE && e->text) {
		p[n++] = ' ';
		s->out.len += n;
		trace_out_puts(&s->out, e->text);
		p = trace_out_reserve(&s->out, 1);
		n = 0;
	}
	p[n++] = '\n';
	s->out.len += n;
}

static int ftrace_finish(void *ctx, sim_time_t end)
{
	struct ftrace_sink *s = ctx;

	(void)end;
	if (!s->header_done)
		ftrace_header(s);
	return trace_out_close(&s->out);
}

static void ftrace_destroy(void *ctx)
{
	struct ftrace_sink *s = ctx;

	if (s->out.f)
		trace_out_close(&s->out);
	free(s);
}

static const struct trace_sink_ops ftrace_ops = {
	.name = "ftrace",
	.event = ftrace_event,
	.finish = ftrace_finish,
	.destroy = ftrace_destroy,
};

static int ftrace_start(struct tracer *tr, FILE *f, const char *path, char *err, size_t errlen)
{
	struct ftrace_sink *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "--trace-ftrace: out of memory");
		if (f)
			fclose(f);
		return -1;
	}
	s->tr = tr;
	if (trace_sink_open(tr, &ftrace_ops, s, &s->out, f, path, "--trace-ftrace", err, errlen)) {
		free(s);
		return -1;
	}
	return 0;
}

int trace_ftrace_open(struct tracer *tr, const char *path, char *err, size_t errlen)
{
	return ftrace_start(tr, NULL, path, err, errlen);
}

int trace_ftrace_open_stream(struct tracer *tr, FILE *f, const char *name, char *err, size_t errlen)
{
	return ftrace_start(tr, f, name, err, errlen);
}
