/* sweep.c — the grid, rows and result files of a parameter study (see
 * sweep.h). */
#include "model/explore/sweep.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/vm/machine_report.h"
#include "model/session/session.h"

/* Split "v1,v2,..." at the commas outside {} and [] (a distribution or a
 * list is one value). */
static int split_values(struct sweep_key *k, const char *list, char *err, size_t errlen)
{
	const char *p = list;

	for (;;) {
		int depth = 0;
		const char *s = p;
		while (*p && (depth > 0 || *p != ',')) {
			if (*p == '{' || *p == '[')
				depth++;
			else if ((*p == '}' || *p == ']') && depth > 0)
				depth--;
			p++;
		}
		size_t len = (size_t)(p - s);
		if (len == 0) {
			snprintf(err, errlen, "value %u is empty", k->nvalues + 1);
			return -1;
		}
		if (len >= SWEEP_VALUE_MAX) {
			snprintf(err, errlen, "value %u is longer than %d bytes", k->nvalues + 1, SWEEP_VALUE_MAX - 1);
			return -1;
		}
		if (k->nvalues == SWEEP_MAX_VALUES) {
			snprintf(err, errlen, "more than %d values", SWEEP_MAX_VALUES);
			return -1;
		}
		memcpy(k->values[k->nvalues], s, len);
		k->values[k->nvalues][len] = '\0';
		for (unsigned i = 0; i < k->nvalues; i++) {
			if (!strcmp(k->values[i], k->values[k->nvalues])) {
				snprintf(err, errlen, "value \"%s\" given twice", k->values[i]);
				return -1;
			}
		}
		k->nvalues++;
		if (!*p)
			return 0;
		p++;
	}
}

/* "12.5us" -> 12.5 and "us". */
static int split_number(const char *s, double *x, const char **unit)
{
	char *end;

	if (!((*s >= '0' && *s <= '9') || *s == '.'))
		return -1;
	errno = 0;
	*x = strtod(s, &end);
	if (errno || end == s || !isfinite(*x))
		return -1;
	*unit = end;
	return 0;
}

/* "LO..HI:STEPS" into values. */
static int expand_range(struct sweep_key *k, const char *spec, const char *dots, char *err, size_t errlen)
{
	char lo_s[SWEEP_VALUE_MAX], hi_s[SWEEP_VALUE_MAX];
	const char *colon = strrchr(dots + 2, ':');
	const char *ulo, *uhi;
	double lo, hi;
	char *end;

	if (!colon) {
		snprintf(err, errlen, "range \"%s\": expected LO..HI:STEPS (e.g. 50us..200us:4)", spec);
		return -1;
	}
	if ((size_t)(dots - spec) >= sizeof(lo_s) || (size_t)(colon - dots - 2) >= sizeof(hi_s)) {
		snprintf(err, errlen, "range \"%.60s\": bound too long", spec);
		return -1;
	}
	snprintf(lo_s, sizeof(lo_s), "%.*s", (int)(dots - spec), spec);
	snprintf(hi_s, sizeof(hi_s), "%.*s", (int)(colon - dots - 2), dots + 2);
	errno = 0;
	unsigned long steps = (colon[1] >= '0' && colon[1] <= '9') ? strtoul(colon + 1, &end, 10) : 0;
	if (!steps || *end || errno || steps < 2 || steps > SWEEP_MAX_VALUES) {
		snprintf(err, errlen, "range \"%s\": STEPS: expected an integer from 2 to %d, found \"%s\"", spec,
			 SWEEP_MAX_VALUES, colon + 1);
		return -1;
	}
	if (split_number(lo_s, &lo, &ulo)) {
		snprintf(err, errlen, "range \"%s\": LO: expected a number with an optional unit, found \"%s\"",
			 spec, lo_s);
		return -1;
	}
	if (split_number(hi_s, &hi, &uhi)) {
		snprintf(err, errlen, "range \"%s\": HI: expected a number with an optional unit, found \"%s\"",
			 spec, hi_s);
		return -1;
	}
	if (strcmp(ulo, uhi)) {
		snprintf(err, errlen, "range \"%s\": LO and HI must have the same unit, found \"%s\" and \"%s\"",
			 spec, ulo, uhi);
		return -1;
	}
	if (!(hi > lo)) {
		snprintf(err, errlen, "range \"%s\": expected HI above LO", spec);
		return -1;
	}
	for (unsigned long i = 0; i < steps; i++) {
		double v = i + 1 == steps ? hi : lo + (hi - lo) * (double)i / (double)(steps - 1);
		/* %.6g: short and exact for the usual decimal steps. */
		snprintf(k->values[i], SWEEP_VALUE_MAX, "%.6g%s", v, ulo);
		for (unsigned long j = 0; j < i; j++) {
			if (!strcmp(k->values[j], k->values[i])) {
				snprintf(err, errlen, "range \"%s\": steps too fine (\"%s\" twice at 6 digits)", spec,
					 k->values[i]);
				return -1;
			}
		}
	}
	k->nvalues = (unsigned)steps;
	return 0;
}

int sweep_parse_vary(struct sweep_grid *g, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	char why[256];

	if (!eq || eq == arg) {
		snprintf(err, errlen, "expected KEY=V1,V2,... or KEY=LO..HI:STEPS, found \"%s\"", arg);
		return -1;
	}
	if ((size_t)(eq - arg) >= sizeof(g->keys[0].key)) {
		snprintf(err, errlen, "key \"%.40s...\" too long", arg);
		return -1;
	}
	if (g->nkeys == SWEEP_MAX_KEYS) {
		snprintf(err, errlen, "at most %d --vary keys", SWEEP_MAX_KEYS);
		return -1;
	}
	struct sweep_key *k = &g->keys[g->nkeys];
	memset(k, 0, sizeof(*k));
	snprintf(k->key, sizeof(k->key), "%.*s", (int)(eq - arg), arg);
	for (unsigned i = 0; i < g->nkeys; i++) {
		if (!strcmp(g->keys[i].key, k->key)) {
			snprintf(err, errlen, "key %s varied twice", k->key);
			return -1;
		}
	}
	if (!strcmp(k->key, "seed") || !strcmp(k->key, "protocol")) {
		snprintf(err, errlen, "%s is not varied with --vary: use --%s", k->key,
			 !strcmp(k->key, "seed") ? "seeds N" : "protocols P1,P2");
		return -1;
	}
	const char *v = eq + 1, *dots = strstr(v, "..");
	int rc = dots && !strpbrk(v, "{[,") ? expand_range(k, v, dots, why, sizeof(why))
					     : split_values(k, v, why, sizeof(why));
	if (rc) {
		snprintf(err, errlen, "%s: %s", k->key, why);
		return -1;
	}
	g->nkeys++;
	return 0;
}

int sweep_parse_protocols(struct sweep_grid *g, const char *list, char *err, size_t errlen)
{
	g->nprotocols = 0;
	for (const char *p = list; *p || g->nprotocols == 0;) {
		size_t l = strcspn(p, ",");
		if (l == 0 || l >= sizeof(g->protocols[0]) || g->nprotocols == SWEEP_MAX_PROTOCOLS) {
			snprintf(err, errlen, "expected up to %d preset names separated by commas, found \"%s\"",
				 SWEEP_MAX_PROTOCOLS, list);
			return -1;
		}
		snprintf(g->protocols[g->nprotocols], sizeof(g->protocols[0]), "%.*s", (int)l, p);
		for (unsigned k = 0; k < g->nprotocols; k++) {
			if (!strcmp(g->protocols[k], g->protocols[g->nprotocols])) {
				snprintf(err, errlen, "%s named twice in \"%s\"", g->protocols[k], list);
				return -1;
			}
		}
		g->nprotocols++;
		p += l;
		if (*p == ',' && !p[1]) {
			snprintf(err, errlen, "expected a name after the last comma in \"%s\"", list);
			return -1;
		}
		p += *p == ',';
	}
	return 0;
}

/* The figures after the per-task ones: column name and run-document path. */
static const struct {
	const char *name, *path;
} fixed_figs[] = {
	{ "faults", "host.faults.total" },
	{ "apf_faults", "apf.faults" },
	{ "apf_async", "apf.async" },
	{ "apf_sync", "apf.sync_total" },
	{ "fault_latency_p50_ps", "host.fault_latency_ps.p50" },
	{ "fault_latency_p99_ps", "host.fault_latency_ps.p99" },
	{ "oracle_violations", "oracle.violations" },
};
#define NFIXED (sizeof(fixed_figs) / sizeof(fixed_figs[0]))

static const char *const task_figs[3] = { "progress", "stall_ps", "parked_ps" };

void sweep_figures_init(struct sweep_grid *g, const char *const *task_names, unsigned n)
{
	if (n > SWEEP_MAX_TASKS)
		n = SWEEP_MAX_TASKS;
	g->nfigs = 0;
	snprintf(g->figs[g->nfigs++], sizeof(g->figs[0]), "sim_time_ps");
	for (unsigned t = 0; t < n; t++)
		for (unsigned f = 0; f < 3; f++)
			snprintf(g->figs[g->nfigs++], sizeof(g->figs[0]), "%.30s.%s", task_names[t], task_figs[f]);
	for (unsigned f = 0; f < NFIXED; f++)
		snprintf(g->figs[g->nfigs++], sizeof(g->figs[0]), "%s", fixed_figs[f].name);
}

uint64_t sweep_npoints(const struct sweep_grid *g)
{
	uint64_t n = g->seeds * (g->nprotocols ? g->nprotocols : 1);

	for (unsigned k = 0; k < g->nkeys; k++) {
		n *= g->keys[k].nvalues;
		if (n > SWEEP_MAX_POINTS)
			return SWEEP_MAX_POINTS + 1;
	}
	return n;
}

void sweep_point_at(const struct sweep_grid *g, uint64_t i, struct sweep_point *p)
{
	memset(p, 0, sizeof(*p));
	p->index = i;
	p->seed = g->seed0 + i % g->seeds;
	i /= g->seeds;
	if (g->nprotocols) {
		p->protocol = (unsigned)(i % g->nprotocols);
		i /= g->nprotocols;
	}
	for (unsigned k = g->nkeys; k-- > 0;) {
		p->value[k] = (unsigned)(i % g->keys[k].nvalues);
		i /= g->keys[k].nvalues;
	}
}

const char *sweep_point_protocol(const struct sweep_grid *g, const struct sweep_point *p)
{
	return g->nprotocols ? g->protocols[p->protocol] : "";
}

unsigned sweep_point_sets(const struct sweep_grid *g, const struct sweep_point *p,
			  char store[][SWEEP_SET_LEN])
{
	unsigned n = 0;

	for (unsigned k = 0; k < g->nkeys; k++)
		snprintf(store[n++], SWEEP_SET_LEN, "%s=%s", g->keys[k].key, g->keys[k].values[p->value[k]]);
	if (g->nprotocols)
		snprintf(store[n++], SWEEP_SET_LEN, "protocol=%s", g->protocols[p->protocol]);
	snprintf(store[n++], SWEEP_SET_LEN, "seed=%llu", (unsigned long long)p->seed);
	return n;
}

/* Whether the instance name is task `name` ("name" or "name.K"). */
static bool instance_of(const char *inst, const char *name)
{
	size_t l = strlen(name);

	return !strncmp(inst, name, l) && (inst[l] == '\0' || inst[l] == '.');
}

void sweep_row_from_doc(const struct sweep_grid *g, json_t *doc, struct sweep_row *r)
{
	json_t *tasks = json_object_get(doc, "tasks");
	unsigned f = 0;

	json_t *v = json_object_get(doc, "sim_time_ps");
	r->have[f] = json_is_integer(v);
	r->fig[f++] = json_integer_value(v);
	/* Per task (every instance summed); a task with no instance left
	 * (count 0) has zero figures. */
	unsigned ntask = (g->nfigs - 1 - NFIXED) / 3;
	for (unsigned t = 0; t < ntask; t++) {
		char name[48];
		snprintf(name, sizeof(name), "%s", g->figs[f]);
		*strrchr(name, '.') = '\0';
		for (unsigned k = 0; k < 3; k++) {
			int64_t sum = 0;
			for (size_t i = 0; i < json_array_size(tasks); i++) {
				json_t *o = json_array_get(tasks, i);
				const char *in = json_string_value(json_object_get(o, "name"));
				if (in && instance_of(in, name))
					sum += json_integer_value(json_object_get(o, task_figs[k]));
			}
			r->have[f] = 1;
			r->fig[f++] = sum;
		}
	}
	for (unsigned k = 0; k < NFIXED; k++) {
		v = session_json_path(doc, fixed_figs[k].path);
		r->have[f] = json_is_integer(v);
		r->fig[f++] = json_is_integer(v) ? json_integer_value(v) : 0;
	}
}

static const char *status_name(int s)
{
	return s == SWEEP_OK ? "ok" : s == SWEEP_FAILED ? "failed" : "error";
}

/* One CSV field, quoted when it holds a comma, a quote or a line break. */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
	fputc('"', f);
}

void sweep_csv_header(const struct sweep_grid *g, FILE *f)
{
	fputs("index", f);
	for (unsigned k = 0; k < g->nkeys; k++) {
		fputc(',', f);
		csv_field(f, g->keys[k].key);
	}
	fputs(",protocol,seed,status", f);
	for (unsigned k = 0; k < g->nfigs; k++)
		fprintf(f, ",%s", g->figs[k]);
	fputs(",error\n", f);
}

void sweep_csv_row(const struct sweep_grid *g, const struct sweep_row *r, FILE *f)
{
	struct sweep_point p;

	sweep_point_at(g, r->index, &p);
	fprintf(f, "%llu", (unsigned long long)r->index);
	for (unsigned k = 0; k < g->nkeys; k++) {
		fputc(',', f);
		csv_field(f, g->keys[k].values[p.value[k]]);
	}
	fputc(',', f);
	csv_field(f, sweep_point_protocol(g, &p));
	fprintf(f, ",%llu,%s", (unsigned long long)p.seed, status_name(r->status));
	for (unsigned k = 0; k < g->nfigs; k++) {
		if (r->have[k])
			fprintf(f, ",%lld", (long long)r->fig[k]);
		else
			fputc(',', f);
	}
	fputc(',', f);
	csv_field(f, r->error);
	fputc('\n', f);
}

/* Split one CSV line (no trailing newline) into at most max fields, in
 * place; the count, or -1 when a quote is unbalanced. */
static int csv_split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		if (n == max)
			return -1;
		if (*p == '"') {
			char *w = ++p;
			fields[n++] = w;
			for (;;) {
				if (!*p)
					return -1;
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
			*w = '\0';
			if (*p != ',' && *p)
				return -1;
		} else {
			fields[n++] = p;
			p += strcspn(p, ",");
		}
		if (!*p)
			return n;
		*p++ = '\0';
	}
}

static int parse_i64(const char *s, int64_t *v)
{
	char *end;

	if (!*s)
		return -1;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (*end || errno)
		return -1;
	*v = x;
	return 0;
}

int sweep_csv_read(const struct sweep_grid *g, FILE *f, struct sweep_row *rows, bool *done, char *err,
		   size_t errlen)
{
	char *line = NULL, *hdr = NULL;
	size_t cap = 0, hlen = 0;
	uint64_t n = sweep_npoints(g), lineno = 1;
	int rc = 0;
	FILE *h = open_memstream(&hdr, &hlen);

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sweep_csv_header(g, h);
	fclose(h);
	ssize_t len = getline(&line, &cap, f);
	if (len <= 0 || strcmp(line, hdr)) {
		snprintf(err, errlen, "line 1: the header is not this sweep's (other --vary keys, tasks or "
			 "figures); start afresh without --resume or use another --out");
		rc = -1;
		goto out;
	}
	int nf = 1 + (int)g->nkeys + 3 + (int)g->nfigs + 1;
	char **fields = calloc((size_t)nf + 1, sizeof(*fields));
	while (fields && (len = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[len - 1] != '\n')
			break;		/* cut short: not a complete row */
		line[len - 1] = '\0';
		int64_t idx, seed, x;
		struct sweep_point p;
		int k = 0;
		if (csv_split(line, fields, nf + 1) != nf || parse_i64(fields[0], &idx) || idx < 0 ||
		    (uint64_t)idx >= n)
			goto bad;
		sweep_point_at(g, (uint64_t)idx, &p);
		for (unsigned j = 0; j < g->nkeys; j++)
			if (strcmp(fields[1 + j], g->keys[j].values[p.value[j]]))
				goto bad;
		k = 1 + (int)g->nkeys;
		if (strcmp(fields[k], sweep_point_protocol(g, &p)) || parse_i64(fields[k + 1], &seed) ||
		    (uint64_t)seed != p.seed)
			goto bad;
		struct sweep_row *r = &rows[idx];
		memset(r, 0, sizeof(*r));
		r->index = (uint64_t)idx;
		const char *st = fields[k + 2];
		r->status = !strcmp(st, "ok") ? SWEEP_OK : !strcmp(st, "failed") ? SWEEP_FAILED
			  : !strcmp(st, "error") ? SWEEP_ERROR : -1;
		if (r->status < 0)
			goto bad;
		k += 3;
		for (unsigned j = 0; j < g->nfigs; j++, k++) {
			if (!*fields[k])
				continue;
			if (parse_i64(fields[k], &x))
				goto bad;
			r->fig[j] = x;
			r->have[j] = 1;
		}
		snprintf(r->error, sizeof(r->error), "%s", fields[k]);
		done[idx] = true;
		continue;
bad:
		snprintf(err, errlen, "line %llu: not a row of this sweep (its index, key values, protocol or "
			 "seed differ from the grid's); start afresh without --resume or use another --out",
			 (unsigned long long)lineno);
		rc = -1;
		break;
	}
	free(fields);
out:
	free(line);
	free(hdr);
	return rc;
}

json_t *sweep_json(const struct sweep_grid *g, const struct sweep_row *rows, uint64_t n)
{
	json_t *doc = json_object(), *vary = json_array(), *protos = json_array(), *runs = json_array();

	json_object_set_new(doc, "format_version", json_integer(APFSIM_JSON_FORMAT_VERSION));
	json_object_set_new(doc, "scenario", json_string(g->scenario));
	for (unsigned k = 0; k < g->nkeys; k++) {
		json_t *vals = json_array();
		for (unsigned v = 0; v < g->keys[k].nvalues; v++)
			json_array_append_new(vals, json_string(g->keys[k].values[v]));
		json_array_append_new(vary, json_pack("{s:s, s:o}", "key", g->keys[k].key, "values", vals));
	}
	json_object_set_new(doc, "vary", vary);
	for (unsigned k = 0; k < g->nprotocols; k++)
		json_array_append_new(protos, json_string(g->protocols[k]));
	json_object_set_new(doc, "protocols", protos);
	json_object_set_new(doc, "seeds", json_integer((json_int_t)g->seeds));
	json_object_set_new(doc, "first_seed", json_integer((json_int_t)g->seed0));
	for (uint64_t i = 0; i < n; i++) {
		const struct sweep_row *r = &rows[i];
		struct sweep_point p;
		json_t *o = json_object(), *params = json_object(), *figs = json_object();

		sweep_point_at(g, i, &p);
		json_object_set_new(o, "index", json_integer((json_int_t)i));
		for (unsigned k = 0; k < g->nkeys; k++)
			json_object_set_new(params, g->keys[k].key, json_string(g->keys[k].values[p.value[k]]));
		json_object_set_new(o, "params", params);
		json_object_set_new(o, "protocol", json_string(sweep_point_protocol(g, &p)));
		json_object_set_new(o, "seed", json_integer((json_int_t)p.seed));
		json_object_set_new(o, "status", json_string(status_name(r->status)));
		for (unsigned k = 0; k < g->nfigs; k++)
			json_object_set_new(figs, g->figs[k], r->have[k] ? json_integer(r->fig[k]) : json_null());
		json_object_set_new(o, "figures", figs);
		json_object_set_new(o, "error", json_string(r->error));
		json_array_append_new(runs, o);
	}
	json_object_set_new(doc, "runs", runs);
	return doc;
}

bool sweep_value_number(const char *v, double *x)
{
	static const struct {
		const char *unit;
		double scale;
	} units[] = {
		{ "", 1 }, { "ps", 1 }, { "ns", 1e3 }, { "us", 1e6 }, { "ms", 1e9 }, { "s", 1e12 },
		{ "B", 1 }, { "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
		{ "TiB", 1099511627776.0 }, { "KB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 }, { "%", 0.01 },
	};
	const char *unit;

	if (split_number(v, x, &unit))
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(unit, units[i].unit)) {
			*x *= units[i].scale;
			return true;
		}
	}
	return false;
}
