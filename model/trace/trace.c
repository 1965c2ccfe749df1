/* trace.c — the tracer: a fixed table of sinks fed in emission order, the
 * stable names of event kinds and sync reasons, and the buffered file
 * output shared by the file sinks (model/trace/sinks.h).
 *
 * Invariants: sinks receive every event in the order trace_dispatch() was
 * called, and within one event in the order they were added; a sink is
 * finished and destroyed exactly once, by trace_finish().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/trace/trace.h"
#include "model/trace/sinks.h"

void trace_init(struct tracer *tr)
{
	memset(tr, 0, sizeof(*tr));
}

int trace_add_sink(struct tracer *tr, const struct trace_sink_ops *ops, void *ctx)
{
	if (tr->nsinks >= TRACE_MAX_SINKS)
		return -1;
	tr->ops[tr->nsinks] = ops;
	tr->ctx[tr->nsinks] = ctx;
	tr->nsinks++;
	return 0;
}

void trace_dispatch(struct tracer *tr, const struct trace_event *e)
{
	unsigned i;

	for (i = 0; i < tr->nsinks; i++)
		tr->ops[i]->event(tr->ctx[i], e);
}

int trace_finish(struct tracer *tr, sim_time_t end)
{
	unsigned i, n = tr->nsinks;
	int ret = 0;

	/* Detach first: a sink's finish must not see further events. */
	tr->nsinks = 0;
	for (i = 0; i < n; i++) {
		int r = tr->ops[i]->finish ? tr->ops[i]->finish(tr->ctx[i], end) : 0;

		if (r && !ret)
			ret = r;
	}
	for (i = 0; i < n; i++) {
		if (tr->ops[i]->destroy)
			tr->ops[i]->destroy(tr->ctx[i]);
		tr->ops[i] = NULL;
		tr->ctx[i] = NULL;
	}
	return ret;
}

void trace_abandon(struct tracer *tr)
{
	unsigned i, n = tr->nsinks;

	tr->nsinks = 0;
	for (i = 0; i < n; i++) {
		if (tr->ops[i]->destroy)
			tr->ops[i]->destroy(tr->ctx[i]);
		tr->ops[i] = NULL;
		tr->ctx[i] = NULL;
	}
}

/* Stable: text sinks, statistics and docs/traces.md use these names. */
static const char *const trace_kind_names[TR__COUNT] = {
	[TR_KVM_TRY_ASYNC_GET_PAGE] = "kvm_try_async_get_page",
	[TR_KVM_REPEATED_FAULT] = "kvm_async_pf_repeated_fault",
	[TR_KVM_NOT_PRESENT] = "kvm_async_pf_not_present",
	[TR_KVM_READY] = "kvm_async_pf_ready",
	[TR_KVM_COMPLETED] = "kvm_async_pf_completed",
	[TR_APF_SETUP] = "apf_setup",
	[TR_APF_RETIRED] = "apf_retired",
	[TR_APF_SYNC] = "apf_sync",
	[TR_APF_CANCELLED] = "apf_cancelled",
	[TR_APF_WAKE_ALL] = "apf_wake_all",
	[TR_APF_FLUSH] = "apf_flush",
	[TR_APF_ENABLE] = "apf_enable",
	[TR_BUF_WRITE] = "buf_write",
	[TR_SDEI_INJECT] = "sdei_inject",
	[TR_SDEI_DISPATCH] = "sdei_dispatch",
	[TR_SDEI_COMPLETE] = "sdei_complete",
	[TR_SDEI_CANCEL] = "sdei_cancel",
	[TR_PPI_LEVEL] = "ppi_level",
	[TR_IRQ_TAKEN] = "irq_taken",
	[TR_IRQ_ACK] = "irq_ack",
	[TR_VCPU_STATE] = "vcpu_state",
	[TR_KICK] = "kick",
	[TR_TASK_PARK] = "task_park",
	[TR_TASK_WAKE] = "task_wake",
	[TR_TASK_SWITCH] = "task_switch",
	[TR_GUEST_WARN] = "guest_warn",
	[TR_TASK_READY] = "task_ready",
	[TR_INJECT] = "inject",
	[TR_NOTE] = "note",
};

const char *trace_kind_name(enum trace_kind k)
{
	if ((unsigned)k >= TR__COUNT || !trace_kind_names[k])
		return "unknown";
	return trace_kind_names[k];
}

static const char *const trace_sync_names[TR_SYNC__COUNT] = {
	[TR_SYNC_APF_DISABLED] = "apf_disabled",
	[TR_SYNC_KERNEL_MODE] = "kernel_mode",
	[TR_SYNC_SDEI_BUSY] = "sdei_busy",
	[TR_SYNC_BUFFER_BUSY] = "buffer_busy",
	[TR_SYNC_LIMIT] = "limit",
	[TR_SYNC_PREFAULT] = "prefault",
};

const char *trace_sync_reason_name(enum trace_sync_reason r)
{
	if ((unsigned)r >= TR_SYNC__COUNT)
		return "unknown";
	return trace_sync_names[r];
}

/* ---- buffered output for the file sinks -------------------------------- */

int trace_out_open(struct trace_out *o, FILE *f, const char *path, const char *what,
		   char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->what = what;
	o->buf = malloc(TRACE_OUT_SIZE + TRACE_OUT_SLACK);
	o->name = strdup(path);
	if (!o->buf || !o->name) {
		snprintf(err, errlen, "%s: out of memory for the output buffer", what);
		goto fail;
	}
	o->f = f ? f : fopen(path, "wb");
	if (!o->f) {
		snprintf(err, errlen, "%s: cannot open '%s': %s", what, path, strerror(errno));
		goto fail;
	}
	/* Our buffer is the large one: whole chunks go straight to write(2). */
	setvbuf(o->f, NULL, _IONBF, 0);
	if (trace_zst_name(path) && trace_zst_start(o)) {
		snprintf(err, errlen, "%s: out of memory for the zstd compressor", what);
		fclose(o->f);
		f = NULL;
		goto fail;
	}
	return 0;
fail:
	if (f)
		fclose(f);
	free(o->buf);
	free(o->name);
	memset(o, 0, sizeof(*o));
	return -1;
}

int trace_sink_open(struct tracer *tr, const struct trace_sink_ops *ops, void *ctx, struct trace_out *out,
		    FILE *f, const char *path, const char *what, char *err, size_t errlen)
{
	if (trace_out_open(out, f, path, what, err, errlen))
		return -1;
	out->report = tr->error;
	if (trace_add_sink(tr, ops, ctx)) {
		snprintf(err, errlen, "%s: too many trace sinks (at most %d)", what, TRACE_MAX_SINKS);
		out->report = NULL;
		trace_out_close(out);
		return -1;
	}
	return 0;
}

void trace_out_flush(struct trace_out *o)
{
	if (o->len && !o->err) {
		errno = 0;
		if (o->zc)
			o->err = trace_zst_write(o, o->buf, o->len, false);
		else if (fwrite(o->buf, 1, o->len, o->f) != o->len)
			o->err = errno ? errno : EIO;
	}
	o->len = 0;
}

void trace_out_write(struct trace_out *o, const char *s, size_t n)
{
	while (n) {
		size_t room, k;

		if (o->len >= TRACE_OUT_SIZE)
			trace_out_flush(o);
		room = TRACE_OUT_SIZE + TRACE_OUT_SLACK - o->len;
		k = n < room ? n : room;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

int trace_out_close(struct trace_out *o)
{
	int ret = 0;

	if (!o->f)
		return -1;
	trace_out_flush(o);
	if (o->zc) {
		if (!o->err)
			o->err = trace_zst_write(o, "", 0, true);
		trace_zst_free(o);
	}
	errno = 0;
	if (fclose(o->f) != 0 && !o->err)
		o->err = errno ? errno : EIO;
	if (o->err) {
		ret = -1;
		if (o->report && !o->report[0])
			snprintf(o->report, TRACE_ERROR_LEN, "%s: cannot write '%s': %s", o->what, o->name,
				 strerror(o->err));
	}
	o->f = NULL;
	free(o->buf);
	o->buf = NULL;
	free(o->name);
	o->name = NULL;
	return ret;
}
