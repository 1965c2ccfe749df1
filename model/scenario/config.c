/* config.c — scenario files (YAML, read with libfyaml) into a validated
 * struct apf_config, and `--set key=value` overrides.
 *
 * The parser is cut by concern: config_internal.h lists its files.
 *
 * Order of work: defaults from the schema (model/scenario/config_schema.c), then the
 * user's values, then cross-field checks (cfg_validate()).  The first problem
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

#include "model/scenario/config_internal.h"

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
		return cfg_fail(x, p, NULL, "expected at most 16MiB of YAML (the scenario size limit), found %zu bytes",
			    len);
	{
		struct text_fault tf;

		if (text_guard(text, len, &tf)) {
			struct pos bad = { tf.line, tf.col };

			return cfg_fail(x, bad, NULL, "expected UTF-8 text of printable characters, %s", tf.what);
		}
	}
	fy_diag_cfg_default(&dc);
	dc.fp = NULL;
	dc.colorize = false;
	diag = fy_diag_create(&dc);
	if (!diag)
		return cfg_fail(x, p, NULL, "out of memory");
	fy_diag_set_collect_errors(diag, true);
	/* Duplicate keys are found by check_keys, which names the key path. */
	pc.flags = FYPCF_QUIET | FYPCF_ALLOW_DUPLICATE_KEYS;
	pc.diag = diag;
	fyp = fy_parser_create(&pc);
	if (!fyp || fy_parser_set_string(fyp, text, len)) {
		if (fyp)
			fy_parser_destroy(fyp);
		fy_diag_destroy(diag);
		return cfg_fail(x, p, NULL, "out of memory");
	}
	*fypp = fyp;
	*doc = fy_parse_load_document(fyp);
	if (*doc && !fy_diag_got_error(diag) && !fy_diag_errors_iterate(diag, &it)) {
		second = fy_parse_load_document(fyp);
		if (second) {
			struct pos sp = cfg_pos_or(fy_document_root(second), p);

			fy_parse_document_destroy(fyp, second);
			fy_diag_destroy(diag);
			return cfg_fail(x, sp, NULL,
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
		cfg_fail(x, p, NULL, "invalid YAML: %s", de && de->msg ? de->msg : "syntax error");
		fy_diag_destroy(diag);
		return -1;
	}
	fy_diag_destroy(diag);
	alias = *doc ? find_alias(fy_document_root(*doc)) : NULL;
	if (alias)
		return cfg_fail(x, cfg_pos_or(alias, p), NULL,
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

	if (cfg_fill_defaults(x))
		return -1;
	rc = yaml_load(x, text, len, &fyp, &doc);
	if (rc == 0) {
		root = doc ? fy_document_root(doc) : NULL;
		if (!root)
			rc = cfg_fail(x, first, NULL,
				  "empty scenario, expected a mapping with at least a tasks sequence, found nothing");
		else
			rc = cfg_apply_section(x, &cfg_sections[0], root, first);
		if (rc == 0)
			rc = cfg_validate(x);
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
	for (size_t i = 0; rc == 0 && i < x.norigins; i++)
		config_note_key(&tmp, x.origins[i].path, name, x.origins[i].pos.line, x.origins[i].pos.col);
	free(x.origins);
	if (rc) {
		free(tmp.tasks);
		config_defaults(c);
		return -1;
	}
	cfg_copy_str(tmp.path, sizeof(tmp.path), path);
	{
		const char *slash = strrchr(path, '/');

		if (!slash)
			cfg_copy_str(tmp.dir, sizeof(tmp.dir), ".");
		else if (slash == path)
			cfg_copy_str(tmp.dir, sizeof(tmp.dir), "/");
		else
			cfg_sfmt(tmp.dir, sizeof(tmp.dir), "%.*s", (int)(slash - path), path);
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
	cfg_copy_str(err->file, sizeof(err->file), path);
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

/* `tasks` is the only memory a config owns (config_free); everything else
 * is held by value. */
int config_copy(struct apf_config *dst, const struct apf_config *src)
{
	*dst = *src;
	dst->tasks = NULL;
	if (src->ntasks) {
		dst->tasks = malloc(src->ntasks * sizeof(*src->tasks));
		if (!dst->tasks) {
			config_defaults(dst);
			return -1;
		}
		memcpy(dst->tasks, src->tasks, src->ntasks * sizeof(*src->tasks));
	}
	return 0;
}

/* ---- --set overrides ------------------------------------------------------------------------ */

/* Apply one key.  defer: leave the protocol-switch compatibility check to
 * the caller (config_set_list judges it on the whole batch). */
static int set_apply(struct cfg_ctx *x, const char *key, struct fy_node *v, bool defer)
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
			return cfg_fail(x, none, key, "expected tasks.N.KEY or tasks.NAME.KEY, found \"%s\"", key);
		cfg_sfmt(which, sizeof(which), "%.*s", (int)(rest - sel), sel);
		if (!cfg_parse_uint(which, &idx)) {
			if (idx >= c->ntasks)
				return cfg_fail(x, none, key, "expected a task index from 0 to %u, found \"%s\"",
					    c->ntasks - 1, which);
			i = (uint32_t)idx;
		} else {
			for (i = 0; i < c->ntasks; i++)
				if (strcmp(c->tasks[i].name, which) == 0)
					break;
			if (i == c->ntasks)
				return cfg_fail(x, none, key, "expected a task index or name, found \"%s\" (no such task)",
					    which);
		}
		return cfg_apply_task_key(x, c->tasks, i, rest + 1, NULL, v, none);
	}
	if (strcmp(key, "tasks") == 0)
		return cfg_fail(x, none, key, "expected tasks.N.KEY (tasks cannot be replaced with --set), found \"tasks\"");
	if (strncmp(key, "protocol.", 9) == 0) {
		if (cfg_apply_switch(x, key + 9, v, none))
			return -1;
		return defer ? 0 : cfg_validate_switches(x, none);
	}
	sec = cfg_section_find(key);
	if (sec && *key)
		return cfg_apply_section(x, sec, v, none);
	dot = strrchr(key, '.');
	if (dot) {
		cfg_sfmt(sect, sizeof(sect), "%.*s", (int)(dot - key), key);
		leaf = dot + 1;
	} else {
		sect[0] = '\0';
		leaf = key;
	}
	sec = cfg_section_find(sect);
	if (sec) {
		cfg_section_names(sec, &ns);
		if (*leaf && cfg_names_has(&ns, leaf) && strcmp(leaf, "tasks") != 0)
			return cfg_apply_key(x, sec, leaf, v, none);
		cfg_names_explain(&ns, leaf, list, sizeof(list), hint, sizeof(hint));
		return cfg_fail(x, none, key, "unknown key, expected one of %s%s%s%s, found \"%s\"%s",
			    sect, *sect ? ".{" : "", list, *sect ? "}" : "", leaf, hint);
	}
	cfg_section_names(&cfg_sections[0], &ns);
	cfg_names_explain(&ns, key, list, sizeof(list), hint, sizeof(hint));
	return cfg_fail(x, none, key, "unknown key, expected a dotted key under one of %s, found \"%s\"", list, key);
}

/* Split "KEY=VALUE" into key (x->set_key's buffer) and parse VALUE as YAML;
 * apply it to x->c.  0, or -1 with the error in x->err. */
static int set_one(struct cfg_ctx *x, char *key, size_t keylen, const char *assignment, bool defer)
{
	const char *eq = strchr(assignment, '=');
	struct fy_parser *fyp = NULL;
	struct fy_document *doc = NULL;
	struct pos none = { 0, 0 };
	int rc;

	if (!eq || eq == assignment || (size_t)(eq - assignment) >= keylen) {
		cfg_sfmt(key, keylen, "%.*s", eq ? (int)(eq - assignment) : 40, assignment);
		return cfg_fail(x, none, NULL, "expected KEY=VALUE, found \"%s\"", assignment);
	}
	cfg_sfmt(key, keylen, "%.*s", (int)(eq - assignment), assignment);
	if (!eq[1])
		return cfg_fail(x, none, NULL, "expected a value after \"=\", found nothing");
	/* The value is YAML, so --set host.swap.read_latency='{dist: ...}' works. */
	rc = yaml_load(x, eq + 1, strlen(eq + 1), &fyp, &doc);
	if (rc == 0 && (!doc || !fy_document_root(doc)))
		rc = cfg_fail(x, none, NULL, "expected a value after \"=\", found nothing");
	if (rc == 0)
		rc = set_apply(x, key, fy_document_root(doc), defer);
	if (doc)
		fy_parse_document_destroy(fyp, doc);
	if (fyp)
		fy_parser_destroy(fyp);
	return rc;
}

/* Work on a copy (tasks included) so a refused batch changes nothing. */
static int set_begin(struct apf_config *tmp, const struct apf_config *c, struct cfg_ctx *x)
{
	struct pos none = { 0, 0 };

	*tmp = *c;
	tmp->tasks = NULL;
	if (c->ntasks) {
		tmp->tasks = malloc(c->ntasks * sizeof(*tmp->tasks));
		if (!tmp->tasks)
			return cfg_fail(x, none, NULL, "out of memory");
		memcpy(tmp->tasks, c->tasks, c->ntasks * sizeof(*tmp->tasks));
	}
	return 0;
}

static void set_note(struct apf_config *c, const char *key)
{
	char where[PATH_MAX_LEN + 8];

	cfg_sfmt(where, sizeof(where), "--set %s", key);
	config_note_key(c, key, where, 0, 0);
}

int config_check_value(const struct apf_config *c, const char *assignment, struct cfg_error *err)
{
	char key[PATH_MAX_LEN];
	struct apf_config tmp;
	struct cfg_ctx x = { .err = err, .c = &tmp, .set_key = key };
	int rc;

	key[0] = '\0';
	if (set_begin(&tmp, c, &x))
		return -1;
	rc = set_one(&x, key, sizeof(key), assignment, true);
	free(x.origins);
	free(tmp.tasks);
	return rc;
}

int config_set(struct apf_config *c, const char *assignment, struct cfg_error *err)
{
	return config_set_list(c, &assignment, 1, err);
}

/* The cross-key checks on the batch applied so far. */
static bool set_valid(struct cfg_ctx *x)
{
	struct pos none = { 0, 0 };

	return cfg_validate_switches(x, none) == 0 && cfg_validate(x) == 0;
}

int config_set_list(struct apf_config *c, const char *const *assignments, unsigned n,
		    struct cfg_error *err)
{
	char keys[CFG_SET_LIST_MAX][PATH_MAX_LEN];
	struct apf_config tmp;
	struct cfg_ctx x = { .err = err, .c = &tmp, .name = "--set" };
	unsigned culprit = 0;	/* first assignment after the last valid state */
	bool ok = true;
	int rc = 0;

	if (n > CFG_SET_LIST_MAX) {
		struct pos none = { 0, 0 };

		return cfg_fail(&x, none, NULL, "expected at most %d overrides, found %u", CFG_SET_LIST_MAX, n);
	}
	if (n == 0)
		return 0;
	x.set_key = keys[0];
	keys[0][0] = '\0';
	if (set_begin(&tmp, c, &x))
		return -1;
	/* Each value is checked on its own as it is applied; the cross-key
	 * checks judge the batch's final state, so an override that is only
	 * valid together with a later one (vm.vcpus=1 before a task's vcpu=0)
	 * is accepted.  A final state that fails is blamed on the first
	 * override after which no state was valid again. */
	for (unsigned i = 0; i < n && rc == 0; i++) {
		x.set_key = keys[i];
		rc = set_one(&x, keys[i], sizeof(keys[i]), assignments[i], true);
		if (rc == 0) {
			bool v = set_valid(&x);

			if (v)
				culprit = i + 1;
			ok = v;
		}
	}
	if (rc == 0 && !ok) {
		x.set_key = keys[culprit < n ? culprit : n - 1];
		rc = set_valid(&x) ? 0 : -1;
		/* The key the check names, when an override from the culprit
		 * on set it, is the better one to blame (its latest override). */
		for (unsigned i = n; i-- > culprit;) {
			size_t kl = strlen(keys[i]);

			if (!strncmp(err->msg, keys[i], kl) && !strncmp(err->msg + kl, ": ", 2)) {
				x.set_key = keys[i];
				set_valid(&x);
				break;
			}
		}
	}
	free(x.origins);
	if (rc) {
		free(tmp.tasks);
		return -1;
	}
	free(c->tasks);
	*c = tmp;
	for (unsigned i = 0; i < n; i++)
		set_note(c, keys[i]);
	return 0;
}
