/* expect.c — the `expect:` section of a scenario (docs/testing.md).
 *
 *   expect:
 *     oracle: clean | INVARIANT | [INVARIANT, ...]
 *     exit: 0 | 1
 *     PATH: {min: V, max: V}                 # a figure of the JSON report
 *     PROTOCOL: {oracle: ..., exit: ..., PATH: {...}}
 *     relations: ["P1.PATH > P2.PATH", "P1.PATH >= 1.1 * P2.PATH"]
 *
 * Invariants: the file was already loaded by config.c (valid YAML, one
 * document, no aliases), so libfyaml errors here are not expected but
 * still reported; every count is checked against its array before it is
 * stored; the only allocation is the file's text. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "model/check/oracle.h"
#include "model/kernel/units.h"
#include "model/scenario/expect.h"

struct ectx {
	const char *name;
	struct cfg_error *err;
	struct expect_set *s;
};

static int fail(struct ectx *x, struct expect_pos p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct ectx *x, struct expect_pos p, const char *fmt, ...)
{
	va_list ap;

	snprintf(x->err->file, sizeof(x->err->file), "%s", x->name);
	x->err->line = p.line;
	x->err->col = p.line ? p.col : 0;
	va_start(ap, fmt);
	vsnprintf(x->err->msg, sizeof(x->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static struct expect_pos npos(struct fy_node *n)
{
	struct expect_pos p = { 0, 0 };
	void *it = NULL;

	if (!n)
		return p;
	if (fy_node_is_scalar(n)) {
		struct fy_token *t = fy_node_get_scalar_token(n);
		const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
		if (m && m->line >= 0) {
			p.line = (uint32_t)m->line + 1;
			p.col = (uint32_t)m->column + 1;
		}
	} else if (fy_node_is_sequence(n)) {
		return npos(fy_node_sequence_iterate(n, &it));
	} else if (fy_node_is_mapping(n)) {
		struct fy_node_pair *pr = fy_node_mapping_iterate(n, &it);
		return pr ? npos(fy_node_pair_key(pr)) : p;
	}
	return p;
}

static struct expect_pos pos_or(struct fy_node *n, struct expect_pos fb)
{
	struct expect_pos p = npos(n);
	return p.line ? p : fb;
}

/* Scalar text into buf; -1 if not a scalar or too long. */
static int text(struct fy_node *n, char *buf, size_t len)
{
	size_t l = 0;
	const char *s;

	if (!n || !fy_node_is_scalar(n) || !(s = fy_node_get_scalar(n, &l)) || l >= len)
		return -1;
	memcpy(buf, s, l);
	buf[l] = 0;
	return 0;
}

static const char *found(struct fy_node *n, char *buf, size_t len)
{
	if (!n || (fy_node_is_scalar(n) && !fy_node_get_scalar_token(n)))
		return "nothing";
	if (fy_node_is_sequence(n))
		return "a sequence";
	if (fy_node_is_mapping(n))
		return "a mapping";
	size_t l = 0;
	const char *s = fy_node_get_scalar(n, &l);
	snprintf(buf, len, "\"%.*s\"", (int)(l > 60 ? 60 : l), s ? s : "");
	return buf;
}

static const char *closest(const char *want, const char *const *names, char *buf, size_t len)
{
	size_t best = (size_t)-1;
	const char *pick = NULL;

	for (unsigned i = 0; names[i]; i++) {
		size_t d = expect_edit_distance(want, names[i]);
		if (d < best) {
			best = d;
			pick = names[i];
		}
	}
	if (!pick || best > strlen(want) / 3 + 2)
		return "";
	snprintf(buf, len, "; did you mean '%s'?", pick);
	return buf;
}

static bool is_protocol(const char *s)
{
	for (unsigned i = 0; cfg_protocol_names[i]; i++)
		if (!strcmp(cfg_protocol_names[i], s))
			return true;
	return false;
}

/* ---- oracle, exit -------------------------------------------------------------------------- */

static const char *const *invariant_names(void)
{
	static const char *names[ORACLE_INV__COUNT + 2];

	if (!names[0]) {
		names[0] = "clean";
		for (int i = 0; i < ORACLE_INV__COUNT; i++)
			names[i + 1] = oracle_invariant_name((enum oracle_invariant)i);
	}
	return names;
}

static int one_violation(struct ectx *x, struct fy_node *v, const char *path, uint32_t *mask, bool alone)
{
	char t[64], fb[80], hint[96], list[512] = "";
	const char *const *names = invariant_names();

	if (text(v, t, sizeof(t)) == 0) {
		if (!strcmp(t, "clean") && alone)
			return 0;
		for (int i = 0; i < ORACLE_INV__COUNT; i++)
			if (!strcmp(t, names[i + 1])) {
				*mask |= ORACLE_CHECK(i);
				return 0;
			}
	}
	for (unsigned i = 0; names[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", names[i]);
	return fail(x, npos(v), "%s: unknown violation, expected clean or one of the oracle's invariants "
		    "(%s), found %s%s", path, list + strlen("clean, "), found(v, fb, sizeof(fb)),
		    text(v, t, sizeof(t)) ? "" : closest(t, names, hint, sizeof(hint)));
}

static int parse_oracle(struct ectx *x, struct fy_node *v, struct expect_pos kp, const char *path,
			struct expect_block *b)
{
	void *it = NULL;
	struct fy_node *e;

	b->has_oracle = true;
	b->oracle_pos = pos_or(v, kp);
	b->violations = 0;
	if (fy_node_is_sequence(v)) {
		if (fy_node_sequence_item_count(v) == 0)
			return fail(x, kp, "%s: expected clean, an invariant or a list of invariants, found an "
				    "empty list", path);
		while ((e = fy_node_sequence_iterate(v, &it)))
			if (one_violation(x, e, path, &b->violations, false))
				return -1;
		return 0;
	}
	return one_violation(x, v, path, &b->violations, true);
}

static int parse_exit(struct ectx *x, struct fy_node *v, struct expect_pos kp, const char *path,
		      struct expect_block *b)
{
	char t[16], fb[80];

	if (text(v, t, sizeof(t)) || (strcmp(t, "0") && strcmp(t, "1")))
		return fail(x, pos_or(v, kp), "%s: expected the exit status of the run, 0 (clean) or 1 "
			    "(oracle violation or guest fault), found %s", path, found(v, fb, sizeof(fb)));
	b->exit_status = t[0] - '0';
	b->exit_pos = pos_or(v, kp);
	return 0;
}

/* ---- bounds -------------------------------------------------------------------------------- */

static int parse_value(struct ectx *x, struct fy_node *v, const char *path, const char *which,
		       enum expect_unit fu, double *out, char *textout, struct expect_pos *pout)
{
	char t[EXPECT_TEXT_MAX], why[160], fb[80], *end;

	*pout = npos(v);
	if (text(v, t, sizeof(t)) || !t[0])
		return fail(x, npos(v), "%s.%s: expected %s, found %s", path, which, expect_unit_name(fu),
			    found(v, fb, sizeof(fb)));
	snprintf(textout, EXPECT_TEXT_MAX, "%s", t);
	errno = 0;
	double d = strtod(t, &end);
	bool plain = !*end && end != t && errno == 0;
	if (fu == EXPECT_COUNT) {
		if (!plain)
			return fail(x, npos(v), "%s.%s: the figure is a plain number, expected a number without "
				    "a unit, found \"%s\"", path, which, t);
		*out = d;
		return 0;
	}
	if (plain && d == 0) {
		*out = 0;
		return 0;
	}
	if (fu == EXPECT_TIME) {
		sim_time_t ps;
		if (plain || units_parse_time(t, 0, &ps, why, sizeof(why)))
			return fail(x, npos(v), "%s.%s: the figure is a time, expected a time with a unit "
				    "(ps, ns, us, ms, s; e.g. 50us), found \"%s\"", path, which, t);
		*out = (double)ps;
		return 0;
	}
	uint64_t bytes;
	if (plain || units_parse_size(t, &bytes, why, sizeof(why)))
		return fail(x, npos(v), "%s.%s: the figure is a size, expected a size with a unit "
			    "(B, KiB, MiB, GiB; e.g. 64MiB), found \"%s\"", path, which, t);
	*out = (double)bytes;
	return 0;
}

static const char *const reserved[] = { "oracle", "exit", "relations", NULL };

static int parse_bound(struct ectx *x, const char *key, struct fy_node *v, struct expect_pos kp,
		       const char *path, struct expect_block *b)
{
	static const char *const mm[] = { "min", "max", NULL };
	char fb[80], k[32], hint[96];
	struct fy_node_pair *pr;
	void *it = NULL;

	if (!v || !fy_node_is_mapping(v)) {
		if (!strchr(key, '.')) {
			const char *names[16];
			unsigned n = 0;
			for (unsigned i = 0; reserved[i]; i++)
				names[n++] = reserved[i];
			for (unsigned i = 0; cfg_protocol_names[i] && n < 15; i++)
				names[n++] = cfg_protocol_names[i];
			names[n] = NULL;
			return fail(x, kp, "%s: unknown expectation key, expected oracle, exit, relations, a "
				    "protocol name or the dotted path of a report figure with {min: .., max: ..}"
				    ", found \"%s\"%s", path, key, closest(key, names, hint, sizeof(hint)));
		}
		return fail(x, pos_or(v, kp), "%s: expected a bound {min: V, max: V}, found %s", path,
			    found(v, fb, sizeof(fb)));
	}
	if (b->nbounds == EXPECT_MAX_BOUNDS)
		return fail(x, kp, "%s: expected at most %d bounds in one block", path, EXPECT_MAX_BOUNDS);
	if (strlen(key) >= EXPECT_PATH_MAX)
		return fail(x, kp, "%s: expected a figure path of at most %d characters", path,
			    EXPECT_PATH_MAX - 1);
	struct expect_bound *e = &b->bounds[b->nbounds];
	memset(e, 0, sizeof(*e));
	snprintf(e->path, sizeof(e->path), "%s", key);
	e->pos = kp;
	e->unit = expect_path_unit(key);
	while ((pr = fy_node_mapping_iterate(v, &it))) {
		struct fy_node *kn = fy_node_pair_key(pr), *vn = fy_node_pair_value(pr);
		if (text(kn, k, sizeof(k)) || (strcmp(k, "min") && strcmp(k, "max")))
			return fail(x, pos_or(kn, kp), "%s: unknown key, expected min or max, found %s%s", path,
				    found(kn, fb, sizeof(fb)),
				    text(kn, k, sizeof(k)) ? "" : closest(k, mm, hint, sizeof(hint)));
		bool is_min = k[1] == 'i';
		if (is_min ? e->has_min : e->has_max)
			return fail(x, npos(kn), "%s: duplicate key, expected %s once", path, k);
		if (parse_value(x, vn, path, k, e->unit, is_min ? &e->min : &e->max,
				is_min ? e->min_text : e->max_text, is_min ? &e->min_pos : &e->max_pos))
			return -1;
		*(is_min ? &e->has_min : &e->has_max) = true;
	}
	if (!e->has_min && !e->has_max)
		return fail(x, kp, "%s: expected a bound {min: V, max: V} with at least one of them, found "
			    "an empty mapping", path);
	if (e->has_min && e->has_max && e->min > e->max)
		return fail(x, e->max_pos, "%s: expected max >= min (%s), found %s", path, e->min_text,
			    e->max_text);
	b->nbounds++;
	return 0;
}

/* ---- relations ----------------------------------------------------------------------------- */

static int relation_side(struct ectx *x, struct expect_relation *r, const char *tok, char *proto,
			 char *path)
{
	char hint[96];
	const char *dot = strchr(tok, '.');
	size_t pl = dot ? (size_t)(dot - tok) : strlen(tok);
	char p[32];

	snprintf(p, sizeof(p), "%.*s", (int)(pl < 31 ? pl : 31), tok);
	if (!dot || !dot[1] || !is_protocol(p))
		return fail(x, r->pos, "expect.relations: \"%s\": expected PROTOCOL.PATH on each side, found "
			    "\"%s\"%s", r->text, tok, closest(p, cfg_protocol_names, hint, sizeof(hint)));
	if (strlen(dot + 1) >= EXPECT_PATH_MAX)
		return fail(x, r->pos, "expect.relations: \"%s\": path too long", r->text);
	snprintf(proto, 32, "%s", p);
	snprintf(path, EXPECT_PATH_MAX, "%s", dot + 1);
	return 0;
}

static int parse_relation(struct ectx *x, struct fy_node *v)
{
	static const char *const ops[] = { ">", ">=", "<", "<=" };
	char t[256], fb[80], *tok[6], *save = NULL;
	unsigned n = 0;
	struct expect_relation *r = &x->s->rels[x->s->nrels];

	if (x->s->nrels == EXPECT_MAX_RELATIONS)
		return fail(x, npos(v), "expect.relations: expected at most %d relations", EXPECT_MAX_RELATIONS);
	memset(r, 0, sizeof(*r));
	r->pos = npos(v);
	if (text(v, t, sizeof(t)))
		return fail(x, npos(v), "expect.relations: expected a string \"P1.PATH > P2.PATH\", found %s",
			    found(v, fb, sizeof(fb)));
	snprintf(r->text, sizeof(r->text), "%s", t);
	for (char *w = strtok_r(t, " \t", &save); w && n < 6; w = strtok_r(NULL, " \t", &save))
		tok[n++] = w;
	int op = -1;
	if (n == 3 || (n == 5 && !strcmp(tok[3], "*")))
		for (int i = 0; i < 4; i++)
			if (!strcmp(tok[1], ops[i]))
				op = i;
	if (op < 0)
		return fail(x, r->pos, "expect.relations: expected \"P1.PATH OP P2.PATH\" or \"P1.PATH OP K * "
			    "P2.PATH\" with OP one of > >= < <=, found \"%s\"", r->text);
	r->op = (enum expect_op)op;
	r->factor = 1;
	if (n == 5) {
		char *end;
		r->factor = strtod(tok[2], &end);
		if (*end || end == tok[2] || !(r->factor > 0))
			return fail(x, r->pos, "expect.relations: \"%s\": expected a positive factor K in "
				    "\"K * P2.PATH\", found \"%s\"", r->text, tok[2]);
	}
	if (relation_side(x, r, tok[0], r->lproto, r->lpath) ||
	    relation_side(x, r, tok[n - 1], r->rproto, r->rpath))
		return -1;
	if (expect_path_unit(r->lpath) != expect_path_unit(r->rpath))
		return fail(x, r->pos, "expect.relations: \"%s\": expected two figures of one kind, found %s "
			    "and %s", r->text, expect_unit_name(expect_path_unit(r->lpath)),
			    expect_unit_name(expect_path_unit(r->rpath)));
	x->s->nrels++;
	return 0;
}

/* ---- blocks -------------------------------------------------------------------------------- */

static int parse_block(struct ectx *x, struct fy_node *m, struct expect_pos kp, const char *base,
		       struct expect_block *b, bool top)
{
	struct fy_node_pair *pr, *q;
	void *it = NULL;
	char key[EXPECT_PATH_MAX + 8], other[EXPECT_PATH_MAX + 8], path[EXPECT_PATH_MAX + 48], fb[80];

	b->exit_status = -1;
	b->pos = kp;
	if (!m || !fy_node_is_mapping(m))
		return fail(x, pos_or(m, kp), "%s: expected a mapping of expectations (oracle, exit, figure "
			    "bounds%s), found %s", base, top ? ", protocol blocks, relations" : "",
			    found(m, fb, sizeof(fb)));
	while ((pr = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *k = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
		struct expect_pos p = pos_or(k, kp);
		void *it2 = NULL;

		if (text(k, key, sizeof(key)))
			return fail(x, p, "%s: expected a key name of at most %d characters, found %s", base,
				    EXPECT_PATH_MAX - 1, found(k, fb, sizeof(fb)));
		snprintf(path, sizeof(path), "%s.%s", base, key);
		while ((q = fy_node_mapping_iterate(m, &it2)) != pr)
			if (!text(fy_node_pair_key(q), other, sizeof(other)) && !strcmp(other, key))
				return fail(x, p, "%s: duplicate key, expected each key once (first at line %u)",
					    path, npos(fy_node_pair_key(q)).line);
		if (!strcmp(key, "oracle")) {
			if (parse_oracle(x, v, p, path, b))
				return -1;
		} else if (!strcmp(key, "exit")) {
			if (parse_exit(x, v, p, path, b))
				return -1;
		} else if (!strcmp(key, "relations")) {
			void *it3 = NULL;
			struct fy_node *e;
			if (!top)
				return fail(x, p, "%s: relations compare protocols, expected them directly under "
					    "expect:, not inside a protocol block", path);
			if (!v || !fy_node_is_sequence(v))
				return fail(x, pos_or(v, p), "%s: expected a list of strings \"P1.PATH > P2.PATH\", "
					    "found %s", path, found(v, fb, sizeof(fb)));
			while ((e = fy_node_sequence_iterate(v, &it3)))
				if (parse_relation(x, e))
					return -1;
		} else if (is_protocol(key)) {
			if (!top)
				return fail(x, p, "%s: expected a protocol block directly under expect:, found it "
					    "inside another", path);
			if (x->s->nper == EXPECT_MAX_BLOCKS)
				return fail(x, p, "%s: too many protocol blocks", path);
			struct expect_block *pb = &x->s->per[x->s->nper++];
			memset(pb, 0, sizeof(*pb));
			snprintf(pb->protocol, sizeof(pb->protocol), "%.31s", key);
			if (parse_block(x, v, p, path, pb, false))
				return -1;
		} else if (parse_bound(x, key, v, p, path, b)) {
			return -1;
		}
	}
	return 0;
}

static int load(struct ectx *x, const char *yaml, size_t len)
{
	struct fy_parse_cfg pc = { .flags = FYPCF_QUIET | FYPCF_ALLOW_DUPLICATE_KEYS };
	struct fy_document *doc = fy_document_build_from_string(&pc, yaml, len);
	struct expect_pos first = { 1, 1 };
	struct fy_node *root, *v = NULL;
	struct fy_node_pair *pr;
	void *it = NULL;
	char k[16];
	int rc = 0;

	memset(x->s, 0, sizeof(*x->s));
	x->s->common.exit_status = -1;
	if (!doc)
		return fail(x, first, "invalid YAML (apfsim validate names the place)");
	root = fy_document_root(doc);
	while (root && fy_node_is_mapping(root) && (pr = fy_node_mapping_iterate(root, &it))) {
		if (!text(fy_node_pair_key(pr), k, sizeof(k)) && !strcmp(k, "expect")) {
			x->s->present = true;
			x->s->pos = pos_or(fy_node_pair_key(pr), first);
			v = fy_node_pair_value(pr);
			break;
		}
	}
	if (x->s->present)
		rc = parse_block(x, v, x->s->pos, "expect", &x->s->common, true);
	fy_document_destroy(doc);
	return rc;
}

int expect_load_string(const char *yaml, const char *name, struct expect_set *s, struct cfg_error *err)
{
	struct ectx x = { .name = name, .err = err, .s = s };
	return load(&x, yaml, strlen(yaml));
}

int expect_load_file(const char *path, struct expect_set *s, struct cfg_error *err)
{
	struct ectx x = { .name = path, .err = err, .s = s };
	struct expect_pos none = { 0, 0 };
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	memset(s, 0, sizeof(*s));
	if (!f)
		return fail(&x, none, "cannot read the scenario: %s", strerror(errno));
	for (;;) {
		if (len + 4096 > cap) {
			char *nb = cap > (16u << 20) ? NULL : realloc(buf, cap = cap * 2 + 8192);
			if (!nb) {
				free(buf);
				fclose(f);
				return fail(&x, none, "expected a scenario of at most 16MiB");
			}
			buf = nb;
		}
		size_t got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[len] = 0;
	int rc = load(&x, buf, len);
	free(buf);
	return rc;
}
