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

void chaos_scope_init(struct chaos_scope *s, const struct apf_config *c)
{
	s->duration = c->run.duration;
	s->vcpus = c->vm.vcpus;
	s->memory = c->vm.memory;
	s->migration = c->migration.mode != MIG_NONE;
	s->caps = apf_family_for(c)->caps;
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
	for (int kind = 0; kind < 10; kind++) {
		double u[5];
		struct chaos_kind *k = &d->kind[d->n];
		uint32_t vcpu;

		for (int j = 0; j < 5; j++)
			u[j] = rng_uniform01(&r);
		vcpu = (uint32_t)(u[2] * s->vcpus);
		if (vcpu >= s->vcpus)
			vcpu = s->vcpus - 1;
		if (u[0] >= 0.5)
			continue;
		memset(k, 0, sizeof(*k));
		switch (kind) {
		case 0:
			k->name = "sdei_refuse";
			add(k, "faults.sdei_refuse=%.4f", 0.01 + 0.3 * u[1]);
			break;
		case 1:
			k->name = "worker_fail";
			add(k, "faults.worker_fail=%.4f", 0.01 + 0.2 * u[1]);
			break;
		case 2:
			k->name = "kick_delay";
			add(k, "faults.kick_delay=%lluns", 1 + (unsigned long long)(u[1] * 1e6));
			break;
		case 3:
			k->name = "host_flush";
			add(k, "faults.host_flush_at=%lluns", instant_ns(s, u[1]));
			break;
		case 4:
			k->name = "memory_spike";
			add(k, "faults.memory_spike_at=%lluns", instant_ns(s, u[1]));
			add(k, "faults.memory_spike=%lluKiB", 4 + (unsigned long long)(u[3] * (double)(s->memory / 4 / 1024)));
			add(k, "faults.memory_spike_len=%lluus", 1000 + (unsigned long long)(u[4] * 99000));
			break;
		case 5:
			if (!s->migration)
				continue;
			k->name = "migrate";
			add(k, "faults.migrate_random=true");
			break;
		case 6:
			if (s->vcpus < 2)
				continue;
			k->name = "cpu_offline";
			add(k, "faults.cpu_offline_at=%lluns", instant_ns(s, u[1]));
			add(k, "faults.cpu_offline_vcpu=%u", vcpu);
			add(k, "faults.cpu_offline_len=%lluus", 100 + (unsigned long long)(u[3] * 199900));
			break;
		case 7:
			k->name = "apf_toggle";
			add(k, "faults.apf_toggle_at=%lluns", instant_ns(s, u[1]));
			add(k, "faults.apf_toggle_vcpu=%u", vcpu);
			add(k, "faults.apf_toggle_len=%lluus", 100 + (unsigned long long)(u[3] * 199900));
			break;
		case 8:
			k->name = "sdei_other";
			add(k, "faults.sdei_other_at=%lluns", instant_ns(s, u[1]));
			add(k, "faults.sdei_other_vcpu=%u", vcpu);
			add(k, "faults.sdei_other_priority=%s", u[3] < 0.5 ? "critical" : "normal");
			break;
		case 9:
			k->name = "smm_exit";
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
