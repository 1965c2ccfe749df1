/* config_errors.c — the scenario parser's messages: one line, FILE:LINE:COL,
 * the full dotted key, what was expected and the text found
 * (config_internal.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libfyaml.h>

#include "model/config/config.h"
#include "model/apf/trapcost.h"
#include "model/scenario/text_guard.h"
#include "model/kernel/strdist.h"
#include "workloads/workload.h"

#include "model/scenario/config_internal.h"

/* ---- errors ------------------------------------------------------------ */

/* snprintf that truncates silently: every buffer here is sized for the
 * longest sensible text, and a cut message is better than none. */

void cfg_sfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

void cfg_copy_str(char *dst, size_t len, const char *src)
{
	cfg_sfmt(dst, len, "%s", src);
}

/* Messages are one line: newlines from libfyaml become spaces. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
}

int cfg_fail(struct cfg_ctx *x, struct pos p, const char *path, const char *fmt, ...)
{
	struct cfg_error *e = x->err;
	char msg[sizeof(e->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (x->set_key) {
		cfg_sfmt(e->file, sizeof(e->file), "--set %s", x->set_key);
		e->line = e->col = 0;
		if (path && *path && strcmp(path, x->set_key) != 0)
			cfg_sfmt(e->msg, sizeof(e->msg), "%s: %s", path, msg);
		else
			cfg_copy_str(e->msg, sizeof(e->msg), msg);
	} else {
		cfg_copy_str(e->file, sizeof(e->file), x->name);
		e->line = p.line;
		e->col = p.line ? p.col : 0;
		if (path && *path)
			cfg_sfmt(e->msg, sizeof(e->msg), "%s: %s", path, msg);
		else
			cfg_copy_str(e->msg, sizeof(e->msg), msg);
	}
	one_line(e->msg);
	return -1;
}

void cfg_error_print(const struct cfg_error *e, void *file)
{
	FILE *f = file;

	if (e->line)
		fprintf(f, "%s:%u:%u: error: %s\n", e->file, e->line, e->col, e->msg);
	else
		fprintf(f, "%s: error: %s\n", e->file, e->msg);
}
