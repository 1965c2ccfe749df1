/* config_protocol.c — `protocol:` a preset name or {base: PRESET, switch:
 * value, ...}; each switch is checked against the switch schema
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
#include "model/apf/switches.h"
#include "model/scenario/text_guard.h"
#include "model/kernel/strdist.h"
#include "workloads/workload.h"

#include "model/scenario/config_internal.h"

/* ---- protocol ------------------------------------------------------------------ */

/* A preset name today; a mapping {base: NAME, switch: {...}} becomes a
 * second branch here, reusing set_protocol_name for `base`. */

int cfg_set_protocol_name(struct cfg_ctx *x, const char *text, struct pos p, const char *path)
{
	const struct apf_preset *pre;

	if (cfg_enum_index(cfg_protocol_names, text) < 0)
		return cfg_fail_enum(x, p, path, "protocol", cfg_protocol_names, text);
	cfg_copy_str(x->c->protocol, sizeof(x->c->protocol), text);
	pre = apf_preset_find(text);
	memset(&x->c->sw, 0, sizeof(x->c->sw));
	if (pre)
		x->c->sw = pre->sw;
	x->c->sw_overridden = false;
	return 0;
}

/* One switch override, checked against the switch schema. */
int cfg_apply_switch(struct cfg_ctx *x, const char *key, struct fy_node *v, struct pos keypos)
{
	char path[PATH_MAX_LEN], list[1024], hint[128];
	const struct param_desc *d = cfg_param_find(apf_switch_params, key);
	struct names ns = { .n = 0 };

	cfg_join_path(path, "protocol", key);
	if (!d) {
		cfg_names_add(&ns, "base");
		cfg_names_add_params(&ns, apf_switch_params);
		cfg_names_explain(&ns, key, list, sizeof(list), hint, sizeof(hint));
		return cfg_fail(x, keypos, path, "unknown switch, expected one of %s, found \"%s\"%s", list, key,
			    hint);
	}
	if (!apf_preset_find(x->c->protocol))
		return cfg_fail(x, keypos, path, "protocol %s has no switches (APF is off); choose a base "
					     "preset such as arm64-v4", x->c->protocol);
	if (cfg_apply_param(x, d, &x->c->sw, v, keypos, path))
		return -1;
	x->c->sw_overridden = true;
	return 0;
}

int cfg_validate_switches(struct cfg_ctx *x, struct pos p)
{
	char why[512];

	if (!apf_preset_find(x->c->protocol) || !apf_switches_validate(&x->c->sw, why, sizeof(why)))
		return 0;
	return cfg_fail(x, p, "protocol", "the %s guest driver cannot honour these switches: %s",
		    apf_switches_x86_driver(&x->c->sw) ? "x86-semantics" : "arm64", why);
}

/* `protocol: PRESET` or `protocol: {base: PRESET, SWITCH: VALUE, ...}`
 * (docs/protocols.md); `base` is applied first, then the overrides. */
int cfg_apply_protocol(struct cfg_ctx *x, struct fy_node *v, struct pos keypos, const char *path)
{
	char text[PARAM_STRING_MAX], list[256], fb[FOUND_MAX + 8], key[PARAM_STRING_MAX];
	struct fy_node *bk = NULL, *base;
	struct fy_node_pair *pr;
	struct names ns = { .n = 0 };
	void *it = NULL;

	if (!cfg_is_null(v) && fy_node_is_mapping(v)) {
		cfg_names_add(&ns, "base");
		cfg_names_add_params(&ns, apf_switch_params);
		if (cfg_check_keys(x, v, path, &ns))
			return -1;
		base = cfg_lookup(v, "base", &bk);
		if (!base || !fy_node_is_scalar(base) || cfg_scalar_text(base, text, sizeof(text))) {
			cfg_list_enum(cfg_protocol_names, list, sizeof(list));
			return cfg_fail(x, cfg_pos_or(base, keypos), "protocol.base",
				    "expected a protocol preset (%s), found %s", list,
				    base ? cfg_found(base, fb, sizeof(fb)) : "no base key");
		}
		if (cfg_set_protocol_name(x, text, cfg_node_pos(base), "protocol.base"))
			return -1;
		while ((pr = fy_node_mapping_iterate(v, &it))) {
			struct fy_node *k = fy_node_pair_key(pr);

			cfg_scalar_text(k, key, sizeof(key));
			if (strcmp(key, "base") && cfg_apply_switch(x, key, fy_node_pair_value(pr), cfg_node_pos(k)))
				return -1;
		}
		return cfg_validate_switches(x, cfg_node_pos(v));
	}
	if (cfg_is_null(v) || !fy_node_is_scalar(v) || cfg_scalar_text(v, text, sizeof(text))) {
		cfg_list_enum(cfg_protocol_names, list, sizeof(list));
		return cfg_fail(x, cfg_pos_or(v, keypos), path, "expected a protocol preset (%s) or {base: PRESET, "
							"switch: value}, found %s", list,
			    cfg_found(v, fb, sizeof(fb)));
	}
	return cfg_set_protocol_name(x, text, cfg_node_pos(v), path);
}
