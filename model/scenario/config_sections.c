/* config_sections.c — the sections of the schema: each key a param, a child
 * section or (top level) tasks; defaults for every key the user left out
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

/* ---- sections ------------------------------------------------------------------------ */

void cfg_section_names(const struct cfg_section *sec, struct names *ns)
{
	size_t pl = strlen(sec->path);

	cfg_names_add_params(ns, sec->params);
	for (const struct cfg_section *s = cfg_sections; s->path; s++) {
		const char *rest = s->path + pl + (pl ? 1 : 0);

		if (s == sec || strncmp(s->path, sec->path, pl) != 0 || (pl && s->path[pl] != '.'))
			continue;
		if (!strchr(rest, '.'))
			cfg_names_add(ns, rest);
	}
	if (!*sec->path) {
		cfg_names_add(ns, "tasks");
		cfg_names_add(ns, "expect");
	}
}

/* One key of a section: a param, a child section, or (top level) tasks. */
int cfg_apply_key(struct cfg_ctx *x, const struct cfg_section *sec, const char *key,
		     struct fy_node *v, struct pos keypos)
{
	char path[PATH_MAX_LEN];
	const struct param_desc *d = cfg_param_find(sec->params, key);
	const struct cfg_section *child;

	cfg_join_path(path, sec->path, key);
	if (!*sec->path && strcmp(key, "protocol") == 0)
		return cfg_apply_protocol(x, v, keypos, path);
	if (!*sec->path && strcmp(key, "tasks") == 0)
		return cfg_parse_tasks(x, v, keypos);
	if (d && strcmp(path, "host.swap.device") == 0)
		return cfg_apply_swap_device(x, d, v, keypos, path);
	/* What a run must show (apfsim test): model/scenario/expect.c. */
	if (!*sec->path && strcmp(key, "expect") == 0)
		return 0;
	if (d)
		return cfg_apply_param(x, d, x->c, v, keypos, path);
	child = cfg_section_find(path);
	if (child)
		return cfg_apply_section(x, child, v, keypos);
	return cfg_fail(x, keypos, path, "internal: key without a handler");
}

int cfg_apply_section(struct cfg_ctx *x, const struct cfg_section *sec, struct fy_node *m,
			 struct pos keypos)
{
	char key[PARAM_STRING_MAX], fb[FOUND_MAX + 8];
	struct names ns = { .n = 0 };
	struct fy_node_pair *pr;
	void *it = NULL;
	bool top = !*sec->path;

	if (cfg_is_null(m) || !fy_node_is_mapping(m))
		return cfg_fail(x, cfg_pos_or(m, keypos), sec->path, "expected a mapping%s, found %s",
			    top ? " of sections (seed, protocol, vm, host, guest, run, tasks)" : "",
			    cfg_found(m, fb, sizeof(fb)));
	cfg_section_names(sec, &ns);
	if (cfg_check_keys(x, m, sec->path, &ns))
		return -1;
	/* vm first at the top level: times given in cycles need vm.freq; the
	 * swap device first in host.swap: its preset is what the other keys
	 * override. */
	const char *first = top ? "vm" : strcmp(sec->path, "host.swap") == 0 ? "device" : NULL;
	if (first) {
		struct fy_node *fk = NULL, *fv = cfg_lookup(m, first, &fk);

		if (fk && cfg_apply_key(x, sec, first, fv, cfg_node_pos(fk)))
			return -1;
	}
	while ((pr = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *k = fy_node_pair_key(pr);

		cfg_scalar_text(k, key, sizeof(key));
		if (first && strcmp(key, first) == 0)
			continue;
		if (cfg_apply_key(x, sec, key, fy_node_pair_value(pr), cfg_node_pos(k)))
			return -1;
	}
	return 0;
}

int cfg_fill_defaults(struct cfg_ctx *x)
{
	char path[PATH_MAX_LEN];

	for (const struct cfg_section *s = cfg_sections; s->path; s++) {
		for (const struct param_desc *d = s->params; d->key; d++) {
			cfg_join_path(path, s->path, d->key);
			if (!*s->path && strcmp(d->key, "protocol") == 0) {
				struct pos none = { 0, 0 };

				if (cfg_set_protocol_name(x, d->def, none, path))
					return -1;
			} else if (cfg_apply_default(x, d, x->c, path)) {
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
	(void)cfg_fill_defaults(&x);
	free(x.origins);
}
