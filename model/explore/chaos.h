/* chaos.h — `apfsim explore --chaos` (docs/explore.md "Chaos"): every run
 * gets its own set of fault injections, drawn from its seed (stream
 * "chaos"): each injection kind is on or off by a coin flip, and when on
 * its instant, vCPU, length, probability or priority is drawn too.  The
 * drawn set is a list of ordinary `--set KEY=VALUE` overrides, one group
 * per kind, so a run replays with `apfsim run` and shrinking can drop the
 * kinds one by one.  No switch (protocol or guest variant) is ever drawn:
 * the protocol under test stays the one the user chose. */
#ifndef APFSIM_MODEL_CHAOS_H
#define APFSIM_MODEL_CHAOS_H

#include <stddef.h>
#include <stdint.h>

#include "model/kernel/sim.h"

struct apf_config;

#define CHAOS_NKINDS 10		/* kinds chaos knows, in draw order */
#define CHAOS_MAX_KINDS 12
#define CHAOS_MAX_KEYS 4	/* overrides of one kind */
#define CHAOS_KEY_LEN 72

/* What of the scenario the draws depend on (taken once from the base
 * configuration, before any run). */
struct chaos_scope {
	sim_time_t duration;	/* instants fall in [1 ns, duration) */
	uint32_t vcpus;		/* vCPUs drawn below this; CPU offline needs 2 */
	uint64_t memory;	/* guest memory: the spike is drawn up to a quarter */
	int migration;		/* the scenario has a migration: section */
	uint32_t caps;		/* APF_CAP_* of the protocol's family: a kind whose
				 * injection needs more is not drawn (its keys would
				 * be refused as moot, docs/scenario.md) */
	uint32_t kinds;		/* bit k: kind k may be drawn (--chaos-kinds);
				 * a kind left out still consumes its draws */
};

/* The kinds' names, in draw order (the names of --chaos-kinds and of the
 * shrinker's report). */
extern const char *const chaos_kind_names[CHAOS_NKINDS];
#define CHAOS_ALL_KINDS ((1u << CHAOS_NKINDS) - 1)

/* One injection kind as drawn: its overrides, in order. */
struct chaos_kind {
	const char *name;
	unsigned n;
	char set[CHAOS_MAX_KEYS][CHAOS_KEY_LEN];
};

struct chaos_draw {
	unsigned n;
	struct chaos_kind kind[CHAOS_MAX_KINDS];
};

/* Every kind on; the scenario's duration, vCPUs, memory, migration, family. */
void chaos_scope_init(struct chaos_scope *s, const struct apf_config *c);
/* "--chaos-kinds LIST": comma-separated kind names, "all", or "-NAME" to
 * leave one out (a list that starts with an exclusion starts from all).
 * 0 with *mask set, or -1 with a message naming the bad item in err. */
int chaos_kinds_parse(const char *list, uint32_t *mask, char *err, size_t len);
/* The injections of the run with this seed; deterministic in (scope, seed). */
void chaos_draw(const struct chaos_scope *s, uint64_t seed, struct chaos_draw *d);
/* The overrides of every kind whose bit is set in `keep` (bit k = kind k),
 * in order, into out[0..max); returns how many. */
unsigned chaos_flatten(const struct chaos_draw *d, uint32_t keep, const char **out, unsigned max);
/* " --set 'K=V'" for each override of the kept kinds (the replay line). */
void chaos_format(const struct chaos_draw *d, uint32_t keep, char *out, size_t len);

#endif
