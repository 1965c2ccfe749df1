/* proto_arm64.c — the `arm64-v4` family's transports: host side of the
 * arm64 APF series v4 (docs/reference.md §2.4–§2.7) on the shared host
 * driver (host.c), faithful including the holes of §4.2 that the oracle
 * must be able to expose.
 *
 *   not-present  an SDEI event, the {reason, token} buffer written first;
 *   page-ready   the buffer, then a level PPI;
 *   ACK          the IRQ_ACK sub-function of the ASYNC_PF hypercall;
 *   enable       the ENABLE sub-function (control block address + bits).
 *
 * Guest frame numbers: the model numbers guest pages from 0; KVM's gfn is
 * the IPA >> 12, and guest RAM starts at GUEST_RAM_BASE, so the faulting
 * address traced as `gva` is gfn << 12 (the IPA, as Gavin's series passes
 * it).
 */
#include "model/apf/proto/arm64.h"

#include <errno.h>
#include <stdlib.h>

#include "gic/gic.h"
#include "model/apf/protocol.h"
#include "model/config/config.h"
#include "sdei/sdei.h"
#include "smccc/smccc.h"
#include "workloads/guest/guest_abi.h"

#define APF_VERSION_1_0_0 0x010000

/* The 8 host-mapped bytes of the shared buffer ({reason, token}, §2.3);
 * NULL when the control block points outside guest RAM (a "read error"). */
static uint32_t *arm_buffer(struct apf_host *h, uint32_t i)
{
	return apf_host_buffer(h, arm64_apf_vcpu(h, i)->control_block);
}

/* Host write order: token, then reason (§2.3). */
static void arm_buffer_write(struct apf_host *h, uint32_t i, uint32_t *b, uint32_t reason, uint32_t token)
{
	uint64_t prev = (uint64_t)b[0] << 32 | b[1];

	apf_host_trace(h, i, TR_BUF_WRITE, reason, token, prev);
	b[1] = token;
	b[0] = reason;
}

static void arm_set_ppi(struct apf_host *h, uint32_t i, bool level)
{
	uint32_t irq = arm64_apf_vcpu(h, i)->irq;

	gic_set_ppi_level(apf_host_gic(h), i, irq, level);
	apf_host_trace(h, i, TR_PPI_LEVEL, irq, level, 0);
}

/* --- not-present: SDEI (§2.7 d) ------------------------------------------ */

static bool arm_not_present(struct apf_host *h, uint32_t i, struct apf_work *w)
{
	struct apf_vcpu *cv = &h->hv[i].core;
	struct arm64_apf_vcpu *av = arm64_apf_vcpu(h, i);
	uint32_t *b;
	int r;

	apf_host_trace(h, i, TR_APF_SETUP, w->token, w->gfn, cv->queued);
	apf_slots_add(&cv->slots, w->gfn);
	b = arm_buffer(h, i);
	if (!b) {
		apf_slots_remove(&cv->slots, w->gfn);
		return false;
	}
	arm_buffer_write(h, i, b, GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT, w->token);
	av->notpresent_pending = true;
	av->notpresent_token = w->token;
	apf_host_trace(h, i, TR_KVM_NOT_PRESENT, w->token, w->cr2_or_gpa, 0);
	if (apf_host_inject_draw(h, i, h->cfg->faults.sdei_refuse, FAULT_SDEI_REFUSE, w->token))
		r = -EPERM;	/* injected: KVM's answer for a disabled event or a masked PE (§2.7 e) */
	else
		r = sdei_inject(apf_host_sdei(h), i, av->sdei_event_num, true);
	apf_host_trace(h, i, TR_SDEI_INJECT, av->sdei_event_num, (uint64_t)(int64_t)r, 0);
	if (r == 0)
		h->st.notpresent_injected++;
	else
		h->st.notpresent_inject_failed++;
	return r == 0;
}

/* not_present_allowed, the fault path (§2.7 a, b, c). */
static bool arm_sync_after(struct apf_host *h, uint32_t i, const struct task *t, enum trace_sync_reason *why)
{
	struct arm64_apf_vcpu *av = arm64_apf_vcpu(h, i);
	uint32_t *b;

	if (!(av->control_block & GUEST_KVM_ASYNC_PF_ENABLED)) {
		*why = TR_SYNC_APF_DISABLED;
		return true;
	}
	/* "vCPU in a privileged mode": a kernel-mode task op, or a fault a
	 * guest handler took at EL1 (guest.handler_touches_page). */
	if (h->hv[i].send_user_only && (apf_host_task_kernel(h, t) || apf_host_fault_el1(h, i))) {
		*why = TR_SYNC_KERNEL_MODE;
		return true;
	}
	if (sdei_any_running(apf_host_sdei(h), i)) {
		*why = TR_SYNC_SDEI_BUSY;
		return true;
	}
	b = arm_buffer(h, i);
	if (!b || b[0] || b[1] || (h->cfg->sw.refuse_np_while_pageready && h->hv[i].pageready_pending)) {
		*why = TR_SYNC_BUFFER_BUSY;
		return true;
	}
	return false;
}

/* --- page-ready: buffer + PPI (§2.7 g, i) -------------------------------- */

/* (g) kvm_arch_can_dequeue_async_page_present */
static bool arm_can_dequeue(struct apf_host *h, uint32_t i)
{
	struct apf_host_vcpu *hv = &h->hv[i];
	struct arm64_apf_vcpu *av = arm64_apf_vcpu(h, i);
	const struct apf_work *head = apf_done_head(&hv->core);
	uint32_t *b;

	if (!(av->control_block & GUEST_KVM_ASYNC_PF_ENABLED))
		return true;
	if (hv->pageready_pending)
		goto fail;
	b = arm_buffer(h, i);
	if (!b)
		goto fail;
	/* Cancellation: the head completed before its not-present was
	 * delivered.  (A wake-all head carries token 0 and matches a pending
	 * zero token too: faithful to v4.) */
	if (h->cfg->sw.cancellation && av->notpresent_pending && head &&
	    head->token == av->notpresent_token &&
	    b[0] == GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT && b[1] == av->notpresent_token) {
		hv->req_ready = true;
		return true;
	}
	if (b[0] || b[1])
		goto fail;
	return true;
fail:
	hv->req_ready = true;
	h->st.dequeue_refused++;
	return false;
}

/* (i) kvm_arch_async_page_present, after the shared part. */
static void arm_page_present(struct apf_host *h, uint32_t i, struct apf_work *w, uint32_t token)
{
	struct arm64_apf_vcpu *av = arm64_apf_vcpu(h, i);
	uint32_t *b;

	if (!w->wakeup_all && h->cfg->sw.cancellation && av->notpresent_pending &&
	    av->notpresent_token == token && sdei_cancel(apf_host_sdei(h), i, av->sdei_event_num) == 0) {
		av->notpresent_pending = false;
		av->notpresent_token = 0;
		b = arm_buffer(h, i);
		if (b)
			arm_buffer_write(h, i, b, 0, 0);
		h->st.cancelled++;
		apf_host_trace(h, i, TR_SDEI_CANCEL, av->sdei_event_num, 0, 0);
		apf_host_trace(h, i, TR_APF_CANCELLED, token, w->gfn, 0);
		return;
	}
	b = arm_buffer(h, i);
	if (!b)
		return;
	arm_buffer_write(h, i, b, GUEST_KVM_PV_REASON_PAGE_READY, token);
	h->hv[i].pageready_pending = true;
	apf_host_trace(h, i, TR_KVM_READY, token, w->wakeup_all ? 0 : w->cr2_or_gpa, 0);
	arm_set_ppi(h, i, true);
	h->st.pageready++;
	if (w->wakeup_all)
		h->st.pageready_wakeall++;
}

/* --- enable and ACK: the SMCCC ASYNC_PF sub-functions (§2.2) ------------- */

static struct apf_host *arm_ctx(void *ctx, unsigned vcpu)
{
	struct apf_host *h = ctx;

	apf_host_charge_hypercall(h, vcpu);
	return h;
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
	*a1 = arm64_apf_vcpu(arm_ctx(ctx, vcpu), vcpu)->sdei_event_num;
	return SMCCC_RET_SUCCESS;
}

static int64_t s_irq(void *ctx, unsigned vcpu, uint64_t *a1)
{
	*a1 = arm64_apf_vcpu(arm_ctx(ctx, vcpu), vcpu)->irq;
	return SMCCC_RET_SUCCESS;
}

static void arm_sdei_notify(void *ctx, unsigned vcpu, uint64_t event, enum sdei_notify_state st)
{
	struct apf_host *h = ctx;
	struct arm64_apf_vcpu *av = arm64_apf_vcpu(h, vcpu);

	if (st == SDEI_NOTIFY_DELIVERED) {
		av->notpresent_pending = false;
		av->notpresent_token = 0;
		h->st.notpresent_delivered++;
	} else {
		apf_host_charge_hypercall(h, vcpu);
		apf_host_trace(h, vcpu, TR_SDEI_COMPLETE, event, 0, 0);
	}
}

/* §2.6: the host side of ENABLE. */
int64_t arm64_apf_enable(struct apf_host *h, uint32_t i, uint64_t data)
{
	struct arm64_apf_vcpu *av = arm64_apf_vcpu(h, i);
	int64_t ret;

	if ((data & GUEST_KVM_ASYNC_PF_ENABLED) == (av->control_block & GUEST_KVM_ASYNC_PF_ENABLED)) {
		ret = SMCCC_RET_NOT_REQUIRED;
	} else if (!(data & GUEST_KVM_ASYNC_PF_ENABLED)) {
		apf_host_disable(h, i, false);
		av->control_block = data;
		ret = SMCCC_RET_SUCCESS;
	} else if (av->sdei_event_num == 0 || av->irq == 0) {
		ret = SMCCC_RET_INVALID_PARAMETER;
	} else if (sdei_set_notifier(apf_host_sdei(h), av->sdei_event_num, arm_sdei_notify, h) ||
		   !apf_host_buffer(h, data)) {
		ret = SMCCC_RET_NOT_SUPPORTED;
	} else {
		av->control_block = data;
		apf_host_enable(h, i, data & GUEST_KVM_ASYNC_PF_SEND_ALWAYS, true);
		ret = SMCCC_RET_SUCCESS;
	}
	apf_host_trace(h, i, TR_APF_ENABLE, data, (uint64_t)ret, 0);
	return ret;
}

static int64_t s_enable(void *ctx, unsigned vcpu, uint64_t control)
{
	return arm64_apf_enable(arm_ctx(ctx, vcpu), vcpu, control);
}

/* (j) IRQ_ACK */
static int64_t s_irq_ack(void *ctx, unsigned vcpu)
{
	struct apf_host *h = arm_ctx(ctx, vcpu);
	bool pending = h->hv[vcpu].pageready_pending;

	h->st.acks++;
	apf_host_count_irq_ack(h, vcpu);
	apf_host_trace(h, vcpu, TR_IRQ_ACK, pending, 0, 0);
	if (pending) {
		h->st.acks_pending++;
		arm_set_ppi(h, vcpu, false);
		apf_host_ack(h, vcpu);
	}
	return SMCCC_RET_SUCCESS;
}

static const struct smccc_apf_ops arm64_smccc_ops = {
	.present = s_present,
	.version = s_version,
	.slots = s_slots,
	.sdei = s_sdei,
	.irq = s_irq,
	.enable = s_enable,
	.irq_ack = s_irq_ack,
};

int arm64_apf_vmm_command(struct apf_host *h, uint32_t i, enum arm64_apf_cmd cmd, uint64_t *val)
{
	struct arm64_apf_vcpu *av;

	if (!h || i >= apf_host_nvcpus(h))
		return -EPERM;
	av = arm64_apf_vcpu(h, i);
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
		return arm64_apf_enable(h, i, *val) == SMCCC_RET_SUCCESS ? 0 : -EIO;
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
static void arm_migrate(struct apf_host *h, uint32_t i)
{
	struct arm64_apf_vcpu *av = arm64_apf_vcpu(h, i);
	uint64_t sdei = 0, irq = 0, ctl = 0;

	arm64_apf_vmm_command(h, i, ARM64_APF_GET_SDEI, &sdei);
	arm64_apf_vmm_command(h, i, ARM64_APF_GET_IRQ, &irq);
	arm64_apf_vmm_command(h, i, ARM64_APF_GET_CONTROL, &ctl);
	apf_host_migrate_reset(h, i);
	while (sdei_cancel(apf_host_sdei(h), i, av->sdei_event_num) == 0)
		;
	av->notpresent_pending = false;
	av->notpresent_token = 0;
	av->control_block = 0;
	arm64_apf_vmm_command(h, i, ARM64_APF_SET_SDEI, &sdei);
	arm64_apf_vmm_command(h, i, ARM64_APF_SET_IRQ, &irq);
	if (ctl)
		arm64_apf_vmm_command(h, i, ARM64_APF_SET_CONTROL, &ctl);
}

/* --- lifecycle and descriptor ------------------------------------------------ */

static int arm_init(struct apf_host *h)
{
	struct arm64_apf_vcpu *v = calloc(apf_host_nvcpus(h), sizeof(*v));

	if (!v)
		return -1;
	h->tp_state = v;
	/* The VMM's SET_SDEI and SET_IRQ at vCPU creation (§2.6). */
	for (uint32_t i = 0; i < apf_host_nvcpus(h); i++) {
		v[i].sdei_event_num = h->cfg->apf.sdei_event;
		v[i].irq = h->cfg->apf.ppi;
	}
	return 0;
}

static void arm_fini(struct apf_host *h)
{
	free(h->tp_state);
	h->tp_state = NULL;
}

static const struct apf_summary_line arm64_summary[] = {
	{ "\napf ({name}): faults needing I/O {faults}: async {async}, synchronous {sync}{sync_reasons}\n", NULL },
	{ "     not-present delivered {notpresent_delivered} (inject failed {notpresent_inject_failed}),"
	  " cancelled {cancelled}, page-ready {pageready_delivered} (wake-all {wake_alls}), acks {acks},"
	  " repeated faults {repeated_faults}\n", NULL },
	{ "     tokens {tokens} (zero {tokens_zero}, wraps {tokens_wraps})\n", NULL },
	{ "fault -> page resident", "fault_to_resident" },
	{ "completion -> page-ready", "completion_to_pageready" },
	{ "page-ready -> task running", "pageready_to_running" },
	{ "parked", "parked" },
	{ NULL, NULL },
};

const struct apf_transport arm64_transport = {
	.name = "arm64-v4",
	.stats = APF_STATS_ARM64,
	.summary = arm64_summary,
	.summary_preset = false,
	.kick_traces_task = true,
	.halt_wakes = false,
	.entry_recheck = false,
	.init = arm_init,
	.fini = arm_fini,
	.sync_after = arm_sync_after,
	.not_present = arm_not_present,
	.can_dequeue = arm_can_dequeue,
	.page_present = arm_page_present,
	.migrate = arm_migrate,
};

static int arm64_init(struct protocol_env *pe)
{
	return apf_host_init(pe, &arm64_transport);
}

static const struct smccc_apf_ops *arm64_apf_ops(struct protocol_env *pe, void **ctx)
{
	*ctx = apf_host_of(pe);
	return &arm64_smccc_ops;
}

const struct protocol_ops protocol_arm64_v4 = {
	.name = "arm64-v4",
	.doc = "arm64 APF series v4: not-present via SDEI, page-ready via PPI + IRQ_ACK hypercall",
	.needs_guest = true,
	.init = arm64_init,
	.fini = apf_host_fini,
	.apf_ops = arm64_apf_ops,
	.stage2_fault = apf_host_stage2_fault,
	.entry = apf_host_entry,
	.migrate = apf_host_migrate,
	.flush = apf_host_flush,
	.report_summary = apf_host_report_summary,
	.work_done = apf_host_work_done,
	.report_json = apf_host_report_json,
};
