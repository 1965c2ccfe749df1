/* config_validate.c — cross-field checks after every key is in: blame the
 * key the user set, at its position (config_internal.h). */
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

/* ---- cross-field checks ------------------------------------------------------------------ */

/* Blame the first of `paths` the user set (its position and text). */
static int cfg_fail_key(struct cfg_ctx *x, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cfg_fail_key(struct cfg_ctx *x, const char *path, const char *fmt, ...)
{
	const struct origin *o = cfg_origin_find(x, path);
	struct pos none = { 0, 0 };
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cfg_fail(x, o ? o->pos : none, path, "%s", msg);
}

static const char *origin_text(struct cfg_ctx *x, const char *path, char *buf, size_t len,
			       uint64_t bytes)
{
	const struct origin *o = cfg_origin_find(x, path);
	char v[48];

	if (o && !x->set_key)
		return o->text;
	units_format_size(bytes, v, sizeof(v));
	cfg_sfmt(buf, len, "\"%s\"", v);
	return buf;
}

/* An injection instant (faults.KEY) must fall within the run. */
static int validate_instant(struct cfg_ctx *x, const char *key, sim_time_t at)
{
	char a[48], b[48];

	if (at <= x->c->run.duration)
		return 0;
	units_format_time(at, a, sizeof(a));
	units_format_time(x->c->run.duration, b, sizeof(b));
	return cfg_fail_key(x, key, "expected a time within run.duration (%s), found %s", b, a);
}

/* faults.NAME_at/_vcpu/_random against the run and the VM; `min_vcpus`:
 * a CPU can go offline only while another one stays online. */
static int validate_window(struct cfg_ctx *x, const char *name, const struct fault_window *w,
			   uint32_t min_vcpus)
{
	const struct apf_config *c = x->c;
	char at[PATH_MAX_LEN], vcpu[PATH_MAX_LEN], rnd[PATH_MAX_LEN];

	if (!w->at && !w->random)
		return 0;
	cfg_sfmt(at, sizeof(at), "faults.%s_at", name);
	cfg_sfmt(vcpu, sizeof(vcpu), "faults.%s_vcpu", name);
	cfg_sfmt(rnd, sizeof(rnd), "faults.%s_random", name);
	if (c->vm.vcpus < min_vcpus)
		return cfg_fail_key(x, w->random ? rnd : at,
				"expected vm.vcpus of at least %u (the last online CPU cannot go offline), found %u",
				min_vcpus, c->vm.vcpus);
	if (validate_instant(x, at, w->at))
		return -1;
	if (!w->random && w->vcpu >= c->vm.vcpus)
		return cfg_fail_key(x, vcpu, "expected a vCPU from 0 to %u (vm.vcpus is %u), found %u",
				c->vm.vcpus - 1, c->vm.vcpus, w->vcpu);
	return 0;
}

int cfg_validate(struct cfg_ctx *x)
{
	struct apf_config *c = x->c;
	char a[64], b[64], path[PATH_MAX_LEN];
	uint64_t instances = 0;

	if (c->vm.memory % CFG_PAGE_SIZE)
		return cfg_fail_key(x, "vm.memory", "expected a multiple of the 4KiB page size, found %s",
				origin_text(x, "vm.memory", a, sizeof(a), c->vm.memory));
	if (c->vm.kernel_reserved % CFG_PAGE_SIZE)
		return cfg_fail_key(x, "vm.kernel_reserved",
				"expected a multiple of the 4KiB page size, found %s",
				origin_text(x, "vm.kernel_reserved", a, sizeof(a), c->vm.kernel_reserved));
	if (c->vm.kernel_reserved >= c->vm.memory) {
		const char *who = cfg_origin_find(x, "vm.kernel_reserved") || !cfg_origin_find(x, "vm.memory") ?
					  "vm.kernel_reserved" : "vm.memory";

		units_format_size(c->vm.memory, b, sizeof(b));
		units_format_size(c->vm.kernel_reserved, a, sizeof(a));
		return cfg_fail_key(x, who,
				"expected vm.kernel_reserved below vm.memory, found kernel_reserved %s with memory %s",
				a, b);
	}
	if (!c->ntasks || !c->tasks) {
		struct pos top = { 1, 1 };

		return cfg_fail(x, top, "tasks", "expected a sequence of at least one task, found no tasks key");
	}
	for (uint32_t i = 0; i < c->ntasks; i++) {
		const struct task_cfg *t = &c->tasks[i];

		instances += t->count;
		if (t->vcpu >= 0 && (uint32_t)t->vcpu >= c->vm.vcpus) {
			cfg_sfmt(path, sizeof(path), "tasks.%u.vcpu", i);
			return cfg_fail_key(x, path,
					"task \"%s\" is pinned to vCPU %d but the VM has %u vCPU%s (vm.vcpus), expected 0 to %u, found \"%d\"",
					t->name, t->vcpu, c->vm.vcpus, c->vm.vcpus == 1 ? "" : "s",
					c->vm.vcpus - 1, t->vcpu);
		}
	}
	if (instances > CFG_MAX_TASKS)
		return cfg_fail_key(x, "tasks", "expected at most %d task instances in total (sum of count), found %llu",
				CFG_MAX_TASKS, (unsigned long long)instances);
	if (instances == 0)
		return cfg_fail_key(x, "tasks", "expected at least one task instance (sum of count), found count 0 on every task");
	if (c->host.arch != HOST_ARCH_AUTO && strcmp(c->protocol, "sync")) {
		/* The protocol's transports are one architecture's hardware. */
		bool x86 = apf_switches_x86_driver(&c->sw);

		if (x86 != (c->host.arch == HOST_ARCH_X86))
			return cfg_fail_key(x, "host.arch",
					"expected auto or %s for protocol %s (its transports are %s hardware), found \"%s\"",
					x86 ? "x86" : "arm64", c->protocol, x86 ? "x86" : "arm64",
					cfg_host_arch_names[c->host.arch]);
	}
	{
		/* A hypercall round trip contains one exit and one entry. */
		struct trap_costs tc;

		trap_costs_resolve(c, &tc);
		if (tc.vmexit + tc.vmentry > tc.hypercall) {
			const char *who = cfg_origin_find(x, "host.vmexit")	   ? "host.vmexit"
					  : cfg_origin_find(x, "host.vmentry") ? "host.vmentry"
									   : "host.hypercall";

			if (x->set_key && (!strcmp(x->set_key, "host.vmexit") ||
					   !strcmp(x->set_key, "host.vmentry") ||
					   !strcmp(x->set_key, "host.hypercall")))
				who = x->set_key;

			units_format_time(tc.vmexit + tc.vmentry, a, sizeof(a));
			units_format_time(tc.hypercall, b, sizeof(b));
			return cfg_fail_key(x, who,
					"expected host.vmexit + host.vmentry at most host.hypercall (a round trip is one exit and one entry), found exit + entry %s against a hypercall of %s",
					a, b);
		}
	}
	{
		/* duration x event rate: each busy vCPU takes a timer tick per
		 * timeslice, so this product is the floor of a run's events. */
		double ticks = (double)c->run.duration / (double)c->guest.timeslice * c->vm.vcpus;

		if (ticks > CFG_MAX_TICKS) {
			units_format_time(c->run.duration, a, sizeof(a));
			units_format_time(c->guest.timeslice, b, sizeof(b));
			return cfg_fail_key(x, "run.duration",
					"expected at most %.0f timer ticks per run (vm.vcpus x run.duration / "
					"guest.timeslice, the run-length limit), found %.3g (%u vCPUs x %s / %s)",
					CFG_MAX_TICKS, ticks, c->vm.vcpus, a, b);
		}
	}
	if (validate_instant(x, "faults.host_flush_at", c->faults.host_flush_at) ||
	    validate_instant(x, "faults.memory_spike_at", c->faults.memory_spike_at) ||
	    validate_window(x, "cpu_offline", &c->faults.cpu_offline, 2) ||
	    validate_window(x, "apf_toggle", &c->faults.apf_toggle, 1) ||
	    validate_window(x, "sdei_other", &c->faults.sdei_other, 1) ||
	    validate_window(x, "smm_exit", &c->faults.smm_exit, 1))
		return -1;
	return 0;
}
