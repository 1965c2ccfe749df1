/* apf_switches.h — every decision that distinguishes the APF protocol
 * variants, as named switches (docs/reference.md §2–§4).  A preset (`arm64-v4`,
 * `x86-int-ack`, ...) is a full set of switches; a scenario may override
 * single switches:
 *
 *   protocol: {base: arm64-v4, token_zero_skip: true}
 *
 * The guest driver is chosen by the not-present transport (SDEI: the arm64
 * driver; exception: the x86-semantics driver), and combinations that
 * driver cannot honour are rejected by apf_switches_validate().  The types
 * (enums, struct apf_switches) are plain data in model/config/switches.h.
 */
#ifndef APFSIM_MODEL_APF_SWITCHES_H
#define APFSIM_MODEL_APF_SWITCHES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/config/params.h"
#include "model/config/switches.h"	/* the switches themselves (plain data) */

struct apf_preset {
	const char *name;
	const char *doc;
	struct apf_switches sw;
};

/* Presets, NULL-terminated; "sync" is not among them (APF off). */
extern const struct apf_preset apf_presets[];
const struct apf_preset *apf_preset_find(const char *name);
/* The switch schema: offsets into struct apf_switches (for the parser and
 * `apfsim protocols`). */
extern const struct param_desc apf_switch_params[];

/* 0, or -1 with a sentence saying which switches conflict and why. */
int apf_switches_validate(const struct apf_switches *sw, char *why, size_t len);

#endif
