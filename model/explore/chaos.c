/* chaos.c — the per-seed injection draws of `explore --chaos` (chaos.h).
 *
 * Invariant: the draw depends on (scope, seed) only — the RNG stream is
 * keyed by the run's seed and the name "chaos", separate from the
 * model's own streams, so adding --chaos changes no latency a run draws;
 * every kind consumes the same number of draws whether it is on or off,
 * so switching one kind's rule never shifts the draws of the others.
 */
#include "model/explore/chaos.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model/apf/family.h"
#include "model/config/config.h"
#include "model/config/inject.h"
#include "model/kernel/rng.h"

const char *const chaos_kind_names[CHAOS_NKINDS] = {
	"sdei_refuse", "worker_fail", "kick_delay", "host_flush", "memory_spike",
	"migrate", "cpu_offline", "apf_toggle", "sdei_other", "smm_exit",
};

void chaos_scope_init(struct chaos_scope *s, const struct apf_config *c)
{
	s->kinds = CHAOS_ALL_KINDS;
	s->duration = c->run.duration;
	s->vcpus = c->vm.vcpus;
	s->memory = c->vm.memory;
	s->migration = c->migration.mode != MIG_NONE;
	s->caps = apf_family_for(c)->caps;
}

static int kind_index(const char *name, size_t len)
{
	for (int k = 0; k < CHAOS_NKINDS; k++)
		if (strlen(chaos_kind_names[k]) == len && !strncmp(chaos_kind_names[k], name, len))
			return k;
	return -1;
}

int chaos_kinds_parse(const char *list, uint32_t *mask, char *err, size_t len)
{
	uint32_t m = list[0] == '-' ? CHAOS_ALL_KINDS : 0;
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");
		int minus = n > 0 && p[0] == '-';
		const char *name = p + minus;
		size_t nlen = n - (size_t)minus;
		int k = kind_index(name, nlen);

		if (nlen == 3 && !strncmp(name, "all", 3) && !minus) {
			m = CHAOS_ALL_KINDS;
		} else if (k < 0) {
			int w = snprintf(err, len, "unknown kind '%.*s' (expected all or one of", (int)n, p);
			for (int i = 0; i < CHAOS_NKINDS && w > 0 && (size_t)w < len; i++)
				w += snprintf(err + w, len - (size_t)w, " %s", chaos_kind_names[i]);
			if (w > 0 && (size_t)w < len)
				snprintf(err + w, len - (size_t)w, ", each optionally with a leading '-')");
			return -1;
		} else if (minus) {
			m &= ~(1u << k);
		} else {
			m |= 1u << k;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	if (!m) {
		snprintf(err, len, "'%s' leaves no kind to draw", list);
		return -1;
	}
	*mask = m;
	return 0;
}

/* The family serves the injection table's row `name`. */
static int served(const struct chaos_scope *s, const char *name)
{
	for (const struct inject_desc *d = inject_table; d->name; d++)
		if (!strcmp(d->name, name))
			return (d->needs & s->caps) == d->needs;
	return 1;
}

static void add(struct chaos_kind *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct chaos_kind *k, const char *fmt, ...)
{
	va_list ap;

	if (k->n == CHAOS_MAX_KEYS)
		return;
	va_start(ap, fmt);
	vsnprintf(k->set[k->n++], CHAOS_KEY_LEN, fmt, ap);
	va_end(ap);
}

/* An instant in [1 ns, duration), in ns (0 means "never" to the keys). */
static unsigned long long instant_ns(const struct chaos_scope *s, double u)
{
	unsigned long long ns = (unsigned long long)(u * (double)(s->duration / SIM_NS));

	return ns ? ns : 1;
}

void chaos_draw(const struct chaos_scope *s, uint64_t seed, struct chaos_draw *d)
{
	struct rng r;

	memset(d, 0, sizeof(*d));
	rng_stream(&r, seed, "chaos");
	/* Fixed order; each kind draws exactly five numbers: on, then four
	 * parameters (unused ones are drawn and dropped). */
	for (int kind = 0; kind < CHAOS_NKINDS; kind++) {
		double u[5];
		struct chaos_kind *k = &d->kind[d->n];
		uint32_t vcpu;

		for (int j = 0; j < 5; j++)
			u[j] = rng_uniform01(&r);
		vcpu = (uint32_t)(u[2] * s->vcpus);
		if (vcpu >= s->vcpus)
			vcpu = s->vcpus - 1;
		if (u[0] >= 0.5 || !(s->kinds & (1u << kind)))
			continue;	/* off: its five draws are spent all the same */
		memset(k, 0, sizeof(*k));
		k->name = chaos_kind_names[kind];
		switch (kind) {
		case 0:
			add(k, "faults.sdei_refuse=%.4f", 0.01 + 0.3 * u[1]);
			break;
		case 1:
			add(k, "faults.worker_fail=%.4f", 0.01 + 0.2 * u[1]);
			break;
		case 2:
			add(k, "faults.kick_delay=%lluns", 1 + (unsigned long long)(u[1] * 1e6));
			break;
		case 3:
			add(k, "faults.host_flush_at=%lluns", instant_ns(s, u[1]));
			break;
		case 4:
			add(k, "faults.memory_spike_at=%lluns", instant_ns(s, u[1]));
			add(k, "faults.memory_spike=%lluKiB", 4 + (unsigned long long)(u[3] * (double)(s->memory / 4 / 1024)));
			add(k, "faults.memory_spike_len=%lluus", 1000 + (unsigned long long)(u[4] * 99000));
			break;
		case 5:
			if (!s->migration)
				continue;
			add(k, "faults.migrate_random=true");
			break;
		case 6:
			if (s->vcpus < 2)
				continue;
			add(k, "faults.cpu_offline_at=%lluns", instant_ns(s, u[1]));
			add(k, "faults.cpu_offline_vcpu=%u", vcpu);
			add(k, "faults.cpu_offline_len=%lluus", 100 + (unsigned long long)(u[3] * 199900));
			break;
		case 7:
			add(k, "faults.apf_toggle_at=%lluns", instant_ns(s, u[1]));
			add(k, "faults.apf_toggle_vcpu=%u", vcpu);
			add(k, "faults.apf_toggle_len=%lluus", 100 + (unsigned long long)(u[3] * 199900));
			break;
		case 8:
			add(k, "faults.sdei_other_at=%lluns", instant_ns(s, u[1]));
			add(k, "faults.sdei_other_vcpu=%u", vcpu);
			add(k, "faults.sdei_other_priority=%s", u[3] < 0.5 ? "critical" : "normal");
			break;
		case 9:
			add(k, "faults.smm_exit_at=%lluns", instant_ns(s, u[1]));
			add(k, "faults.smm_exit_vcpu=%u", vcpu);
			break;
		}
		if (!served(s, strcmp(k->name, "migrate") ? k->name : "migrate_random"))
			continue;	/* drawn, then dropped: the other kinds' draws stay */
		d->n++;
	}
}

unsigned chaos_flatten(const struct chaos_draw *d, uint32_t keep, const char **out, unsigned max)
{
	unsigned n = 0;

	for (unsigned k = 0; k < d->n; k++) {
		if (!(keep & (1u << k)))
			continue;
		for (unsigned j = 0; j < d->kind[k].n && n < max; j++)
			out[n++] = d->kind[k].set[j];
	}
	return n;
}

void chaos_format(const struct chaos_draw *d, uint32_t keep, char *out, size_t len)
{
	const char *sets[CHAOS_MAX_KINDS * CHAOS_MAX_KEYS];
	unsigned n = chaos_flatten(d, keep, sets, CHAOS_MAX_KINDS * CHAOS_MAX_KEYS);
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		int w = snprintf(out + used, len - used, " --set '%s'", sets[i]);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
}
