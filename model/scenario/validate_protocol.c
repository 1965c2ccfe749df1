/* validate_protocol.c — keys that do nothing under the chosen protocol
 * (issue 20 item 7; docs/scenario.md "Keys that depend on the protocol").
 *
 * Which keys depend on the protocol family comes from two tables: the
 * fault-injection table (model/config/inject.h: every key of an injection
 * needs the injection's capabilities) and the family's key rules
 * (model/apf/family.c).  The loader remembers where each such key was set
 * (config_note_key); the check runs once, after the scenario, every --set
 * and --protocol, so the order of the options never matters.
 *
 * A key fails when it was set explicitly, it asks for something by itself
 * (an injection's trigger: probability, instant, random switch; not its
 * vCPU or length), its value differs from its default (setting an
 * injection off asks for nothing) and the family of the protocol lacks a
 * capability it needs.
 */
#include <stdio.h>
#include <string.h>

#include "model/apf/family.h"
#include "model/config/config.h"
#include "model/config/inject.h"

/* The capabilities `key` needs, or 0 when its effect does not depend on
 * the family (then it is not remembered either).  *trigger: the key alone
 * asks for something (an injection's probability, instant or random
 * switch; a family rule's key) — the other keys of an injection (its
 * vCPU, length, size) only shape it, and are judged through its trigger. */
static uint32_t key_needs_ex(const char *key, bool *trigger)
{
	*trigger = true;
	if (!strncmp(key, "faults.", 7)) {
		for (const struct inject_desc *d = inject_table; d->name; d++)
			for (uint32_t k = 0; d->keys[k]; k++)
				if (!strcmp(d->keys[k], key + 7)) {
					*trigger = k < d->ntriggers;
					return d->needs;
				}
		return 0;
	}
	for (const struct apf_key_rule *r = apf_key_rules; r->key; r++)
		if (!strcmp(r->key, key))
			return r->needs;
	return 0;
}

static uint32_t key_needs(const char *key)
{
	bool trigger;

	return key_needs_ex(key, &trigger);
}

void config_note_key(struct apf_config *c, const char *key, const char *file, uint32_t line, uint32_t col)
{
	struct cfg_key_origin *o = NULL;

	if (!key_needs(key) || strlen(key) >= sizeof(o->key))
		return;
	for (uint32_t i = 0; i < c->nkey_origins; i++)
		if (!strcmp(c->key_origins[i].key, key))
			o = &c->key_origins[i];	/* the last setting counts */
	if (!o) {
		if (c->nkey_origins == CFG_MAX_KEY_ORIGINS)
			return;
		o = &c->key_origins[c->nkey_origins++];
	}
	snprintf(o->key, sizeof(o->key), "%s", key);
	snprintf(o->file, sizeof(o->file), "%s", file);
	o->line = line;
	o->col = col;
}

/* The schema entry of a dotted key (its section's param). */
static const struct param_desc *key_param(const char *key)
{
	const char *dot = strrchr(key, '.');
	char sect[64];
	const struct cfg_section *s;

	if (!dot || (size_t)(dot - key) >= sizeof(sect))
		return NULL;
	snprintf(sect, sizeof(sect), "%.*s", (int)(dot - key), key);
	s = cfg_section_find(sect);
	for (const struct param_desc *d = s ? s->params : NULL; d && d->key; d++)
		if (!strcmp(d->key, dot + 1))
			return d;
	return NULL;
}

/* The key's value in c differs from the schema default. */
static bool differs_from_default(const struct apf_config *c, const struct apf_config *def, const char *key)
{
	const struct param_desc *d = key_param(key);
	const unsigned char *a, *b;
	size_t n;

	if (!d)
		return true;
	a = (const unsigned char *)c + d->offset;
	b = (const unsigned char *)def + d->offset;
	switch (d->type) {
	case PT_BOOL:
		n = sizeof(bool);
		break;
	case PT_U32:
	case PT_ENUM:
		n = sizeof(uint32_t);
		break;
	case PT_DOUBLE:
	case PT_FRACTION:
		return *(const double *)(const void *)a != *(const double *)(const void *)b;
	case PT_STRING:
		return strcmp((const char *)a, (const char *)b) != 0;
	case PT_DIST:
		return true;
	default:
		n = sizeof(uint64_t);
		break;
	}
	return memcmp(a, b, n) != 0;
}

/* The first key of c (index into key_origins) that none of the n
 * families' capabilities serve, or -1. */
static int first_moot(const struct apf_config *c, const struct apf_config *def, const uint32_t *caps,
		      unsigned n)
{
	for (uint32_t i = 0; i < c->nkey_origins; i++) {
		const char *key = c->key_origins[i].key;
		bool trigger, served = false;
		uint32_t needs = key_needs_ex(key, &trigger);

		if (!trigger)
			continue;
		for (unsigned k = 0; k < n; k++)
			served |= (needs & caps[k]) == needs;
		if (!served && differs_from_default(c, def, key))
			return (int)i;
	}
	return -1;
}

static int fail_moot(const struct apf_config *c, int i, const char *protocols, bool all, struct cfg_error *err)
{
	const struct cfg_key_origin *o = &c->key_origins[i];

	snprintf(err->file, sizeof(err->file), "%s", o->file);
	err->line = o->line;
	err->col = o->col;
	snprintf(err->msg, sizeof(err->msg),
		 "%s does nothing under protocol%s %s: it needs %s; remove it or choose such a protocol",
		 o->key, all ? "s" : "", protocols, apf_caps_what(key_needs(o->key)));
	return -1;
}

int config_check_protocol_keys(const struct apf_config *c, struct cfg_error *err)
{
	struct apf_config def;
	int i;

	if (!c->nkey_origins)
		return 0;
	uint32_t caps = apf_family_for(c)->caps;

	config_defaults(&def);
	i = first_moot(c, &def, &caps, 1);
	return i < 0 ? 0 : fail_moot(c, i, c->protocol, false, err);
}

int config_check_protocol_keys_all(const struct apf_config *cs, unsigned n, struct cfg_error *err)
{
	struct apf_config def;
	uint32_t caps[16];
	char list[256] = "";
	int i;

	if (!n || n > 16 || !cs[0].nkey_origins)
		return 0;
	for (unsigned k = 0; k < n; k++) {
		caps[k] = apf_family_for(&cs[k])->caps;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k ? ", " : "", cs[k].protocol);
	}
	config_defaults(&def);
	i = first_moot(&cs[0], &def, caps, n);
	return i < 0 ? 0 : fail_moot(&cs[0], i, list, n > 1, err);
}

bool config_key_is_set(const struct apf_config *c, const char *key)
{
	struct apf_config def;

	config_defaults(&def);
	return differs_from_default(c, &def, key);
}
