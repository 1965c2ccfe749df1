/* expect_eval.c — expectations (model/check/expect.h) against JSON reports:
 * path checks on a report skeleton before any case runs, and the verdict
 * on finished runs.
 *
 * Invariants: every message is a pure function of the expectation and the
 * report (no addresses, no wall time), so a suite report is byte-identical
 * across reruns; paths are resolved only through expect_lookup(), the one
 * place that knows the report's shape (objects, and arrays of elements
 * with a "name"). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model/check/expect.h"
#include "model/kernel/strdist.h"
#include "model/check/oracle.h"
#include "model/config/config.h"

/* ---- paths ------------------------------------------------------------------------------- */

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t l = strlen(suffix);
	return n >= l && memcmp(s + n - l, suffix, l) == 0;
}

enum expect_unit expect_path_unit(const char *path)
{
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ".");
		if (ends_with(p, n, "_ps"))
			return EXPECT_TIME;
		if (ends_with(p, n, "_bytes") || ends_with(p, n, "bytes_per_s"))
			return EXPECT_SIZE;
		p += n + (p[n] == '.');
	}
	return EXPECT_COUNT;
}

const char *expect_unit_name(enum expect_unit u)
{
	return u == EXPECT_TIME ? "a time" : u == EXPECT_SIZE ? "a size" : "a plain number";
}

/* An element of an array by its "name" (longest name that is a prefix of
 * `rest` ending at a component boundary: tasks may be named "reader.0"),
 * or by index.  *used = characters of rest consumed. */
static json_t *array_elem(json_t *a, const char *rest, size_t *used)
{
	json_t *best = NULL;
	size_t bestlen = 0;

	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *n = json_string_value(json_object_get(json_array_get(a, i), "name"));
		size_t l = n ? strlen(n) : 0;
		if (l && l > bestlen && strncmp(rest, n, l) == 0 && (rest[l] == '.' || !rest[l])) {
			best = json_array_get(a, i);
			bestlen = l;
		}
	}
	if (best) {
		*used = bestlen;
		return best;
	}
	size_t l = strcspn(rest, ".");
	if (l == 0 || l > 9 || strspn(rest, "0123456789") != l)
		return NULL;
	*used = l;
	return json_array_get(a, strtoul(rest, NULL, 10));
}

json_t *expect_lookup(json_t *doc, const char *path)
{
	json_t *cur = doc;
	const char *p = path;
	char key[EXPECT_PATH_MAX];

	while (cur && *p) {
		size_t used = 0;	/* array_elem() leaves it unset when it finds nothing */
		if (json_is_array(cur)) {
			cur = array_elem(cur, p, &used);
		} else if (json_is_object(cur)) {
			used = strcspn(p, ".");
			if (used >= sizeof(key))
				return NULL;
			memcpy(key, p, used);
			key[used] = 0;
			cur = json_object_get(cur, key);
		} else {
			return NULL;
		}
		p += used;
		if (*p == '.')
			p++;
	}
	return cur;
}

/* Sections the report writes only when something happened in them
 * (docs/output.md: `faults` lists the injected kinds that occurred). */
static bool sparse_path(const char *path)
{
	return strncmp(path, "faults.", 7) == 0 && !strchr(path + 7, '.');
}

/* ---- did you mean -------------------------------------------------------------------------- */

size_t expect_edit_distance(const char *a, const char *b)
{
	return str_edit_distance(a, b);
}

struct guess {
	const char *want;
	char best[EXPECT_PATH_MAX];
	size_t dist;
};

static void guess_try(struct guess *g, const char *cand)
{
	size_t d = expect_edit_distance(g->want, cand);
	if (d < g->dist) {
		g->dist = d;
		snprintf(g->best, sizeof(g->best), "%s", cand);
	}
}

/* Every numeric figure of the report, arrays by element name (or index). */
static void guess_leaves(struct guess *g, json_t *v, char *prefix, size_t plen)
{
	if (json_is_number(v)) {
		guess_try(g, prefix);
		return;
	}
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach(v, k, c) {
			if (!strcmp(k, "list") || !strcmp(k, "history"))
				continue;
			int w = snprintf(prefix + plen, EXPECT_PATH_MAX - plen, "%s%s", plen ? "." : "", k);
			if (w > 0 && plen + (size_t)w < EXPECT_PATH_MAX)
				guess_leaves(g, c, prefix, plen + (size_t)w);
		}
	} else if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			json_t *c = json_array_get(v, i);
			const char *n = json_string_value(json_object_get(c, "name"));
			char idx[24];
			snprintf(idx, sizeof(idx), "%zu", i);
			int w = snprintf(prefix + plen, EXPECT_PATH_MAX - plen, "%s%s", plen ? "." : "", n ? n : idx);
			if (w > 0 && plen + (size_t)w < EXPECT_PATH_MAX)
				guess_leaves(g, c, prefix, plen + (size_t)w);
		}
	}
	prefix[plen] = 0;
}

static const char *const reserved_keys[] = { "oracle", "exit", "relations", NULL };

static const char *did_you_mean(const char *want, json_t *skeleton, bool keys_too, char *buf, size_t len)
{
	struct guess g = { .want = want, .dist = (size_t)-1 };
	char prefix[EXPECT_PATH_MAX] = "";

	if (keys_too) {
		for (unsigned i = 0; reserved_keys[i]; i++)
			guess_try(&g, reserved_keys[i]);
		for (unsigned i = 0; cfg_protocol_names[i]; i++)
			guess_try(&g, cfg_protocol_names[i]);
	}
	if (skeleton)
		guess_leaves(&g, skeleton, prefix, 0);
	size_t limit = strlen(want) / 3 + 2;
	if (!g.best[0] || g.dist > limit)
		return "";
	snprintf(buf, len, "; did you mean '%s'?", g.best);
	return buf;
}

/* ---- path checks ------------------------------------------------------------------------- */

static int err_at(struct expect_error *e, struct expect_pos p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int err_at(struct expect_error *e, struct expect_pos p, const char *fmt, ...)
{
	va_list ap;

	e->pos = p;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static const char *json_kind(json_t *v)
{
	return json_is_object(v) ? "a group of figures" : json_is_array(v) ? "a list" :
	       json_is_string(v) ? "a string" : json_is_boolean(v) ? "a boolean" : "null";
}

static int check_one_path(const char *path, struct expect_pos pos, const char *protocol, json_t *skel,
			  struct expect_error *err)
{
	char hint[EXPECT_PATH_MAX + 32];
	json_t *v = expect_lookup(skel, path);

	if (!v && sparse_path(path))
		return 0;
	if (!v && !strchr(path, '.'))
		return err_at(err, pos, "expect.%s: unknown expectation key, expected oracle, exit, relations, "
			      "a protocol name or the dotted path of a figure of the JSON report%s", path,
			      did_you_mean(path, skel, true, hint, sizeof(hint)));
	if (!v) {
		char top[64];
		snprintf(top, sizeof(top), "%.*s", (int)strcspn(path, "."), path);
		if (!json_object_get(skel, top))
			return err_at(err, pos, "expect.%s: no run under protocol %s writes this figure: its "
				      "report has no '%s' section (docs/output.md)%s", path, protocol, top,
				      did_you_mean(path, skel, false, hint, sizeof(hint)));
		return err_at(err, pos, "expect.%s: no run under protocol %s writes this figure "
			      "(docs/output.md)%s", path, protocol,
			      did_you_mean(path, skel, false, hint, sizeof(hint)));
	}
	if (!json_is_number(v))
		return err_at(err, pos, "expect.%s: expected the path of a number, found %s", path,
			      json_kind(v));
	return 0;
}

static int check_block(const struct expect_block *b, const char *protocol, json_t *skel,
		       struct expect_error *err)
{
	for (unsigned i = 0; i < b->nbounds; i++)
		if (check_one_path(b->bounds[i].path, b->bounds[i].pos, protocol, skel, err))
			return -1;
	return 0;
}

const struct expect_block *expect_block_for(const struct expect_set *s, const char *protocol)
{
	for (unsigned i = 0; i < s->nper; i++)
		if (!strcmp(s->per[i].protocol, protocol))
			return &s->per[i];
	return NULL;
}

int expect_check_paths(const struct expect_set *s, const char *protocol, json_t *skeleton,
		       struct expect_error *err)
{
	const struct expect_block *b = expect_block_for(s, protocol);

	if (check_block(&s->common, protocol, skeleton, err))
		return -1;
	return b ? check_block(b, protocol, skeleton, err) : 0;
}

int expect_check_relation_side(const struct expect_relation *r, bool left, json_t *skeleton,
			       struct expect_error *err)
{
	return check_one_path(left ? r->lpath : r->rpath, r->pos, left ? r->lproto : r->rproto, skeleton, err);
}

/* ---- judging ---------------------------------------------------------------------------------- */

struct text {
	char *buf;
	size_t len;
	FILE *f;
};

/* A figure in its unit, short and exact enough to compare by eye. */
static void fmt_value(double v, enum expect_unit u, char *buf, size_t len)
{
	struct scale { const char *name; double scale; };
	static const struct scale tu[] = {
		{ "s", 1e12 }, { "ms", 1e9 }, { "us", 1e6 }, { "ns", 1e3 }, { "ps", 1 },
	}, su[] = {
		{ "GiB", 1073741824.0 }, { "MiB", 1048576.0 }, { "KiB", 1024.0 }, { "B", 1 },
	};
	const struct scale *t = u == EXPECT_TIME ? tu : su;
	unsigned n = u == EXPECT_TIME ? 5 : 4;

	if (u == EXPECT_COUNT) {
		if (v == floor(v) && fabs(v) < 1e18)
			snprintf(buf, len, "%.0f", v);
		else
			snprintf(buf, len, "%.6g", v);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		if (fabs(v) >= t[i].scale || i == n - 1) {
			snprintf(buf, len, "%.6g%s", v / t[i].scale, t[i].name);
			return;
		}
}

static double num(json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : 0;
}

static void judge_bound(const struct expect_bound *b, json_t *doc, FILE *f, unsigned *nbad)
{
	json_t *v = expect_lookup(doc, b->path);
	enum expect_unit u = expect_path_unit(b->path);
	char got[48];

	if (!v && !sparse_path(b->path)) {
		fprintf(f, "%s: wanted a figure, got none in the report\n", b->path);
		(*nbad)++;
		return;
	}
	double x = num(v);
	fmt_value(x, u, got, sizeof(got));
	if (b->has_min && x < b->min) {
		fprintf(f, "%s: wanted >= %s, got %s\n", b->path, b->min_text, got);
		(*nbad)++;
	}
	if (b->has_max && x > b->max) {
		fprintf(f, "%s: wanted <= %s, got %s\n", b->path, b->max_text, got);
		(*nbad)++;
	}
}

/* The first recorded violation of `inv`, for the message. */
static const char *first_message(json_t *doc, const char *inv)
{
	json_t *list = expect_lookup(doc, "oracle.list");

	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *e = json_array_get(list, i);
		const char *name = json_string_value(json_object_get(e, "invariant"));
		if (name && !strcmp(name, inv))
			return json_string_value(json_object_get(e, "message"));
	}
	return NULL;
}

static void list_invariants(uint32_t mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (int i = 0; i < ORACLE_INV__COUNT; i++) {
		if (!(mask & ORACLE_CHECK(i)))
			continue;
		int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
				 oracle_invariant_name((enum oracle_invariant)i));
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
	if (!used)
		snprintf(buf, len, "clean");
}

/* A violation found while running a user's guest image points at it. */
static void guest_hint(json_t *doc, const struct expect_outcome *oc, FILE *f)
{
	json_t *prj = expect_lookup(doc, "apf.pageready_delivered");
	json_t *ackj = expect_lookup(doc, "apf.acks");
	double pr = prj ? num(prj) : num(expect_lookup(doc, "oracle.counts.page_ready"));
	double acks = ackj ? num(ackj) : num(expect_lookup(doc, "oracle.counts.irq_acks"));

	if (!oc->guest_image || !oc->guest_image[0])
		return;
	if (pr > 0 && acks == 0)
		fprintf(f, "hint: the guest image %s never issued IRQ_ACK after %.0f page-ready notification%s "
			"(apf.pageready_delivered %.0f, apf.acks 0): its page-ready handler must acknowledge "
			"each one (docs/guest-abi.md)\n", oc->guest_image, pr, pr == 1 ? "" : "s", pr);
	else
		fprintf(f, "hint: this run used the guest image %s; the APF handler there is the first "
			"suspect (docs/guest-abi.md)\n", oc->guest_image);
}

unsigned expect_judge(const struct expect_set *s, const char *protocol, json_t *doc,
		      const struct expect_outcome *oc, char **out)
{
	const struct expect_block *b = expect_block_for(s, protocol);
	struct text t = { 0 };
	unsigned nbad = 0, noracle = 0;
	uint32_t want = 0, got = 0;
	int want_exit = -1;
	char ws[256], gs[256];

	*out = NULL;
	t.f = open_memstream(&t.buf, &t.len);
	if (!t.f)
		return 1;
	if (s->common.has_oracle)
		want = s->common.violations;
	if (b && b->has_oracle)
		want = b->violations;
	want_exit = s->common.exit_status;
	if (b && b->exit_status >= 0)
		want_exit = b->exit_status;
	if (want_exit < 0)
		want_exit = want ? 1 : 0;

	/* The oracle verdict: exactly the named invariants, each at least once. */
	json_t *by = expect_lookup(doc, "oracle.by_invariant");
	for (int i = 0; i < ORACLE_INV__COUNT; i++)
		if (num(json_object_get(by, oracle_invariant_name((enum oracle_invariant)i))) > 0)
			got |= ORACLE_CHECK(i);
	if (got != want) {
		list_invariants(want, ws, sizeof(ws));
		list_invariants(got, gs, sizeof(gs));
		fprintf(t.f, "oracle: wanted %s, got %s\n", ws, gs);
		for (int i = 0; i < ORACLE_INV__COUNT; i++) {
			const char *name = oracle_invariant_name((enum oracle_invariant)i);
			const char *msg = first_message(doc, name);
			if ((got & ~want & ORACLE_CHECK(i)) && msg)
				fprintf(t.f, "  %s x%.0f, first: %s\n", name, num(json_object_get(by, name)), msg);
		}
		nbad++;
		noracle++;
	}
	/* A derived exit status that differs only because the verdict does is
	 * already said by the oracle line. */
	bool explicit_exit = s->common.exit_status >= 0 || (b && b->exit_status >= 0);
	bool explained = noracle && !explicit_exit && !oc->fail_msg;
	if (oc->exit_status != want_exit && !explained) {
		fprintf(t.f, "exit status: wanted %d, got %d\n", want_exit, oc->exit_status);
		if (oc->fail_msg)
			fprintf(t.f, "  guest fault: %s\n", oc->fail_msg);
		nbad++;
	} else if (oc->fail_msg && want_exit == 0) {
		fprintf(t.f, "guest fault: %s\n", oc->fail_msg);
		nbad++;
	}
	for (unsigned i = 0; i < s->common.nbounds; i++)
		judge_bound(&s->common.bounds[i], doc, t.f, &nbad);
	for (unsigned i = 0; b && i < b->nbounds; i++)
		judge_bound(&b->bounds[i], doc, t.f, &nbad);
	if (nbad && (noracle || oc->fail_msg))
		guest_hint(doc, oc, t.f);
	fclose(t.f);
	if (nbad) {
		*out = t.buf;
	} else {
		free(t.buf);
	}
	return nbad;
}

int expect_judge_relation(const struct expect_relation *r, json_t *left, json_t *right, char **out)
{
	enum expect_unit u = expect_path_unit(r->lpath);
	double a = num(expect_lookup(left, r->lpath)), b = num(expect_lookup(right, r->rpath));
	double rb = r->factor * b;
	bool ok = r->op == EXPECT_GT ? a > rb : r->op == EXPECT_GE ? a >= rb : r->op == EXPECT_LT ? a < rb : a <= rb;
	char as[48], bs[48];

	*out = NULL;
	if (ok)
		return 0;
	fmt_value(a, u, as, sizeof(as));
	fmt_value(b, u, bs, sizeof(bs));
	char *msg = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&msg, &len);
	if (!f)
		return 1;
	fprintf(f, "relation \"%s\": wanted it to hold, got %s.%s = %s, %s.%s = %s\n", r->text, r->lproto,
		r->lpath, as, r->rproto, r->rpath, bs);
	fclose(f);
	*out = msg;
	return 1;
}
