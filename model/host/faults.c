/* faults.c — scheduled injections and the probability draws (faults.h). */
#include "model/host/faults.h"

#include <stdio.h>

#include "model/config/config.h"
#include "model/host/host.h"
#include "model/host/hostmem.h"
#include "model/trace/trace.h"
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

bool faults_draw(struct faults *f, double p)
{
	return p > 0 && rng_uniform01(&f->rng) < p;
}

void faults_record_at(struct faults *f, sim_time_t t, uint32_t vcpu, enum fault_kind k, uint64_t arg)
{
	f->count[k]++;
	trace_emit(f->h->tracer, t, vcpu, TRACE_NO_TASK, TR_INJECT, k, arg, 0);
}

void faults_record(struct faults *f, uint32_t vcpu, enum fault_kind k, uint64_t arg)
{
	faults_record_at(f, f->h->sim->now, vcpu, k, arg);
}

static void host_flush_ev(void *ctx, uint64_t arg)
{
	struct faults *f = ctx;
	const struct host_parts *h = f->h;
	uint32_t dropped;

	(void)arg;
	for (uint32_t i = 0; i < h->nvcpus; i++)
		if (h->vm->flush(h->vm_ctx, i, &dropped))
			faults_record(f, i, FAULT_HOST_FLUSH, dropped);
}

static void memory_ev(void *ctx, uint64_t restore)
{
	struct faults *f = ctx;
	struct hostmem *hm = f->h->hm;
	uint64_t spike = f->h->cfg->faults.memory_spike / CFG_PAGE_SIZE;

	if (restore) {
		hostmem_set_limit(hm, f->saved_limit);
		faults_record(f, TRACE_NO_VCPU, FAULT_MEMORY_RESTORE, f->saved_limit);
		return;
	}
	f->saved_limit = hm->limit;
	hostmem_set_limit(hm, hm->limit > spike + 1 ? hm->limit - spike : 1);
	faults_record(f, TRACE_NO_VCPU, FAULT_MEMORY_SPIKE, hm->limit);
	sim_after(f->h->sim, f->h->cfg->faults.memory_spike_len, memory_ev, f, 1);
}

/* The kick of a host-signalled SDEI event lands (arg = vcpu). */
static void sdei_other_kick_ev(void *ctx, uint64_t vcpu)
{
	struct faults *f = ctx;

	f->h->vm->kick(f->h->vm_ctx, (uint32_t)vcpu);
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
static void sdei_other_ev(struct faults *f, uint64_t vcpu)
{
	const struct host_parts *h = f->h;
	int r;

	if (!h->vm->sdei_signal(h->vm_ctx, (uint32_t)vcpu, GUEST_SDEI_OTHER_EVENT, &r))
		return;		/* no guest code (protocol sync): no SDEI model */
	faults_record(f, (uint32_t)vcpu, FAULT_SDEI_OTHER, (uint64_t)(int64_t)r);
	if (r == 0)
		sim_after(h->sim, h->vmexit, sdei_other_kick_ev, f, vcpu);
}

/* An SMI on a vCPU (faults.smm_exit): the family's CR0.PG path. */
#define SMM_EXIT_OP 0xFE
static void smm_exit_ev(struct faults *f, uint32_t vcpu)
{
	uint32_t dropped;

	if (!f->h->vm->cr0_pg_toggle(f->h->vm_ctx, vcpu, &dropped))
		return;		/* no CR0 outside the x86 family */
	faults_record(f, vcpu, FAULT_SMM_EXIT, dropped);
}

/* The start of a window (arg = vcpu << 8 | op). */
static void window_ev(void *ctx, uint64_t arg)
{
	struct faults *f = ctx;
	const struct host_parts *h = f->h;
	uint32_t op = (uint32_t)(arg & 0xFF);

	if (op == 0) {
		sdei_other_ev(f, arg >> 8);
		return;
	}
	if (op == SMM_EXIT_OP) {
		smm_exit_ev(f, (uint32_t)(arg >> 8));
		return;
	}
	const struct fault_window *w = op == GUEST_HOTPLUG_CPU_DOWN ? &h->cfg->faults.cpu_offline :
								       &h->cfg->faults.apf_toggle;

	h->vm->hotplug_request(h->vm_ctx, (uint32_t)(arg >> 8), op, w->len);
}

/* An instant drawn uniformly in [0, run.duration) from the faults stream. */
static sim_time_t draw_instant(struct faults *f)
{
	return (sim_time_t)(rng_uniform01(&f->rng) * (double)f->h->cfg->run.duration);
}

/* Draw (random) or take the window's instant and vCPU, and schedule it.
 * Draws come from the faults stream in a fixed order: instant, then vCPU. */
static void window_init(struct faults *f, const struct fault_window *w, uint32_t op)
{
	uint32_t nvcpus = f->h->nvcpus;
	sim_time_t at = w->at;
	uint32_t vcpu = w->vcpu;

	if (w->random) {
		at = draw_instant(f);
		vcpu = (uint32_t)(rng_uniform01(&f->rng) * nvcpus);
		if (vcpu >= nvcpus)
			vcpu = nvcpus - 1;
	} else if (!at) {
		return;
	}
	sim_at(f->h->sim, at, window_ev, f, (uint64_t)vcpu << 8 | op);
}

int faults_init(struct faults *f, const struct host_parts *h)
{
	const struct faults_cfg *fc = &h->cfg->faults;
	sim_time_t flush_at = fc->host_flush_at, spike_at = fc->memory_spike_at;

	f->h = h;
	rng_stream(&f->rng, h->cfg->seed, "faults");
	if (fc->host_flush_random)
		flush_at = draw_instant(f);
	if (flush_at)
		sim_at(h->sim, flush_at, host_flush_ev, f, 0);
	window_init(f, &fc->cpu_offline, GUEST_HOTPLUG_CPU_DOWN);
	window_init(f, &fc->apf_toggle, GUEST_HOTPLUG_APF_OFF);
	/* Op 0: the other SDEI event (drawn after the others, so their draws
	 * stay as they were). */
	window_init(f, &fc->sdei_other, 0);
	if (fc->memory_spike_random)
		spike_at = draw_instant(f);
	if (spike_at && fc->memory_spike)
		sim_at(h->sim, spike_at, memory_ev, f, 0);
	/* Last, so every earlier draw stays as it was. */
	window_init(f, &fc->smm_exit, SMM_EXIT_OP);
	return 0;
}
