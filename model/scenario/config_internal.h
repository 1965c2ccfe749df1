/* config_internal.h — what the files of the scenario parser share (not a
 * public header: model/config/config.h is).  The parser is cut by concern:
 *
 *   config.c           loading a file or text, committing, --set overrides
 *   config_errors.c    the one-line FILE:LINE:COL messages
 *   config_yaml.c      YAML nodes, key checks (unknown, duplicate, suggestions),
 *                      where each key was set (origins)
 *   config_values.c    scalar values by schema type, distributions, defaults
 *   config_protocol.c  the protocol preset and its switch overrides
 *   config_tasks.c     the swap device preset and the tasks list
 *   config_sections.c  the sections of the schema, filling the defaults
 *   config_validate.c  checks that involve several keys
 *   config_schema.c    the schema itself (keys, types, bounds, defaults)
 *
 * Invariant: every function here reports its first problem through cfg_fail()
 * (or cfg_fail_key()) into the context's cfg_error and returns -1; nothing is
 * printed. */
#ifndef APFSIM_MODEL_SCENARIO_CONFIG_INTERNAL_H
#define APFSIM_MODEL_SCENARIO_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libfyaml.h>

#include "model/config/config.h"

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


/* A set of accepted names, for "expected one of ..." and suggestions. */
struct names {
	const char *v[96];
	size_t n;
};

/* config_errors.c */
void cfg_sfmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cfg_copy_str(char *dst, size_t len, const char *src);
int cfg_fail(struct cfg_ctx *x, struct pos p, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* config_yaml.c */
struct pos cfg_node_pos(struct fy_node *n);
struct pos cfg_pos_or(struct fy_node *n, struct pos fallback);
bool cfg_is_null(struct fy_node *n);
int cfg_scalar_text(struct fy_node *n, char *buf, size_t len);
const char *cfg_found(struct fy_node *n, char *buf, size_t len);
void cfg_names_add(struct names *ns, const char *s);
void cfg_names_add_params(struct names *ns, const struct param_desc *d);
bool cfg_names_has(const struct names *ns, const char *s);
void cfg_names_explain(const struct names *ns, const char *bad, char *list, size_t llen,
			  char *hint, size_t hlen);
void cfg_join_path(char *out, const char *base, const char *key);
int cfg_check_keys(struct cfg_ctx *x, struct fy_node *m, const char *path, const struct names *ns);
struct fy_node *cfg_lookup(struct fy_node *m, const char *key, struct fy_node **keynode);
int cfg_record(struct cfg_ctx *x, const char *path, struct pos p, struct fy_node *v);
const struct origin *cfg_origin_find(const struct cfg_ctx *x, const char *path);
/* config_values.c */
int cfg_parse_uint(const char *s, uint64_t *out);
void cfg_list_enum(const char *const *names, char *buf, size_t len);
int cfg_enum_index(const char *const *names, const char *s);
int cfg_fail_enum(struct cfg_ctx *x, struct pos p, const char *path, const char *what,
		     const char *const *names, const char *text);
int cfg_apply_param(struct cfg_ctx *x, const struct param_desc *d, void *base, struct fy_node *v,
		       struct pos keypos, const char *path);
int cfg_apply_default(struct cfg_ctx *x, const struct param_desc *d, void *base, const char *path);
/* config_protocol.c */
int cfg_set_protocol_name(struct cfg_ctx *x, const char *text, struct pos p, const char *path);
int cfg_apply_switch(struct cfg_ctx *x, const char *key, struct fy_node *v, struct pos keypos);
int cfg_validate_switches(struct cfg_ctx *x, struct pos p);
int cfg_apply_protocol(struct cfg_ctx *x, struct fy_node *v, struct pos keypos, const char *path);
/* config_tasks.c */
int cfg_apply_swap_device(struct cfg_ctx *x, const struct param_desc *d, struct fy_node *v,
			     struct pos keypos, const char *path);
const struct param_desc *cfg_param_find(const struct param_desc *d, const char *key);
int cfg_apply_task_key(struct cfg_ctx *x, struct task_cfg *tasks, uint32_t idx, const char *key,
			  struct fy_node *keynode, struct fy_node *v, struct pos keypos);
int cfg_parse_tasks(struct cfg_ctx *x, struct fy_node *v, struct pos keypos);
/* config_sections.c */
void cfg_section_names(const struct cfg_section *sec, struct names *ns);
int cfg_apply_key(struct cfg_ctx *x, const struct cfg_section *sec, const char *key,
		     struct fy_node *v, struct pos keypos);
int cfg_apply_section(struct cfg_ctx *x, const struct cfg_section *sec, struct fy_node *m,
			 struct pos keypos);
int cfg_fill_defaults(struct cfg_ctx *x);
/* config_validate.c */
int cfg_validate(struct cfg_ctx *x);

#endif
