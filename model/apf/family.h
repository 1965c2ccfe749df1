/* family.h — the protocol-family descriptor (issue 20 item 7): per family
 * (sync, arm64, x86) the host driver (protocol_ops, whose transports are
 * model/apf/proto/), the capabilities that decide which scenario keys and
 * fault injections mean anything under it (model/config/inject.h), the
 * guest kernel's boot flags, and the oracle checks that do not apply.
 *
 * A preset (`apfsim protocols`) belongs to the family its not-present
 * transport names: sync is APF off, SDEI the arm64 family, an exception
 * the x86 family.  A new family is one transport file plus a row here.
 */
#ifndef APFSIM_MODEL_APF_FAMILY_H
#define APFSIM_MODEL_APF_FAMILY_H

#include <stdbool.h>
#include <stdint.h>

#include "model/apf/switches.h"
#include "model/config/inject.h"

struct apf_config;
struct protocol_ops;

struct apf_family {
	const char *name;		/* "sync", "arm64", "x86" */
	const char *presets;		/* its presets, for messages */
	uint32_t caps;			/* APF_CAP_* */
	const struct protocol_ops *ops;
	/* GUEST_BOOT_* flags for the guest kernel, from the switches. */
	uint32_t (*boot_flags)(const struct apf_switches *sw);
	uint32_t oracle_checks_off;	/* ORACLE_CHECK() bits that do not apply */
};

extern const struct apf_family apf_family_sync, apf_family_arm64, apf_family_x86;

/* The family of a validated scenario's protocol (never NULL for one). */
const struct apf_family *apf_family_for(const struct apf_config *c);

/* A scenario key outside `faults` whose effect depends on the family. */
struct apf_key_rule {
	const char *key;		/* full dotted key */
	uint32_t needs;			/* APF_CAP_* */
};
extern const struct apf_key_rule apf_key_rules[];	/* key == NULL ends */

/* "not-present by SDEI (arm64-v4)" and the like: what `needs` asks for. */
const char *apf_caps_what(uint32_t needs);

#endif
