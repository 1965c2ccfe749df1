/* config_values.c — values by schema type: scalars with their bounds,
 * distributions, and defaults, which go through the same code as user
 * input (config_internal.h). */
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
		cfg_sfmt(buf, len, "%llu", (unsigned long long)bound_u64(v));
		break;
	default:
		cfg_sfmt(buf, len, "%g", v);
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
		return cfg_fail(x, p, path, "expected %s of at least %s, found \"%s\"", type_what(d->type), lo,
			    text);
	return cfg_fail(x, p, path, "expected %s from %s to %s, found \"%s\"%s%s", type_what(d->type), lo,
		    hi, text, v > d->max && note && note->over_max ? ": " : "",
		    v > d->max && note && note->over_max ? note->over_max : "");
}

/* Plain non-negative integer, decimal or 0x-prefixed hexadecimal (SDEI
 * event numbers read naturally in hex), overflow-checked. */
int cfg_parse_uint(const char *s, uint64_t *out)
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

void cfg_list_enum(const char *const *names, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; names[i]; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);

		if (w > 0 && (size_t)w < len - used)
			used += (size_t)w;
	}
}

int cfg_enum_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int cfg_fail_enum(struct cfg_ctx *x, struct pos p, const char *path, const char *what,
		     const char *const *names, const char *text)
{
	struct names ns = { .n = 0 };
	char list[512], hint[128];

	for (size_t i = 0; names[i]; i++)
		cfg_names_add(&ns, names[i]);
	cfg_names_explain(&ns, text, list, sizeof(list), hint, sizeof(hint));
	return cfg_fail(x, p, path, "unknown %s, expected one of %s, found \"%s\"%s", what, list, text, hint);
}

/* Store the value of a scalar-typed param from its text. */
/* "expected A, found B" + alt -> "expected A or ALT, found B". */
static void splice_alt(char *why, size_t len, const char *alt)
{
	char tail[256];
	char *f = strstr(why, ", found ");

	if (!f)
		return;
	cfg_copy_str(tail, sizeof(tail), f);
	*f = '\0';
	cfg_sfmt(f, len - (size_t)(f - why), " or %s%s", alt, tail);
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
		if (cfg_parse_uint(text, &u))
			return cfg_fail(x, p, path, "expected %s, found \"%s\"%s", "a non-negative integer", text,
				    text[0] == '-' ? " (negative values are not allowed)" : "");
		if (d->type == PT_U32 && u > UINT32_MAX)
			return cfg_fail(x, p, path, "expected an integer of at most %u, found \"%s\"",
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

		cfg_copy_str(tmp, sizeof(tmp), text);
		if (pct)
			tmp[l - 1] = '\0';
		if (parse_number(tmp, &v))
			return cfg_fail(x, p, path, "expected %s, found \"%s\"", type_what(d->type), text);
		if (pct)
			v /= 100.0;
		if (d->type == PT_FRACTION && (v < 0 || v > 1))
			return cfg_fail(x, p, path, "expected a fraction from 0 to 1 (or 0%% to 100%%), found \"%s\"",
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

				cfg_sfmt(alt, sizeof(alt), "\"%s\"", note->word);
				splice_alt(why, sizeof(why), alt);
			}
			return cfg_fail(x, p, path, "%s", why);
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
			return cfg_fail(x, p, path, "expected true or false, found \"%s\"", text);
		memcpy(field, &b, sizeof(b));
		return 0;
	}
	case PT_ENUM: {
		int i = cfg_enum_index(d->enum_names, text);
		uint32_t w;

		if (i < 0)
			return cfg_fail_enum(x, p, path, "name", d->enum_names, text);
		w = (uint32_t)i;
		memcpy(field, &w, sizeof(w));
		return 0;
	}
	case PT_STRING:
		cfg_copy_str((char *)field, PARAM_STRING_MAX, text);
		return 0;
	case PT_DIST:
		break;
	}
	return cfg_fail(x, p, path, "internal: no scalar form for this key");
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
	struct fy_node *v = cfg_lookup(m, key, &k);
	sim_time_t ps;

	cfg_join_path(kp, path, key);
	if (!k) {
		if (!required)
			return 1;
		return cfg_fail(x, mpos, path, "expected key \"%s\" in this distribution, found no such key", key);
	}
	if (cfg_is_null(v) || !fy_node_is_scalar(v) || cfg_scalar_text(v, text, sizeof(text)))
		return cfg_fail(x, cfg_pos_or(v, cfg_node_pos(k)), kp, "expected a time, found %s",
			    cfg_found(v, fb, sizeof(fb)));
	if (units_parse_time(text, x->c->vm.freq_hz, &ps, why, sizeof(why)))
		return cfg_fail(x, cfg_node_pos(v), kp, "%s", why);
	*out = (double)ps;
	return 0;
}

static int dist_number(struct cfg_ctx *x, struct fy_node *m, const char *key, const char *path,
		       double *out)
{
	char kp[PATH_MAX_LEN], text[PARAM_STRING_MAX], fb[FOUND_MAX + 8];
	struct fy_node *k = NULL;
	struct fy_node *v = cfg_lookup(m, key, &k);

	cfg_join_path(kp, path, key);
	if (cfg_is_null(v) || !fy_node_is_scalar(v) || cfg_scalar_text(v, text, sizeof(text)) ||
	    parse_number(text, out))
		return cfg_fail(x, cfg_pos_or(v, cfg_node_pos(k)), kp, "expected a number, found %s",
			    cfg_found(v, fb, sizeof(fb)));
	return 0;
}

static int dist_table(struct cfg_ctx *x, struct fy_node *m, struct pos mpos, const char *path,
		      struct dist *out)
{
	char kp[PATH_MAX_LEN], ip[PATH_MAX_LEN], text[PARAM_STRING_MAX], why[256], fb[FOUND_MAX + 8];
	double value[DIST_EMPIRICAL_MAX], cdf[DIST_EMPIRICAL_MAX];
	struct fy_node *k = NULL, *t = cfg_lookup(m, "table", &k), *item, *last = NULL;
	void *it = NULL;
	int n;
	uint32_t i = 0;

	cfg_join_path(kp, path, "table");
	if (!k)
		return cfg_fail(x, mpos, path, "expected key \"table\" in this distribution, found no such key");
	if (cfg_is_null(t) || !fy_node_is_sequence(t))
		return cfg_fail(x, cfg_pos_or(t, cfg_node_pos(k)), kp,
			    "expected a sequence of [time, cumulative probability] pairs, found %s",
			    cfg_found(t, fb, sizeof(fb)));
	n = fy_node_sequence_item_count(t);
	if (n < 1 || n > DIST_EMPIRICAL_MAX)
		return cfg_fail(x, cfg_pos_or(t, cfg_node_pos(k)), kp, "expected 1 to %d points, found %d",
			    DIST_EMPIRICAL_MAX, n);
	while ((item = fy_node_sequence_iterate(t, &it))) {
		struct fy_node *tv, *pv;
		void *it2 = NULL;
		sim_time_t ps;

		cfg_sfmt(ip, sizeof(ip), "%s.%u", kp, i);
		if (cfg_is_null(item) || !fy_node_is_sequence(item) || fy_node_sequence_item_count(item) != 2)
			return cfg_fail(x, cfg_pos_or(item, cfg_node_pos(k)), ip,
				    "expected a pair [time, cumulative probability], found %s",
				    cfg_found(item, fb, sizeof(fb)));
		tv = fy_node_sequence_iterate(item, &it2);
		pv = fy_node_sequence_iterate(item, &it2);
		if (cfg_is_null(tv) || !fy_node_is_scalar(tv) || cfg_scalar_text(tv, text, sizeof(text)))
			return cfg_fail(x, cfg_pos_or(tv, cfg_node_pos(item)), ip, "expected a time, found %s",
				    cfg_found(tv, fb, sizeof(fb)));
		if (units_parse_time(text, x->c->vm.freq_hz, &ps, why, sizeof(why)))
			return cfg_fail(x, cfg_node_pos(tv), ip, "%s", why);
		value[i] = (double)ps;
		if (i && value[i] < value[i - 1])
			return cfg_fail(x, cfg_node_pos(tv), ip, "expected times in ascending order, found \"%s\"", text);
		if (cfg_is_null(pv) || !fy_node_is_scalar(pv) || cfg_scalar_text(pv, text, sizeof(text)) ||
		    parse_number(text, &cdf[i]) || cdf[i] < 0 || cdf[i] > 1)
			return cfg_fail(x, cfg_pos_or(pv, cfg_node_pos(item)), ip,
				    "expected a cumulative probability from 0 to 1, found %s",
				    cfg_found(pv, fb, sizeof(fb)));
		if (i && cdf[i] < cdf[i - 1])
			return cfg_fail(x, cfg_node_pos(pv), ip,
				    "expected cumulative probabilities in ascending order, found \"%s\"", text);
		last = pv;
		i++;
	}
	if (cdf[i - 1] != 1.0)
		return cfg_fail(x, cfg_pos_or(last, cfg_node_pos(k)), kp,
			    "expected the last cumulative probability to be 1, found %g", cdf[i - 1]);
	if (dist_empirical(out, value, cdf, i))
		return cfg_fail(x, cfg_pos_or(t, cfg_node_pos(k)), kp, "invalid table");
	return 0;
}

static int parse_dist(struct cfg_ctx *x, struct fy_node *v, struct pos keypos, const char *path,
		      struct dist *out)
{
	char text[PARAM_STRING_MAX], why[256], fb[FOUND_MAX + 8], kp[PATH_MAX_LEN];
	struct fy_node *kk = NULL, *kind_node;
	struct names ns = { .n = 0 };
	struct pos mpos = cfg_pos_or(v, keypos);
	struct dist d = { 0 };
	double a = 0, b = 0;
	int kind, rc = 0;

	if (!cfg_is_null(v) && fy_node_is_scalar(v)) {
		sim_time_t ps;

		if (cfg_scalar_text(v, text, sizeof(text)))
			return cfg_fail(x, cfg_node_pos(v), path, "expected a time, found %s",
				    cfg_found(v, fb, sizeof(fb)));
		if (units_parse_time(text, x->c->vm.freq_hz, &ps, why, sizeof(why))) {
			splice_alt(why, sizeof(why), DIST_HINT);
			return cfg_fail(x, cfg_node_pos(v), path, "%s", why);
		}
		dist_fixed(out, (double)ps);
		return 0;
	}
	if (cfg_is_null(v) || !fy_node_is_mapping(v))
		return cfg_fail(x, mpos, path, "expected a time or a distribution {dist: ...}, found %s",
			    cfg_found(v, fb, sizeof(fb)));
	kind_node = cfg_lookup(v, "dist", &kk);
	cfg_join_path(kp, path, "dist");
	if (!kk)
		return cfg_fail(x, mpos, path, "expected key \"dist\" naming the distribution, found no such key");
	if (cfg_is_null(kind_node) || !fy_node_is_scalar(kind_node) ||
	    cfg_scalar_text(kind_node, text, sizeof(text)))
		return cfg_fail(x, cfg_pos_or(kind_node, cfg_node_pos(kk)), kp, "expected a distribution name, found %s",
			    cfg_found(kind_node, fb, sizeof(fb)));
	kind = cfg_enum_index(dist_names, text);
	if (kind < 0)
		return cfg_fail_enum(x, cfg_node_pos(kind_node), kp, "distribution", dist_names, text);
	cfg_names_add(&ns, "dist");
	for (size_t i = 0; dist_keys[kind][i]; i++)
		cfg_names_add(&ns, dist_keys[kind][i]);
	if (cfg_check_keys(x, v, path, &ns))
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
			return cfg_fail(x, cfg_node_pos(cfg_lookup(v, "max", NULL)), path,
				    "expected max >= min, found max below min");
		rc = dist_uniform(&d, a, b);
		break;
	case DIST_EXPONENTIAL:
		if (dist_time(x, v, "mean", mpos, path, &a, true))
			return -1;
		if (a <= 0)
			return cfg_fail(x, cfg_node_pos(cfg_lookup(v, "mean", NULL)), path,
				    "expected a positive mean, found 0");
		rc = dist_exponential(&d, a);
		break;
	case DIST_LOGNORMAL: {
		bool by_median = cfg_lookup(v, "median", NULL) || cfg_lookup(v, "p99", NULL);
		bool by_mu = cfg_lookup(v, "mu", NULL) || cfg_lookup(v, "sigma", NULL);

		if (by_median == by_mu)
			return cfg_fail(x, mpos, path,
				    "expected either median and p99, or mu and sigma, found %s",
				    by_median ? "both forms" : "neither");
		if (by_median) {
			if (dist_time(x, v, "median", mpos, path, &a, true) ||
			    dist_time(x, v, "p99", mpos, path, &b, true))
				return -1;
			if (a <= 0)
				return cfg_fail(x, cfg_node_pos(cfg_lookup(v, "median", NULL)), path,
					    "expected a positive median, found 0");
			if (b < a)
				return cfg_fail(x, cfg_node_pos(cfg_lookup(v, "p99", NULL)), path,
					    "expected p99 >= median, found p99 below median");
			rc = dist_lognormal_median_p99(&d, a, b);
		} else {
			/* mu and sigma describe ln(latency in ns); dist.h keeps
			 * picoseconds, so shift mu by ln(1000). */
			if (dist_number(x, v, "mu", path, &a) || dist_number(x, v, "sigma", path, &b))
				return -1;
			if (b < 0)
				return cfg_fail(x, cfg_node_pos(cfg_lookup(v, "sigma", NULL)), path,
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
		return cfg_fail(x, mpos, path, "expected a valid distribution, found one where %s", why);
	*out = d;
	return 0;
}

/* ---- params of any type ------------------------------------------------------ */

int cfg_apply_param(struct cfg_ctx *x, const struct param_desc *d, void *base, struct fy_node *v,
		       struct pos keypos, const char *path)
{
	char text[PARAM_STRING_MAX], fb[FOUND_MAX + 8];
	struct pos p = cfg_pos_or(v, keypos);

	if (cfg_record(x, path, p, v))
		return -1;
	if (d->type == PT_DIST)
		return parse_dist(x, v, keypos, path, (struct dist *)((unsigned char *)base + d->offset));
	if (cfg_is_null(v) || !fy_node_is_scalar(v)) {
		const struct cfg_key_note *note = cfg_key_note_find(path);

		if (d->type == PT_ENUM)
			cfg_list_enum(d->enum_names, text, sizeof(text));
		return cfg_fail(x, p, path, "expected %s%s%s%s%s, found %s", type_what(d->type),
			    d->type == PT_ENUM ? " (" : "", d->type == PT_ENUM ? text : "",
			    d->type == PT_ENUM ? ")" : "",
			    note && note->word ? " or none" : "", cfg_found(v, fb, sizeof(fb)));
	}
	if (cfg_scalar_text(v, text, sizeof(text)))
		return cfg_fail(x, p, path, "expected %s of at most %d characters, found %s", type_what(d->type),
			    PARAM_STRING_MAX - 1, cfg_found(v, fb, sizeof(fb)));
	return apply_text(x, d, base, text, p, path);
}

/* A default is scenario text: scalars directly, mappings through libfyaml. */
int cfg_apply_default(struct cfg_ctx *x, const struct param_desc *d, void *base, const char *path)
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
		return cfg_fail(x, none, path, "internal: default \"%s\" is not YAML", d->def);
	rc = parse_dist(x, fy_document_root(doc), none, path,
			(struct dist *)((unsigned char *)base + d->offset));
	fy_document_destroy(doc);
	return rc;
}
