/* config_yaml.c — YAML nodes (positions, scalar text), the key checks
 * (unknown, duplicate, "did you mean") and the origins: where the user set
 * each key, for checks that involve several keys (config_internal.h). */
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

/* ---- YAML nodes ---------------------------------------------------------- */

/* Position of a node: its own token for scalars, the first thing inside
 * for collections (the public API of libfyaml 0.7 exposes no start mark for
 * collection nodes); {0, 0} for nulls and empty collections. */
struct pos cfg_node_pos(struct fy_node *n)
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
		return cfg_node_pos(fy_node_sequence_iterate(n, &it));
	case FYNT_MAPPING: {
		struct fy_node_pair *pr = fy_node_mapping_iterate(n, &it);

		return pr ? cfg_node_pos(fy_node_pair_key(pr)) : p;
	}
	}
	return p;
}

struct pos cfg_pos_or(struct fy_node *n, struct pos fallback)
{
	struct pos p = cfg_node_pos(n);

	return p.line ? p : fallback;
}

bool cfg_is_null(struct fy_node *n)
{
	return !n || (fy_node_is_scalar(n) && !fy_node_get_scalar_token(n));
}

/* Scalar text, NUL-terminated in buf; -1 when it does not fit. */
int cfg_scalar_text(struct fy_node *n, char *buf, size_t len)
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
const char *cfg_found(struct fy_node *n, char *buf, size_t len)
{
	if (cfg_is_null(n))
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
			cfg_sfmt(buf, len, "\"%.*s...\"", FOUND_MAX - 8, s);
		else
			cfg_sfmt(buf, len, "\"%.*s\"", (int)l, s);
	}
	return buf;
}

/* ---- keys: unknown, duplicate, suggestions ------------------------------- */

void cfg_names_add(struct names *ns, const char *s)
{
	if (ns->n < sizeof(ns->v) / sizeof(ns->v[0]))
		ns->v[ns->n++] = s;
}

void cfg_names_add_params(struct names *ns, const struct param_desc *d)
{
	for (; d && d->key; d++)
		cfg_names_add(ns, d->key);
}

bool cfg_names_has(const struct names *ns, const char *s)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0)
			return true;
	return false;
}

/* "a, b, c" and, when a name is within 2 edits, "; did you mean "x"?" */
void cfg_names_explain(const struct names *ns, const char *bad, char *list, size_t llen,
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
		cfg_sfmt(hint, hlen, "; did you mean \"%s\"?", pick);
}

void cfg_join_path(char *out, const char *base, const char *key)
{
	if (base && *base)
		cfg_sfmt(out, PATH_MAX_LEN, "%s.%s", base, key);
	else
		cfg_sfmt(out, PATH_MAX_LEN, "%s", key);
}

/* Every key of mapping `m` must be a scalar, in `ns`, and appear once. */
int cfg_check_keys(struct cfg_ctx *x, struct fy_node *m, const char *path, const struct names *ns)
{
	struct fy_node_pair *pr, *q;
	void *it = NULL;
	char key[PARAM_STRING_MAX], other[PARAM_STRING_MAX], kp[PATH_MAX_LEN], fb[FOUND_MAX + 8];
	char list[1024], hint[128];

	while ((pr = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *k = fy_node_pair_key(pr);
		void *it2 = NULL;

		if (cfg_is_null(k) || !fy_node_is_scalar(k))
			return cfg_fail(x, cfg_pos_or(k, cfg_node_pos(fy_node_pair_value(pr))), path,
				    "expected a key name, found %s", cfg_found(k, fb, sizeof(fb)));
		if (cfg_scalar_text(k, key, sizeof(key)))
			return cfg_fail(x, cfg_node_pos(k), path, "expected a key name, found %s",
				    cfg_found(k, fb, sizeof(fb)));
		cfg_join_path(kp, path, key);
		if (!cfg_names_has(ns, key)) {
			cfg_names_explain(ns, key, list, sizeof(list), hint, sizeof(hint));
			return cfg_fail(x, cfg_node_pos(k), kp, "unknown key, expected one of %s, found \"%s\"%s",
				    list, key, hint);
		}
		while ((q = fy_node_mapping_iterate(m, &it2)) != pr) {
			struct fy_node *k2 = fy_node_pair_key(q);

			if (!cfg_scalar_text(k2, other, sizeof(other)) && strcmp(other, key) == 0)
				return cfg_fail(x, cfg_node_pos(k), kp,
					    "duplicate key, expected each key once, found \"%s\" again (first at line %u)",
					    key, cfg_node_pos(k2).line);
		}
	}
	return 0;
}

struct fy_node *cfg_lookup(struct fy_node *m, const char *key, struct fy_node **keynode)
{
	struct fy_node_pair *pr;
	void *it = NULL;
	char k[PARAM_STRING_MAX];

	while ((pr = fy_node_mapping_iterate(m, &it))) {
		if (!cfg_scalar_text(fy_node_pair_key(pr), k, sizeof(k)) && strcmp(k, key) == 0) {
			if (keynode)
				*keynode = fy_node_pair_key(pr);
			return fy_node_pair_value(pr);
		}
	}
	return NULL;
}

int cfg_record(struct cfg_ctx *x, const char *path, struct pos p, struct fy_node *v)
{
	struct origin *o;
	char fb[FOUND_MAX + 8];

	if (x->set_key)
		return 0;
	if (x->norigins == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 32;
		struct origin *n = realloc(x->origins, cap * sizeof(*n));

		if (!n)
			return cfg_fail(x, p, path, "out of memory");
		x->origins = n;
		x->cap = cap;
	}
	o = &x->origins[x->norigins++];
	cfg_copy_str(o->path, sizeof(o->path), path);
	o->pos = p;
	cfg_copy_str(o->text, sizeof(o->text), cfg_found(v, fb, sizeof(fb)));
	return 0;
}

const struct origin *cfg_origin_find(const struct cfg_ctx *x, const char *path)
{
	for (size_t i = x->norigins; i-- > 0;)
		if (strcmp(x->origins[i].path, path) == 0)
			return &x->origins[i];
	return NULL;
}
