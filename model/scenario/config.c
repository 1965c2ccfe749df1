/* config.c — scenario files (YAML, read with libfyaml) into a validated
 * struct apf_config, and `--set key=value` overrides.
 *
 * Order of work: defaults from the schema (model/scenario/config_schema.c), then the
 * user's values, then cross-field checks (validate()).  The first problem
 * stops the load and is reported as FILE:LINE:COL with the full dotted key,
 * what was expected and the text that was found.
 *
 * Invariants:
 *  - A load or an override either succeeds completely or leaves the caller's
 *    config as it was (loads leave defaults and no tasks): work happens on a
 *    private copy that is committed at the end.
 *  - Every count read from the file (tasks, empirical points) is checked
 *    against its limit before anything is allocated from it.
 *  - Default values go through the same code as user input.
 *  - libfyaml never prints: its diagnostics are collected and the first one
 *    becomes our error.
 */
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

#define CFG_FILE_MAX (16u << 20) /* scenario files are small; refuse more */
#define PATH_MAX_LEN 192
#define FOUND_MAX 80		 /* quoted text in messages is cut here */

struct pos {
	uint32_t line, col; /* 1-based; 0 = unknown */
};

/* Where the user set a key, for checks that involve several keys. */
struct origin {
	char path[PATH_MAX_LEN];
	struct pos pos;
	char text[FOUND_MAX];
};

struct cfg_ctx {
	const char *name;	/* file name in messages */
	struct cfg_error *err;
	const char *set_key;	/* --set mode: the key being overridden */
	struct apf_config *c;	/* the config being filled (vm.freq for cycles) */
	struct origin *origins;
	size_t norigins, cap;
};

/* ---- errors ------------------------------------------------------------ */

/* snprintf that truncates silently: every buffer here is sized for the
 * longest sensible text, and a cut message is better than none. */
static void sfmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void sfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static void copy_str(char *dst, size_t len, const char *src)
{
	sfmt(dst, len, "%s", src);
}

/* Messages are one line: newlines from libfyaml become spaces. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
}

static int fail(struct cfg_ctx *x, struct pos p, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct cfg_ctx *x, struct pos p, const char *path, const char *fmt, ...)
{
	struct cfg_error *e = x->err;
	char msg[sizeof(e->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (x->set_key) {
		sfmt(e->file, sizeof(e->file), "--set %s", x->set_key);
		e->line = e->col = 0;
		if (path && *path && strcmp(path, x->set_key) != 0)
			sfmt(e->msg, sizeof(e->msg), "%s: %s", path, msg);
		else
			copy_str(e->msg, sizeof(e->msg), msg);
	} else {
		copy_str(e->file, sizeof(e->file), x->name);
		e->line = p.line;
		e->col = p.line ? p.col : 0;
		if (path && *path)
			sfmt(e->msg, sizeof(e->msg), "%s: %s", path, msg);
		else
			copy_str(e->msg, sizeof(e->msg), msg);
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

/* ---- YAML nodes ---------------------------------------------------------- */

/* Position of a node: its own token for scalars, the first thing inside
 * for collections (the public API of libfyaml 0.7 exposes no start mark for
 * collection nodes); {0, 0} for nulls and empty collections. */
static struct pos node_pos(struct fy_node *n)
{
	struct pos p = { 0, 0 };
	void *it = NULL;

	if (!n)
		return p;
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR: {
		struct fy_token *t = fy_node_get_scalar_token(n);
		const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;

		if (m && m->line >= 0) {
			p.line = (uint32_t)m->line + 1;
			p.col = (uint32_t)m->column + 1;
			/* an alias token starts after its '*' */
			if (fy_node_is_alias(n) && p.col > 1)
				p.col--;
		}
		return p;
	}
	case FYNT_SEQUENCE:
		return node_pos(fy_node_sequence_iterate(n, &it));
	case FYNT_MAPPING: {
		struct fy_node_pair *pr = fy_node_mapping_iterate(n, &it);

		return pr ? node_pos(fy_node_pair_key(pr)) : p;
	}
	}
	return p;
}

static struct pos pos_or(struct fy_node *n, struct pos fallback)
{
	struct pos p = node_pos(n);

	return p.line ? p : fallback;
}

static bool is_null(struct fy_node *n)
{
	return !n || (fy_node_is_scalar(n) && !fy_node_get_scalar_token(n));
}

/* Scalar text, NUL-terminated in buf; -1 when it does not fit. */
static int scalar_text(struct fy_node *n, char *buf, size_t len)
{
	size_t l = 0;
	const char *s = fy_node_get_scalar(n, &l);

	if (!s)
		s = "";
	if (l >= len)
		return -1;
	memcpy(buf, s, l);
	buf[l] = '\0';
	return 0;
}

/* "what was found", quoted for scalars. */
static const char *found(struct fy_node *n, char *buf, size_t len)
{
	if (is_null(n))
		return "nothing";
	switch (fy_node_get_type(n)) {
	case FYNT_SEQUENCE:
		return "a sequence";
	case FYNT_MAPPING:
		return "a mapping";
	case FYNT_SCALAR:
		break;
	}
	{
		size_t l = 0;
		const char *s = fy_node_get_scalar(n, &l);

		if (l > FOUND_MAX - 8)
			sfmt(buf, len, "\"%.*s...\"", FOUND_MAX - 8, s);
		else
			sfmt(buf, len, "\"%.*s\"", (int)l, s);
	}
	return buf;
}

/* ---- keys: unknown, duplicate, suggestions ------------------------------- */


/* A set of accepted names, for "expected one of ..." and suggestions. */
struct names {
	const char *v[96];
	size_t n;
};

static void names_add(struct names *ns, const char *s)
{
	if (ns->n < sizeof(ns->v) / sizeof(ns->v[0]))
		ns->v[ns->n++] = s;
}

static void names_add_params(struct names *ns, const struct param_desc *d)
{
	for (; d && d->key; d++)
		names_add(ns, d->key);
}

static bool names_has(const struct names *ns, const char *s)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0)
			return true;
	return false;
}

/* "a, b, c" and, when a name is within 2 edits, "; did you mean "x"?" */
static void names_explain(const struct names *ns, const char *bad, char *list, size_t llen,
			  char *hint, size_t hlen)
{
	size_t used = 0, best = 3;
	const char *pick = NULL;

	list[0] = '\0';
	hint[0] = '\0';
	for (size_t i = 0; i < ns->n; i++) {
		size_t d = str_edit_distance(bad, ns->v[i]);
		int w = snprintf(list + used, llen - used, "%s%s", i ? ", " : "", ns->v[i]);

		if (w > 0 && (size_t)w < llen - used)
			used += (size_t)w;
		if (d < best) {
			best = d;
			pick = ns->v[i];
		}
	}
	if (pick)
		sfmt(hint, hlen, "; did you mean \"%s\"?", pick);
}

static void join_path(char *out, const char *base, const char *key)
{
	if (base && *base)
		sfmt(out, PATH_MAX_LEN, "%s.%s", base, key);
	else
		sfmt(out, PATH_MAX_LEN, "%s", key);
}

/* Every key of mapping `m` must be a scalar, in `ns`, and appear once. */
static int check_keys(struct cfg_ctx *x, struct fy_node *m, const char *path, const struct names *ns)
{
	struct fy_node_pair *pr, *q;
	void *it = NULL;
	char key[PARAM_STRING_MAX], other[PARAM_STRING_MAX], kp[PATH_MAX_LEN], fb[FOUND_MAX + 8];
	char list[1024], hint[128];

	while ((pr = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *k = fy_node_pair_key(pr);
		void *it2 = NULL;

		if (is_null(k) || !fy_node_is_scalar(k))
			return fail(x, pos_or(k, node_pos(fy_node_pair_value(pr))), path,
				    "expected a key name, found %s", found(k, fb, sizeof(fb)));
		if (scalar_text(k, key, sizeof(key)))
			return fail(x, node_pos(k), path, "expected a key name, found %s",
				    found(k, fb, sizeof(fb)));
		join_path(kp, path, key);
		if (!names_has(ns, key)) {
			names_explain(ns, key, list, sizeof(list), hint, sizeof(hint));
			return fail(x, node_pos(k), kp, "unknown key, expected one of %s, found \"%s\"%s",
				    list, key, hint);
		}
		while ((q = fy_node_mapping_iterate(m, &it2)) != pr) {
			struct fy_node *k2 = fy_node_pair_key(q);

			if (!scalar_text(k2, other, sizeof(other)) && strcmp(other, key) == 0)
				return fail(x, node_pos(k), kp,
					    "duplicate key, expected each key once, found \"%s\" again (first at line %u)",
					    key, node_pos(k2).line);
		}
	}
	return 0;
}

static struct fy_node *lookup(struct fy_node *m, const char *key, struct fy_node **keynode)
{
	struct fy_node_pair *pr;
	void *it = NULL;
	char k[PARAM_STRING_MAX];

	while ((pr = fy_node_mapping_iterate(m, &it))) {
		if (!scalar_text(fy_node_pair_key(pr), k, sizeof(k)) && strcmp(k, key) == 0) {
			if (keynode)
				*keynode = fy_node_pair_key(pr);
			return fy_node_pair_value(pr);
		}
	}
	return NULL;
}

static int record(struct cfg_ctx *x, const char *path, struct pos p, struct fy_node *v)
{
	struct origin *o;
	char fb[FOUND_MAX + 8];

	if (x->set_key)
		return 0;
	if (x->norigins == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 32;
		struct origin *n = realloc(x->origins, cap * sizeof(*n));

		if (!n)
			return fail(x, p, path, "out of memory");
		x->origins = n;
		x->cap = cap;
	}
	o = &x->origins[x->norigins++];
	copy_str(o->path, sizeof(o->path), path);
	o->pos = p;
	copy_str(o->text, sizeof(o->text), found(v, fb, sizeof(fb)));
	return 0;
}

static const struct origin *origin_find(const struct cfg_ctx *x, const char *path)
{
	for (size_t i = x->norigins; i-- > 0;)
		if (strcmp(x->origins[i].path, path) == 0)
			return &x->origins[i];
	return NULL;
}

/* ---- scalar values -------------------------------------------------------- */

static const char *type_what(enum param_type t)
{
	switch (t) {
	case PT_U32:
	case PT_U64:
		return "an integer";
	case PT_DOUBLE:
		return "a number";
	case PT_FRACTION:
		return "a fraction (0.9 or 90%)";
	case PT_SIZE:
		return "a size";
	case PT_TIME:
		return "a time";
	case PT_FREQ:
		return "a frequency";
	case PT_BOOL:
		return "true or false";
	case PT_ENUM:
		return "a name";
	case PT_DIST:
		return "a time or a distribution {dist: ...}";
	case PT_STRING:
		return "a string";
	}
	return "a value";
}

/* A bound as an integer, saturated: "no upper bound" is 1.9e19, above
 * UINT64_MAX, and casting that is undefined (found by fuzz/fuzz_scenario). */
static uint64_t bound_u64(double v)
{
	if (!(v > 0))
		return 0;
	return v >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)v;
}

static void format_bound(enum param_type t, double v, char *buf, size_t len)
{
	switch (t) {
	case PT_SIZE:
		units_format_size(bound_u64(v), buf, len);
		break;
	case PT_TIME:
		units_format_time((sim_time_t)bound_u64(v), buf, len);
		break;
	case PT_FREQ:
		units_format_freq(bound_u64(v), buf, len);
		break;
	case PT_U32:
	case PT_U64:
		sfmt(buf, len, "%llu", (unsigned long long)bound_u64(v));
		break;
	default:
		sfmt(buf, len, "%g", v);
		break;
	}
}

/* Bounds of the schema, inclusive; min > max means unbounded. */
static int check_bounds(struct cfg_ctx *x, const struct param_desc *d, double v, const char *text,
			struct pos p, const char *path)
{
	char lo[48], hi[48];
	const struct cfg_key_note *note = cfg_key_note_find(path);
	bool has_max = d->max < CFG_UNBOUNDED;

	if (d->min > d->max || (v >= d->min && (!has_max || v <= d->max)))
		return 0;
	format_bound(d->type, d->min, lo, sizeof(lo));
	hi[0] = '\0';
	if (has_max)
		format_bound(d->type, d->max, hi, sizeof(hi));
	if (!has_max)
		return fail(x, p, path, "expected %s of at least %s, found \"%s\"", type_what(d->type), lo,
			    text);
	return fail(x, p, path, "expected %s from %s to %s, found \"%s\"%s%s", type_what(d->type), lo,
		    hi, text, v > d->max && note && note->over_max ? ": " : "",
		    v > d->max && note && note->over_max ? note->over_max : "");
}

/* Plain non-negative integer, decimal or 0x-prefixed hexadecimal (SDEI
 * event numbers read naturally in hex), overflow-checked. */
static int parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
		for (s += 2; *s; s++) {
			int d = (*s >= '0' && *s <= '9') ? *s - '0' :
				(*s >= 'a' && *s <= 'f') ? *s - 'a' + 10 :
				(*s >= 'A' && *s <= 'F') ? *s - 'A' + 10 : -1;
			if (d < 0 || v >> 60)
				return -1;
			v = v << 4 | (uint64_t)d;
		}
		*out = v;
		return 0;
	}
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
			return -1;
	}
	*out = v;
	return 0;
}

/* Plain decimal number: digits, optional fraction, optional exponent. */
static int parse_number(const char *s, double *out)
{
	char *end;

	if (!((*s >= '0' && *s <= '9') || ((*s == '-' || *s == '.') && s[1] >= '0' && s[1] <= '9')))
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	if (*end || errno || !isfinite(*out))
		return -1;
	return 0;
}

static void list_enum(const char *const *names, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; names[i]; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);

		if (w > 0 && (size_t)w < len - used)
			used += (size_t)w;
	}
}

static int enum_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static int fail_enum(struct cfg_ctx *x, struct pos p, const char *path, const char *what,
		     const char *const *names, const char *text)
{
	struct names ns = { .n = 0 };
	char list[512], hint[128];

	for (size_t i = 0; names[i]; i++)
		names_add(&ns, names[i]);
	names_explain(&ns, text, list, sizeof(list), hint, sizeof(hint));
	return fail(x, p, path, "unknown %s, expected one of %s, found \"%s\"%s", what, list, text, hint);
}

/* Store the value of a scalar-typed param from its text. */
/* "expected A, found B" + alt -> "expected A or ALT, found B". */
static void splice_alt(char *why, size_t len, const char *alt)
{
	char tail[256];
	char *f = strstr(why, ", found ");

	if (!f)
		return;
	copy_str(tail, sizeof(tail), f);
	*f = '\0';
	sfmt(f, len - (size_t)(f - why), " or %s%s", alt, tail);
}

static int apply_text(struct cfg_ctx *x, const struct param_desc *d, void *base, const char *text,
		      struct pos p, const char *path)
{
	unsigned char *field = (unsigned char *)base + d->offset;
	const struct cfg_key_note *note = cfg_key_note_find(path);
	char why[256];
	uint64_t u;
	double v;

	if (note && note->word && strcmp(text, note->word) == 0) {
		memcpy(field, &note->word_value, sizeof(uint64_t));
		return 0;
	}
	switch (d->type) {
	case PT_U32:
	case PT_U64:
		if (parse_uint(text, &u))
			return fail(x, p, path, "expected %s, found \"%s\"%s", "a non-negative integer", text,
				    text[0] == '-' ? " (negative values are not allowed)" : "");
		if (d->type == PT_U32 && u > UINT32_MAX)
			return fail(x, p, path, "expected an integer of at most %u, found \"%s\"",
				    UINT32_MAX, text);
		if (check_bounds(x, d, (double)u, text, p, path))
			return -1;
		if (d->type == PT_U32) {
			uint32_t w = (uint32_t)u;

			memcpy(field, &w, sizeof(w));
		} else {
			memcpy(field, &u, sizeof(u));
		}
		return 0;
	case PT_DOUBLE:
	case PT_FRACTION: {
		size_t l = strlen(text);
		char tmp[PARAM_STRING_MAX];
		bool pct = d->type == PT_FRACTION && l > 1 && text[l - 1] == '%';

		copy_str(tmp, sizeof(tmp), text);
		if (pct)
			tmp[l - 1] = '\0';
		if (parse_number(tmp, &v))
			return fail(x, p, path, "expected %s, found \"%s\"", type_what(d->type), text);
		if (pct)
			v /= 100.0;
		if (d->type == PT_FRACTION && (v < 0 || v > 1))
			return fail(x, p, path, "expected a fraction from 0 to 1 (or 0%% to 100%%), found \"%s\"",
				    text);
		if (check_bounds(x, d, v, text, p, path))
			return -1;
		memcpy(field, &v, sizeof(v));
		return 0;
	}
	case PT_SIZE:
	case PT_TIME:
	case PT_FREQ: {
		int rc;

		if (d->type == PT_TIME && d->def && !strcmp(d->def, "auto") && !strcmp(text, "auto")) {
			u = CFG_TIME_AUTO;	/* the architecture's cost (trapcost.h) */
			memcpy(field, &u, sizeof(u));
			return 0;
		}
		if (d->type == PT_SIZE)
			rc = units_parse_size(text, &u, why, sizeof(why));
		else if (d->type == PT_TIME)
			rc = units_parse_time(text, x->c->vm.freq_hz, &u, why, sizeof(why));
		else
			rc = units_parse_freq(text, &u, why, sizeof(why));
		if (rc) {
			if (note && note->word) {
				char alt[64];

				sfmt(alt, sizeof(alt), "\"%s\"", note->word);
				splice_alt(why, sizeof(why), alt);
			}
			return fail(x, p, path, "%s", why);
		}
		if (check_bounds(x, d, (double)u, text, p, path))
			return -1;
		memcpy(field, &u, sizeof(u));
		return 0;
	}
	case PT_BOOL: {
		bool b;

		if (strcmp(text, "true") == 0)
			b = true;
		else if (strcmp(text, "false") == 0)
			b = false;
		else
			return fail(x, p, path, "expected true or false, found \"%s\"", text);
		memcpy(field, &b, sizeof(b));
		return 0;
	}
	case PT_ENUM: {
		int i = enum_index(d->enum_names, text);
		uint32_t w;

		if (i < 0)
			return fail_enum(x, p, path, "name", d->enum_names, text);
		w = (uint32_t)i;
		memcpy(field, &w, sizeof(w));
		return 0;
	}
	case PT_STRING:
		copy_str((char *)field, PARAM_STRING_MAX, text);
		return 0;
	case PT_DIST:
		break;
	}
	return fail(x, p, path, "internal: no scalar form for this key");
}

/* ---- distributions ---------------------------------------------------------- */

static const char *const dist_names[] = {
	[DIST_FIXED] = "fixed",
	[DIST_UNIFORM] = "uniform",
	[DIST_EXPONENTIAL] = "exponential",
	[DIST_LOGNORMAL] = "lognormal",
	[DIST_EMPIRICAL] = "empirical",
	NULL,
};

/* Keys accepted per kind (besides "dist"). */
static const char *const dist_keys[][5] = {
	[DIST_FIXED] = { "value", NULL },
	[DIST_UNIFORM] = { "min", "max", NULL },
	[DIST_EXPONENTIAL] = { "mean", NULL },
	[DIST_LOGNORMAL] = { "median", "p99", "mu", "sigma", NULL },
	[DIST_EMPIRICAL] = { "table", NULL },
};

#define DIST_HINT "a distribution {dist: fixed|uniform|exponential|lognormal|empirical, ...}"

static int dist_time(struct cfg_ctx *x, struct fy_node *m, const char *key, struct pos mpos,
		     const char *path, double *out, bool required)
{
	char kp[PATH_MAX_LEN], text[PARAM_STRING_MAX], why[256], fb[FOUND_MAX + 8];
	struct fy_node *k = NULL;
	struct fy_node *v = lookup(m, key, &k);
	sim_time_t ps;

	join_path(kp, path, key);
	if (!k) {
		if (!required)
			return 1;
		return fail(x, mpos, path, "expected key \"%s\" in this distribution, found no such key", key);
	}
	if (is_null(v) || !fy_node_is_scalar(v) || scalar_text(v, text, sizeof(text)))
		return fail(x, pos_or(v, node_pos(k)), kp, "expected a time, found %s",
			    found(v, fb, sizeof(fb)));
	if (units_parse_time(text, x->c->vm.freq_hz, &ps, why, sizeof(why)))
		return fail(x, node_pos(v), kp, "%s", why);
	*out = (double)ps;
	return 0;
}

static int dist_number(struct cfg_ctx *x, struct fy_node *m, const char *key, const char *path,
		       double *out)
{
	char kp[PATH_MAX_LEN], text[PARAM_STRING_MAX], fb[FOUND_MAX + 8];
	struct fy_node *k = NULL;
	struct fy_node *v = lookup(m, key, &k);

	join_path(kp, path, key);
	if (is_null(v) || !fy_node_is_scalar(v) || scalar_text(v, text, sizeof(text)) ||
	    parse_number(text, out))
		return fail(x, pos_or(v, node_pos(k)), kp, "expected a number, found %s",
			    found(v, fb, sizeof(fb)));
	return 0;
}

static int dist_table(struct cfg_ctx *x, struct fy_node *m, struct pos mpos, const char *path,
		      struct dist *out)
{
	char kp[PATH_MAX_LEN], ip[PATH_MAX_LEN], text[PARAM_STRING_MAX], why[256], fb[FOUND_MAX + 8];
	double value[DIST_EMPIRICAL_MAX], cdf[DIST_EMPIRICAL_MAX];
	struct fy_node *k = NULL, *t = lookup(m, "table", &k), *item, *last = NULL;
	void *it = NULL;
	int n;
	uint32_t i = 0;

	join_path(kp, path, "table");
	if (!k)
		return fail(x, mpos, path, "expected key \"table\" in this distribution, found no such key");
	if (is_null(t) || !fy_node_is_sequence(t))
		return fail(x, pos_or(t, node_pos(k)), kp,
			    "expected a sequence of [time, cumulative probability] pairs, found %s",
			    found(t, fb, sizeof(fb)));
	n = fy_node_sequence_item_count(t);
	if (n < 1 || n > DIST_EMPIRICAL_MAX)
		return fail(x, pos_or(t, node_pos(k)), kp, "expected 1 to %d points, found %d",
			    DIST_EMPIRICAL_MAX, n);
	while ((item = fy_node_sequence_iterate(t, &it))) {
		struct fy_node *tv, *pv;
		void *it2 = NULL;
		sim_time_t ps;

		sfmt(ip, sizeof(ip), "%s.%u", kp, i);
		if (is_null(item) || !fy_node_is_sequence(item) || fy_node_sequence_item_count(item) != 2)
			return fail(x, pos_or(item, node_pos(k)), ip,
				    "expected a pair [time, cumulative probability], found %s",
				    found(item, fb, sizeof(fb)));
		tv = fy_node_sequence_iterate(item, &it2);
		pv = fy_node_sequence_iterate(item, &it2);
		if (is_null(tv) || !fy_node_is_scalar(tv) || scalar_text(tv, text, sizeof(text)))
			return fail(x, pos_or(tv, node_pos(item)), ip, "expected a time, found %s",
				    found(tv, fb, sizeof(fb)));
		if (units_parse_time(text, x->c->vm.freq_hz, &ps, why, sizeof(why)))
			return fail(x, node_pos(tv), ip, "%s", why);
		value[i] = (double)ps;
		if (i && value[i] < value[i - 1])
			return fail(x, node_pos(tv), ip, "expected times in ascending order, found \"%s\"", text);
		if (is_null(pv) || !fy_node_is_scalar(pv) || scalar_text(pv, text, sizeof(text)) ||
		    parse_number(text, &cdf[i]) || cdf[i] < 0 || cdf[i] > 1)
			return fail(x, pos_or(pv, node_pos(item)), ip,
				    "expected a cumulative probability from 0 to 1, found %s",
				    found(pv, fb, sizeof(fb)));
		if (i && cdf[i] < cdf[i - 1])
			return fail(x, node_pos(pv), ip,
				    "expected cumulative probabilities in ascending order, found \"%s\"", text);
		last = pv;
		i++;
	}
	if (cdf[i - 1] != 1.0)
		return fail(x, pos_or(last, node_pos(k)), kp,
			    "expected the last cumulative probability to be 1, found %g", cdf[i - 1]);
	if (dist_empirical(out, value, cdf, i))
		return fail(x, pos_or(t, node_pos(k)), kp, "invalid table");
	return 0;
}

static int parse_dist(struct cfg_ctx *x, struct fy_node *v, struct pos keypos, const char *path,
		      struct dist *out)
{
	char text[PARAM_STRING_MAX], why[256], fb[FOUND_MAX + 8], kp[PATH_MAX_LEN];
	struct fy_node *kk = NULL, *kind_node;
	struct names ns = { .n = 0 };
	struct pos mpos = pos_or(v, keypos);
	struct dist d = { 0 };
	double a = 0, b = 0;
	int kind, rc = 0;

	if (!is_null(v) && fy_node_is_scalar(v)) {
		sim_time_t ps;

		if (scalar_text(v, text, sizeof(text)))
			return fail(x, node_pos(v), path, "expected a time, found %s",
				    found(v, fb, sizeof(fb)));
		if (units_parse_time(text, x->c->vm.freq_hz, &ps, why, sizeof(why))) {
			splice_alt(why, sizeof(why), DIST_HINT);
			return fail(x, node_pos(v), path, "%s", why);
		}
		dist_fixed(out, (double)ps);
		return 0;
	}
	if (is_null(v) || !fy_node_is_mapping(v))
		return fail(x, mpos, path, "expected a time or a distribution {dist: ...}, found %s",
			    found(v, fb, sizeof(fb)));
	kind_node = lookup(v, "dist", &kk);
	join_path(kp, path, "dist");
	if (!kk)
		return fail(x, mpos, path, "expected key \"dist\" naming the distribution, found no such key");
	if (is_null(kind_node) || !fy_node_is_scalar(kind_node) ||
	    scalar_text(kind_node, text, sizeof(text)))
		return fail(x, pos_or(kind_node, node_pos(kk)), kp, "expected a distribution name, found %s",
			    found(kind_node, fb, sizeof(fb)));
	kind = enum_index(dist_names, text);
	if (kind < 0)
		return fail_enum(x, node_pos(kind_node), kp, "distribution", dist_names, text);
	names_add(&ns, "dist");
	for (size_t i = 0; dist_keys[kind][i]; i++)
		names_add(&ns, dist_keys[kind][i]);
	if (check_keys(x, v, path, &ns))
		return -1;

	switch ((enum dist_kind)kind) {
	case DIST_FIXED:
		if (dist_time(x, v, "value", mpos, path, &a, true))
			return -1;
		dist_fixed(&d, a);
		break;
	case DIST_UNIFORM:
		if (dist_time(x, v, "min", mpos, path, &a, true) ||
		    dist_time(x, v, "max", mpos, path, &b, true))
			return -1;
		if (b < a)
			return fail(x, node_pos(lookup(v, "max", NULL)), path,
				    "expected max >= min, found max below min");
		rc = dist_uniform(&d, a, b);
		break;
	case DIST_EXPONENTIAL:
		if (dist_time(x, v, "mean", mpos, path, &a, true))
			return -1;
		if (a <= 0)
			return fail(x, node_pos(lookup(v, "mean", NULL)), path,
				    "expected a positive mean, found 0");
		rc = dist_exponential(&d, a);
		break;
	case DIST_LOGNORMAL: {
		bool by_median = lookup(v, "median", NULL) || lookup(v, "p99", NULL);
		bool by_mu = lookup(v, "mu", NULL) || lookup(v, "sigma", NULL);

		if (by_median == by_mu)
			return fail(x, mpos, path,
				    "expected either median and p99, or mu and sigma, found %s",
				    by_median ? "both forms" : "neither");
		if (by_median) {
			if (dist_time(x, v, "median", mpos, path, &a, true) ||
			    dist_time(x, v, "p99", mpos, path, &b, true))
				return -1;
			if (a <= 0)
				return fail(x, node_pos(lookup(v, "median", NULL)), path,
					    "expected a positive median, found 0");
			if (b < a)
				return fail(x, node_pos(lookup(v, "p99", NULL)), path,
					    "expected p99 >= median, found p99 below median");
			rc = dist_lognormal_median_p99(&d, a, b);
		} else {
			/* mu and sigma describe ln(latency in ns); dist.h keeps
			 * picoseconds, so shift mu by ln(1000). */
			if (dist_number(x, v, "mu", path, &a) || dist_number(x, v, "sigma", path, &b))
				return -1;
			if (b < 0)
				return fail(x, node_pos(lookup(v, "sigma", NULL)), path,
					    "expected sigma >= 0, found %g", b);
			rc = dist_lognormal(&d, a + log(1000.0), b);
		}
		break;
	}
	case DIST_EMPIRICAL:
		if (dist_table(x, v, mpos, path, &d))
			return -1;
		break;
	}
	if (rc || dist_validate(&d, why, sizeof(why)))
		return fail(x, mpos, path, "expected a valid distribution, found one where %s", why);
	*out = d;
	return 0;
}

/* ---- params of any type ------------------------------------------------------ */

static int apply_param(struct cfg_ctx *x, const struct param_desc *d, void *base, struct fy_node *v,
		       struct pos keypos, const char *path)
{
	char text[PARAM_STRING_MAX], fb[FOUND_MAX + 8];
	struct pos p = pos_or(v, keypos);

	if (record(x, path, p, v))
		return -1;
	if (d->type == PT_DIST)
		return parse_dist(x, v, keypos, path, (struct dist *)((unsigned char *)base + d->offset));
	if (is_null(v) || !fy_node_is_scalar(v)) {
		const struct cfg_key_note *note = cfg_key_note_find(path);

		if (d->type == PT_ENUM)
			list_enum(d->enum_names, text, sizeof(text));
		return fail(x, p, path, "expected %s%s%s%s%s, found %s", type_what(d->type),
			    d->type == PT_ENUM ? " (" : "", d->type == PT_ENUM ? text : "",
			    d->type == PT_ENUM ? ")" : "",
			    note && note->word ? " or none" : "", found(v, fb, sizeof(fb)));
	}
	if (scalar_text(v, text, sizeof(text)))
		return fail(x, p, path, "expected %s of at most %d characters, found %s", type_what(d->type),
			    PARAM_STRING_MAX - 1, found(v, fb, sizeof(fb)));
	return apply_text(x, d, base, text, p, path);
}

/* A default is scenario text: scalars directly, mappings through libfyaml. */
static int apply_default(struct cfg_ctx *x, const struct param_desc *d, void *base, const char *path)
{
	struct fy_document *doc;
	struct pos none = { 0, 0 };
	int rc;

	if (!d->def)
		return 0;
	if (d->type != PT_DIST)
		return apply_text(x, d, base, d->def, none, path);
	doc = fy_document_build_from_string(NULL, d->def, FY_NT);
	if (!doc)
		return fail(x, none, path, "internal: default \"%s\" is not YAML", d->def);
	rc = parse_dist(x, fy_document_root(doc), none, path,
			(struct dist *)((unsigned char *)base + d->offset));
	fy_document_destroy(doc);
	return rc;
}

/* ---- protocol ------------------------------------------------------------------ */

/* A preset name today; a mapping {base: NAME, switch: {...}} becomes a
 * second branch here, reusing set_protocol_name for `base`. */
static const struct param_desc *param_find(const struct param_desc *d, const char *key);

static int set_protocol_name(struct cfg_ctx *x, const char *text, struct pos p, const char *path)
{
	const struct apf_preset *pre;

	if (enum_index(cfg_protocol_names, text) < 0)
		return fail_enum(x, p, path, "protocol", cfg_protocol_names, text);
	copy_str(x->c->protocol, sizeof(x->c->protocol), text);
	pre = apf_preset_find(text);
	memset(&x->c->sw, 0, sizeof(x->c->sw));
	if (pre)
		x->c->sw = pre->sw;
	x->c->sw_overridden = false;
	return 0;
}

/* One switch override, checked against the switch schema. */
static int apply_switch(struct cfg_ctx *x, const char *key, struct fy_node *v, struct pos keypos)
{
	char path[PATH_MAX_LEN], list[1024], hint[128];
	const struct param_desc *d = param_find(apf_switch_params, key);
	struct names ns = { .n = 0 };

	join_path(path, "protocol", key);
	if (!d) {
		names_add(&ns, "base");
		names_add_params(&ns, apf_switch_params);
		names_explain(&ns, key, list, sizeof(list), hint, sizeof(hint));
		return fail(x, keypos, path, "unknown switch, expected one of %s, found \"%s\"%s", list, key,
			    hint);
	}
	if (!apf_preset_find(x->c->protocol))
		return fail(x, keypos, path, "protocol %s has no switches (APF is off); choose a base "
					     "preset such as arm64-v4", x->c->protocol);
	if (apply_param(x, d, &x->c->sw, v, keypos, path))
		return -1;
	x->c->sw_overridden = true;
	return 0;
}

static int validate_switches(struct cfg_ctx *x, struct pos p)
{
	char why[512];

	if (!apf_preset_find(x->c->protocol) || !apf_switches_validate(&x->c->sw, why, sizeof(why)))
		return 0;
	return fail(x, p, "protocol", "the %s guest driver cannot honour these switches: %s",
		    apf_switches_x86_driver(&x->c->sw) ? "x86-semantics" : "arm64", why);
}

/* `protocol: PRESET` or `protocol: {base: PRESET, SWITCH: VALUE, ...}`
 * (docs/protocols.md); `base` is applied first, then the overrides. */
static int apply_protocol(struct cfg_ctx *x, struct fy_node *v, struct pos keypos, const char *path)
{
	char text[PARAM_STRING_MAX], list[256], fb[FOUND_MAX + 8], key[PARAM_STRING_MAX];
	struct fy_node *bk = NULL, *base;
	struct fy_node_pair *pr;
	struct names ns = { .n = 0 };
	void *it = NULL;

	if (!is_null(v) && fy_node_is_mapping(v)) {
		names_add(&ns, "base");
		names_add_params(&ns, apf_switch_params);
		if (check_keys(x, v, path, &ns))
			return -1;
		base = lookup(v, "base", &bk);
		if (!base || !fy_node_is_scalar(base) || scalar_text(base, text, sizeof(text))) {
			list_enum(cfg_protocol_names, list, sizeof(list));
			return fail(x, pos_or(base, keypos), "protocol.base",
				    "expected a protocol preset (%s), found %s", list,
				    base ? found(base, fb, sizeof(fb)) : "no base key");
		}
		if (set_protocol_name(x, text, node_pos(base), "protocol.base"))
			return -1;
		while ((pr = fy_node_mapping_iterate(v, &it))) {
			struct fy_node *k = fy_node_pair_key(pr);

			scalar_text(k, key, sizeof(key));
			if (strcmp(key, "base") && apply_switch(x, key, fy_node_pair_value(pr), node_pos(k)))
				return -1;
		}
		return validate_switches(x, node_pos(v));
	}
	if (is_null(v) || !fy_node_is_scalar(v) || scalar_text(v, text, sizeof(text))) {
		list_enum(cfg_protocol_names, list, sizeof(list));
		return fail(x, pos_or(v, keypos), path, "expected a protocol preset (%s) or {base: PRESET, "
							"switch: value}, found %s", list,
			    found(v, fb, sizeof(fb)));
	}
	return set_protocol_name(x, text, node_pos(v), path);
}

/* ---- swap device preset --------------------------------------------------------- */

/* `host.swap.device: NAME`: store the name, then load the preset's values
 * into the other host.swap keys through the same code as user input (a key
 * the user gives is applied after this and overrides the preset). */
static int apply_swap_device(struct cfg_ctx *x, const struct param_desc *d, struct fy_node *v,
			     struct pos keypos, const char *path)
{
	const struct cfg_section *sec = cfg_section_find("host.swap");
	const struct swap_preset *pre;
	char kp[PATH_MAX_LEN];

	if (apply_param(x, d, x->c, v, keypos, path))
		return -1;
	pre = &cfg_swap_presets[x->c->host.swap.device];
	const struct {
		const char *key, *text;
	} vals[] = {
		{ "queue_depth", pre->queue_depth }, { "floor", pre->floor },
		{ "read_latency", pre->read_latency }, { "write_latency", pre->write_latency },
		{ "bandwidth", pre->bandwidth }, { "seek_max", pre->seek_max },
		{ "scheduler", pre->scheduler },
	};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct param_desc pd = *param_find(sec->params, vals[i].key);

		pd.def = vals[i].text;
		join_path(kp, "host.swap", vals[i].key);
		if (apply_default(x, &pd, x->c, kp))
			return -1;
	}
	return 0;
}

/* ---- tasks ----------------------------------------------------------------------- */

static const struct param_desc *param_find(const struct param_desc *d, const char *key)
{
	for (; d && d->key; d++)
		if (strcmp(d->key, key) == 0)
			return d;
	return NULL;
}

static void workload_names(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; workload_table[i]; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", workload_table[i]->name);

		if (w > 0 && (size_t)w < len - used)
			used += (size_t)w;
	}
}

static int set_workload(struct cfg_ctx *x, struct task_cfg *t, struct fy_node *v, struct pos keypos,
			const char *path)
{
	char text[PARAM_STRING_MAX], fb[FOUND_MAX + 8], list[512], pp[PATH_MAX_LEN];
	const struct workload_ops *w;
	const char *names[64];
	size_t n = 0;

	if (is_null(v) || !fy_node_is_scalar(v) || scalar_text(v, text, sizeof(text))) {
		workload_names(list, sizeof(list));
		return fail(x, pos_or(v, keypos), path, "expected a workload name (%s), found %s", list,
			    found(v, fb, sizeof(fb)));
	}
	w = workload_find(text);
	if (!w) {
		for (size_t i = 0; workload_table[i] && n < 63; i++)
			names[n++] = workload_table[i]->name;
		names[n] = NULL;
		return fail_enum(x, node_pos(v), path, "workload", names, text);
	}
	if (w->params_size > CFG_WL_PARAMS_MAX)
		return fail(x, node_pos(v), path, "internal: workload \"%s\" has %zu bytes of params, above %u",
			    w->name, w->params_size, (unsigned)CFG_WL_PARAMS_MAX);
	t->workload = w;
	memset(t->params, 0, sizeof(t->params));
	for (const struct param_desc *d = w->params; d && d->key; d++) {
		/* path is "tasks.N.workload": defaults are named tasks.N.KEY */
		sfmt(pp, sizeof(pp), "%.*s.%s", (int)(strrchr(path, '.') - path), path, d->key);
		if (apply_default(x, d, t->params, pp))
			return -1;
	}
	return 0;
}

static bool name_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-';
}

static int set_name(struct cfg_ctx *x, struct task_cfg *tasks, uint32_t idx, struct fy_node *v,
		    struct pos keypos, const char *path)
{
	char text[PARAM_STRING_MAX], fb[FOUND_MAX + 8];
	size_t l;

	if (is_null(v) || !fy_node_is_scalar(v) || scalar_text(v, text, sizeof(text)) ||
	    (l = strlen(text)) == 0 || l >= sizeof(tasks[idx].name))
		return fail(x, pos_or(v, keypos), path, "expected a task name of 1 to %zu characters, found %s",
			    sizeof(tasks[idx].name) - 1, found(v, fb, sizeof(fb)));
	for (size_t i = 0; i < l; i++)
		if (!name_char_ok(text[i]))
			return fail(x, node_pos(v), path,
				    "expected a task name of letters, digits, '_' and '-', found \"%s\"", text);
	for (uint32_t i = 0; i < x->c->ntasks; i++)
		if (i != idx && strcmp(tasks[i].name, text) == 0)
			return fail(x, node_pos(v), path,
				    "duplicate task name, expected a name not used by tasks.%u, found \"%s\"", i,
				    text);
	copy_str(tasks[idx].name, sizeof(tasks[idx].name), text);
	return 0;
}

static int set_vcpu(struct cfg_ctx *x, struct task_cfg *t, struct fy_node *v, struct pos keypos,
		    const char *path)
{
	char text[PARAM_STRING_MAX], fb[FOUND_MAX + 8];
	uint64_t u;

	if (is_null(v) || !fy_node_is_scalar(v) || scalar_text(v, text, sizeof(text)))
		return fail(x, pos_or(v, keypos), path, "expected a vCPU number or any, found %s",
			    found(v, fb, sizeof(fb)));
	if (strcmp(text, "any") == 0) {
		t->vcpu = -1;
		return 0;
	}
	if (parse_uint(text, &u) || u >= CFG_MAX_VCPUS)
		return fail(x, node_pos(v), path, "expected a vCPU number from 0 to %d or any, found \"%s\"",
			    CFG_MAX_VCPUS - 1, text);
	t->vcpu = (int32_t)u;
	return record(x, path, node_pos(v), v);
}

/* One key of task `idx`; name, workload and vcpu have their own rules,
 * count and start come from cfg_task_params, the rest from the workload. */
static int apply_task_key(struct cfg_ctx *x, struct task_cfg *tasks, uint32_t idx, const char *key,
			  struct fy_node *keynode, struct fy_node *v, struct pos keypos)
{
	struct task_cfg *t = &tasks[idx];
	char path[PATH_MAX_LEN], list[1024], hint[128];
	const struct param_desc *d;
	struct names ns = { .n = 0 };

	sfmt(path, sizeof(path), "tasks.%u.%s", idx, key);
	if (strcmp(key, "name") == 0)
		return set_name(x, tasks, idx, v, keypos, path);
	if (strcmp(key, "workload") == 0)
		return set_workload(x, t, v, keypos, path);
	if (strcmp(key, "vcpu") == 0)
		return set_vcpu(x, t, v, keypos, path);
	d = param_find(cfg_task_params, key);
	if (d)
		return apply_param(x, d, t, v, keypos, path);
	d = t->workload ? param_find(t->workload->params, key) : NULL;
	if (d)
		return apply_param(x, d, t->params, v, keypos, path);
	names_add_params(&ns, cfg_task_params);
	if (t->workload)
		names_add_params(&ns, t->workload->params);
	names_explain(&ns, key, list, sizeof(list), hint, sizeof(hint));
	return fail(x, pos_or(keynode, keypos), path,
		    "unknown key for a task with workload \"%s\", expected one of %s, found \"%s\"%s",
		    t->workload ? t->workload->name : "?", list, key, hint);
}

static int parse_task(struct cfg_ctx *x, struct task_cfg *tasks, uint32_t idx, struct fy_node *m,
		      struct pos seqpos)
{
	char ip[PATH_MAX_LEN], key[PARAM_STRING_MAX], fb[FOUND_MAX + 8], kp[PATH_MAX_LEN];
	struct task_cfg *t = &tasks[idx];
	struct fy_node *nk = NULL, *wk = NULL, *nv, *wv;
	struct fy_node_pair *pr;
	struct names ns = { .n = 0 };
	struct pos mpos = pos_or(m, seqpos);
	void *it = NULL;

	sfmt(ip, sizeof(ip), "tasks.%u", idx);
	if (is_null(m) || !fy_node_is_mapping(m))
		return fail(x, mpos, ip, "expected a task mapping {name: ..., workload: ...}, found %s",
			    found(m, fb, sizeof(fb)));
	t->line = mpos.line;
	t->vcpu = -1;
	/* name and workload first: the workload decides which keys exist. */
	nv = lookup(m, "name", &nk);
	wv = lookup(m, "workload", &wk);
	if (!nk)
		return fail(x, mpos, ip, "expected key \"name\" in every task, found no such key");
	if (!wk)
		return fail(x, mpos, ip, "expected key \"workload\" in every task, found no such key");
	sfmt(kp, sizeof(kp), "%s.name", ip);
	if (set_name(x, tasks, idx, nv, node_pos(nk), kp))
		return -1;
	sfmt(kp, sizeof(kp), "%s.workload", ip);
	if (set_workload(x, t, wv, node_pos(wk), kp))
		return -1;
	for (const struct param_desc *d = cfg_task_params; d->key; d++) {
		sfmt(kp, sizeof(kp), "%s.%s", ip, d->key);
		if (strcmp(d->key, "vcpu") != 0 && d->def && apply_default(x, d, t, kp))
			return -1;
	}
	names_add_params(&ns, cfg_task_params);
	names_add_params(&ns, t->workload->params);
	if (check_keys(x, m, ip, &ns))
		return -1;
	while ((pr = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *k = fy_node_pair_key(pr);

		scalar_text(k, key, sizeof(key)); /* check_keys made sure it fits */
		if (strcmp(key, "name") == 0 || strcmp(key, "workload") == 0)
			continue;
		if (apply_task_key(x, tasks, idx, key, k, fy_node_pair_value(pr), node_pos(k)))
			return -1;
	}
	for (const struct param_desc *d = t->workload->params; d && d->key; d++)
		if (!d->def && !lookup(m, d->key, NULL))
			return fail(x, mpos, ip, "expected key \"%s\" (required by workload \"%s\"), found no such key",
				    d->key, t->workload->name);
	return 0;
}

static int parse_tasks(struct cfg_ctx *x, struct fy_node *v, struct pos keypos)
{
	char fb[FOUND_MAX + 8];
	struct fy_node *item;
	void *it = NULL;
	uint32_t i = 0;
	int n;

	if (is_null(v) || !fy_node_is_sequence(v))
		return fail(x, pos_or(v, keypos), "tasks", "expected a sequence of tasks, found %s",
			    found(v, fb, sizeof(fb)));
	if (record(x, "tasks", keypos, NULL))
		return -1;
	n = fy_node_sequence_item_count(v);
	if (n == 0)
		return fail(x, keypos, "tasks", "expected at least one task, found an empty sequence");
	if (n > CFG_MAX_TASKS)
		return fail(x, keypos, "tasks", "expected at most %d tasks, found %d", CFG_MAX_TASKS, n);
	free(x->c->tasks);
	x->c->ntasks = 0;
	x->c->tasks = calloc((size_t)n, sizeof(*x->c->tasks));
	if (!x->c->tasks)
		return fail(x, keypos, "tasks", "out of memory for %d tasks", n);
	while ((item = fy_node_sequence_iterate(v, &it))) {
		x->c->ntasks = i + 1;
		if (parse_task(x, x->c->tasks, i, item, keypos))
			return -1;
		i++;
	}
	return 0;
}

/* ---- sections ------------------------------------------------------------------------ */

static void section_names(const struct cfg_section *sec, struct names *ns)
{
	size_t pl = strlen(sec->path);

	names_add_params(ns, sec->params);
	for (const struct cfg_section *s = cfg_sections; s->path; s++) {
		const char *rest = s->path + pl + (pl ? 1 : 0);

		if (s == sec || strncmp(s->path, sec->path, pl) != 0 || (pl && s->path[pl] != '.'))
			continue;
		if (!strchr(rest, '.'))
			names_add(ns, rest);
	}
	if (!*sec->path) {
		names_add(ns, "tasks");
		names_add(ns, "expect");
	}
}

static int apply_section(struct cfg_ctx *x, const struct cfg_section *sec, struct fy_node *m,
			 struct pos keypos);

/* One key of a section: a param, a child section, or (top level) tasks. */
static int apply_key(struct cfg_ctx *x, const struct cfg_section *sec, const char *key,
		     struct fy_node *v, struct pos keypos)
{
	char path[PATH_MAX_LEN];
	const struct param_desc *d = param_find(sec->params, key);
	const struct cfg_section *child;

	join_path(path, sec->path, key);
	if (!*sec->path && strcmp(key, "protocol") == 0)
		return apply_protocol(x, v, keypos, path);
	if (!*sec->path && strcmp(key, "tasks") == 0)
		return parse_tasks(x, v, keypos);
	if (d && strcmp(path, "host.swap.device") == 0)
		return apply_swap_device(x, d, v, keypos, path);
	/* What a run must show (apfsim test): model/scenario/expect.c. */
	if (!*sec->path && strcmp(key, "expect") == 0)
		return 0;
	if (d)
		return apply_param(x, d, x->c, v, keypos, path);
	child = cfg_section_find(path);
	if (child)
		return apply_section(x, child, v, keypos);
	return fail(x, keypos, path, "internal: key without a handler");
}

static int apply_section(struct cfg_ctx *x, const struct cfg_section *sec, struct fy_node *m,
			 struct pos keypos)
{
	char key[PARAM_STRING_MAX], fb[FOUND_MAX + 8];
	struct names ns = { .n = 0 };
	struct fy_node_pair *pr;
	void *it = NULL;
	bool top = !*sec->path;

	if (is_null(m) || !fy_node_is_mapping(m))
		return fail(x, pos_or(m, keypos), sec->path, "expected a mapping%s, found %s",
			    top ? " of sections (seed, protocol, vm, host, guest, run, tasks)" : "",
			    found(m, fb, sizeof(fb)));
	section_names(sec, &ns);
	if (check_keys(x, m, sec->path, &ns))
		return -1;
	/* vm first at the top level: times given in cycles need vm.freq; the
	 * swap device first in host.swap: its preset is what the other keys
	 * override. */
	const char *first = top ? "vm" : strcmp(sec->path, "host.swap") == 0 ? "device" : NULL;
	if (first) {
		struct fy_node *fk = NULL, *fv = lookup(m, first, &fk);

		if (fk && apply_key(x, sec, first, fv, node_pos(fk)))
			return -1;
	}
	while ((pr = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *k = fy_node_pair_key(pr);

		scalar_text(k, key, sizeof(key));
		if (first && strcmp(key, first) == 0)
			continue;
		if (apply_key(x, sec, key, fy_node_pair_value(pr), node_pos(k)))
			return -1;
	}
	return 0;
}

static int fill_defaults(struct cfg_ctx *x)
{
	char path[PATH_MAX_LEN];

	for (const struct cfg_section *s = cfg_sections; s->path; s++) {
		for (const struct param_desc *d = s->params; d->key; d++) {
			join_path(path, s->path, d->key);
			if (!*s->path && strcmp(d->key, "protocol") == 0) {
				struct pos none = { 0, 0 };

				if (set_protocol_name(x, d->def, none, path))
					return -1;
			} else if (apply_default(x, d, x->c, path)) {
				return -1;
			}
		}
	}
	return 0;
}

void config_defaults(struct apf_config *c)
{
	struct cfg_error scratch;
	struct cfg_ctx x = { .name = "defaults", .err = &scratch, .c = c };

	memset(c, 0, sizeof(*c));
	/* Cannot fail: tests/config_test.cc checks every default. */
	(void)fill_defaults(&x);
	free(x.origins);
}

/* ---- cross-field checks ------------------------------------------------------------------ */

/* Blame the first of `paths` the user set (its position and text). */
static int fail_key(struct cfg_ctx *x, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_key(struct cfg_ctx *x, const char *path, const char *fmt, ...)
{
	const struct origin *o = origin_find(x, path);
	struct pos none = { 0, 0 };
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail(x, o ? o->pos : none, path, "%s", msg);
}

static const char *origin_text(struct cfg_ctx *x, const char *path, char *buf, size_t len,
			       uint64_t bytes)
{
	const struct origin *o = origin_find(x, path);
	char v[48];

	if (o && !x->set_key)
		return o->text;
	units_format_size(bytes, v, sizeof(v));
	sfmt(buf, len, "\"%s\"", v);
	return buf;
}

/* An injection instant (faults.KEY) must fall within the run. */
static int validate_instant(struct cfg_ctx *x, const char *key, sim_time_t at)
{
	char a[48], b[48];

	if (at <= x->c->run.duration)
		return 0;
	units_format_time(at, a, sizeof(a));
	units_format_time(x->c->run.duration, b, sizeof(b));
	return fail_key(x, key, "expected a time within run.duration (%s), found %s", b, a);
}

/* faults.NAME_at/_vcpu/_random against the run and the VM; `min_vcpus`:
 * a CPU can go offline only while another one stays online. */
static int validate_window(struct cfg_ctx *x, const char *name, const struct fault_window *w,
			   uint32_t min_vcpus)
{
	const struct apf_config *c = x->c;
	char at[PATH_MAX_LEN], vcpu[PATH_MAX_LEN], rnd[PATH_MAX_LEN];

	if (!w->at && !w->random)
		return 0;
	sfmt(at, sizeof(at), "faults.%s_at", name);
	sfmt(vcpu, sizeof(vcpu), "faults.%s_vcpu", name);
	sfmt(rnd, sizeof(rnd), "faults.%s_random", name);
	if (c->vm.vcpus < min_vcpus)
		return fail_key(x, w->random ? rnd : at,
				"expected vm.vcpus of at least %u (the last online CPU cannot go offline), found %u",
				min_vcpus, c->vm.vcpus);
	if (validate_instant(x, at, w->at))
		return -1;
	if (!w->random && w->vcpu >= c->vm.vcpus)
		return fail_key(x, vcpu, "expected a vCPU from 0 to %u (vm.vcpus is %u), found %u",
				c->vm.vcpus - 1, c->vm.vcpus, w->vcpu);
	return 0;
}

static int validate(struct cfg_ctx *x)
{
	struct apf_config *c = x->c;
	char a[64], b[64], path[PATH_MAX_LEN];
	uint64_t instances = 0;

	if (c->vm.memory % CFG_PAGE_SIZE)
		return fail_key(x, "vm.memory", "expected a multiple of the 4KiB page size, found %s",
				origin_text(x, "vm.memory", a, sizeof(a), c->vm.memory));
	if (c->vm.kernel_reserved % CFG_PAGE_SIZE)
		return fail_key(x, "vm.kernel_reserved",
				"expected a multiple of the 4KiB page size, found %s",
				origin_text(x, "vm.kernel_reserved", a, sizeof(a), c->vm.kernel_reserved));
	if (c->vm.kernel_reserved >= c->vm.memory) {
		const char *who = origin_find(x, "vm.kernel_reserved") || !origin_find(x, "vm.memory") ?
					  "vm.kernel_reserved" : "vm.memory";

		units_format_size(c->vm.memory, b, sizeof(b));
		units_format_size(c->vm.kernel_reserved, a, sizeof(a));
		return fail_key(x, who,
				"expected vm.kernel_reserved below vm.memory, found kernel_reserved %s with memory %s",
				a, b);
	}
	if (!c->ntasks || !c->tasks) {
		struct pos top = { 1, 1 };

		return fail(x, top, "tasks", "expected a sequence of at least one task, found no tasks key");
	}
	for (uint32_t i = 0; i < c->ntasks; i++) {
		const struct task_cfg *t = &c->tasks[i];

		instances += t->count;
		if (t->vcpu >= 0 && (uint32_t)t->vcpu >= c->vm.vcpus) {
			sfmt(path, sizeof(path), "tasks.%u.vcpu", i);
			return fail_key(x, path,
					"task \"%s\" is pinned to vCPU %d but the VM has %u vCPU%s (vm.vcpus), expected 0 to %u, found \"%d\"",
					t->name, t->vcpu, c->vm.vcpus, c->vm.vcpus == 1 ? "" : "s",
					c->vm.vcpus - 1, t->vcpu);
		}
	}
	if (instances > CFG_MAX_TASKS)
		return fail_key(x, "tasks", "expected at most %d task instances in total (sum of count), found %llu",
				CFG_MAX_TASKS, (unsigned long long)instances);
	if (c->host.arch != HOST_ARCH_AUTO && strcmp(c->protocol, "sync")) {
		/* The protocol's transports are one architecture's hardware. */
		bool x86 = apf_switches_x86_driver(&c->sw);

		if (x86 != (c->host.arch == HOST_ARCH_X86))
			return fail_key(x, "host.arch",
					"expected auto or %s for protocol %s (its transports are %s hardware), found \"%s\"",
					x86 ? "x86" : "arm64", c->protocol, x86 ? "x86" : "arm64",
					cfg_host_arch_names[c->host.arch]);
	}
	{
		/* A hypercall round trip contains one exit and one entry. */
		struct trap_costs tc;

		trap_costs_resolve(c, &tc);
		if (tc.vmexit + tc.vmentry > tc.hypercall) {
			const char *who = origin_find(x, "host.vmexit")	   ? "host.vmexit"
					  : origin_find(x, "host.vmentry") ? "host.vmentry"
									   : "host.hypercall";

			if (x->set_key && (!strcmp(x->set_key, "host.vmexit") ||
					   !strcmp(x->set_key, "host.vmentry") ||
					   !strcmp(x->set_key, "host.hypercall")))
				who = x->set_key;

			units_format_time(tc.vmexit + tc.vmentry, a, sizeof(a));
			units_format_time(tc.hypercall, b, sizeof(b));
			return fail_key(x, who,
					"expected host.vmexit + host.vmentry at most host.hypercall (a round trip is one exit and one entry), found exit + entry %s against a hypercall of %s",
					a, b);
		}
	}
	{
		/* duration x event rate: each busy vCPU takes a timer tick per
		 * timeslice, so this product is the floor of a run's events. */
		double ticks = (double)c->run.duration / (double)c->guest.timeslice * c->vm.vcpus;

		if (ticks > CFG_MAX_TICKS) {
			units_format_time(c->run.duration, a, sizeof(a));
			units_format_time(c->guest.timeslice, b, sizeof(b));
			return fail_key(x, "run.duration",
					"expected at most %.0f timer ticks per run (vm.vcpus x run.duration / "
					"guest.timeslice, the run-length limit), found %.3g (%u vCPUs x %s / %s)",
					CFG_MAX_TICKS, ticks, c->vm.vcpus, a, b);
		}
	}
	if (validate_instant(x, "faults.host_flush_at", c->faults.host_flush_at) ||
	    validate_instant(x, "faults.memory_spike_at", c->faults.memory_spike_at) ||
	    validate_window(x, "cpu_offline", &c->faults.cpu_offline, 2) ||
	    validate_window(x, "apf_toggle", &c->faults.apf_toggle, 1) ||
	    validate_window(x, "sdei_other", &c->faults.sdei_other, 1))
		return -1;
	return 0;
}

/* ---- loading ------------------------------------------------------------------------------ */

/* Aliases are not resolved (resolution would also hide duplicate keys
 * from check_keys), so they are refused.  Depth is bounded by libfyaml's
 * nesting limit. */
static struct fy_node *find_alias(struct fy_node *n)
{
	struct fy_node_pair *pr;
	struct fy_node *c, *a;
	void *it = NULL;

	if (!n)
		return NULL;
	if (fy_node_is_alias(n))
		return n;
	if (fy_node_is_sequence(n)) {
		while ((c = fy_node_sequence_iterate(n, &it)))
			if ((a = find_alias(c)))
				return a;
	} else if (fy_node_is_mapping(n)) {
		while ((pr = fy_node_mapping_iterate(n, &it)))
			if ((a = find_alias(fy_node_pair_key(pr))) || (a = find_alias(fy_node_pair_value(pr))))
				return a;
	}
	return NULL;
}

/* Parse exactly one YAML document from text.  0 with *doc (NULL when the
 * stream is empty), or -1 with the first libfyaml diagnostic as the error. */
static int yaml_load(struct cfg_ctx *x, const char *text, size_t len, struct fy_parser **fypp,
		     struct fy_document **doc)
{
	struct fy_diag_cfg dc;
	struct fy_diag *diag;
	struct fy_parse_cfg pc = { 0 };
	struct fy_parser *fyp;
	struct fy_document *second = NULL;
	struct fy_node *alias;
	struct fy_diag_error *de;
	void *it = NULL;
	struct pos p = { 1, 1 };

	*fypp = NULL;
	*doc = NULL;
	/* The same guard for every text (scenario file or --set value). */
	if (len > CFG_FILE_MAX)
		return fail(x, p, NULL, "expected at most 16MiB of YAML (the scenario size limit), found %zu bytes",
			    len);
	{
		struct text_fault tf;

		if (text_guard(text, len, &tf)) {
			struct pos bad = { tf.line, tf.col };

			return fail(x, bad, NULL, "expected UTF-8 text of printable characters, %s", tf.what);
		}
	}
	fy_diag_cfg_default(&dc);
	dc.fp = NULL;
	dc.colorize = false;
	diag = fy_diag_create(&dc);
	if (!diag)
		return fail(x, p, NULL, "out of memory");
	fy_diag_set_collect_errors(diag, true);
	/* Duplicate keys are found by check_keys, which names the key path. */
	pc.flags = FYPCF_QUIET | FYPCF_ALLOW_DUPLICATE_KEYS;
	pc.diag = diag;
	fyp = fy_parser_create(&pc);
	if (!fyp || fy_parser_set_string(fyp, text, len)) {
		if (fyp)
			fy_parser_destroy(fyp);
		fy_diag_destroy(diag);
		return fail(x, p, NULL, "out of memory");
	}
	*fypp = fyp;
	*doc = fy_parse_load_document(fyp);
	if (*doc && !fy_diag_got_error(diag) && !fy_diag_errors_iterate(diag, &it)) {
		second = fy_parse_load_document(fyp);
		if (second) {
			struct pos sp = pos_or(fy_document_root(second), p);

			fy_parse_document_destroy(fyp, second);
			fy_diag_destroy(diag);
			return fail(x, sp, NULL,
				    "expected a single YAML document, found a second one (after \"---\")");
		}
	}
	it = NULL;
	de = fy_diag_errors_iterate(diag, &it);
	if (de || fy_diag_got_error(diag)) {
		if (de && de->line > 0) {
			p.line = (uint32_t)de->line;
			p.col = de->column > 0 ? (uint32_t)de->column : 1;
		}
		fail(x, p, NULL, "invalid YAML: %s", de && de->msg ? de->msg : "syntax error");
		fy_diag_destroy(diag);
		return -1;
	}
	fy_diag_destroy(diag);
	alias = *doc ? find_alias(fy_document_root(*doc)) : NULL;
	if (alias)
		return fail(x, pos_or(alias, p), NULL,
			    "expected plain values, found an alias (anchors and aliases are not supported)");
	return 0;
}

static int load_text(struct cfg_ctx *x, const char *text, size_t len)
{
	struct fy_parser *fyp = NULL;
	struct fy_document *doc = NULL;
	struct fy_node *root;
	struct pos first = { 1, 1 };
	int rc;

	if (fill_defaults(x))
		return -1;
	rc = yaml_load(x, text, len, &fyp, &doc);
	if (rc == 0) {
		root = doc ? fy_document_root(doc) : NULL;
		if (!root)
			rc = fail(x, first, NULL,
				  "empty scenario, expected a mapping with at least a tasks sequence, found nothing");
		else
			rc = apply_section(x, &cfg_sections[0], root, first);
		if (rc == 0)
			rc = validate(x);
	}
	if (doc)
		fy_parse_document_destroy(fyp, doc);
	if (fyp)
		fy_parser_destroy(fyp);
	return rc;
}

/* Loads go into a private config committed on success (see the header). */
static int load_commit(struct apf_config *c, const char *text, size_t len, const char *name,
		       const char *path, struct cfg_error *err)
{
	struct apf_config tmp;
	struct cfg_ctx x = { .name = name, .err = err, .c = &tmp };
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	rc = load_text(&x, text, len);
	free(x.origins);
	if (rc) {
		free(tmp.tasks);
		config_defaults(c);
		return -1;
	}
	copy_str(tmp.path, sizeof(tmp.path), path);
	{
		const char *slash = strrchr(path, '/');

		if (!slash)
			copy_str(tmp.dir, sizeof(tmp.dir), ".");
		else if (slash == path)
			copy_str(tmp.dir, sizeof(tmp.dir), "/");
		else
			sfmt(tmp.dir, sizeof(tmp.dir), "%.*s", (int)(slash - path), path);
	}
	*c = tmp;
	return 0;
}

int config_load_string(struct apf_config *c, const char *yaml, const char *name, struct cfg_error *err)
{
	return load_commit(c, yaml, strlen(yaml), name, name, err);
}

int config_load_text(struct apf_config *c, const char *text, size_t len, const char *name,
		     struct cfg_error *err)
{
	return load_commit(c, text, len, name, name, err);
}

static int file_error(struct apf_config *c, struct cfg_error *err, const char *path, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));

static int file_error(struct apf_config *c, struct cfg_error *err, const char *path, const char *fmt, ...)
{
	va_list ap;

	config_defaults(c);
	copy_str(err->file, sizeof(err->file), path);
	err->line = err->col = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int config_load_file(struct apf_config *c, const char *path, struct cfg_error *err)
{
	struct stat st;
	FILE *f;
	char *buf;
	size_t len = 0, cap;
	int rc, saved;

	if (strlen(path) >= PARAM_STRING_MAX)
		return file_error(c, err, "scenario", "expected a path of at most %d characters, found %zu",
				  PARAM_STRING_MAX - 1, strlen(path));
	if (stat(path, &st))
		return file_error(c, err, path, "cannot read the scenario: %s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return file_error(c, err, path, "expected a scenario file, found a directory");
	if (S_ISREG(st.st_mode) && st.st_size > (off_t)CFG_FILE_MAX)
		return file_error(c, err, path, "expected a scenario of at most 16MiB, found %lld bytes",
				  (long long)st.st_size);
	f = fopen(path, "rb");
	if (!f)
		return file_error(c, err, path, "cannot read the scenario: %s", strerror(errno));
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096;
	buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + len, 1, cap - len, f);

		len += got;
		if (got == 0 || len > CFG_FILE_MAX)
			break;
		if (len == cap) {
			char *nb = cap > CFG_FILE_MAX ? NULL : realloc(buf, 2 * cap);

			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	saved = errno;
	if (!buf || ferror(f) || len > CFG_FILE_MAX) {
		bool big = buf && len > CFG_FILE_MAX;
		bool io = buf && ferror(f);

		free(buf);
		fclose(f);
		if (big)
			return file_error(c, err, path, "expected a scenario of at most 16MiB, found more");
		if (io)
			return file_error(c, err, path, "cannot read the scenario: %s", strerror(saved));
		return file_error(c, err, path, "out of memory reading the scenario");
	}
	fclose(f);
	rc = load_commit(c, buf, len, path, path, err);
	free(buf);
	return rc;
}

void config_free(struct apf_config *c)
{
	free(c->tasks);
	c->tasks = NULL;
	c->ntasks = 0;
}

/* ---- --set overrides ------------------------------------------------------------------------ */

static int set_apply(struct cfg_ctx *x, const char *key, struct fy_node *v)
{
	struct apf_config *c = x->c;
	char sect[PATH_MAX_LEN], list[1024], hint[128];
	const char *dot, *leaf;
	const struct cfg_section *sec;
	struct names ns = { .n = 0 };
	struct pos none = { 0, 0 };

	if (strncmp(key, "tasks.", 6) == 0) {
		const char *sel = key + 6, *rest = strchr(sel, '.');
		char which[PATH_MAX_LEN];
		uint64_t idx;
		uint32_t i;

		if (!rest || rest == sel || !rest[1])
			return fail(x, none, key, "expected tasks.N.KEY or tasks.NAME.KEY, found \"%s\"", key);
		sfmt(which, sizeof(which), "%.*s", (int)(rest - sel), sel);
		if (!parse_uint(which, &idx)) {
			if (idx >= c->ntasks)
				return fail(x, none, key, "expected a task index from 0 to %u, found \"%s\"",
					    c->ntasks - 1, which);
			i = (uint32_t)idx;
		} else {
			for (i = 0; i < c->ntasks; i++)
				if (strcmp(c->tasks[i].name, which) == 0)
					break;
			if (i == c->ntasks)
				return fail(x, none, key, "expected a task index or name, found \"%s\" (no such task)",
					    which);
		}
		return apply_task_key(x, c->tasks, i, rest + 1, NULL, v, none);
	}
	if (strcmp(key, "tasks") == 0)
		return fail(x, none, key, "expected tasks.N.KEY (tasks cannot be replaced with --set), found \"tasks\"");
	if (strncmp(key, "protocol.", 9) == 0) {
		if (apply_switch(x, key + 9, v, none))
			return -1;
		return validate_switches(x, none);
	}
	sec = cfg_section_find(key);
	if (sec && *key)
		return apply_section(x, sec, v, none);
	dot = strrchr(key, '.');
	if (dot) {
		sfmt(sect, sizeof(sect), "%.*s", (int)(dot - key), key);
		leaf = dot + 1;
	} else {
		sect[0] = '\0';
		leaf = key;
	}
	sec = cfg_section_find(sect);
	if (sec) {
		section_names(sec, &ns);
		if (*leaf && names_has(&ns, leaf) && strcmp(leaf, "tasks") != 0)
			return apply_key(x, sec, leaf, v, none);
		names_explain(&ns, leaf, list, sizeof(list), hint, sizeof(hint));
		return fail(x, none, key, "unknown key, expected one of %s%s%s%s, found \"%s\"%s",
			    sect, *sect ? ".{" : "", list, *sect ? "}" : "", leaf, hint);
	}
	section_names(&cfg_sections[0], &ns);
	names_explain(&ns, key, list, sizeof(list), hint, sizeof(hint));
	return fail(x, none, key, "unknown key, expected a dotted key under one of %s, found \"%s\"", list, key);
}

int config_set(struct apf_config *c, const char *assignment, struct cfg_error *err)
{
	char key[PATH_MAX_LEN];
	const char *eq = strchr(assignment, '=');
	struct apf_config tmp = *c;
	struct cfg_ctx x = { .err = err, .set_key = key, .c = &tmp };
	struct fy_parser *fyp = NULL;
	struct fy_document *doc = NULL;
	struct pos none = { 0, 0 };
	int rc;

	if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof(key)) {
		sfmt(key, sizeof(key), "%.*s", eq ? (int)(eq - assignment) : 40, assignment);
		return fail(&x, none, NULL, "expected KEY=VALUE, found \"%s\"", assignment);
	}
	sfmt(key, sizeof(key), "%.*s", (int)(eq - assignment), assignment);
	if (!eq[1])
		return fail(&x, none, NULL, "expected a value after \"=\", found nothing");
	/* Work on a copy (tasks included) so a failed override changes nothing. */
	tmp.tasks = NULL;
	if (c->ntasks) {
		tmp.tasks = malloc(c->ntasks * sizeof(*tmp.tasks));
		if (!tmp.tasks)
			return fail(&x, none, NULL, "out of memory");
		memcpy(tmp.tasks, c->tasks, c->ntasks * sizeof(*tmp.tasks));
	}
	/* The value is YAML, so --set host.swap.read_latency='{dist: ...}' works. */
	rc = yaml_load(&x, eq + 1, strlen(eq + 1), &fyp, &doc);
	if (rc == 0 && (!doc || !fy_document_root(doc)))
		rc = fail(&x, none, NULL, "expected a value after \"=\", found nothing");
	if (rc == 0)
		rc = set_apply(&x, key, fy_document_root(doc));
	if (rc == 0)
		rc = validate(&x);
	if (doc)
		fy_parse_document_destroy(fyp, doc);
	if (fyp)
		fy_parser_destroy(fyp);
	free(x.origins);
	if (rc) {
		free(tmp.tasks);
		return -1;
	}
	free(c->tasks);
	*c = tmp;
	return 0;
}
