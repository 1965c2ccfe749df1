/* host.c — the shared host driver of the protocol families (host.h):
 * the fault path, the core's arch hooks common to every family, worker
 * completion, flush, migration frame, lifecycle and the statistics
 * writers.  Trace order and every counter are those of the two drivers it
 * replaces; the transports add what differs. */
#include "model/apf/proto/host.h"

#include <stdlib.h>
#include <string.h>

#include "model/apf/protocol.h"
#include "model/config/config.h"
#include "model/report/report.h"
#include "workloads/guest/guest_abi.h"

#define BASE_GFN (GUEST_RAM_BASE >> 12)
/* A host virtual address for kvm_async_pf_completed (QEMU-like mapping). */
#define HVA(gfn) (0x7f0000000000ULL + (((uint64_t)(gfn) - BASE_GFN) << 12))

#define ST(f) offsetof(struct apf_host_stats, f)
#define BOTH (APF_STATS_ARM64 | APF_STATS_X86)

/* JSON order: faults, async, sync_total, sync, repeated_faults first
 * (report_faults_json), then this table, then tokens and histograms. */
const struct apf_stat_desc apf_stat_descs[] = {
	{ "halts", ST(halts), APF_STATS_X86 },
	{ "notpresent_injected", ST(notpresent_injected), BOTH },
	{ "notpresent_inject_failed", ST(notpresent_inject_failed), APF_STATS_ARM64 },
	{ "notpresent_halted", ST(notpresent_halted), APF_STATS_X86 },
	{ "notpresent_delivered", ST(notpresent_delivered), APF_STATS_ARM64 },
	{ "cancelled", ST(cancelled), APF_STATS_ARM64 },
	{ "pageready_delivered", ST(pageready), BOTH },
	{ "pageready_skipped", ST(pageready_skipped), APF_STATS_X86 },
	{ "wake_alls", ST(pageready_wakeall), BOTH },
	{ "acks", ST(acks), BOTH },
	{ "acks_with_pageready", ST(acks_pending), BOTH },
	{ "dequeue_refused", ST(dequeue_refused), BOTH },
	{ "enables", ST(enables), BOTH },
	{ "disables", ST(disables), BOTH },
	{ "msr_gp", ST(gp), APF_STATS_X86 },
	/* Summary-only names (families 0: not in the JSON object, which
	 * writes them through report_faults_json). */
	{ "faults", ST(faults), 0 },
	{ "async", ST(async), 0 },
	{ "repeated_faults", ST(repeated), 0 },
	{ NULL, 0, 0 },
};

struct apf_host *apf_host_of(const struct protocol_env *pe)
{
	return pe->state;
}

/* Time of host work for vCPU i: inside its guest run, the run's clock. */
sim_time_t apf_host_now(const struct apf_host *h, uint32_t i)
{
	return h->pe->vm->now(h->pe->vm_ctx, i);
}

const struct task *apf_host_cur(const struct apf_host *h, uint32_t i)
{
	return h->pe->vm->cur(h->pe->vm_ctx, i);
}

bool apf_host_task_kernel(const struct apf_host *h, const struct task *t)
{
	return h->pe->vm->task_kernel(t);
}

bool apf_host_fault_el1(const struct apf_host *h, uint32_t i)
{
	return h->pe->vm->fault_el1(h->pe->vm_ctx, i);
}

void apf_host_trace(struct apf_host *h, uint32_t i, enum trace_kind k, uint64_t x, uint64_t y, uint64_t z)
{
	const struct protocol_env *pe = h->pe;

	/* The time and the task cost two calls into the VM: skip them when no
	 * sink listens (the common case: benchmarks, runs without traces). */
	if (!trace_on(pe->tracer))
		return;
	trace_emit(pe->tracer, apf_host_now(h, i), i, pe->vm->task_id(apf_host_cur(h, i)), k, x, y, z);
}

void apf_host_kick(struct apf_host *h, uint32_t i)
{
	const struct protocol_env *pe = h->pe;

	if (!pe->vm->kickable(pe->vm_ctx, i))
		return; /* it re-checks its requests before re-entering */
	trace_emit(pe->tracer, pe->sim->now, i,
		   h->tp->kick_traces_task ? pe->vm->task_id(apf_host_cur(h, i)) : TRACE_NO_TASK, TR_KICK, TR_KICK_REQUEST, 0, 0);
	pe->vm->kick(pe->vm_ctx, i);
}

uint32_t *apf_host_buffer(struct apf_host *h, uint64_t gpa)
{
	return h->pe->vm->guest_ptr(h->pe->vm_ctx, gpa & ~0x3FULL, 8);
}

void apf_host_charge_hypercall(struct apf_host *h, uint32_t i)
{
	h->pe->vm->charge_hypercall(h->pe->vm_ctx, i);
}

struct sdei *apf_host_sdei(struct apf_host *h)
{
	return h->pe->vm->sdei(h->pe->vm_ctx);
}

struct gic *apf_host_gic(struct apf_host *h)
{
	return h->pe->vm->gic(h->pe->vm_ctx);
}

uint32_t apf_host_nvcpus(const struct apf_host *h)
{
	return h->pe->nvcpus;
}

bool apf_host_vcpu_guest_wfi(const struct apf_host *h, uint32_t i)
{
	return h->pe->vm->guest_wfi(h->pe->vm_ctx, i);
}

void apf_host_count_irq_ack(struct apf_host *h, uint32_t i)
{
	h->pe->vm->count_irq_ack(h->pe->vm_ctx, i);	/* its round trip goes to host_irq_ack */
}

bool apf_host_inject_draw(struct apf_host *h, uint32_t i, double p, enum fault_kind kind, uint64_t arg)
{
	return h->pe->vm->inject_draw(h->pe->vm_ctx, i, p, kind, arg);
}

void apf_host_ack(struct apf_host *h, uint32_t i)
{
	h->hv[i].pageready_pending = false;
	apf_check_completion(&h->hv[i].core);
}

void apf_host_disable(struct apf_host *h, uint32_t i, bool reset_slots)
{
	apf_host_trace(h, i, TR_APF_FLUSH, apf_flush(&h->hv[i].core), 0, 0);
	if (reset_slots)
		apf_slots_reset(&h->hv[i].core.slots);
	h->st.disables++;
}

void apf_host_enable(struct apf_host *h, uint32_t i, bool send_always, bool reset_slots)
{
	struct apf_host_vcpu *hv = &h->hv[i];

	if (reset_slots)
		apf_slots_reset(&hv->core.slots);
	hv->send_user_only = !send_always;
	apf_wakeup_all(&hv->core);
	apf_host_trace(h, i, TR_APF_WAKE_ALL, 0, 0, 0);
	h->st.enables++;
}

void apf_host_migrate_reset(struct apf_host *h, uint32_t i)
{
	struct apf_host_vcpu *hv = &h->hv[i];

	apf_host_trace(h, i, TR_APF_FLUSH, apf_flush(&hv->core), 0, 0);
	apf_slots_reset(&hv->core.slots);
	hv->pageready_pending = hv->req_ready = false;
	apf_token_init(&hv->tok, h->cfg->sw.token_bits, h->cfg->sw.token_zero_skip);
}

/* --- arch hooks of the generic core ----------------------------------------- */

static bool h_not_present(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct apf_host *h = ctx;

	return h->tp->not_present(h, cv->vcpu_id, w);
}

static void h_schedule_work(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct apf_host *h = ctx;

	h->pe->vm->work_submit(h->pe->vm_ctx, cv->vcpu_id, w, w->gfn - BASE_GFN);
}

/* kvm_arch_async_page_present_queued: request, and kick unless a
 * page-ready is still outstanding. */
static void h_present_queued(void *ctx, struct apf_vcpu *cv)
{
	struct apf_host *h = ctx;
	struct apf_host_vcpu *hv = &h->hv[cv->vcpu_id];

	hv->req_ready = true;
	if (!hv->pageready_pending)
		apf_host_kick(h, cv->vcpu_id);
}

static bool h_can_dequeue(void *ctx, struct apf_vcpu *cv)
{
	struct apf_host *h = ctx;

	return h->tp->can_dequeue(h, cv->vcpu_id);
}

/* kvm_arch_async_page_ready: replay the fault as a prefault. */
static void h_page_ready(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct apf_host *h = ctx;

	(void)cv;
	h->pe->vm->prefault(h->pe->vm_ctx, w->gfn - BASE_GFN);
}

/* kvm_arch_async_page_present: the latency and the slot, the transport's
 * notification, the retirement; then (x86) the synthetic halt ends. */
static void h_page_present(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct apf_host *h = ctx;
	uint32_t i = cv->vcpu_id;
	struct apf_host_vcpu *hv = &h->hv[i];
	uint32_t token = w->wakeup_all ? APF_TOKEN_WAKEUP_ALL : w->token;

	if (!w->wakeup_all) {
		hist_add(&h->st.completion_to_ready, apf_host_now(h, i) - hv->completed_at[w->index]);
		apf_slots_remove(&cv->slots, w->gfn);
	}
	h->tp->page_present(h, i, w, token);
	apf_host_trace(h, i, TR_APF_RETIRED, token, w->gfn, cv->queued - 1);
	if (h->tp->halt_wakes && h->pe->vm->apf_halted(h->pe->vm_ctx, i))
		h->pe->vm->kick(h->pe->vm_ctx, i);
}

static bool h_cancel_work(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct apf_host *h = ctx;

	(void)cv;
	return h->pe->vm->work_cancel(h->pe->vm_ctx, w);
}

static void h_wake_vcpu(void *ctx, struct apf_vcpu *cv)
{
	struct apf_host *h = ctx;
	const struct protocol_env *pe = h->pe;
	uint32_t i = cv->vcpu_id;

	if (pe->vm->idle(pe->vm_ctx, i) || (h->tp->halt_wakes && pe->vm->apf_halted(pe->vm_ctx, i)))
		apf_host_kick(h, i);
}

/* The worker pool finished a fault-in (protocol_ops.work_done). */
void apf_host_work_done(struct protocol_env *pe, uint32_t vcpu, void *work, uint32_t worker)
{
	struct apf_host *h = apf_host_of(pe);
	struct apf_host_vcpu *hv = &h->hv[vcpu];
	struct apf_work *w = work;
	uint64_t gfn = w->gfn, gva = w->cr2_or_gpa;

	if (w->state == APF_WORK_IN_WORKER) {
		hv->completed_at[w->index] = pe->sim->now;
		hist_add(&h->st.fault_to_resident, pe->sim->now - w->setup_time);
	}
	if (apf_work_completed(&hv->core, w) && trace_on(pe->tracer)) {
		struct trace_event e = { pe->sim->now, TRACE_NO_VCPU, TRACE_NO_TASK, worker,
					 TR_KVM_COMPLETED, HVA(gfn), gva, vcpu, NULL };
		trace_dispatch(pe->tracer, &e);
	}
}

/* --- the fault path ------------------------------------------------------------ */

static void fault_sync(struct apf_host *h, uint32_t i, struct task *t, uint64_t page,
		       enum trace_sync_reason why)
{
	h->st.sync[why]++;
	apf_host_trace(h, i, TR_APF_SYNC, page + BASE_GFN, why, 0);
	h->pe->vm->fault_sync(h->pe->vm_ctx, i, t, page);
}

void apf_host_stage2_fault(struct protocol_env *pe, uint32_t i, struct task *t, uint64_t page)
{
	struct apf_host *h = apf_host_of(pe);
	const struct apf_transport *tp = h->tp;
	const struct protocol_machine_ops *vm = pe->vm;
	struct apf_host_vcpu *hv = &h->hv[i];
	uint64_t gfn = page + BASE_GFN, gva = gfn << 12;
	enum trace_sync_reason why;
	struct apf_work *w;

	/* A page that needs no I/O is mapped at once, as without APF. */
	if (!vm->needs_io(pe->vm_ctx, page)) {
		vm->fault_sync(pe->vm_ctx, i, t, page);
		return;
	}
	h->st.faults++;
	if (tp->sync_before && tp->sync_before(h, i, t, &why))
		return fault_sync(h, i, t, page, why);
	apf_host_trace(h, i, TR_KVM_TRY_ASYNC_GET_PAGE, gva, gfn, 0);
	if (tp->sync_after && tp->sync_after(h, i, t, &why))
		return fault_sync(h, i, t, page, why);
	if (apf_slots_find(&hv->core.slots, gfn)) {
		/* Repeated fault: back into the guest without a mapping (arm64
		 * spins through stage-2 aborts, §2.7 a, §4.8) or halted until
		 * the page is there (x86, §3.5 step 5). */
		h->st.repeated++;
		pe->cls->repeated++;
		apf_host_trace(h, i, TR_KVM_REPEATED_FAULT, gva, gfn, 0);
		if (pe->cfg->sw.repeated_fault == APF_REPEAT_HALT) {
			h->st.halts++;
			vm->fault_halt(pe->vm_ctx, i);
		} else {
			vm->fault_resume(pe->vm_ctx, i);
		}
		return;
	}
	if (!apf_setup(&hv->core, apf_token_alloc(&hv->tok, i), gfn, gva, 0, pe->sim->now, &w))
		return fault_sync(h, i, t, page, TR_SYNC_LIMIT);
	h->st.async++;
	pe->cls->async++;
	if (tp->halt_after_setup && tp->halt_after_setup(h, i)) {
		h->st.halts++;
		vm->fault_halt(pe->vm_ctx, i);
		return;
	}
	vm->fault_resume(pe->vm_ctx, i);
}

/* Every guest entry serves the request bit (arm64 KVM_REQ_ASYNC_PF before
 * KVM_REQ_SDEI; x86 KVM_REQ_APF_READY); without the ACK, every entry. */
void apf_host_entry(struct protocol_env *pe, uint32_t i)
{
	struct apf_host *h = apf_host_of(pe);
	struct apf_host_vcpu *hv = &h->hv[i];

	if (hv->req_ready || (h->tp->entry_recheck && pe->cfg->sw.recheck_every_entry)) {
		hv->req_ready = false;
		apf_check_completion(&hv->core);
	}
}

uint32_t apf_host_flush(struct protocol_env *pe, uint32_t i)
{
	struct apf_host *h = apf_host_of(pe);
	uint32_t dropped = apf_flush(&h->hv[i].core);

	apf_host_trace(h, i, TR_APF_FLUSH, dropped, 0, 0);
	return dropped;
}

/* Live migration: per vCPU the works, slot table, flags and token
 * allocator are lost (the destination vCPU is new); the transport saves
 * and restores what the VMM migrates. */
void apf_host_migrate(struct protocol_env *pe)
{
	struct apf_host *h = apf_host_of(pe);

	for (uint32_t i = 0; i < pe->nvcpus; i++)
		h->tp->migrate(h, i);
}

/* --- lifecycle ------------------------------------------------------------------ */

int apf_host_init(struct protocol_env *pe, const struct apf_transport *tp)
{
	static const struct apf_arch_ops ops_template = {
		.not_present = h_not_present,
		.schedule_work = h_schedule_work,
		.present_queued = h_present_queued,
		.can_dequeue = h_can_dequeue,
		.page_ready = h_page_ready,
		.page_present = h_page_present,
		.cancel_work = h_cancel_work,
		.wake_vcpu = h_wake_vcpu,
	};
	struct apf_host *h = calloc(1, sizeof(*h));

	if (!h || !(h->hv = calloc(pe->nvcpus, sizeof(*h->hv)))) {
		free(h);
		snprintf(pe->err, pe->err_len, "out of memory for the APF state");
		return -1;
	}
	h->pe = pe;
	h->cfg = pe->cfg;
	h->tp = tp;
	h->ops = ops_template;
	h->ops.name = tp->name;
	hist_init(&h->st.fault_to_resident);
	hist_init(&h->st.completion_to_ready);
	for (uint32_t i = 0; i < pe->nvcpus; i++) {
		apf_vcpu_init(&h->hv[i].core, i, &h->ops, h);
		apf_token_init(&h->hv[i].tok, pe->cfg->sw.token_bits, pe->cfg->sw.token_zero_skip);
	}
	if (tp->init && tp->init(h)) {
		free(h->hv);
		free(h);
		snprintf(pe->err, pe->err_len, "out of memory for the APF state");
		return -1;
	}
	pe->state = h;
	return 0;
}

void apf_host_fini(struct protocol_env *pe)
{
	struct apf_host *h = apf_host_of(pe);

	if (h) {
		if (h->tp->fini)
			h->tp->fini(h);
		free(h->hv);
	}
	free(h);
	pe->state = NULL;
}

/* --- statistics --------------------------------------------------------------- */

static uint64_t stat_u64(const struct apf_host_stats *s, size_t off)
{
	return *(const uint64_t *)((const unsigned char *)s + off);
}

static struct apf_token_stats host_tokens(const struct apf_host *h)
{
	struct apf_token_stats t = { 0 };

	for (uint32_t i = 0; i < h->pe->nvcpus; i++)
		apf_token_stats_add(&t, &h->hv[i].tok.stats);
	return t;
}

/* {"issued", "zero", "wraps"} of a token allocator's totals. */
static json_t *tokens_json(const struct apf_token_stats *t)
{
	return json_pack("{s:I, s:I, s:I}", "issued", (json_int_t)t->issued, "zero", (json_int_t)t->zero,
			 "wraps", (json_int_t)t->wraps);
}

json_t *apf_host_report_json(const struct protocol_env *pe)
{
	const struct apf_host *h = apf_host_of(pe);
	const struct apf_host_stats *s = &h->st;
	json_t *o = json_object();
	struct apf_token_stats tok = host_tokens(h);

	report_faults_json(o, s->faults, s->async, s->repeated, s->sync);
	for (const struct apf_stat_desc *d = apf_stat_descs; d->key; d++)
		if (d->families & h->tp->stats)
			json_object_set_new(o, d->key, json_integer((json_int_t)stat_u64(s, d->offset)));
	json_object_set_new(o, "tokens", tokens_json(&tok));
	json_object_set_new(o, "fault_to_resident_ps", report_hist_json(&s->fault_to_resident));
	json_object_set_new(o, "completion_to_pageready_ps", report_hist_json(&s->completion_to_ready));
	json_object_set_new(o, "pageready_to_running_ps", report_hist_json(pe->ready_to_run));
	json_object_set_new(o, "parked_ps", report_hist_json(pe->parked));
	return o;
}

static const struct histogram *summary_hist(const struct protocol_env *pe, const char *name)
{
	const struct apf_host *h = apf_host_of(pe);

	if (!strcmp(name, "fault_to_resident"))
		return &h->st.fault_to_resident;
	if (!strcmp(name, "completion_to_pageready"))
		return &h->st.completion_to_ready;
	if (!strcmp(name, "pageready_to_running"))
		return pe->ready_to_run;
	return pe->parked;
}

/* One {placeholder}: a statistic by its key, sync (the total), sync_reasons
 * (" (reason n, ...)" or nothing), name (the protocol: the family, or the
 * preset with summary_preset), tokens / tokens_zero / tokens_wraps, or
 * HIST_p50 / HIST_p99 of a histogram named as in summary_hist. */
static void summary_field(const struct protocol_env *pe, const char *name, size_t len, FILE *out)
{
	const struct apf_host *h = apf_host_of(pe);
	const struct apf_host_stats *s = &h->st;
	struct apf_token_stats tok = host_tokens(h);
	char key[64], buf[32];
	uint64_t nsync = 0;

	snprintf(key, sizeof(key), "%.*s", (int)len, name);
	for (int r = 0; r < TR_SYNC__COUNT; r++)
		nsync += s->sync[r];
	if (!strcmp(key, "name")) {
		fputs(h->tp->summary_preset ? pe->cfg->protocol : pe->proto->name, out);
	} else if (!strcmp(key, "sync")) {
		fprintf(out, "%llu", (unsigned long long)nsync);
	} else if (!strcmp(key, "sync_reasons")) {
		const char *sep = " (";

		for (int r = 0; r < TR_SYNC__COUNT; r++) {
			if (!s->sync[r])
				continue;
			fprintf(out, "%s%s %llu", sep, trace_sync_reason_name((enum trace_sync_reason)r),
				(unsigned long long)s->sync[r]);
			sep = ", ";
		}
		if (sep[0] == ',')
			fputc(')', out);
	} else if (!strcmp(key, "tokens")) {
		fprintf(out, "%llu", (unsigned long long)tok.issued);
	} else if (!strcmp(key, "tokens_zero")) {
		fprintf(out, "%llu", (unsigned long long)tok.zero);
	} else if (!strcmp(key, "tokens_wraps")) {
		fprintf(out, "%llu", (unsigned long long)tok.wraps);
	} else if (len > 4 && (!strcmp(key + len - 4, "_p50") || !strcmp(key + len - 4, "_p99"))) {
		double q = key[len - 1] == '0' ? 0.5 : 0.99;

		key[len - 4] = '\0';
		report_fmt_time(hist_quantile(summary_hist(pe, key), q), buf, sizeof(buf));
		fputs(buf, out);
	} else {
		for (const struct apf_stat_desc *d = apf_stat_descs; d->key; d++)
			if (!strcmp(d->key, key))
				fprintf(out, "%llu", (unsigned long long)stat_u64(s, d->offset));
	}
}

void apf_host_report_summary(const struct protocol_env *pe, FILE *out)
{
	const struct apf_host *h = apf_host_of(pe);

	for (const struct apf_summary_line *l = h->tp->summary; l->text; l++) {
		if (l->hist) {
			report_pct_line(out, l->text, 28, summary_hist(pe, l->hist));
			continue;
		}
		for (const char *p = l->text; *p;) {
			const char *open = strchr(p, '{'), *close = open ? strchr(open, '}') : NULL;

			if (!close) {
				fputs(p, out);
				break;
			}
			fwrite(p, 1, (size_t)(open - p), out);
			summary_field(pe, open + 1, (size_t)(close - open - 1), out);
			p = close + 1;
		}
	}
}
