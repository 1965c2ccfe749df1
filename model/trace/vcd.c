/* trace_vcd.c — VCD waveform sink (`--vcd FILE`, IEEE 1364 §18 value
 * change dump) for GTKWave and other waveform viewers.
 *
 * Header: "$timescale 1ps $end", no $date (the determinism contract forbids
 * wall-clock dates), one scope "apfsim" with a sub-scope "vcpuN" per vCPU:
 *
 *   ppi_line       wire 1  GIC PPI line level        TR_PPI_LEVEL b
 *   sdei_pending   wire 1  event registered, waiting TR_SDEI_INJECT (result
 *                          0) until TR_SDEI_DISPATCH or TR_SDEI_CANCEL
 *   sdei_running   wire 1  handler running           TR_SDEI_DISPATCH until
 *                          TR_SDEI_COMPLETE
 *   buffer_reason  reg 2   shared-buffer reason      TR_BUF_WRITE a
 *   mode           reg 2   0 user 1 kernel 2 host 3 idle, x until the first
 *                          TR_VCPU_STATE
 *
 * Identifier codes are printable ASCII 33..126 in base 94 of
 * (vcpu * 5 + signal), so they depend only on the vCPU count.  The vCPU
 * count is tr->nvcpus when the first event arrives (the header is written
 * then); events of higher vCPUs are ignored.
 *
 * Only changes are written.  A "#<ps>" line precedes the first change at
 * each new time, so changes of several vCPUs at one time share one
 * timestamp.  Timestamps never decrease: the stream is time-ordered per
 * vCPU, and a change arriving with an earlier time than one already
 * written (another vCPU ran ahead) is written at the later time.
 */
#include <stdlib.h>
#include <string.h>

#include "model/trace/trace.h"
#include "model/trace/sinks.h"

enum vcd_signal { VCD_PPI, VCD_SDEI_PENDING, VCD_SDEI_RUNNING, VCD_BUF_REASON, VCD_MODE,
		  VCD__NSIG };

#define VCD_X 0xff	/* unknown value */

static const char *const vcd_sig_name[VCD__NSIG] = {
	"ppi_line", "sdei_pending", "sdei_running", "buffer_reason", "mode",
};
static const unsigned vcd_sig_width[VCD__NSIG] = { 1, 1, 1, 2, 2 };

struct vcd_sink {
	struct trace_out out;
	const struct tracer *tr;
	bool header_done;
	uint32_t nvcpus;
	uint8_t (*val)[VCD__NSIG];	/* current value per vCPU and signal */
	sim_time_t last_t;		/* time of the last "#" line */
};

/* Identifier code of (vcpu, sig); returns its length (at most 6). */
static size_t vcd_code(char *p, uint32_t vcpu, unsigned sig)
{
	uint64_t idx = (uint64_t)vcpu * VCD__NSIG + sig;
	size_t n = 0;

	do {
		p[n++] = (char)('!' + idx % 94);
		idx /= 94;
	} while (idx);
	return n;
}

static size_t vcd_lit(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return n;
}

/* "0!" or "b10 %" for the current value of (v, sig). */
static size_t vcd_value(char *p, uint32_t v, unsigned sig, uint8_t val)
{
	size_t n = 0;

	if (vcd_sig_width[sig] == 1) {
		p[n++] = val == VCD_X ? 'x' : (char)('0' + (val & 1));
	} else {
		p[n++] = 'b';
		p[n++] = val == VCD_X ? 'x' : (char)('0' + ((val >> 1) & 1));
		p[n++] = val == VCD_X ? 'x' : (char)('0' + (val & 1));
		p[n++] = ' ';
	}
	n += vcd_code(p + n, v, sig);
	p[n++] = '\n';
	return n;
}

static void vcd_header(struct vcd_sink *s)
{
	uint32_t v;
	unsigned sig;
	char *p;
	size_t n;

	s->header_done = true;
	s->nvcpus = s->tr->nvcpus;
	if (s->nvcpus) {
		s->val = calloc(s->nvcpus, sizeof(*s->val));
		if (!s->val)
			s->nvcpus = 0;	/* degrade to an empty dump, never crash */
	}
	trace_out_puts(&s->out, "$comment apfsim value change dump $end\n"
				"$timescale 1ps $end\n"
				"$scope module apfsim $end\n");
	for (v = 0; v < s->nvcpus; v++) {
		p = trace_out_reserve(&s->out, 512);
		n = vcd_lit(p, "$scope module vcpu");
		n += trace_fmt_u64(p + n, v);
		n += vcd_lit(p + n, " $end\n");
		for (sig = 0; sig < VCD__NSIG; sig++) {
			n += vcd_lit(p + n, vcd_sig_width[sig] == 1 ? "$var wire 1 " : "$var reg 2 ");
			n += vcd_code(p + n, v, sig);
			p[n++] = ' ';
			n += vcd_lit(p + n, vcd_sig_name[sig]);
			n += vcd_lit(p + n, " $end\n");
		}
		n += vcd_lit(p + n, "$upscope $end\n");
		s->out.len += n;
		s->val[v][VCD_MODE] = VCD_X;
	}
	trace_out_puts(&s->out, "$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n");
	for (v = 0; v < s->nvcpus; v++) {
		for (sig = 0; sig < VCD__NSIG; sig++) {
			p = trace_out_reserve(&s->out, 16);
			s->out.len += vcd_value(p, v, sig, s->val[v][sig]);
		}
	}
	trace_out_puts(&s->out, "$end\n");
	s->last_t = 0;
}

static void vcd_set(struct vcd_sink *s, const struct trace_event *e, unsigned sig, uint8_t val)
{
	char *p;
	size_t n = 0;

	if (s->val[e->vcpu][sig] == val)
		return;
	s->val[e->vcpu][sig] = val;
	p = trace_out_reserve(&s->out, 64);
	if (e->t > s->last_t) {
		p[n++] = '#';
		n += trace_fmt_u64(p + n, e->t);
		p[n++] = '\n';
		s->last_t = e->t;
	}
	n += vcd_value(p + n, e->vcpu, sig, val);
	s->out.len += n;
}

static void vcd_event(void *ctx, const struct trace_event *e)
{
	struct vcd_sink *s = ctx;

	if (!s->header_done)
		vcd_header(s);
	if (e->vcpu >= s->nvcpus)
		return;
	switch (e->kind) {
	case TR_PPI_LEVEL:
		vcd_set(s, e, VCD_PPI, e->b ? 1 : 0);
		break;
	case TR_SDEI_INJECT:
		if (e->b == 0)
			vcd_set(s, e, VCD_SDEI_PENDING, 1);
		break;
	case TR_SDEI_DISPATCH:
		vcd_set(s, e, VCD_SDEI_PENDING, 0);
		vcd_set(s, e, VCD_SDEI_RUNNING, 1);
		break;
	case TR_SDEI_CANCEL:
		vcd_set(s, e, VCD_SDEI_PENDING, 0);
		break;
	case TR_SDEI_COMPLETE:
		vcd_set(s, e, VCD_SDEI_RUNNING, 0);
		break;
	case TR_BUF_WRITE:
		vcd_set(s, e, VCD_BUF_REASON, (uint8_t)(e->a & 3));
		break;
	case TR_VCPU_STATE:
		vcd_set(s, e, VCD_MODE, (uint8_t)(e->a & 3));
		break;
	default:
		break;
	}
}

static int vcd_finish(void *ctx, sim_time_t end)
{
	struct vcd_sink *s = ctx;
	char *p;
	size_t n = 0;

	if (!s->header_done)
		vcd_header(s);
	/* Mark the end of the run so viewers show the last values' extent. */
	if (end > s->last_t) {
		p = trace_out_reserve(&s->out, 32);
		p[n++] = '#';
		n += trace_fmt_u64(p + n, end);
		p[n++] = '\n';
		s->out.len += n;
		s->last_t = end;
	}
	return trace_out_close(&s->out);
}

static void vcd_destroy(void *ctx)
{
	struct vcd_sink *s = ctx;

	if (s->out.f)
		trace_out_close(&s->out);
	free(s->val);
	free(s);
}

static const struct trace_sink_ops vcd_ops = {
	.name = "vcd",
	.event = vcd_event,
	.finish = vcd_finish,
	.destroy = vcd_destroy,
};

static int vcd_start(struct tracer *tr, FILE *f, const char *path, char *err, size_t errlen)
{
	struct vcd_sink *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "--vcd: out of memory");
		if (f)
			fclose(f);
		return -1;
	}
	s->tr = tr;
	if (trace_sink_open(tr, &vcd_ops, s, &s->out, f, path, "--vcd", err, errlen)) {
		free(s);
		return -1;
	}
	return 0;
}

int trace_vcd_open(struct tracer *tr, const char *path, char *err, size_t errlen)
{
	return vcd_start(tr, NULL, path, err, errlen);
}

int trace_vcd_open_stream(struct tracer *tr, FILE *f, const char *name, char *err, size_t errlen)
{
	return vcd_start(tr, f, name, err, errlen);
}
