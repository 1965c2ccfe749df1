/* trace_sinks.h — private helpers shared by the file trace sinks.
 *
 * The ftrace, Chrome/Perfetto JSON and VCD sinks stream text to a file
 * through one large buffer of their own (struct trace_out) and format
 * numbers with the small routines below instead of printf: a trace can
 * hold tens of millions of lines, and every routine here is exact and
 * locale-free, so identical event streams give identical bytes.
 *
 * Invariant of struct trace_out: len <= TRACE_OUT_SIZE; after
 * trace_out_reserve(o, n) with n <= TRACE_OUT_SLACK at least n bytes are
 * free at o->buf + o->len.  The first I/O error is latched in `err` and
 * every later write is dropped; trace_out_close() reports it.
 *
 * Not an interface for the rest of the simulator: the constructors of the
 * sinks are declared in model/trace.h.
 */
#ifndef APFSIM_MODEL_TRACE_SINKS_H
#define APFSIM_MODEL_TRACE_SINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model/trace/trace.h"

#define TRACE_OUT_SIZE ((size_t)1 << 20)	/* bytes buffered before a write */
#define TRACE_OUT_SLACK ((size_t)4096)		/* largest single reservation */

struct trace_out {
	FILE *f;
	char *buf;		/* TRACE_OUT_SIZE + TRACE_OUT_SLACK bytes */
	size_t len;
	int err;		/* errno of the first failed write, or 0 */
	const char *what;	/* the option, for messages ("--vcd") */
	char *name;		/* the file, for messages (owned) */
	char *report;		/* where the first I/O error is described: the
				 * tracer's `error` (TRACE_ERROR_LEN bytes) */
	/* zstd (names ending in ".zst", model/trace/zst.c): the compressor
	 * and its output buffer; NULL for plain files */
	void *zc;
	char *zbuf;
	size_t zcap;
};

/* zst.c: whether `name` asks for zstd; set up o's compressor (0 or -1);
 * compress n bytes and write the result (end: finish the frame) returning
 * 0 or an errno; free the compressor. */
bool trace_zst_name(const char *name);
int trace_zst_start(struct trace_out *o);
int trace_zst_write(struct trace_out *o, const char *p, size_t n, bool end);
void trace_zst_free(struct trace_out *o);

/* Open `path` for writing (f == NULL), or take the stream f the caller
 * opened (named `path` in messages; owned by `o` from here on, also on
 * failure); on failure fills err and returns -1. */
int trace_out_open(struct trace_out *o, FILE *f, const char *path, const char *what,
		   char *err, size_t errlen);
/* trace_out_open() into `out` and register (ops, ctx) with the tracer; on
 * failure fills err (prefixed with `what`, the option name), leaves
 * nothing open and returns -1.  The caller still owns ctx. */
int trace_sink_open(struct tracer *tr, const struct trace_sink_ops *ops, void *ctx, struct trace_out *out,
		    FILE *f, const char *path, const char *what, char *err, size_t errlen);
/* Write the buffer out (no-op after an error). */
void trace_out_flush(struct trace_out *o);
/* Flush, close the file and free the buffer; 0, or -1 after any error,
 * which is then described in o->report as "WHAT: cannot write 'NAME':
 * strerror" unless an earlier error is already there. */
int trace_out_close(struct trace_out *o);
/* Append n bytes of arbitrary length. */
void trace_out_write(struct trace_out *o, const char *s, size_t n);

/* Ensure n (<= TRACE_OUT_SLACK) free bytes and return where to write them;
 * the caller advances o->len by what it actually wrote. */
static inline char *trace_out_reserve(struct trace_out *o, size_t n)
{
	if (o->len + n > TRACE_OUT_SIZE + TRACE_OUT_SLACK || o->len >= TRACE_OUT_SIZE)
		trace_out_flush(o);
	return o->buf + o->len;
}

static inline void trace_out_puts(struct trace_out *o, const char *s)
{
	trace_out_write(o, s, strlen(s));
}

/* ---- number formatting: each returns the number of characters written --- */

/* Unsigned decimal, no padding. At most 20 characters. */
static inline size_t trace_fmt_u64(char *p, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/* Signed decimal (SMCCC and SDEI statuses, -errno results). */
static inline size_t trace_fmt_s64(char *p, int64_t v)
{
	if (v < 0) {
		p[0] = '-';
		return 1 + trace_fmt_u64(p + 1, (uint64_t)0 - (uint64_t)v);
	}
	return trace_fmt_u64(p, (uint64_t)v);
}

/* Decimal zero-padded to at least `width` digits (CPU column, fractions). */
static inline size_t trace_fmt_u64_pad(char *p, uint64_t v, size_t width)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width && n < sizeof(tmp))
		tmp[n++] = '0';
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/* The kernel's %#llx (and C's %#llx): "0" for zero, else "0x" + lowercase
 * hex without leading zeros.  At most 18 characters. */
static inline size_t trace_fmt_hex(char *p, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	size_t n = 0, i;

	if (!v) {
		p[0] = '0';
		return 1;
	}
	while (v) {
		tmp[n++] = digits[v & 0xf];
		v >>= 4;
	}
	p[0] = '0';
	p[1] = 'x';
	for (i = 0; i < n; i++)
		p[2 + i] = tmp[n - 1 - i];
	return n + 2;
}

/* A picosecond time as "<whole>.<6 digits>" of `unit` picoseconds,
 * truncated toward zero: unit SIM_S gives seconds (ftrace), SIM_US gives
 * microseconds (Chrome JSON).  Integer arithmetic only.  At most 27
 * characters. */
static inline size_t trace_fmt_time6(char *p, sim_time_t t, sim_time_t unit)
{
	size_t n = trace_fmt_u64(p, t / unit);

	p[n++] = '.';
	return n + trace_fmt_u64_pad(p + n, (t % unit) / (unit / 1000000), 6);
}

/* Name of a guest task from the tracer's callback, "task<id>" without one.
 * `tmp` holds the fallback and must have room for 16 bytes. */
static inline const char *trace_task_name(const struct tracer *tr, uint32_t task, char *tmp)
{
	const char *s = tr->task_name ? tr->task_name(tr->names_ctx, task) : NULL;
	size_t n;

	if (s)
		return s;
	memcpy(tmp, "task", 4);
	n = trace_fmt_u64(tmp + 4, task);
	tmp[4 + n] = '\0';
	return tmp;
}

#endif
