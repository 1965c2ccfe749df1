/* proto_arm64.c — the `arm64-v4` protocol: host side of the arm64 APF
 * series v4 (docs/reference.md §2.4–§2.7) on the generic core (§1), faithful
 * including the holes of §4.2 that the oracle must be able to expose.
 *
 * Guest frame numbers: the model numbers guest pages from 0; KVM's gfn is
 * the IPA >> 12, and guest RAM starts at GUEST_RAM_BASE, so
 * gfn = page + (GUEST_RAM_BASE >> 12) and the faulting address traced as
 * `gva` is gfn << 12 (the IPA, as Gavin's series passes it).
 */
#include "model/apf/proto/arm64.h"

#include <errno.h>
#include <stdlib.h>

#include "gic/gic.h"
#include "model/vm/machine.h"
#include "model/vm/platform.h"
#include "model/apf/protocol.h"
#include "model/report/report.h"
#include "model/vm/vcpu_guest.h"
#include "model/host/workers.h"
#include "sdei/sdei.h"
#include "smccc/smccc.h"

#define BASE_GFN (GUEST_RAM_BASE >> 12)
#define GVA(gfn) ((uint64_t)(gfn) << 12)
/* A host virtual address for kvm_async_pf_completed (QEMU-like mapping). */
#define HVA(gfn) (0x7f0000000000ULL + (((uint64_t)(gfn) - BASE_GFN) << 12))
#define APF_VERSION_1_0_0 0x010000

static uint32_t arm_token(struct arm64_apf *a, struct arm64_apf_vcpu *av, uint32_t i);

static struct arm64_apf *arm(const struct machine *m)
{
	return m->proto_state;
}

/* Time of host work for vCPU i: inside its guest run, the run's clock. */
static sim_time_t arm_now(const struct machine *m, uint32_t i)
{
	if (m->running_vcpu == &m->vcpus[i] || m->stepping == &m->vcpus[i])
		return vcpu_guest_now(&m->vcpus[i]);
	return m->sim.now;
}

static uint32_t arm_task(const struct machine *m, uint32_t i)
{
	const struct vcpu *v = &m->vcpus[i];
	return v->cur ? v->cur->id : TRACE_NO_TASK;
}

static void arm_trace(struct arm64_apf *a, uint32_t i, enum trace_kind k, uint64_t x, uint64_t y,
		      uint64_t z)
{
	struct machine *m = a->m;
	trace_emit(&m->tracer, arm_now(m, i), i, arm_task(m, i), k, x, y, z);
}

/* The 8 host-mapped bytes of the shared buffer ({reason, token}, §2.3);
 * NULL when the control block points outside guest RAM (a "read error"). */
static uint32_t *arm_buffer(struct arm64_apf *a, uint32_t i)
{
	uint64_t gpa = a->v[i].control_block & ~0x3FULL;

	return platform_guest_ptr(a->m->plat, gpa, 8);
}

/* Host write order: token, then reason (§2.3). */
static void arm_buffer_write(struct arm64_apf *a, uint32_t i, uint32_t *b, uint32_t reason,
			     uint32_t token)
{
	uint64_t prev = (uint64_t)b[0] << 32 | b[1];

	arm_trace(a, i, TR_BUF_WRITE, reason, token, prev);
	b[1] = token;
	b[0] = reason;
}

static void arm_set_ppi(struct arm64_apf *a, uint32_t i, bool level)
{
	gic_set_ppi_level(platform_gic(a->m->plat), i, a->v[i].irq, level);
	arm_trace(a, i, TR_PPI_LEVEL, a->v[i].irq, level, 0);
}

static void arm_kick(struct arm64_apf *a, uint32_t i)
{
	struct machine *m = a->m;

	if (m->running_vcpu == &m->vcpus[i] || m->stepping == &m->vcpus[i] || !m->started)
		return; /* it re-checks its requests before re-entering */
	trace_emit(&m->tracer, m->sim.now, i, arm_task(m, i), TR_KICK, 1, 0, 0);
	vcpu_kick(&m->vcpus[i]);
}

/* --- arch hooks of the generic core (§2.7) ----------------------------- */

/* (d) kvm_arch_async_page_not_present */
static bool h_not_present(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct arm64_apf *a = ctx;
	uint32_t i = cv->vcpu_id;
	struct arm64_apf_vcpu *av = &a->v[i];
	uint32_t *b;

	arm_trace(a, i, TR_APF_SETUP, w->token, w->gfn, cv->queued);
	apf_slots_add(&cv->slots, w->gfn);
	b = arm_buffer(a, i);
	if (!b) {
		apf_slots_remove(&cv->slots, w->gfn);
		return false;
	}
	arm_buffer_write(a, i, b, GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT, w->token);
	av->notpresent_pending = true;
	av->notpresent_token = w->token;
	arm_trace(a, i, TR_KVM_NOT_PRESENT, w->token, w->cr2_or_gpa, 0);
	int r;
	if (faults_draw(a->m, a->m->cfg->faults.sdei_refuse)) {
		r = -EPERM;	/* injected: KVM's answer for a disabled event or a masked PE (§2.7 e) */
		faults_record(a->m, i, FAULT_SDEI_REFUSE, w->token);
	} else {
		r = sdei_inject(platform_sdei(a->m->plat), i, av->sdei_event_num, true);
	}
	arm_trace(a, i, TR_SDEI_INJECT, av->sdei_event_num, (uint64_t)(int64_t)r, 0);
	if (r == 0)
		a->st.notpresent_injected++;
	else
		a->st.notpresent_inject_failed++;
	return r == 0;
}

static void h_schedule_work(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct arm64_apf *a = ctx;

	workers_submit(&a->m->workers, cv->vcpu_id, w, w->gfn - BASE_GFN);
}

/* (f) kvm_arch_async_page_present_queued */
static void h_present_queued(void *ctx, struct apf_vcpu *cv)
{
	struct arm64_apf *a = ctx;
	struct arm64_apf_vcpu *av = &a->v[cv->vcpu_id];

	av->req_async_pf = true;
	if (!av->pageready_pending)
		arm_kick(a, cv->vcpu_id);
}

/* (g) kvm_arch_can_dequeue_async_page_present */
static bool h_can_dequeue(void *ctx, struct apf_vcpu *cv)
{
	struct arm64_apf *a = ctx;
	struct arm64_apf_vcpu *av = &a->v[cv->vcpu_id];
	const struct apf_work *head = apf_done_head(cv);
	uint32_t *b;

	if (!(av->control_block & GUEST_KVM_ASYNC_PF_ENABLED))
		return true;
	if (av->pageready_pending)
		goto fail;
	b = arm_buffer(a, cv->vcpu_id);
	if (!b)
		goto fail;
	/* Cancellation: the head completed before its not-present was
	 * delivered.  (A wake-all head carries token 0 and matches a pending
	 * zero token too: faithful to v4.) */
	if (a->m->cfg->sw.cancellation && av->notpresent_pending && head &&
	    head->token == av->notpresent_token &&
	    b[0] == GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT && b[1] == av->notpresent_token) {
		av->req_async_pf = true;
		return true;
	}
	if (b[0] || b[1])
		goto fail;
	return true;
fail:
	av->req_async_pf = true;
	a->st.dequeue_refused++;
	return false;
}

/* (h) kvm_arch_async_page_ready: replay the fault as a prefault. */
static void h_page_ready(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct arm64_apf *a = ctx;

	(void)cv;
	protocol_prefault(a->m, w->gfn - BASE_GFN);
}

/* (i) kvm_arch_async_page_present */
static void h_page_present(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct arm64_apf *a = ctx;
	uint32_t i = cv->vcpu_id;
	struct arm64_apf_vcpu *av = &a->v[i];
	uint32_t token = w->wakeup_all ? 0xFFFFFFFFu : w->token;
	sim_time_t now = arm_now(a->m, i);
	uint32_t *b;

	if (!w->wakeup_all) {
		hist_add(&a->st.completion_to_ready, now - av->completed_at[w->index]);
		apf_slots_remove(&cv->slots, w->gfn);
		if (a->m->cfg->sw.cancellation && av->notpresent_pending && av->notpresent_token == token &&
		    sdei_cancel(platform_sdei(a->m->plat), i, av->sdei_event_num) == 0) {
			av->notpresent_pending = false;
			av->notpresent_token = 0;
			b = arm_buffer(a, i);
			if (b)
				arm_buffer_write(a, i, b, 0, 0);
			a->st.cancelled++;
			arm_trace(a, i, TR_SDEI_CANCEL, av->sdei_event_num, 0, 0);
			arm_trace(a, i, TR_APF_CANCELLED, token, w->gfn, 0);
			goto retired;
		}
	}
	b = arm_buffer(a, i);
	if (!b)
		goto retired;
	arm_buffer_write(a, i, b, GUEST_KVM_PV_REASON_PAGE_READY, token);
	av->pageready_pending = true;
	arm_trace(a, i, TR_KVM_READY, token, w->wakeup_all ? 0 : w->cr2_or_gpa, 0);
	arm_set_ppi(a, i, true);
	a->st.pageready++;
	if (w->wakeup_all)
		a->st.pageready_wakeall++;
retired:
	arm_trace(a, i, TR_APF_RETIRED, token, w->gfn, cv->queued - 1);
}

static bool h_cancel_work(void *ctx, struct apf_vcpu *cv, struct apf_work *w)
{
	struct arm64_apf *a = ctx;

	(void)cv;
	return workers_cancel(&a->m->workers, w);
}

static void h_wake_vcpu(void *ctx, struct apf_vcpu *cv)
{
	struct arm64_apf *a = ctx;

	if (a->m->vcpus[cv->vcpu_id].state == VCPU_IDLE)
		arm_kick(a, cv->vcpu_id);
}

static const struct apf_arch_ops arm64_arch_ops = {
	.name = "arm64-v4",
	.not_present = h_not_present,
	.schedule_work = h_schedule_work,
	.present_queued = h_present_queued,
	.can_dequeue = h_can_dequeue,
	.page_ready = h_page_ready,
	.page_present = h_page_present,
	.cancel_work = h_cancel_work,
	.wake_vcpu = h_wake_vcpu,
};

/* The worker pool finished a fault-in. */
static void arm_worker_done(void *ctx, const struct worker_job *job, uint32_t worker)
{
	struct arm64_apf *a = ctx;
	struct machine *m = a->m;
	struct arm64_apf_vcpu *av = &a->v[job->vcpu];
	struct apf_work *w = job->work;
	bool live = w->state == APF_WORK_IN_WORKER;
	uint64_t gfn = w->gfn, gva = w->cr2_or_gpa;

	if (live) {
		av->completed_at[w->index] = m->sim.now;
		hist_add(&a->st.fault_to_resident, m->sim.now - w->setup_time);
	}
	if (apf_work_completed(&av->core, w) && trace_on(&m->tracer)) {
		struct trace_event e = { m->sim.now, TRACE_NO_VCPU, TRACE_NO_TASK, worker,
					 TR_KVM_COMPLETED, HVA(gfn), gva, job->vcpu, NULL };
		trace_dispatch(&m->tracer, &e);
	}
}

/* --- not_present_allowed, the fault path (§2.7 a, b, c) --------------- */

static bool arm_np_allowed(struct arm64_apf *a, uint32_t i, const struct task *t,
			   enum trace_sync_reason *why)
{
	struct arm64_apf_vcpu *av = &a->v[i];
	uint32_t *b;

	if (!(av->control_block & GUEST_KVM_ASYNC_PF_ENABLED)) {
		*why = TR_SYNC_APF_DISABLED;
		return false;
	}
	if (av->send_user_only && t->kernel) {
		*why = TR_SYNC_KERNEL_MODE;
		return false;
	}
	if (sdei_any_running(platform_sdei(a->m->plat), i)) {
		*why = TR_SYNC_SDEI_BUSY;
		return false;
	}
	b = arm_buffer(a, i);
	if (!b || b[0] || b[1] || (a->m->cfg->sw.refuse_np_while_pageready && av->pageready_pending)) {
		*why = TR_SYNC_BUFFER_BUSY;
		return false;
	}
	return true;
}

static void arm64_stage2_fault(struct machine *m, struct vcpu *v, struct task *t, uint64_t page)
{
	struct arm64_apf *a = arm(m);
	uint32_t i = v->id;
	struct arm64_apf_vcpu *av = &a->v[i];
	uint64_t gfn = page + BASE_GFN, gva = GVA(gfn);
	enum hm_fault_kind kind = hostmem_classify(&m->hm, page);
	enum trace_sync_reason why;
	struct apf_work *w;

	/* A page that needs no I/O is mapped at once, as without APF. */
	if (kind != HM_FAULT_MAJOR && kind != HM_FAULT_INFLIGHT && kind != HM_FAULT_REMOTE) {
		vcpu_fault_sync(v, t, page);
		return;
	}
	a->st.faults++;
	arm_trace(a, i, TR_KVM_TRY_ASYNC_GET_PAGE, gva, gfn, 0);
	if (!arm_np_allowed(a, i, t, &why)) {
		a->st.sync[why]++;
		arm_trace(a, i, TR_APF_SYNC, gfn, why, 0);
		vcpu_fault_sync(v, t, page);
		return;
	}
	if (apf_slots_find(&av->core.slots, gfn)) {
		/* Repeated fault: back into the guest without a mapping, no halt
		 * (§2.7 a, §4.8) — the vCPU spins through stage-2 aborts; with
		 * repeated_fault: halt it waits as x86 does. */
		a->st.repeated++;
		m->stats.cls.repeated++;
		arm_trace(a, i, TR_KVM_REPEATED_FAULT, gva, gfn, 0);
		if (m->cfg->sw.repeated_fault == APF_REPEAT_HALT)
			vcpu_fault_halt(v);
		else
			vcpu_fault_resume(v);
		return;
	}
	uint32_t token = arm_token(a, av, i);
	if (!apf_setup(&av->core, token, gfn, gva, 0, m->sim.now, &w)) {
		a->st.sync[TR_SYNC_LIMIT]++;
		arm_trace(a, i, TR_APF_SYNC, gfn, TR_SYNC_LIMIT, 0);
		vcpu_fault_sync(v, t, page);
		return;
	}
	a->st.async++;
	m->stats.cls.async++;
	vcpu_fault_resume(v);
}

/* (c) the token: (id++ << 12) | vcpu with a 16-bit id in v4 (§2.5); the
 * switches may widen it to 32 bits or skip zero as x86 does (§3.3). */
static uint32_t arm_token(struct arm64_apf *a, struct arm64_apf_vcpu *av, uint32_t i)
{
	const struct apf_switches *sw = &a->m->cfg->sw;

	if (sw->token_bits == 32)
		return apf_token_x86_alloc(&av->tok32, i);
	if (sw->token_zero_skip && av->tok.id == 0 && i == 0)
		av->tok.id = 1;
	return apf_token_arm64_alloc_bits(&av->tok, i, sw->token_bits);
}

/* (f) run loop: KVM_REQ_ASYNC_PF is served before KVM_REQ_SDEI. */
static void arm64_entry(struct machine *m, struct vcpu *v)
{
	struct arm64_apf_vcpu *av = &arm(m)->v[v->id];

	if (av->req_async_pf) {
		av->req_async_pf = false;
		apf_check_completion(&av->core);
	}
}

/* --- SMCCC ASYNC_PF sub-functions (§2.2) -------------------------------- */

static struct arm64_apf *arm_ctx(void *ctx, unsigned vcpu)
{
	struct arm64_apf *a = ctx;

	vcpu_guest_charge(&a->m->vcpus[vcpu], a->m->trap.hypercall);
	return a;
}

static bool s_present(void *ctx, unsigned vcpu)
{
	(void)ctx;
	(void)vcpu;
	return true;
}

static int64_t s_version(void *ctx, unsigned vcpu, uint64_t *a1)
{
	arm_ctx(ctx, vcpu);
	*a1 = APF_VERSION_1_0_0;
	return SMCCC_RET_SUCCESS;
}

static int64_t s_slots(void *ctx, unsigned vcpu, uint64_t *a1)
{
	arm_ctx(ctx, vcpu);
	*a1 = APF_ASYNC_PF_PER_VCPU;
	return SMCCC_RET_SUCCESS;
}

static int64_t s_sdei(void *ctx, unsigned vcpu, uint64_t *a1)
{
	*a1 = arm_ctx(ctx, vcpu)->v[vcpu].sdei_event_num;
	return SMCCC_RET_SUCCESS;
}

static int64_t s_irq(void *ctx, unsigned vcpu, uint64_t *a1)
{
	*a1 = arm_ctx(ctx, vcpu)->v[vcpu].irq;
	return SMCCC_RET_SUCCESS;
}

static void arm_sdei_notify(void *ctx, unsigned vcpu, uint64_t event, enum sdei_notify_state st)
{
	struct arm64_apf *a = ctx;
	struct arm64_apf_vcpu *av = &a->v[vcpu];

	if (st == SDEI_NOTIFY_DELIVERED) {
		av->notpresent_pending = false;
		av->notpresent_token = 0;
		a->st.notpresent_delivered++;
	} else {
		vcpu_guest_charge(&a->m->vcpus[vcpu], a->m->trap.hypercall);
		arm_trace(a, vcpu, TR_SDEI_COMPLETE, event, 0, 0);
	}
}

/* §2.6: the host side of ENABLE. */
int64_t arm64_apf_enable(struct arm64_apf *a, uint32_t i, uint64_t data)
{
	struct arm64_apf_vcpu *av = &a->v[i];
	int64_t ret;

	if ((data & GUEST_KVM_ASYNC_PF_ENABLED) == (av->control_block & GUEST_KVM_ASYNC_PF_ENABLED)) {
		ret = SMCCC_RET_NOT_REQUIRED;
	} else if (!(data & GUEST_KVM_ASYNC_PF_ENABLED)) {
		arm_trace(a, i, TR_APF_FLUSH, apf_flush(&av->core), 0, 0);
		av->control_block = data;
		a->st.disables++;
		ret = SMCCC_RET_SUCCESS;
	} else if (av->sdei_event_num == 0 || av->irq == 0) {
		ret = SMCCC_RET_INVALID_PARAMETER;
	} else if (sdei_set_notifier(platform_sdei(a->m->plat), av->sdei_event_num, arm_sdei_notify, a) ||
		   !platform_guest_ptr(a->m->plat, data & ~0x3FULL, 8)) {
		ret = SMCCC_RET_NOT_SUPPORTED;
	} else {
		apf_slots_reset(&av->core.slots);
		av->send_user_only = !(data & GUEST_KVM_ASYNC_PF_SEND_ALWAYS);
		av->control_block = data;
		apf_wakeup_all(&av->core);
		arm_trace(a, i, TR_APF_WAKE_ALL, 0, 0, 0);
		a->st.enables++;
		ret = SMCCC_RET_SUCCESS;
	}
	arm_trace(a, i, TR_APF_ENABLE, data, (uint64_t)ret, 0);
	return ret;
}

static int64_t s_enable(void *ctx, unsigned vcpu, uint64_t control)
{
	return arm64_apf_enable(arm_ctx(ctx, vcpu), vcpu, control);
}

/* (j) IRQ_ACK */
static int64_t s_irq_ack(void *ctx, unsigned vcpu, uint64_t *unused)
{
	struct arm64_apf *a = arm_ctx(ctx, vcpu);
	struct arm64_apf_vcpu *av = &a->v[vcpu];

	(void)unused;
	a->st.acks++;
	a->m->vcpus[vcpu].irq_acks++;	/* its round trip goes to host_irq_ack */
	arm_trace(a, vcpu, TR_IRQ_ACK, av->pageready_pending, 0, 0);
	if (av->pageready_pending) {
		a->st.acks_pending++;
		arm_set_ppi(a, vcpu, false);
		av->pageready_pending = false;
		apf_check_completion(&av->core);
	}
	return SMCCC_RET_SUCCESS;
}

static int64_t s_irq_ack_op(void *ctx, unsigned vcpu)
{
	return s_irq_ack(ctx, vcpu, NULL);
}

static const struct smccc_apf_ops arm64_smccc_ops = {
	.present = s_present,
	.version = s_version,
	.slots = s_slots,
	.sdei = s_sdei,
	.irq = s_irq,
	.enable = s_enable,
	.irq_ack = s_irq_ack_op,
};

int arm64_apf_vmm_command(struct arm64_apf *a, uint32_t i, enum arm64_apf_cmd cmd, uint64_t *val)
{
	struct arm64_apf_vcpu *av;

	if (!a || i >= a->m->nvcpus)
		return -EPERM;
	av = &a->v[i];
	switch (cmd) {
	case ARM64_APF_GET_VERSION:
		*val = APF_VERSION_1_0_0;
		return 0;
	case ARM64_APF_GET_SDEI:
		*val = av->sdei_event_num;
		return 0;
	case ARM64_APF_GET_IRQ:
		*val = av->irq;
		return 0;
	case ARM64_APF_GET_CONTROL:
		*val = av->control_block;
		return 0;
	case ARM64_APF_SET_SDEI:
		av->sdei_event_num = *val;
		return 0;
	case ARM64_APF_SET_IRQ:
		av->irq = (uint32_t)*val;
		return 0;
	case ARM64_APF_SET_CONTROL:
		return arm64_apf_enable(a, i, *val) == SMCCC_RET_SUCCESS ? 0 : -EIO;
	}
	return -EINVAL;
}

/* --- live migration (§2.9) ------------------------------------------------- */

/* The VMM saves SDEI number, PPI and control per vCPU (GET_*), the
 * destination vCPU starts with a fresh APF block, and SET_SDEI, SET_IRQ,
 * SET_CONTROL restore them — the last runs the ENABLE logic, which queues
 * a wake-all.  Not migrated: `id`, the slot table, notpresent_pending,
 * pageready_pending, works in flight and `done`; queued SDEI instances are
 * not migrated either (running contexts and registrations are).  Guest RAM
 * (buffer, waiter tables) and the vGIC state (the PPI line) go along. */
static void arm64_migrate(struct machine *m)
{
	struct arm64_apf *a = arm(m);

	for (uint32_t i = 0; i < m->nvcpus; i++) {
		struct arm64_apf_vcpu *av = &a->v[i];
		uint64_t sdei = 0, irq = 0, ctl = 0;

		arm64_apf_vmm_command(a, i, ARM64_APF_GET_SDEI, &sdei);
		arm64_apf_vmm_command(a, i, ARM64_APF_GET_IRQ, &irq);
		arm64_apf_vmm_command(a, i, ARM64_APF_GET_CONTROL, &ctl);
		arm_trace(a, i, TR_APF_FLUSH, apf_flush(&av->core), 0, 0);
		while (sdei_cancel(platform_sdei(m->plat), i, av->sdei_event_num) == 0)
			;
		apf_slots_reset(&av->core.slots);
		av->notpresent_pending = av->pageready_pending = av->req_async_pf = false;
		av->notpresent_token = 0;
		av->control_block = 0;
		apf_token_arm64_init(&av->tok);
		apf_token_x86_init(&av->tok32, m->cfg->sw.token_zero_skip);
		arm64_apf_vmm_command(a, i, ARM64_APF_SET_SDEI, &sdei);
		arm64_apf_vmm_command(a, i, ARM64_APF_SET_IRQ, &irq);
		if (ctl)
			arm64_apf_vmm_command(a, i, ARM64_APF_SET_CONTROL, &ctl);
	}
}

static uint32_t arm64_flush(struct machine *m, uint32_t i)
{
	struct arm64_apf *a = arm(m);
	uint32_t dropped = apf_flush(&a->v[i].core);

	arm_trace(a, i, TR_APF_FLUSH, dropped, 0, 0);
	return dropped;
}

/* --- lifecycle ------------------------------------------------------------ */

static int arm64_init(struct machine *m)
{
	struct arm64_apf *a = calloc(1, sizeof(*a));

	if (!a || !(a->v = calloc(m->nvcpus, sizeof(*a->v)))) {
		free(a);
		snprintf(m->err, sizeof(m->err), "out of memory for the APF state");
		return -1;
	}
	a->m = m;
	hist_init(&a->st.fault_to_resident);
	hist_init(&a->st.completion_to_ready);
	for (uint32_t i = 0; i < m->nvcpus; i++) {
		struct arm64_apf_vcpu *av = &a->v[i];
		apf_vcpu_init(&av->core, i, &arm64_arch_ops, a);
		apf_token_arm64_init(&av->tok);
		apf_token_x86_init(&av->tok32, m->cfg->sw.token_zero_skip);
		/* The VMM's SET_SDEI and SET_IRQ at vCPU creation (§2.6). */
		av->sdei_event_num = m->cfg->apf.sdei_event;
		av->irq = m->cfg->apf.ppi;
	}
	m->proto_state = a;
	m->workers.complete = arm_worker_done;
	m->workers.ctx = a;
	return 0;
}

static void arm64_fini(struct machine *m)
{
	struct arm64_apf *a = arm(m);

	if (a)
		free(a->v);
	free(a);
	m->proto_state = NULL;
}

static const struct smccc_apf_ops *arm64_apf_ops(struct machine *m, void **ctx)
{
	*ctx = arm(m);
	return &arm64_smccc_ops;
}

/* --- statistics ----------------------------------------------------------- */

/* Both allocators of every vCPU (tok32 serves the x86-token switch). */
static struct apf_token_stats arm64_tokens(const struct arm64_apf *a)
{
	struct apf_token_stats t = { 0 };

	for (uint32_t i = 0; i < a->m->nvcpus; i++) {
		apf_token_stats_add(&t, &a->v[i].tok.stats);
		apf_token_stats_add(&t, &a->v[i].tok32.stats);
	}
	return t;
}

static json_t *arm64_report_json(const struct machine *m)
{
	const struct arm64_apf *a = arm(m);
	const struct arm64_apf_stats *s = &a->st;
	json_t *o = json_object();
	struct apf_token_stats tok = arm64_tokens(a);

	report_faults_json(o, s->faults, s->async, s->repeated, s->sync);
	json_object_set_new(o, "notpresent_injected", json_integer((json_int_t)s->notpresent_injected));
	json_object_set_new(o, "notpresent_inject_failed", json_integer((json_int_t)s->notpresent_inject_failed));
	json_object_set_new(o, "notpresent_delivered", json_integer((json_int_t)s->notpresent_delivered));
	json_object_set_new(o, "cancelled", json_integer((json_int_t)s->cancelled));
	json_object_set_new(o, "pageready_delivered", json_integer((json_int_t)s->pageready));
	json_object_set_new(o, "wake_alls", json_integer((json_int_t)s->pageready_wakeall));
	json_object_set_new(o, "acks", json_integer((json_int_t)s->acks));
	json_object_set_new(o, "acks_with_pageready", json_integer((json_int_t)s->acks_pending));
	json_object_set_new(o, "dequeue_refused", json_integer((json_int_t)s->dequeue_refused));
	json_object_set_new(o, "enables", json_integer((json_int_t)s->enables));
	json_object_set_new(o, "disables", json_integer((json_int_t)s->disables));
	json_object_set_new(o, "tokens", report_tokens_json(&tok));
	json_object_set_new(o, "fault_to_resident_ps", report_hist_json(&s->fault_to_resident));
	json_object_set_new(o, "completion_to_pageready_ps", report_hist_json(&s->completion_to_ready));
	json_object_set_new(o, "pageready_to_running_ps", report_hist_json(&m->stats.ready_to_run));
	json_object_set_new(o, "parked_ps", report_hist_json(&m->stats.parked));
	return o;
}

static void arm64_report_summary(const struct machine *m, FILE *out)
{
	const struct arm64_apf *a = arm(m);
	const struct arm64_apf_stats *s = &a->st;
	uint64_t nsync = 0;
	struct apf_token_stats tok = arm64_tokens(a);

	for (int r = 0; r < TR_SYNC__COUNT; r++)
		nsync += s->sync[r];
	fprintf(out, "\napf (%s): faults needing I/O %llu: async %llu, synchronous %llu", m->proto->name,
		(unsigned long long)s->faults, (unsigned long long)s->async, (unsigned long long)nsync);
	const char *sep = " (";
	for (int r = 0; r < TR_SYNC__COUNT; r++) {
		if (!s->sync[r])
			continue;
		fprintf(out, "%s%s %llu", sep, trace_sync_reason_name((enum trace_sync_reason)r),
			(unsigned long long)s->sync[r]);
		sep = ", ";
	}
	fprintf(out, "%s\n", sep[0] == ',' ? ")" : "");
	fprintf(out, "     not-present delivered %llu (inject failed %llu), cancelled %llu, page-ready %llu"
		" (wake-all %llu), acks %llu, repeated faults %llu\n",
		(unsigned long long)s->notpresent_delivered, (unsigned long long)s->notpresent_inject_failed,
		(unsigned long long)s->cancelled, (unsigned long long)s->pageready,
		(unsigned long long)s->pageready_wakeall, (unsigned long long)s->acks,
		(unsigned long long)s->repeated);
	fprintf(out, "     tokens %llu (zero %llu, wraps %llu)\n", (unsigned long long)tok.issued,
		(unsigned long long)tok.zero, (unsigned long long)tok.wraps);
	report_pct_line(out, "fault -> page resident", 28, &s->fault_to_resident);
	report_pct_line(out, "completion -> page-ready", 28, &s->completion_to_ready);
	report_pct_line(out, "page-ready -> task running", 28, &m->stats.ready_to_run);
	report_pct_line(out, "parked", 28, &m->stats.parked);
}

const struct protocol_ops protocol_arm64_v4 = {
	.name = "arm64-v4",
	.doc = "arm64 APF series v4: not-present via SDEI, page-ready via PPI + IRQ_ACK hypercall",
	.needs_guest = true,
	.init = arm64_init,
	.fini = arm64_fini,
	.apf_ops = arm64_apf_ops,
	.stage2_fault = arm64_stage2_fault,
	.entry = arm64_entry,
	.migrate = arm64_migrate,
	.flush = arm64_flush,
	.report_summary = arm64_report_summary,
	.report_json = arm64_report_json,
};
