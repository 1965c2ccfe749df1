/* config_tasks.c — the swap device preset and the `tasks:` list (name,
 * workload, vCPU and the workload's own keys) (config_internal.h). */
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

/* ---- swap device preset --------------------------------------------------------- */

/* `host.swap.device: NAME`: store the name, then load the preset's values
 * into the other host.swap keys through the same code as user input (a key
 * the user gives is applied after this and overrides the preset). */
int cfg_apply_swap_device(struct cfg_ctx *x, const struct param_desc *d, struct fy_node *v,
			     struct pos keypos, const char *path)
{
	const struct cfg_section *sec = cfg_section_find("host.swap");
	const struct swap_preset *pre;
	char kp[PATH_MAX_LEN];

	if (cfg_apply_param(x, d, x->c, v, keypos, path))
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
		struct param_desc pd = *cfg_param_find(sec->params, vals[i].key);

		pd.def = vals[i].text;
		cfg_join_path(kp, "host.swap", vals[i].key);
		if (cfg_apply_default(x, &pd, x->c, kp))
			return -1;
	}
	return 0;
}

/* ---- tasks ----------------------------------------------------------------------- */

const struct param_desc *cfg_param_find(const struct param_desc *d, const char *key)
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

	if (cfg_is_null(v) || !fy_node_is_scalar(v) || cfg_scalar_text(v, text, sizeof(text))) {
		workload_names(list, sizeof(list));
		return cfg_fail(x, cfg_pos_or(v, keypos), path, "expected a workload name (%s), found %s", list,
			    cfg_found(v, fb, sizeof(fb)));
	}
	w = workload_find(text);
	if (!w) {
		for (size_t i = 0; workload_table[i] && n < 63; i++)
			names[n++] = workload_table[i]->name;
		names[n] = NULL;
		return cfg_fail_enum(x, cfg_node_pos(v), path, "workload", names, text);
	}
	if (w->params_size > CFG_WL_PARAMS_MAX)
		return cfg_fail(x, cfg_node_pos(v), path, "internal: workload \"%s\" has %zu bytes of params, above %u",
			    w->name, w->params_size, (unsigned)CFG_WL_PARAMS_MAX);
	t->workload = w;
	memset(t->params, 0, sizeof(t->params));
	for (const struct param_desc *d = w->params; d && d->key; d++) {
		/* path is "tasks.N.workload": defaults are named tasks.N.KEY */
		cfg_sfmt(pp, sizeof(pp), "%.*s.%s", (int)(strrchr(path, '.') - path), path, d->key);
		if (cfg_apply_default(x, d, t->params, pp))
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

	if (cfg_is_null(v) || !fy_node_is_scalar(v) || cfg_scalar_text(v, text, sizeof(text)) ||
	    (l = strlen(text)) == 0 || l >= sizeof(tasks[idx].name))
		return cfg_fail(x, cfg_pos_or(v, keypos), path, "expected a task name of 1 to %zu characters, found %s",
			    sizeof(tasks[idx].name) - 1, cfg_found(v, fb, sizeof(fb)));
	for (size_t i = 0; i < l; i++)
		if (!name_char_ok(text[i]))
			return cfg_fail(x, cfg_node_pos(v), path,
				    "expected a task name of letters, digits, '_' and '-', found \"%s\"", text);
	for (uint32_t i = 0; i < x->c->ntasks; i++)
		if (i != idx && strcmp(tasks[i].name, text) == 0)
			return cfg_fail(x, cfg_node_pos(v), path,
				    "duplicate task name, expected a name not used by tasks.%u, found \"%s\"", i,
				    text);
	cfg_copy_str(tasks[idx].name, sizeof(tasks[idx].name), text);
	return 0;
}

static int set_vcpu(struct cfg_ctx *x, struct task_cfg *t, struct fy_node *v, struct pos keypos,
		    const char *path)
{
	char text[PARAM_STRING_MAX], fb[FOUND_MAX + 8];
	uint64_t u;

	if (cfg_is_null(v) || !fy_node_is_scalar(v) || cfg_scalar_text(v, text, sizeof(text)))
		return cfg_fail(x, cfg_pos_or(v, keypos), path, "expected a vCPU number or any, found %s",
			    cfg_found(v, fb, sizeof(fb)));
	if (strcmp(text, "any") == 0) {
		t->vcpu = -1;
		return 0;
	}
	if (cfg_parse_uint(text, &u) || u >= CFG_MAX_VCPUS)
		return cfg_fail(x, cfg_node_pos(v), path, "expected a vCPU number from 0 to %d or any, found \"%s\"",
			    CFG_MAX_VCPUS - 1, text);
	t->vcpu = (int32_t)u;
	return cfg_record(x, path, cfg_node_pos(v), v);
}

/* One key of task `idx`; name, workload and vcpu have their own rules,
 * count and start come from cfg_task_params, the rest from the workload. */
int cfg_apply_task_key(struct cfg_ctx *x, struct task_cfg *tasks, uint32_t idx, const char *key,
			  struct fy_node *keynode, struct fy_node *v, struct pos keypos)
{
	struct task_cfg *t = &tasks[idx];
	char path[PATH_MAX_LEN], list[1024], hint[128];
	const struct param_desc *d;
	struct names ns = { .n = 0 };

	cfg_sfmt(path, sizeof(path), "tasks.%u.%s", idx, key);
	if (strcmp(key, "name") == 0)
		return set_name(x, tasks, idx, v, keypos, path);
	if (strcmp(key, "workload") == 0)
		return set_workload(x, t, v, keypos, path);
	if (strcmp(key, "vcpu") == 0)
		return set_vcpu(x, t, v, keypos, path);
	d = cfg_param_find(cfg_task_params, key);
	if (d)
		return cfg_apply_param(x, d, t, v, keypos, path);
	d = t->workload ? cfg_param_find(t->workload->params, key) : NULL;
	if (d)
		return cfg_apply_param(x, d, t->params, v, keypos, path);
	cfg_names_add_params(&ns, cfg_task_params);
	if (t->workload)
		cfg_names_add_params(&ns, t->workload->params);
	cfg_names_explain(&ns, key, list, sizeof(list), hint, sizeof(hint));
	return cfg_fail(x, cfg_pos_or(keynode, keypos), path,
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
	struct pos mpos = cfg_pos_or(m, seqpos);
	void *it = NULL;

	cfg_sfmt(ip, sizeof(ip), "tasks.%u", idx);
	if (cfg_is_null(m) || !fy_node_is_mapping(m))
		return cfg_fail(x, mpos, ip, "expected a task mapping {name: ..., workload: ...}, found %s",
			    cfg_found(m, fb, sizeof(fb)));
	t->line = mpos.line;
	t->vcpu = -1;
	/* name and workload first: the workload decides which keys exist. */
	nv = cfg_lookup(m, "name", &nk);
	wv = cfg_lookup(m, "workload", &wk);
	if (!nk)
		return cfg_fail(x, mpos, ip, "expected key \"name\" in every task, found no such key");
	if (!wk)
		return cfg_fail(x, mpos, ip, "expected key \"workload\" in every task, found no such key");
	cfg_sfmt(kp, sizeof(kp), "%s.name", ip);
	if (set_name(x, tasks, idx, nv, cfg_node_pos(nk), kp))
		return -1;
	cfg_sfmt(kp, sizeof(kp), "%s.workload", ip);
	if (set_workload(x, t, wv, cfg_node_pos(wk), kp))
		return -1;
	for (const struct param_desc *d = cfg_task_params; d->key; d++) {
		cfg_sfmt(kp, sizeof(kp), "%s.%s", ip, d->key);
		if (strcmp(d->key, "vcpu") != 0 && d->def && cfg_apply_default(x, d, t, kp))
			return -1;
	}
	cfg_names_add_params(&ns, cfg_task_params);
	cfg_names_add_params(&ns, t->workload->params);
	if (cfg_check_keys(x, m, ip, &ns))
		return -1;
	while ((pr = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *k = fy_node_pair_key(pr);

		cfg_scalar_text(k, key, sizeof(key)); /* check_keys made sure it fits */
		if (strcmp(key, "name") == 0 || strcmp(key, "workload") == 0)
			continue;
		if (cfg_apply_task_key(x, tasks, idx, key, k, fy_node_pair_value(pr), cfg_node_pos(k)))
			return -1;
	}
	for (const struct param_desc *d = t->workload->params; d && d->key; d++)
		if (!d->def && !cfg_lookup(m, d->key, NULL))
			return cfg_fail(x, mpos, ip, "expected key \"%s\" (required by workload \"%s\"), found no such key",
				    d->key, t->workload->name);
	return 0;
}

int cfg_parse_tasks(struct cfg_ctx *x, struct fy_node *v, struct pos keypos)
{
	char fb[FOUND_MAX + 8];
	struct fy_node *item;
	void *it = NULL;
	uint32_t i = 0;
	int n;

	if (cfg_is_null(v) || !fy_node_is_sequence(v))
		return cfg_fail(x, cfg_pos_or(v, keypos), "tasks", "expected a sequence of tasks, found %s",
			    cfg_found(v, fb, sizeof(fb)));
	if (cfg_record(x, "tasks", keypos, NULL))
		return -1;
	n = fy_node_sequence_item_count(v);
	if (n == 0)
		return cfg_fail(x, keypos, "tasks", "expected at least one task, found an empty sequence");
	if (n > CFG_MAX_TASKS)
		return cfg_fail(x, keypos, "tasks", "expected at most %d tasks, found %d", CFG_MAX_TASKS, n);
	free(x->c->tasks);
	x->c->ntasks = 0;
	x->c->tasks = calloc((size_t)n, sizeof(*x->c->tasks));
	if (!x->c->tasks)
		return cfg_fail(x, keypos, "tasks", "out of memory for %d tasks", n);
	while ((item = fy_node_sequence_iterate(v, &it))) {
		x->c->ntasks = i + 1;
		if (parse_task(x, x->c->tasks, i, item, keypos))
			return -1;
		i++;
	}
	return 0;
}
