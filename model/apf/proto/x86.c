/* proto_x86.c — the x86 protocol family on the simulated aarch64 machine:
 * `x86-int-ack` (mainline since 5.10), `x86-int-noack` (interrupt
 * page-ready without the ACK, §4.1) and `x86-legacy` (both notifications as
 * #PF with `reason`, §3.7), docs/reference.md §3.3–§3.5, on the generic core.
 *
 * The mapping onto aarch64 (docs/protocols.md): the async #PF is a
 * synchronous exception injected into the guest (ESR data abort with DFSC
 * 0x34, FAR = the token as CR2 carries it on x86); the page-ready vector is
 * a PPI raised edge-like (a fixed interrupt); the MSR writes
 * (MSR_KVM_ASYNC_PF_EN/INT/ACK) and the CPUID feature query are hypercalls in
 * an apfsim range (workloads/guest/guest_abi.h).  Shared memory: `flags`
 * (legacy: `reason`) at offset 0 and `token` at offset 4 (§3.2).
 *
 * Unlike arm64, APF does not depend on the guest here: a fault that cannot
 * be delivered (APF off, kernel mode without SEND_ALWAYS) becomes a
 * synthetic halt (KVM_REQ_APF_HALT) and the vCPU waits for the page; so do
 * repeated faults (§3.5 steps 1, 5, 6).
 */
#include <errno.h>
#include <stdlib.h>

#include "gic/gic.h"
#include "model/apf/core.h"
#include "model/apf/token.h"
#include "model/vm/machine.h"
#include "model/apf/proto/x86.h"
#include "model/vm/platform.h"
#include "model/apf/protocol.h"
#include "model/report/report.h"
#include "model/vm/vcpu_guest.h"
#include "model/host/workers.h"

#define BASE_GFN (GUEST_RAM_BASE >> 12)
#define HVA(gfn) (0x7f0000000000ULL + (((uint64_t)(gfn) - BASE_GFN) << 12))

/* MSRs and bits (docs/reference.md §3.1). */
#define MSR_KVM_ASYNC_PF_EN 0x4b564d02u
#define MSR_KVM_ASYNC_PF_INT 0x4b564d06u
#define MSR_KVM_ASYNC_PF_ACK 0x4b564d07u
#define KVM_ASYNC_PF_ENABLED (1ULL << 0)
#define KVM_ASYNC_PF_SEND_ALWAYS (1ULL << 1)
#define KVM_ASYNC_PF_DELIVERY_AS_PF_VMEXIT (1ULL << 2)
#define KVM_ASYNC_PF_DELIVERY_AS_INT (1ULL << 3)
#define KVM_ASYNC_PF_RESERVED (3ULL << 4)
#define KVM_FEATURE_ASYNC_PF 4
#define KVM_FEATURE_ASYNC_PF_VMEXIT 10
#define KVM_FEATURE_ASYNC_PF_INT 14
#define KVM_PV_REASON_PAGE_NOT_PRESENT 1
#define KVM_PV_REASON_PAGE_READY 2
/* The injected exception: data abort from a lower EL (EC 0x24), IL,
 * DFSC 0x34 (IMPLEMENTATION DEFINED, the value arm64 RFCv1 used). */
#define X86_APF_ESR ((0x24ULL << 26) | (1ULL << 25) | 0x34)
#define X86_APF_ESR_EL1 ((0x25ULL << 26) | (1ULL << 25) | 0x34)

static struct x86_apf *x86(const struct machine *m)
{
	return m->proto_state;
}

static bool x86_legacy(const struct x86_apf *a)
{
	return a->m->cfg->sw.pageready == APF_PR_EXCEPTION;
}

static sim_time_t x86_now(const struct machine *m, uint32_t i)
{
	if (m->running_vcpu == &m->vcpus[i] || m->stepping == &m->vcpus[i])
		return vcpu_guest_now(&m->vcpus[i]);
	return m->sim.now;
}

static void x86_trace(struct x86_apf *a, uint32_t i, enum trace_kind k, uint64_t x, uint64_t y, uint64_t z)
{
	struct machine *m = a->m;
	const struct vcpu *v = &m->vcpus[i];

	trace_emit(&m->tracer, x86_now(m, i), i, v->cur ? v->cur->id : TRACE_NO_TASK, k, x, y, z);
}

/* "Enabled" for the host (§3.4): ENABLED, and on a post-5.9 host also
 * DELIVERY_AS_INT; the legacy host needs ENABLED only. */
static bool x86_enabled(const struct x86_apf *a, const struct x86_apf_vcpu *av)
{
	if (!(av->msr_en & KVM_ASYNC_PF_ENABLED))
		return false;
	return x86_legacy(a) || (av->msr_en & KVM_ASYNC_PF_DELIVERY_AS_INT);
}

/* The 8 host-mapped bytes: {flags or reason, token}. */
static uint32_t *x86_buffer(struct x86_apf *a, const struct x86_apf_vcpu *av)
{
	return platform_guest_ptr(a->m->plat, av->msr_en & ~0x3FULL, 8);
}

static void x86_kick(struct x86_apf *a, uint32_t i)
{
	struct machine *m = a->m;

	if (m->running_vcpu == &m->vcpus[i] || m->stepping == &m->vcpus[i] || !m->started)
		return;
	trace_emit(&m->tracer, m->sim.now, i, TRACE_NO_TASK, TR_KICK, 1, 0, 0);
	vcpu_kick(&m->vcpus[i]);
}

/* kvm_can_deliver_async_pf (§3.5 step 3). */
static bool x86_can_deliver(struct x86_apf *a, const struct x86_apf_vcpu *av, const struct task *t)
{
	return x86_enabled(a, av) && !(av->send_user_only && t && t->kernel);
}

/* --- arch hooks ------------------------------------------------------------ */

static bool h_not_present(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct x86_apf *a = ctx;
	uint32_t i = cv->vcpu_id;
	struct x86_apf_vcpu *av = &a->v[i];
	struct vcpu *v = &a->m->vcpus[i];
	uint32_t *b;

	x86_trace(a, i, TR_APF_SETUP, w->token, w->gfn, cv->queued);
	x86_trace(a, i, TR_KVM_NOT_PRESENT, w->token, w->cr2_or_gpa, 0);
	apf_slots_add(&cv->slots, w->gfn);
	b = x86_buffer(a, av);
	if (x86_can_deliver(a, av, v->cur) && b && !v->exc_pending) {
		b[0] = x86_legacy(a) ? KVM_PV_REASON_PAGE_NOT_PRESENT : 1; /* reason, or flags bit 0 */
		v->exc_pending = true;
		v->exc_esr = X86_APF_ESR;
		v->exc_far = w->token;
		a->st.notpresent_injected++;
		return true;
	}
	av->req_apf_halt = true;
	a->st.notpresent_halted++;
	return false;
}

static void h_schedule_work(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct x86_apf *a = ctx;

	workers_submit(&a->m->workers, cv->vcpu_id, w, w->gfn - BASE_GFN);
}

/* §3.5 step 7 */
static void h_present_queued(void *ctx, struct apf_vcpu *cv)
{
	struct x86_apf *a = ctx;
	struct x86_apf_vcpu *av = &a->v[cv->vcpu_id];

	av->req_apf_ready = true;
	if (!av->pageready_pending)
		x86_kick(a, cv->vcpu_id);
}

/* §3.5 step 9: not enabled -> true; else the `token` word must read 0 (the
 * guest's "slot free").  Legacy: the guest can take an exception now.  No
 * re-request when it fails. */
static bool h_can_dequeue(void *ctx, struct apf_vcpu *cv)
{
	struct x86_apf *a = ctx;
	struct x86_apf_vcpu *av = &a->v[cv->vcpu_id];
	uint32_t *b;

	if (!x86_enabled(a, av))
		return true;
	if (x86_legacy(a)) {
		if (!a->m->vcpus[cv->vcpu_id].exc_pending)
			return true;
	} else {
		b = x86_buffer(a, av);
		if (b && b[1] == 0)
			return true;
	}
	a->st.dequeue_refused++;
	return false;
}

/* §3.5 step 10: replay the fault as a prefault. */
static void h_page_ready(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct x86_apf *a = ctx;

	(void)cv;
	protocol_prefault(a->m, w->gfn - BASE_GFN);
}

/* §3.5 step 11 */
static void h_page_present(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct x86_apf *a = ctx;
	uint32_t i = cv->vcpu_id;
	struct x86_apf_vcpu *av = &a->v[i];
	struct vcpu *v = &a->m->vcpus[i];
	uint32_t token = w->wakeup_all ? 0xFFFFFFFFu : w->token;
	uint32_t *b = x86_buffer(a, av);

	if (!w->wakeup_all) {
		hist_add(&a->st.completion_to_ready, x86_now(a->m, i) - av->completed_at[w->index]);
		apf_slots_remove(&cv->slots, w->gfn);
	}
	x86_trace(a, i, TR_KVM_READY, token, w->wakeup_all ? 0 : w->cr2_or_gpa, 0);
	if ((w->wakeup_all || w->notpresent_injected) && x86_enabled(a, av) && b) {
		if (x86_legacy(a)) {
			b[0] = KVM_PV_REASON_PAGE_READY;
			v->exc_pending = true;
			v->exc_esr = v->cur || !v->guest_wfi ? X86_APF_ESR : X86_APF_ESR_EL1;
			v->exc_far = token;
		} else {
			b[1] = token;
			if (a->m->cfg->sw.ack != APF_ACK_NONE)
				av->pageready_pending = true;
			gic_set_pending(platform_gic(a->m->plat), i, (unsigned)(av->msr_int & 0xFF));
			x86_trace(a, i, TR_PPI_LEVEL, av->msr_int & 0xFF, 1, 0);
		}
		a->st.pageready++;
		if (w->wakeup_all)
			a->st.pageready_wakeall++;
	} else {
		/* Halt-path faults get no page-ready at all (§3.5 step 11). */
		a->st.pageready_skipped++;
	}
	x86_trace(a, i, TR_APF_RETIRED, token, w->gfn, cv->queued - 1);
	/* Always: the synthetic halt ends. */
	if (v->apf_halted)
		vcpu_kick(v);
}

static bool h_cancel_work(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct x86_apf *a = ctx;

	(void)cv;
	return workers_cancel(&a->m->workers, w);
}

static void h_wake_vcpu(void *ctx, struct apf_vcpu *cv)
{
	struct x86_apf *a = ctx;
	struct vcpu *v = &a->m->vcpus[cv->vcpu_id];

	if (v->state == VCPU_IDLE || v->apf_halted)
		x86_kick(a, cv->vcpu_id);
}

static const struct apf_arch_ops x86_arch_ops = {
	.name = "x86",
	.not_present = h_not_present,
	.schedule_work = h_schedule_work,
	.present_queued = h_present_queued,
	.can_dequeue = h_can_dequeue,
	.page_ready = h_page_ready,
	.page_present = h_page_present,
	.cancel_work = h_cancel_work,
	.wake_vcpu = h_wake_vcpu,
};

static void x86_worker_done(void *ctx, const struct worker_job *job, uint32_t worker)
{
	struct x86_apf *a = ctx;
	struct machine *m = a->m;
	struct x86_apf_vcpu *av = &a->v[job->vcpu];
	struct apf_work *w = job->work;
	uint64_t gfn = w->gfn, gva = w->cr2_or_gpa;

	if (w->state == APF_WORK_IN_WORKER) {
		av->completed_at[w->index] = m->sim.now;
		hist_add(&a->st.fault_to_resident, m->sim.now - w->setup_time);
	}
	if (apf_work_completed(&av->core, w) && trace_on(&m->tracer)) {
		struct trace_event e = { m->sim.now, TRACE_NO_VCPU, TRACE_NO_TASK, worker,
					 TR_KVM_COMPLETED, HVA(gfn), gva, job->vcpu, NULL };
		trace_dispatch(&m->tracer, &e);
	}
}

/* --- the fault path (§3.5 steps 1-6) ---------------------------------------- */

static uint32_t x86_token(struct x86_apf *a, struct x86_apf_vcpu *av, uint32_t i)
{
	const struct apf_switches *sw = &a->m->cfg->sw;

	if (sw->token_bits <= 16) {
		if (sw->token_zero_skip && av->tok16.id == 0 && i == 0)
			av->tok16.id = 1;
		return apf_token_arm64_alloc_bits(&av->tok16, i, sw->token_bits);
	}
	return apf_token_x86_alloc(&av->tok, i);
}

static void x86_stage2_fault(struct machine *m, struct vcpu *v, struct task *t, uint64_t page)
{
	struct x86_apf *a = x86(m);
	uint32_t i = v->id;
	struct x86_apf_vcpu *av = &a->v[i];
	uint64_t gfn = page + BASE_GFN, gva = gfn << 12;
	enum hm_fault_kind kind = hostmem_classify(&m->hm, page);
	struct apf_work *w;

	if (kind != HM_FAULT_MAJOR && kind != HM_FAULT_INFLIGHT && kind != HM_FAULT_REMOTE) {
		vcpu_fault_sync(v, t, page);
		return;
	}
	a->st.faults++;
	/* kvm_can_do_async_pf: no exception already waiting for injection. */
	if (v->exc_pending) {
		a->st.sync[TR_SYNC_BUFFER_BUSY]++;
		x86_trace(a, i, TR_APF_SYNC, gfn, TR_SYNC_BUFFER_BUSY, 0);
		vcpu_fault_sync(v, t, page);
		return;
	}
	x86_trace(a, i, TR_KVM_TRY_ASYNC_GET_PAGE, gva, gfn, 0);
	if (apf_slots_find(&av->core.slots, gfn)) {
		a->st.repeated++;
		m->stats.cls.repeated++;
		x86_trace(a, i, TR_KVM_REPEATED_FAULT, gva, gfn, 0);
		if (m->cfg->sw.repeated_fault == APF_REPEAT_HALT) {
			a->st.halts++;
			vcpu_fault_halt(v);
		} else {
			vcpu_fault_resume(v);
		}
		return;
	}
	uint32_t token = x86_token(a, av, i);
	if (!apf_setup(&av->core, token, gfn, gva, 0, m->sim.now, &w)) {
		a->st.sync[TR_SYNC_LIMIT]++;
		x86_trace(a, i, TR_APF_SYNC, gfn, TR_SYNC_LIMIT, 0);
		vcpu_fault_sync(v, t, page);
		return;
	}
	a->st.async++;
	m->stats.cls.async++;
	if (av->req_apf_halt) {
		av->req_apf_halt = false;
		a->st.halts++;
		vcpu_fault_halt(v);
		return;
	}
	vcpu_fault_resume(v);
}

/* KVM_REQ_APF_READY at entry; without the ACK, every entry re-checks. */
static void x86_entry(struct machine *m, struct vcpu *v)
{
	struct x86_apf_vcpu *av = &x86(m)->v[v->id];

	if (av->req_apf_ready || m->cfg->sw.recheck_every_entry) {
		av->req_apf_ready = false;
		apf_check_completion(&av->core);
	}
}

/* --- MSRs and CPUID via the apfsim hypercall range (§3.4, §3.5 step 12) ----- */

static int64_t x86_msr_write(void *ctx, unsigned cpu, uint32_t msr, uint64_t val);

int64_t x86_apf_msr_write(struct x86_apf *a, unsigned cpu, uint32_t msr, uint64_t val)
{
	return x86_msr_write(a, cpu, msr, val);
}

static int64_t x86_msr_write(void *ctx, unsigned cpu, uint32_t msr, uint64_t val)
{
	struct x86_apf *a = ctx;
	struct x86_apf_vcpu *av = &a->v[cpu];

	vcpu_guest_charge(&a->m->vcpus[cpu], a->m->trap.hypercall);
	switch (msr) {
	case MSR_KVM_ASYNC_PF_INT:
		if (val & ~0xFFULL)
			goto gp;
		av->msr_int = val;
		return 0;
	case MSR_KVM_ASYNC_PF_EN:
		if (val & KVM_ASYNC_PF_RESERVED)
			goto gp;
		av->msr_en = val;
		if (!x86_enabled(a, av)) {
			x86_trace(a, cpu, TR_APF_FLUSH, apf_flush(&av->core), 0, 0);
			apf_slots_reset(&av->core.slots);
			a->st.disables++;
			x86_trace(a, cpu, TR_APF_ENABLE, val, 0, 0);
			return 0;
		}
		if (!x86_buffer(a, av))
			goto gp;
		av->send_user_only = !(val & KVM_ASYNC_PF_SEND_ALWAYS);
		apf_wakeup_all(&av->core);
		x86_trace(a, cpu, TR_APF_WAKE_ALL, 0, 0, 0);
		x86_trace(a, cpu, TR_APF_ENABLE, val, 0, 0);
		a->st.enables++;
		return 0;
	case MSR_KVM_ASYNC_PF_ACK:
		if (a->m->cfg->sw.ack != APF_ACK_MSR)
			goto gp;
		a->st.acks++;
		a->m->vcpus[cpu].irq_acks++;	/* its round trip goes to host_irq_ack */
		if ((val & 1) && av->pageready_pending) {
			a->st.acks_pending++;
			av->pageready_pending = false;
			apf_check_completion(&av->core);
		}
		return 0;
	}
gp:
	a->st.gp++;
	return -1;
}

static int64_t x86_msr_read(void *ctx, unsigned cpu, uint32_t msr, uint64_t *val)
{
	struct x86_apf *a = ctx;

	vcpu_guest_charge(&a->m->vcpus[cpu], a->m->trap.hypercall);
	switch (msr) {
	case MSR_KVM_ASYNC_PF_EN:
		*val = a->v[cpu].msr_en;
		return 0;
	case MSR_KVM_ASYNC_PF_INT:
		*val = a->v[cpu].msr_int;
		return 0;
	case MSR_KVM_ASYNC_PF_ACK:
		*val = 0;
		return 0;
	}
	return -1;
}

static uint64_t x86_kvm_features(void *ctx, unsigned cpu)
{
	struct x86_apf *a = ctx;
	uint64_t f = 1ULL << KVM_FEATURE_ASYNC_PF | 1ULL << KVM_FEATURE_ASYNC_PF_VMEXIT;

	vcpu_guest_charge(&a->m->vcpus[cpu], a->m->trap.hypercall);
	if (!x86_legacy(a))
		f |= 1ULL << KVM_FEATURE_ASYNC_PF_INT;
	return f;
}

static const struct platform_x86_ops x86_platform_ops = {
	.msr_write = x86_msr_write,
	.msr_read = x86_msr_read,
	.kvm_features = x86_kvm_features,
};

/* --- live migration (§4.9) ----------------------------------------------------
 * Userspace migrates MSR_KVM_ASYNC_PF_EN and _INT (ACK reads 0); on the
 * destination the INT then EN writes run the enable path, which queues a
 * wake-all.  pageready_pending, the queues and the slot table are lost;
 * guest memory carries `token`; a pending exception travels with the vCPU
 * events. */
static void x86_migrate(struct machine *m)
{
	struct x86_apf *a = x86(m);

	for (uint32_t i = 0; i < m->nvcpus; i++) {
		struct x86_apf_vcpu *av = &a->v[i];
		uint64_t en = av->msr_en, vec = av->msr_int;

		x86_trace(a, i, TR_APF_FLUSH, apf_flush(&av->core), 0, 0);
		apf_slots_reset(&av->core.slots);
		av->pageready_pending = av->req_apf_ready = av->req_apf_halt = false;
		av->msr_en = av->msr_int = 0;
		apf_token_x86_init(&av->tok, m->cfg->sw.token_zero_skip);
		apf_token_arm64_init(&av->tok16);
		if (vec)
			x86_msr_write(a, i, MSR_KVM_ASYNC_PF_INT, vec);
		if (en)
			x86_msr_write(a, i, MSR_KVM_ASYNC_PF_EN, en);
	}
}

static uint32_t x86_flush(struct machine *m, uint32_t i)
{
	struct x86_apf *a = x86(m);
	uint32_t dropped = apf_flush(&a->v[i].core);

	x86_trace(a, i, TR_APF_FLUSH, dropped, 0, 0);
	return dropped;
}

/* --- lifecycle and statistics ------------------------------------------------ */

static int x86_init(struct machine *m)
{
	struct x86_apf *a = calloc(1, sizeof(*a));

	if (!a || !(a->v = calloc(m->nvcpus, sizeof(*a->v)))) {
		free(a);
		snprintf(m->err, sizeof(m->err), "out of memory for the APF state");
		return -1;
	}
	a->m = m;
	hist_init(&a->st.fault_to_resident);
	hist_init(&a->st.completion_to_ready);
	for (uint32_t i = 0; i < m->nvcpus; i++) {
		apf_vcpu_init(&a->v[i].core, i, &x86_arch_ops, a);
		apf_token_x86_init(&a->v[i].tok, m->cfg->sw.token_zero_skip);
		apf_token_arm64_init(&a->v[i].tok16);
	}
	m->proto_state = a;
	m->workers.complete = x86_worker_done;
	m->workers.ctx = a;
	return 0;
}

static void x86_fini(struct machine *m)
{
	struct x86_apf *a = x86(m);

	if (a)
		free(a->v);
	free(a);
	m->proto_state = NULL;
}

static const struct platform_x86_ops *x86_ops(struct machine *m, void **ctx)
{
	*ctx = x86(m);
	return &x86_platform_ops;
}

/* Both allocators of every vCPU (tok16 serves the arm64-token switch). */
static struct apf_token_stats x86_tokens(const struct x86_apf *a)
{
	struct apf_token_stats t = { 0 };

	for (uint32_t i = 0; i < a->m->nvcpus; i++) {
		apf_token_stats_add(&t, &a->v[i].tok.stats);
		apf_token_stats_add(&t, &a->v[i].tok16.stats);
	}
	return t;
}

static json_t *x86_report_json(const struct machine *m)
{
	const struct x86_apf *a = x86(m);
	const struct x86_apf_stats *s = &a->st;
	json_t *o = json_object();
	struct apf_token_stats tok = x86_tokens(a);

	report_faults_json(o, s->faults, s->async, s->repeated, s->sync);
	json_object_set_new(o, "halts", json_integer((json_int_t)s->halts));
	json_object_set_new(o, "notpresent_injected", json_integer((json_int_t)s->notpresent_injected));
	json_object_set_new(o, "notpresent_halted", json_integer((json_int_t)s->notpresent_halted));
	json_object_set_new(o, "pageready_delivered", json_integer((json_int_t)s->pageready));
	json_object_set_new(o, "pageready_skipped", json_integer((json_int_t)s->pageready_skipped));
	json_object_set_new(o, "wake_alls", json_integer((json_int_t)s->pageready_wakeall));
	json_object_set_new(o, "acks", json_integer((json_int_t)s->acks));
	json_object_set_new(o, "acks_with_pageready", json_integer((json_int_t)s->acks_pending));
	json_object_set_new(o, "dequeue_refused", json_integer((json_int_t)s->dequeue_refused));
	json_object_set_new(o, "enables", json_integer((json_int_t)s->enables));
	json_object_set_new(o, "disables", json_integer((json_int_t)s->disables));
	json_object_set_new(o, "msr_gp", json_integer((json_int_t)s->gp));
	json_object_set_new(o, "tokens", report_tokens_json(&tok));
	json_object_set_new(o, "fault_to_resident_ps", report_hist_json(&s->fault_to_resident));
	json_object_set_new(o, "completion_to_pageready_ps", report_hist_json(&s->completion_to_ready));
	json_object_set_new(o, "pageready_to_running_ps", report_hist_json(&m->stats.ready_to_run));
	json_object_set_new(o, "parked_ps", report_hist_json(&m->stats.parked));
	return o;
}

static void x86_report_summary(const struct machine *m, FILE *out)
{
	const struct x86_apf *a = x86(m);
	const struct x86_apf_stats *s = &a->st;
	uint64_t nsync = 0;
	struct apf_token_stats tok = x86_tokens(a);
	char p50[32], p99[32];

	for (int r = 0; r < TR_SYNC__COUNT; r++)
		nsync += s->sync[r];
	fprintf(out, "\napf (%s): faults needing I/O %llu: async %llu (halted %llu), synchronous %llu,"
		     " repeated %llu\n", m->cfg->protocol, (unsigned long long)s->faults,
		(unsigned long long)s->async, (unsigned long long)s->notpresent_halted,
		(unsigned long long)nsync, (unsigned long long)s->repeated);
	fprintf(out, "     not-present injected %llu, page-ready %llu (wake-all %llu, skipped %llu),"
		     " acks %llu, tokens %llu (zero %llu, wraps %llu)\n",
		(unsigned long long)s->notpresent_injected, (unsigned long long)s->pageready,
		(unsigned long long)s->pageready_wakeall, (unsigned long long)s->pageready_skipped,
		(unsigned long long)s->acks, (unsigned long long)tok.issued, (unsigned long long)tok.zero,
		(unsigned long long)tok.wraps);
	report_fmt_time(hist_quantile(&s->completion_to_ready, 0.5), p50, sizeof(p50));
	report_fmt_time(hist_quantile(&s->completion_to_ready, 0.99), p99, sizeof(p99));
	fprintf(out, "     completion -> page-ready p50 %s p99 %s\n", p50, p99);
}

const struct protocol_ops protocol_x86 = {
	.name = "x86",
	.doc = "x86 APF (#PF not-present, interrupt or #PF page-ready, MSR ACK) on the aarch64 machine",
	.needs_guest = true,
	.init = x86_init,
	.fini = x86_fini,
	.x86_ops = x86_ops,
	.stage2_fault = x86_stage2_fault,
	.entry = x86_entry,
	.migrate = x86_migrate,
	.flush = x86_flush,
	.report_summary = x86_report_summary,
	.report_json = x86_report_json,
};
