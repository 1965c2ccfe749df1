/* proto_x86.c — the x86 family's transports on the simulated aarch64
 * machine: `x86-int-ack` (mainline since 5.10), `x86-int-noack` (interrupt
 * page-ready without the ACK, §4.1) and `x86-legacy` (both notifications as
 * #PF with `reason`, §3.7), docs/reference.md §3.3–§3.5, on the shared host
 * driver (host.c).
 *
 *   not-present  an injected exception: ESR data abort with DFSC 0x34, FAR =
 *                the token as CR2 carries it on x86, `flags` bit 0 set;
 *   page-ready   `token` written and a vector (a PPI raised edge-like), or
 *                (legacy) a second exception with `reason` 2;
 *   ACK          MSR_KVM_ASYNC_PF_ACK;
 *   enable       MSR_KVM_ASYNC_PF_EN / _INT.
 * The MSR writes and the CPUID feature query are hypercalls in an apfsim
 * range; every constant is the guest ABI's (workloads/guest/guest_abi.h).
 * Shared memory: `flags` (legacy: `reason`) at offset 0 and `token` at
 * offset 4 (§3.2).
 *
 * Unlike arm64, APF does not depend on the guest here: a fault that cannot
 * be delivered (APF off, kernel mode without SEND_ALWAYS) becomes a
 * synthetic halt (KVM_REQ_APF_HALT) and the vCPU waits for the page; so do
 * repeated faults (§3.5 steps 1, 5, 6).
 */
#include "model/apf/proto/x86.h"

#include <stdlib.h>

#include "gic/gic.h"
#include "model/apf/protocol.h"
#include "model/config/config.h"
#include "workloads/guest/guest_abi.h"

/* The injected exception: data abort from a lower EL (EC 0x24), or, to a
 * vCPU halted in WFI with no task, from the current EL (EC 0x25). */
#define X86_APF_ESR APFSIM_ESR_APF(APFSIM_ESR_EC_DABT_LOW)
#define X86_APF_ESR_EL1 APFSIM_ESR_APF(APFSIM_ESR_EC_DABT_CUR)

static bool x86_legacy(const struct apf_host *h)
{
	return h->cfg->sw.pageready == APF_PR_EXCEPTION;
}

/* "Enabled" for the host (§3.4): ENABLED, and on a post-5.9 host also
 * DELIVERY_AS_INT; the legacy host needs ENABLED only. */
static bool x86_enabled(struct apf_host *h, uint32_t i)
{
	uint64_t en = x86_apf_vcpu(h, i)->msr_en;

	if (!(en & GUEST_KVM_ASYNC_PF_ENABLED))
		return false;
	return x86_legacy(h) || (en & GUEST_KVM_ASYNC_PF_DELIVERY_AS_INT);
}

/* The 8 host-mapped bytes: {flags or reason, token}. */
static uint32_t *x86_buffer(struct apf_host *h, uint32_t i)
{
	return apf_host_buffer(h, x86_apf_vcpu(h, i)->msr_en);
}

static void x86_raise(struct apf_host *h, uint32_t i, uint64_t esr, uint64_t far)
{
	struct x86_apf_vcpu *xv = x86_apf_vcpu(h, i);

	xv->exc_pending = true;
	xv->exc_esr = esr;
	xv->exc_far = far;
}

/* --- not-present: an injected exception (§3.5 steps 1-6) -------------------- */

/* kvm_can_do_async_pf: no exception already waiting for injection. */
static bool x86_sync_before(struct apf_host *h, uint32_t i, const struct task *t, enum trace_sync_reason *why)
{
	(void)t;
	*why = TR_SYNC_BUFFER_BUSY;
	return x86_apf_vcpu(h, i)->exc_pending;
}

static bool x86_not_present(struct apf_host *h, uint32_t i, struct apf_work *w)
{
	struct apf_vcpu *cv = &h->hv[i].core;
	struct x86_apf_vcpu *xv = x86_apf_vcpu(h, i);
	const struct task *cur = apf_host_cur(h, i);
	uint32_t *b;

	apf_host_trace(h, i, TR_APF_SETUP, w->token, w->gfn, cv->queued);
	apf_host_trace(h, i, TR_KVM_NOT_PRESENT, w->token, w->cr2_or_gpa, 0);
	apf_slots_add(&cv->slots, w->gfn);
	b = x86_buffer(h, i);
	/* kvm_can_deliver_async_pf (§3.5 step 3) */
	if (x86_enabled(h, i) && !(h->hv[i].send_user_only && apf_host_task_kernel(h, cur)) && b &&
	    !xv->exc_pending) {
		/* reason, or flags bit 0 */
		b[0] = x86_legacy(h) ? GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT : GUEST_KVM_PV_FLAG_PAGE_NOT_PRESENT;
		x86_raise(h, i, X86_APF_ESR, w->token);
		h->st.notpresent_injected++;
		return true;
	}
	xv->req_apf_halt = true;
	h->st.notpresent_halted++;
	return false;
}

static bool x86_halt_after_setup(struct apf_host *h, uint32_t i)
{
	struct x86_apf_vcpu *xv = x86_apf_vcpu(h, i);

	if (!xv->req_apf_halt)
		return false;
	xv->req_apf_halt = false;
	return true;
}

/* --- page-ready: vector or exception (§3.5 steps 9, 11) ---------------------- */

/* Step 9: not enabled -> true; else the `token` word must read 0 (the
 * guest's "slot free").  Legacy: the guest can take an exception now.  No
 * re-request when it fails. */
static bool x86_can_dequeue(struct apf_host *h, uint32_t i)
{
	uint32_t *b;

	if (!x86_enabled(h, i))
		return true;
	if (x86_legacy(h)) {
		if (!x86_apf_vcpu(h, i)->exc_pending)
			return true;
	} else {
		b = x86_buffer(h, i);
		if (b && b[1] == 0)
			return true;
	}
	h->st.dequeue_refused++;
	return false;
}

/* Step 11, after the shared part. */
static void x86_page_present(struct apf_host *h, uint32_t i, struct apf_work *w, uint32_t token)
{
	struct x86_apf_vcpu *xv = x86_apf_vcpu(h, i);
	uint32_t *b = x86_buffer(h, i);

	apf_host_trace(h, i, TR_KVM_READY, token, w->wakeup_all ? 0 : w->cr2_or_gpa, 0);
	if ((w->wakeup_all || w->notpresent_injected) && x86_enabled(h, i) && b) {
		if (x86_legacy(h)) {
			b[0] = GUEST_KVM_PV_REASON_PAGE_READY;
			x86_raise(h, i, apf_host_cur(h, i) || !apf_host_vcpu_guest_wfi(h, i) ? X86_APF_ESR
											: X86_APF_ESR_EL1,
				  token);
		} else {
			b[1] = token;
			if (h->cfg->sw.ack != APF_ACK_NONE)
				h->hv[i].pageready_pending = true;
			gic_set_pending(apf_host_gic(h), i, (unsigned)(xv->msr_int & 0xFF));
			apf_host_trace(h, i, TR_PPI_LEVEL, xv->msr_int & 0xFF, 1, 0);
		}
		h->st.pageready++;
		if (w->wakeup_all)
			h->st.pageready_wakeall++;
	} else {
		/* Halt-path faults get no page-ready at all (§3.5 step 11). */
		h->st.pageready_skipped++;
	}
}

/* --- enable and ACK: MSRs and CPUID via the apfsim hypercall range (§3.4,
 * §3.5 step 12) ------------------------------------------------------------- */

int64_t x86_apf_msr_write(struct apf_host *h, unsigned cpu, uint32_t msr, uint64_t val)
{
	struct x86_apf_vcpu *xv = x86_apf_vcpu(h, cpu);

	apf_host_charge_hypercall(h, cpu);
	switch (msr) {
	case GUEST_MSR_KVM_ASYNC_PF_INT:
		if (val & ~0xFFULL)
			goto gp;
		xv->msr_int = val;
		return 0;
	case GUEST_MSR_KVM_ASYNC_PF_EN:
		if (val & GUEST_KVM_ASYNC_PF_RESERVED)
			goto gp;
		xv->msr_en = val;
		if (!x86_enabled(h, cpu)) {
			apf_host_disable(h, cpu, true);
			apf_host_trace(h, cpu, TR_APF_ENABLE, val, 0, 0);
			return 0;
		}
		if (!x86_buffer(h, cpu))
			goto gp;
		apf_host_enable(h, cpu, val & GUEST_KVM_ASYNC_PF_SEND_ALWAYS, false);
		apf_host_trace(h, cpu, TR_APF_ENABLE, val, 0, 0);
		return 0;
	case GUEST_MSR_KVM_ASYNC_PF_ACK:
		if (h->cfg->sw.ack != APF_ACK_MSR)
			goto gp;
		h->st.acks++;
		apf_host_count_irq_ack(h, cpu);
		/* Traced as arm64's IRQ_ACK is (KVM's own record of it is the
		 * kvm_msr tracepoint of the WRMSR exit). */
		apf_host_trace(h, cpu, TR_IRQ_ACK, h->hv[cpu].pageready_pending, 0, 0);
		if ((val & 1) && h->hv[cpu].pageready_pending) {
			h->st.acks_pending++;
			apf_host_ack(h, cpu);
		}
		return 0;
	}
gp:
	h->st.gp++;
	return -1;
}

static int64_t x86_msr_write(void *ctx, unsigned cpu, uint32_t msr, uint64_t val)
{
	return x86_apf_msr_write(ctx, cpu, msr, val);
}

static int64_t x86_msr_read(void *ctx, unsigned cpu, uint32_t msr, uint64_t *val)
{
	struct apf_host *h = ctx;

	apf_host_charge_hypercall(h, cpu);
	switch (msr) {
	case GUEST_MSR_KVM_ASYNC_PF_EN:
		*val = x86_apf_vcpu(h, cpu)->msr_en;
		return 0;
	case GUEST_MSR_KVM_ASYNC_PF_INT:
		*val = x86_apf_vcpu(h, cpu)->msr_int;
		return 0;
	case GUEST_MSR_KVM_ASYNC_PF_ACK:
		*val = 0;
		return 0;
	}
	return -1;
}

static uint64_t x86_kvm_features(void *ctx, unsigned cpu)
{
	struct apf_host *h = ctx;
	uint64_t f = 1ULL << GUEST_KVM_FEATURE_ASYNC_PF | 1ULL << GUEST_KVM_FEATURE_ASYNC_PF_VMEXIT;

	apf_host_charge_hypercall(h, cpu);
	if (!x86_legacy(h))
		f |= 1ULL << GUEST_KVM_FEATURE_ASYNC_PF_INT;
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
static void x86_migrate(struct apf_host *h, uint32_t i)
{
	struct x86_apf_vcpu *xv = x86_apf_vcpu(h, i);
	uint64_t en = xv->msr_en, vec = xv->msr_int;

	apf_host_migrate_reset(h, i);
	xv->req_apf_halt = false;
	xv->msr_en = xv->msr_int = 0;
	if (vec)
		x86_apf_msr_write(h, i, GUEST_MSR_KVM_ASYNC_PF_INT, vec);
	if (en)
		x86_apf_msr_write(h, i, GUEST_MSR_KVM_ASYNC_PF_EN, en);
}

/* --- CR0.PG changes (faults.smm_exit; docs/protocols.md "x86 flush on a
 * paging toggle") ------------------------------------------------------------ */

/* kvm_post_set_cr0 for an SMI round trip: entering SMM writes CR0 with PG
 * clear, RSM writes it back with PG set — two PG changes at one instant
 * (the time spent in SMM is not modelled: assumption).
 *
 * flush_on_cr0_pg (KVM since 2010, Xiao Guangrong's "clear apfs if page
 * state is changed"): every PG change drops the async-PF queue and the
 * completed works without a notification, and resets the gfn table, so a
 * task parked by an earlier not-present is never woken.
 *
 * !flush_on_cr0_pg (Maxim Levitsky's 2025 fix): the queue is kept; when
 * PG comes back on with APF enabled, KVM_REQ_APF_READY is raised so the
 * completions are checked at the next entry.  The SMI itself reaches the
 * vCPU through a kick in both cases. */
static uint32_t x86_cr0_pg_toggle(struct protocol_env *pe, uint32_t i)
{
	struct apf_host *h = apf_host_of(pe);
	uint32_t dropped = 0;

	if (h->cfg->sw.flush_on_cr0_pg) {
		for (int pg_change = 0; pg_change < 2; pg_change++) {
			dropped += apf_host_flush(pe, i);
			apf_slots_reset(&h->hv[i].core.slots);
		}
	} else if (x86_enabled(h, i)) {
		h->hv[i].req_ready = true;	/* KVM_REQ_APF_READY */
	}
	apf_host_kick(h, i);
	return dropped;
}

/* --- lifecycle and descriptor ------------------------------------------------ */

static int x86_init(struct apf_host *h)
{
	h->tp_state = calloc(apf_host_nvcpus(h), sizeof(struct x86_apf_vcpu));
	return h->tp_state ? 0 : -1;
}

static void x86_fini(struct apf_host *h)
{
	free(h->tp_state);
	h->tp_state = NULL;
}

static const struct apf_summary_line x86_summary[] = {
	{ "\napf ({name}): faults needing I/O {faults}: async {async} (halted {notpresent_halted}),"
	  " synchronous {sync}, repeated {repeated_faults}\n", NULL },
	{ "     not-present injected {notpresent_injected}, page-ready {pageready_delivered} (wake-all"
	  " {wake_alls}, skipped {pageready_skipped}), acks {acks}, tokens {tokens} (zero {tokens_zero},"
	  " wraps {tokens_wraps})\n", NULL },
	{ "     completion -> page-ready p50 {completion_to_pageready_p50} p99 {completion_to_pageready_p99}\n",
	  NULL },
	{ NULL, NULL },
};

const struct apf_transport x86_transport = {
	.name = "x86",
	.stats = APF_STATS_X86,
	.summary = x86_summary,
	.summary_preset = true,
	.kick_traces_task = false,
	.halt_wakes = true,
	.entry_recheck = true,
	.init = x86_init,
	.fini = x86_fini,
	.sync_before = x86_sync_before,
	.halt_after_setup = x86_halt_after_setup,
	.not_present = x86_not_present,
	.can_dequeue = x86_can_dequeue,
	.page_present = x86_page_present,
	.migrate = x86_migrate,
};

static int x86_proto_init(struct protocol_env *pe)
{
	return apf_host_init(pe, &x86_transport);
}

static const struct platform_x86_ops *x86_ops(struct protocol_env *pe, void **ctx)
{
	*ctx = apf_host_of(pe);
	return &x86_platform_ops;
}

/* The exception waiting for injection (vcpu_guest.c delivers it). */
static bool x86_exception_pending(const struct protocol_env *pe, uint32_t vcpu)
{
	return x86_apf_vcpu(apf_host_of(pe), vcpu)->exc_pending;
}

static void x86_exception_take(struct protocol_env *pe, uint32_t vcpu, uint64_t *esr, uint64_t *far)
{
	struct x86_apf_vcpu *xv = x86_apf_vcpu(apf_host_of(pe), vcpu);

	xv->exc_pending = false;
	*esr = xv->exc_esr;
	*far = xv->exc_far;
}

/* The page-ready vector is an edge, not arm64's level PPI: it stops being
 * pending when the guest takes it (the LAPIC moves it from IRR to ISR), so
 * the traced line (ppi_level, the VCD's ppi_line) falls there. */
static void x86_irq_taken(struct protocol_env *pe, uint32_t vcpu, uint32_t intid)
{
	struct apf_host *h = apf_host_of(pe);

	if (!x86_legacy(h) && intid == (x86_apf_vcpu(h, vcpu)->msr_int & 0xFF))
		apf_host_trace(h, vcpu, TR_PPI_LEVEL, intid, 0, 0);
}

const struct protocol_ops protocol_x86 = {
	.name = "x86",
	.doc = "x86 APF (#PF not-present, interrupt or #PF page-ready, MSR ACK) on the aarch64 machine",
	.needs_guest = true,
	.init = x86_proto_init,
	.fini = apf_host_fini,
	.x86_ops = x86_ops,
	.stage2_fault = apf_host_stage2_fault,
	.entry = apf_host_entry,
	.migrate = apf_host_migrate,
	.flush = apf_host_flush,
	.cr0_pg_toggle = x86_cr0_pg_toggle,
	.exception_pending = x86_exception_pending,
	.exception_take = x86_exception_take,
	.report_summary = apf_host_report_summary,
	.work_done = apf_host_work_done,
	.irq_taken = x86_irq_taken,
	.report_json = apf_host_report_json,
};
