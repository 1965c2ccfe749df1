/* faults.c — scheduled injections and the probability draws (faults.h). */
#include "model/host/faults.h"

#include <stdio.h>

#include "model/vm/machine.h"
#include "model/apf/protocol.h"
#include "workloads/guest/guest_abi.h"

json_t *faults_json(const struct faults *f)
{
	json_t *o = NULL;

	for (int k = 1; k < FAULT__COUNT; k++) {
		if (!f->count[k])
			continue;
		if (!o)
			o = json_object();
		json_object_set_new(o, fault_kind_name((enum fault_kind)k), json_integer((json_int_t)f->count[k]));
	}
	return o;
}

void faults_summary(const struct faults *f, FILE *out)
{
	const char *sep = "\ninjected faults: ";

	for (int k = 1; k < FAULT__COUNT; k++) {
		if (!f->count[k])
			continue;
		fprintf(out, "%s%s %llu", sep, fault_kind_name((enum fault_kind)k), (unsigned long long)f->count[k]);
		sep = ", ";
	}
	if (sep[0] == ',')
		fputc('\n', out);
}

bool faults_draw(struct machine *m, double p)
{
	return p > 0 && rng_uniform01(&m->faults.rng) < p;
}

void faults_record_at(struct machine *m, sim_time_t t, uint32_t vcpu, enum fault_kind k, uint64_t arg)
{
	m->faults.count[k]++;
	trace_emit(&m->tracer, t, vcpu, TRACE_NO_TASK, TR_INJECT, k, arg, 0);
}

void faults_record(struct machine *m, uint32_t vcpu, enum fault_kind k, uint64_t arg)
{
	faults_record_at(m, m->sim.now, vcpu, k, arg);
}

static void host_flush_ev(void *ctx, uint64_t arg)
{
	struct machine *m = ctx;

	(void)arg;
	for (uint32_t i = 0; i < m->nvcpus; i++)
		if (m->proto->flush)
			faults_record(m, i, FAULT_HOST_FLUSH, m->proto->flush(m, i));
}

static void memory_ev(void *ctx, uint64_t restore)
{
	struct machine *m = ctx;
	uint64_t spike = m->cfg->faults.memory_spike / CFG_PAGE_SIZE;

	if (restore) {
		hostmem_set_limit(&m->hm, m->faults.saved_limit);
		faults_record(m, TRACE_NO_VCPU, FAULT_MEMORY_RESTORE, m->faults.saved_limit);
		return;
	}
	m->faults.saved_limit = m->hm.limit;
	hostmem_set_limit(&m->hm, m->hm.limit > spike + 1 ? m->hm.limit - spike : 1);
	faults_record(m, TRACE_NO_VCPU, FAULT_MEMORY_SPIKE, m->hm.limit);
	sim_after(&m->sim, m->cfg->faults.memory_spike_len, memory_ev, m, 1);
}

/* The kick of a host-signalled SDEI event lands (arg = vcpu). */
static void sdei_other_kick_ev(void *ctx, uint64_t vcpu)
{
	struct machine *m = ctx;

	vcpu_kick(&m->vcpus[vcpu]);
}

/* The host signals the other private event on a vCPU (docs/explore.md):
 * kvm_sdei_inject(immediate = false) queues it and raises KVM_REQ_SDEI,
 * and the signalling thread kicks the vCPU.  The kick reaches the vCPU one
 * exit's time later (assumption: a virtual IPI costs about one exit,
 * docs/latencies.md); a stage-2 abort the vCPU takes meanwhile is handled
 * with the event queued and not yet delivered — the window in which
 * KVM's kvm_sdei_inject(APF, immediate) returns -ENOSPC when the other
 * event is critical (docs/reference.md §2.7 e).  Delivery is at the next
 * guest entry, whichever comes first. */
static void sdei_other_ev(void *ctx, uint64_t vcpu)
{
	struct machine *m = ctx;
	int r;

	if (!m->plat)
		return;		/* no guest code (protocol sync): no SDEI model */
	r = vcpu_sdei_signal(m, (uint32_t)vcpu, GUEST_SDEI_OTHER_EVENT);
	faults_record(m, (uint32_t)vcpu, FAULT_SDEI_OTHER, (uint64_t)(int64_t)r);
	if (r == 0)
		sim_after(&m->sim, m->trap.vmexit, sdei_other_kick_ev, m, vcpu);
}

/* An SMI on a vCPU (faults.smm_exit): the family's CR0.PG path. */
#define SMM_EXIT_OP 0xFE
static void smm_exit_ev(struct machine *m, uint32_t vcpu)
{
	uint32_t dropped;

	if (!m->proto->cr0_pg_toggle)
		return;		/* no CR0 outside the x86 family */
	dropped = m->proto->cr0_pg_toggle(m, vcpu);
	faults_record(m, vcpu, FAULT_SMM_EXIT, dropped);
}

/* The start of a window (arg = vcpu << 8 | op). */
static void window_ev(void *ctx, uint64_t arg)
{
	struct machine *m = ctx;
	uint32_t op = (uint32_t)(arg & 0xFF);

	if (op == 0) {
		sdei_other_ev(m, arg >> 8);
		return;
	}
	if (op == SMM_EXIT_OP) {
		smm_exit_ev(m, (uint32_t)(arg >> 8));
		return;
	}
	const struct fault_window *w = op == GUEST_HOTPLUG_CPU_DOWN ? &m->cfg->faults.cpu_offline :
								       &m->cfg->faults.apf_toggle;

	vcpu_hotplug_request(&m->vcpus[arg >> 8], op, w->len);
}

/* An instant drawn uniformly in [0, run.duration) from the faults stream. */
static sim_time_t draw_instant(struct machine *m)
{
	return (sim_time_t)(rng_uniform01(&m->faults.rng) * (double)m->cfg->run.duration);
}

/* Draw (random) or take the window's instant and vCPU, and schedule it.
 * Draws come from the faults stream in a fixed order: instant, then vCPU. */
static void window_init(struct machine *m, const struct fault_window *w, uint32_t op)
{
	sim_time_t at = w->at;
	uint32_t vcpu = w->vcpu;

	if (w->random) {
		at = draw_instant(m);
		vcpu = (uint32_t)(rng_uniform01(&m->faults.rng) * m->nvcpus);
		if (vcpu >= m->nvcpus)
			vcpu = m->nvcpus - 1;
	} else if (!at) {
		return;
	}
	sim_at(&m->sim, at, window_ev, m, (uint64_t)vcpu << 8 | op);
}

int faults_init(struct machine *m)
{
	const struct faults_cfg *f = &m->cfg->faults;
	sim_time_t flush_at = f->host_flush_at, spike_at = f->memory_spike_at;

	/* Schedules were checked against the run by config validation. */
	rng_stream(&m->faults.rng, m->cfg->seed, "faults");
	if (f->host_flush_random)
		flush_at = draw_instant(m);
	if (flush_at)
		sim_at(&m->sim, flush_at, host_flush_ev, m, 0);
	window_init(m, &f->cpu_offline, GUEST_HOTPLUG_CPU_DOWN);
	window_init(m, &f->apf_toggle, GUEST_HOTPLUG_APF_OFF);
	/* Op 0: the other SDEI event (drawn after the others, so their draws
	 * stay as they were). */
	window_init(m, &f->sdei_other, 0);
	if (f->memory_spike_random)
		spike_at = draw_instant(m);
	if (spike_at && f->memory_spike)
		sim_at(&m->sim, spike_at, memory_ev, m, 0);
	/* Last, so every earlier draw stays as it was. */
	window_init(m, &f->smm_exit, SMM_EXIT_OP);
	return 0;
}
