/* trace.c — replay of a page-access trace file (format: docs/workloads.md).
 *
 * The whole file is parsed at init into a flat array of ready-made ops, so
 * the hot path is a copy and an index bump and never touches the file: a
 * record "<cycles> <op> [<arg>]" becomes a COMPUTE of <cycles> (when
 * non-zero) followed by its op, which carries the record's progress unit.
 * R/W addresses are byte offsets into a private region allocated at init.
 *
 * Invariants: ops[nops - 1] is WL_OP_EXIT unless the trace loops, in which
 * case the array holds no EXIT at all; pos < nops.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/config/params.h"
#include "model/kernel/sim.h"
#include "model/kernel/units.h"
#include "workloads/workload.h"

struct trace_params {
	char file[PARAM_STRING_MAX];
	uint64_t region;	/* bytes; 0 = sized to the highest address */
	bool loop;
};

_Static_assert(sizeof(struct trace_params) <= CFG_WL_PARAMS_MAX, "trace params exceed the task slot");

struct trace_state {
	struct wl_env env;
	struct wl_op *ops;	/* owned */
	size_t nops, cap;
	size_t pos;		/* next op to replay */
	size_t restart;		/* where pos goes after the last op */
	uint64_t first, npages;
	bool held;
};

static const struct param_desc trace_params_desc[] = {
	{ "file", PT_STRING, offsetof(struct trace_params, file), NULL, 0, 0, NULL,
	  "trace file; a relative path is resolved against the scenario's directory" },
	{ "region", PT_SIZE, offsetof(struct trace_params, region), "64MiB", 0, 1e15, NULL,
	  "private region the R/W addresses index; 0 = just large enough for the trace" },
	{ "loop", PT_BOOL, offsetof(struct trace_params, loop), "false", 0, 0, NULL,
	  "replay from the top at the end of the file (an X record still exits)" },
	PARAM_END,
};

static void trace_error(char *err, size_t errlen, const char *path, unsigned long line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (line)
		n = snprintf(err, errlen, "%s:%lu: error: ", path, line);
	else
		n = snprintf(err, errlen, "%s: error: ", path);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Bounds on a trace file (docs/reliability.md): it is read whole into
 * memory, so its size, its lines and the ops made from it are capped; a
 * FIFO or /dev/zero given as the file ends with an error, not an OOM kill. */
#define TRACE_FILE_MAX (64u << 20)	/* bytes */
#define TRACE_LINE_MAX 4096u		/* characters per record, comment included */
#define TRACE_OPS_MAX (1u << 24)	/* replay ops (16 bytes each: 256 MiB) */

static int trace_push(struct trace_state *s, uint8_t kind, uint32_t cycles, uint64_t arg, bool progress)
{
	if (s->nops == TRACE_OPS_MAX)
		return -3;
	if (s->nops == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct wl_op *ops = realloc(s->ops, cap * sizeof(*ops));

		if (!ops)
			return -1;
		s->ops = ops;
		s->cap = cap;
	}
	s->ops[s->nops++] = (struct wl_op){ .kind = kind, .progress = progress, .cycles = cycles, .arg = arg };
	return 0;
}

/* Next whitespace-separated field of *p, NUL-terminated in place; NULL at
 * the end of the line. */
static char *trace_field(char **p)
{
	char *f = *p;

	while (isspace((unsigned char)*f))
		f++;
	if (!*f)
		return NULL;
	*p = f;
	while (**p && !isspace((unsigned char)**p))
		(*p)++;
	if (**p)
		*(*p)++ = '\0';
	return f;
}

/* Decimal, or hex with 0x; no sign, no spaces.  0 or -1. */
static int trace_number(const char *f, uint64_t *v)
{
	int base = 10;
	char *end;

	if (f[0] == '0' && (f[1] == 'x' || f[1] == 'X')) {
		base = 16;
		f += 2;
		if (!isxdigit((unsigned char)*f))
			return -1;
	} else if (!isdigit((unsigned char)*f)) {
		return -1;
	}
	errno = 0;
	*v = strtoull(f, &end, base);
	return errno || *end ? -1 : 0;
}

/* Parse one record (comment already stripped); a blank line is fine.
 * *max_addr tracks the highest R/W address, *exited an X record.
 * 0, -1 (message in err), -2 out of memory, -3 more than TRACE_OPS_MAX ops. */
static int trace_record(struct trace_state *s, char *line, const struct trace_params *p, const char *path,
			unsigned long lineno, uint64_t *max_addr, bool *exited, char *err, size_t errlen)
{
	char *f_cycles, *f_op, *f_arg, *f_extra;
	uint64_t cycles = 0, addr = 0;
	sim_time_t ps = 0;
	uint8_t kind;
	char why[256];
	int rc;

	f_cycles = trace_field(&line);
	if (!f_cycles)
		return 0;
	if (f_cycles[0] == '0' && (f_cycles[1] == 'x' || f_cycles[1] == 'X'))
		goto bad_cycles;
	if (trace_number(f_cycles, &cycles) != 0 || cycles > UINT32_MAX)
		goto bad_cycles;
	f_op = trace_field(&line);
	if (!f_op) {
		trace_error(err, errlen, path, lineno, "missing op after the cycle count (expected R, W, K, U, C, S or X)");
		return -1;
	}
	if (f_op[1] != '\0' || !strchr("RWKUCSX", f_op[0])) {
		trace_error(err, errlen, path, lineno, "unknown op '%s' (expected R, W, K, U, C, S or X)", f_op);
		return -1;
	}
	f_arg = NULL;
	if (f_op[0] == 'R' || f_op[0] == 'W' || f_op[0] == 'S') {
		f_arg = trace_field(&line);
		if (!f_arg) {
			trace_error(err, errlen, path, lineno, "missing %s after op %c",
				    f_op[0] == 'S' ? "sleep time (e.g. 10us)" : "address", f_op[0]);
			return -1;
		}
	}
	f_extra = trace_field(&line);
	if (f_extra) {
		trace_error(err, errlen, path, lineno, "unexpected field '%s' after op %c", f_extra, f_op[0]);
		return -1;
	}

	switch (f_op[0]) {
	case 'R':
	case 'W':
		if (trace_number(f_arg, &addr) != 0) {
			trace_error(err, errlen, path, lineno, "bad address '%s' (expected 0x-prefixed hex or decimal)",
				    f_arg);
			return -1;
		}
		if (p->region && addr >= p->region) {
			trace_error(err, errlen, path, lineno, "address %s is beyond the region of %llu bytes", f_arg,
				    (unsigned long long)p->region);
			return -1;
		}
		if (addr > *max_addr)
			*max_addr = addr;
		kind = WL_OP_TOUCH;
		break;
	case 'S':
		if (units_parse_time(f_arg, s->env.guest_freq_hz, &ps, why, sizeof(why)) != 0) {
			trace_error(err, errlen, path, lineno, "sleep time: %s", why);
			return -1;
		}
		kind = WL_OP_SLEEP;
		break;
	case 'K':
		kind = WL_OP_KENTER;
		break;
	case 'U':
		kind = WL_OP_KEXIT;
		break;
	case 'C':
		kind = WL_OP_COMPUTE;
		break;
	default:
		kind = WL_OP_EXIT;
		break;
	}
	/* Records after an X are checked but never replayed. */
	if (*exited)
		return 0;
	if (kind == WL_OP_COMPUTE)
		return trace_push(s, kind, (uint32_t)cycles, 0, true);
	if (cycles && (rc = trace_push(s, WL_OP_COMPUTE, (uint32_t)cycles, 0, false)))
		return rc;
	if (kind == WL_OP_TOUCH) {
		/* arg holds the page index until the region is allocated. */
		if ((rc = trace_push(s, kind, 0, addr / s->env.page_size, true)))
			return rc;
		s->ops[s->nops - 1].write = f_op[0] == 'W';
		return 0;
	}
	if (kind == WL_OP_EXIT)
		*exited = true;
	return trace_push(s, kind, 0, ps, kind != WL_OP_EXIT);

bad_cycles:
	trace_error(err, errlen, path, lineno, "bad cycle count '%s' (expected a decimal number up to %lu)", f_cycles,
		    (unsigned long)UINT32_MAX);
	return -1;
}

static int trace_init(void *state, const void *params, const struct wl_env *env, char *err, size_t errlen)
{
	const struct trace_params *p = params;
	struct trace_state *s = state;
	char path[2 * PARAM_STRING_MAX + 2];
	unsigned long lineno = 0;
	uint64_t max_addr = 0;
	bool exited = false;
	char line[TRACE_LINE_MAX + 2];
	uint64_t bytes = 0;
	FILE *f;
	int rc, ch;

	*s = (struct trace_state){ 0 };
	s->env = *env;
	if (p->file[0] != '/' && env->scenario_dir && env->scenario_dir[0])
		snprintf(path, sizeof(path), "%s/%s", env->scenario_dir, p->file);
	else
		snprintf(path, sizeof(path), "%s", p->file);
	f = fopen(path, "r");
	if (!f) {
		trace_error(err, errlen, path, 0, "cannot open trace: %s", strerror(errno));
		return -1;
	}
	for (ch = 0; ch != EOF;) {
		size_t n = 0;
		char *hash;

		lineno++;
		while ((ch = getc(f)) != EOF && ch != '\n') {
			if (++bytes > TRACE_FILE_MAX) {
				trace_error(err, errlen, path, lineno, "trace larger than %u MiB (the trace size limit)",
					    TRACE_FILE_MAX >> 20);
				goto fail;
			}
			if (ch == '\0') {
				trace_error(err, errlen, path, lineno, "NUL byte in column %zu (a trace is text)", n + 1);
				goto fail;
			}
			if (n == TRACE_LINE_MAX) {
				trace_error(err, errlen, path, lineno, "line longer than %u characters (the record length limit)",
					    TRACE_LINE_MAX);
				goto fail;
			}
			line[n++] = (char)ch;
		}
		line[n] = '\0';
		if (ch == EOF && n == 0)
			break;
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		rc = trace_record(s, line, p, path, lineno, &max_addr, &exited, err, errlen);
		if (rc == -2) {
			trace_error(err, errlen, path, lineno, "out of memory");
			goto fail;
		}
		if (rc == -3) {
			trace_error(err, errlen, path, lineno, "more than %u operations (the trace replay limit)",
				    TRACE_OPS_MAX);
			goto fail;
		}
		if (rc)
			goto fail;
	}
	if (ferror(f)) {
		trace_error(err, errlen, path, 0, "read error: %s", strerror(errno));
		goto fail;
	}
	if (s->nops == 0 && !exited) {
		trace_error(err, errlen, path, 0, "no records");
		goto fail;
	}
	if (exited || !p->loop) {
		if (!exited && (rc = trace_push(s, WL_OP_EXIT, 0, 0, false))) {
			trace_error(err, errlen, path, 0, rc == -3 ? "more than %u operations (the trace replay limit)"
								 : "out of memory", TRACE_OPS_MAX);
			goto fail;
		}
		s->restart = s->nops - 1;
	}

	s->npages = p->region ? (p->region + env->page_size - 1) / env->page_size : max_addr / env->page_size + 1;
	char who[sizeof(path) + 8];
	snprintf(who, sizeof(who), "%s: error", path);
	if (wl_alloc_region(env, s->npages, &s->first, who, "region", err, errlen))
		goto fail;
	s->held = true;
	for (size_t i = 0; i < s->nops; i++)
		if (s->ops[i].kind == WL_OP_TOUCH)
			s->ops[i].arg += s->first;
	fclose(f);
	return 0;

fail:
	fclose(f);
	free(s->ops);
	s->ops = NULL;
	return -1;
}

static void trace_next(void *state, struct wl_op *op)
{
	struct trace_state *s = state;

	*op = s->ops[s->pos];
	if (++s->pos == s->nops)
		s->pos = s->restart;
	if (op->kind == WL_OP_EXIT && s->held) {	/* process exit returns its memory */
		s->env.free_range(s->env.mem_ctx, s->first, s->npages);
		s->held = false;
	}
}

static void trace_fini(void *state)
{
	struct trace_state *s = state;

	free(s->ops);
	s->ops = NULL;
}

static const char *trace_input_file(const void *params)
{
	const struct trace_params *p = params;

	return p->file[0] ? p->file : NULL;
}

const struct workload_ops workload_trace = {
	.name = "trace",
	.doc = "replay of a page-access trace file (format in docs/workloads.md)",
	.params = trace_params_desc,
	.params_size = sizeof(struct trace_params),
	.state_size = sizeof(struct trace_state),
	.init = trace_init,
	.next = trace_next,
	.fini = trace_fini,
	.progress_unit = "trace records",
	.input_file = trace_input_file,
};
