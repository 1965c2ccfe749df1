/* apf.c — the guest side of arm64 KVM Asynchronous Page Fault, as Gavin
 * Shan's v4 series implements it (docs/reference.md §2.8): per-CPU init through
 * the vendor-hyp SMCCC service, the SDEI page-not-present handler that
 * parks the interrupted task in this CPU's waiter table, and the PPI
 * page-ready handler that wakes it and acknowledges with IRQ_ACK.
 *
 * The shared buffer is this CPU's guest_percpu.apf (§2.3).  Both handlers
 * clear token then reason, as two separate stores (volatile: the compiler
 * must neither merge nor reorder them).
 *
 * Hot paths are written for Unicorn's cost model: loads are cheap, every
 * store costs ~40 ns or more, so each one below is needed by the protocol
 * or by a documented counter.
 */
#include "guest.h"

#define EINVAL 22
#define ENOSPC 28

static inline uint32_t apf_read(volatile uint32_t *p)
{
	return *p;
}

static inline void apf_clear(struct guest_percpu *pc)
{
	((volatile struct kvm_vcpu_pv_apf_data *)&pc->apf)->token = 0;
	((volatile struct kvm_vcpu_pv_apf_data *)&pc->apf)->reason = 0;
}

#ifdef GUEST_VARIANT_TOUCH
/* The handler-touch image (GUEST_VARIANT_TOUCH, docs/protocols.md
 * "Kernel-mode faults"): what the v4 review asked about — a not-present for
 * a fault the guest takes at EL1, with KVM_ASYNC_PF_SEND_ALWAYS, and
 * handlers of its own that touch user memory.  The default image is built
 * without any of this, so it runs exactly the instructions it always ran. */
extern uint64_t guest_touch_gpa[GUEST_NR_TASK_SLOTS];	/* boot.S */
extern uint64_t guest_touch_end;			/* boot.S */

/* One load from user memory through guest_user_load (entry.S), a plain
 * `ldr` the host sees as a stage-2 fault at EL1 when the page is not
 * mapped: the run stops and restarts at that load after the host's
 * decision (synchronous fault-in, or a not-present and a spin). */
static inline void apf_touch_user(uint64_t gpa)
{
	register uint64_t x0 __asm__("x0") = gpa;

	if (gpa < GUEST_USER_BASE)
		return;	/* no page recorded for that task yet */
	__asm__ volatile("bl guest_user_load" : "+r"(x0) : : "x1", "x30", "cc", "memory");
}

static inline uint64_t apf_control_flags(void)
{
	return GUEST_KVM_ASYNC_PF_ENABLED |
	       ((guest_boot_params.flags & GUEST_BOOT_SEND_ALWAYS) ? GUEST_KVM_ASYNC_PF_SEND_ALWAYS : 0);
}
#else
#define apf_control_flags() GUEST_KVM_ASYNC_PF_ENABLED
#endif

/* ---- init (§2.8 "Init"), once per CPU at boot ---------------------------- */

static int apf_probe_hypervisor(void)
{
	struct smccc_res r;

	r = smccc_hvc(GUEST_SMCCC_VENDOR_HYP_CALL_UID, 0, 0, 0, 0, 0);
	if ((uint32_t)r.a0 != GUEST_KVM_UID_W0 || (uint32_t)r.a1 != GUEST_KVM_UID_W1 ||
	    (uint32_t)r.a2 != GUEST_KVM_UID_W2 || (uint32_t)r.a3 != GUEST_KVM_UID_W3) {
		guest_warn(GUEST_WARN_UID, r.a0);
		return -1;
	}
	r = smccc_hvc(GUEST_SMCCC_VENDOR_HYP_KVM_FEATURES, 0, 0, 0, 0, 0);
	if (!(r.a0 & (1u << GUEST_SMCCC_KVM_FEATURE_ASYNC_PF))) {
		guest_warn(GUEST_WARN_FEATURES, r.a0);
		return -1;
	}
	return 0;
}

/* VERSION, SLOTS, SDEI, IRQ, in that order; fills pc on success. */
static int apf_query(struct guest_percpu *pc)
{
	struct smccc_res r;

	r = apf_hvc(GUEST_ASYNC_PF_SUB_VERSION, 0, 0);
	if ((int64_t)r.a0 != GUEST_SMCCC_RET_SUCCESS) {
		guest_warn(GUEST_WARN_VERSION, r.a0);
		return -1;
	}
	/* major[23:16] minor[15:8] revision[7:0]; nothing may sit above. */
	if ((r.a1 >> 24) != 0 || ((r.a1 >> 16) & 0xFF) < 1) {
		guest_warn(GUEST_WARN_VERSION, r.a1);
		return -1;
	}

	r = apf_hvc(GUEST_ASYNC_PF_SUB_SLOTS, 0, 0);
	if ((int64_t)r.a0 != GUEST_SMCCC_RET_SUCCESS) {
		guest_warn(GUEST_WARN_SLOTS, r.a0);
		return -1;
	}
	/* The table is 2 x SLOTS; the image reserves room for SLOTS <= 64. */
	if (r.a1 == 0 || r.a1 > GUEST_APF_MAX_SLOTS) {
		guest_warn(GUEST_WARN_SLOTS, r.a1);
		return -1;
	}
	pc->wait_capacity = 2 * (uint32_t)r.a1;

	r = apf_hvc(GUEST_ASYNC_PF_SUB_SDEI, 0, 0);
	if ((int64_t)r.a0 != GUEST_SMCCC_RET_SUCCESS) {
		guest_warn(GUEST_WARN_SDEI, r.a0);
		return -1;
	}
	pc->sdei_event = (uint32_t)r.a1;

	r = apf_hvc(GUEST_ASYNC_PF_SUB_IRQ, 0, 0);
	if ((int64_t)r.a0 != GUEST_SMCCC_RET_SUCCESS) {
		guest_warn(GUEST_WARN_IRQ, r.a0);
		return -1;
	}
	if (r.a1 < 16 || r.a1 > 31) {
		guest_warn(GUEST_WARN_IRQ, r.a1);
		return -1;
	}
	/* Not yet in pc->apf_irq: the IRQ handler must not claim the PPI
	 * before ENABLE succeeded. */
	return (int)r.a1;
}

enum guest_boot_status apf_init_cpu(struct guest_percpu *pc)
{
	uint64_t control;
	struct smccc_res r;
	int64_t ret;
	int irq;

	if (guest_boot_params.flags & GUEST_BOOT_NO_KVMAPF) {
		simcall(SIMCALL_LOG, GUEST_LOG_APF_DISABLED_CMDLINE, pc->cpu);
		return GUEST_BOOT_APF_OFF;
	}
	if (apf_probe_hypervisor() != 0)
		return GUEST_BOOT_APF_OFF;
	irq = apf_query(pc);
	if (irq < 0)
		return GUEST_BOOT_APF_OFF;

	ret = sdei_event_register(pc->sdei_event, (uint64_t)(uintptr_t)guest_sdei_entry,
				  (uint64_t)(uintptr_t)pc);
	if (ret != 0) {
		guest_warn(GUEST_WARN_EVENT_REGISTER, (uint64_t)ret);
		return GUEST_BOOT_APF_OFF;
	}
	ret = sdei_event_enable(pc->sdei_event);
	if (ret != 0) {
		guest_warn(GUEST_WARN_EVENT_ENABLE, (uint64_t)ret);
		goto err_unregister;
	}
	gic_ppi_enable(pc->cpu, (uint32_t)irq);

	/* PA == VA (MMU off); the buffer is 64-byte aligned, so the flag bits
	 * do not collide with the address. */
	control = (uint64_t)(uintptr_t)&pc->apf | apf_control_flags();
	r = apf_hvc(GUEST_ASYNC_PF_SUB_ENABLE, control & 0xFFFFFFFFu, control >> 32);
	if ((int64_t)r.a0 != GUEST_SMCCC_RET_SUCCESS) {
		guest_warn(GUEST_WARN_ENABLE, r.a0);
		goto err_ppi;
	}
	pc->apf_irq = (uint32_t)irq;
	pc->apf.enabled = 1;
	simcall(SIMCALL_LOG, GUEST_LOG_APF_ENABLED, pc->cpu);
	return GUEST_BOOT_APF_ON;

err_ppi:
	gic_ppi_disable(pc->cpu, (uint32_t)irq);
	sdei_event_disable(pc->sdei_event);
err_unregister:
	sdei_event_unregister(pc->sdei_event);
	return GUEST_BOOT_APF_OFF;
}

/* ---- page not present (SDEI handler, §2.8) ------------------------------- */

/* Add `task` with `token`: first free entry; fails when the table is full
 * or the task already waits (a warning only if the tokens differ).
 * Invariant: wait_count == number of entries with task != GUEST_NO_TASK. */
static int apf_add(struct guest_percpu *pc, uint32_t task, uint32_t token)
{
	uint32_t cap = pc->wait_capacity, count = pc->wait_count;
	uint32_t seen = 0, free_idx = GUEST_NO_TASK, i;

	if (count >= cap) {
		guest_warn(GUEST_WARN_TABLE_FULL, token);
		return -ENOSPC;
	}
	/* Visit entries until every occupied one was checked for a duplicate
	 * and a free one is known (entries cluster at low indices because
	 * adds take the first free one). */
	for (i = 0; i < cap && (seen < count || free_idx == GUEST_NO_TASK); i++) {
		uint32_t t = pc->waiters[i].task;

		if (t == GUEST_NO_TASK) {
			if (free_idx == GUEST_NO_TASK)
				free_idx = i;
			continue;
		}
		seen++;
		if (t == task) {
			if (pc->waiters[i].token != token)
				guest_warn(GUEST_WARN_ALREADY_WAITING, token);
			return -ENOSPC;
		}
	}
	if (free_idx == GUEST_NO_TASK) {
		/* wait_count disagrees with the entries: treat as full rather
		 * than write outside the table. */
		guest_warn(GUEST_WARN_TABLE_FULL, token);
		return -ENOSPC;
	}
	/* One 64-bit store fills {token, task}. */
	*(uint64_t *)&pc->waiters[free_idx] = ((uint64_t)task << 32) | token;
	pc->wait_count = count + 1;
	/* wait_ref = entry, flags |= TIF_ASYNC_PF: one store. */
	guest_tasks[task].flags_wait =
		((uint64_t)GUEST_WAIT_REF(pc->cpu, free_idx) << 32) |
		(guest_tasks[task].flags | GUEST_TIF_ASYNC_PF);
	return 0;
}

int apf_page_not_present(struct guest_percpu *pc)
{
	uint32_t reason = apf_read(&pc->apf.reason);
	uint32_t token = apf_read(&pc->apf.token);
	int ret;

	if (reason != GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT) {
		/* Buffer left as is (§2.8). */
		pc->stats.bogus_notpresent++;
		guest_warn(GUEST_WARN_BOGUS_NOTIFICATION, reason);
		return -EINVAL;
	}
	ret = apf_add(pc, pc->current, token);
	apf_clear(pc);
#ifdef GUEST_VARIANT_TOUCH
	/* Inside the handler, buffer cleared, event still running: a load
	 * from the parked task's page (the one it faulted on). */
	if (guest_boot_params.flags & GUEST_BOOT_TOUCH_NOTPRESENT)
		apf_touch_user(guest_touch_gpa[pc->current]);
#endif
	if (ret != 0) {
		/* The task keeps running and re-faults (§2.8). */
		pc->stats.add_failures++;
		return ret;
	}
	/* Reschedule IPI to self, taken once the event completes. */
	write_sysreg(ICC_SGI1R_EL1, pc->sgi1r_self);
	return 0;
}

/* ---- page ready (PPI handler, §2.8) -------------------------------------- */

/* Empty entry i, unlink and wake its task.  Order as in §2.8: clear
 * TIF_ASYNC_PF, drop the link, count--, empty the entry, wake. */
static inline __attribute__((always_inline)) void apf_remove(struct guest_percpu *pc, uint32_t i)
{
	uint32_t task = pc->waiters[i].task;

	/* flags &= ~TIF_ASYNC_PF, wait_ref = none ("thread.data = NULL"):
	 * one store. */
	guest_tasks[task].flags_wait = ((uint64_t)GUEST_NO_WAIT << 32) |
				       (guest_tasks[task].flags & ~GUEST_TIF_ASYNC_PF);
	pc->wait_count--;
	pc->waiters[i].task = GUEST_NO_TASK;
	simcall(SIMCALL_WAKE, task, 0);
}

__attribute__((always_inline)) void apf_page_ready(struct guest_percpu *pc)
{
	uint32_t reason = apf_read(&pc->apf.reason);
	uint32_t token = apf_read(&pc->apf.token);
	uint32_t cap = pc->wait_capacity, left = pc->wait_count, i;
	uint64_t woken = 0;
#ifdef GUEST_VARIANT_TOUCH
	uint32_t touch_task = GUEST_NO_TASK;
#endif

	if (reason != GUEST_KVM_PV_REASON_PAGE_READY) {
		/* "Bogus interrupt": handled, but no ACK and no clear. */
		pc->stats.bogus_pageready++;
		guest_warn(GUEST_WARN_BOGUS_INTERRUPT, reason);
		return;
	}
	/* Stop once every occupied entry was visited; an unknown token is
	 * silently ignored. */
	for (i = 0; i < cap && left != 0; i++) {
		struct guest_apf_waiter w = pc->waiters[i];

		if (w.task == GUEST_NO_TASK)
			continue;
		left--;
		if (token == GUEST_APF_WAKE_ALL_TOKEN) {
			apf_remove(pc, i);
			woken++;
		} else if (w.token == token) {
#ifdef GUEST_VARIANT_TOUCH
			touch_task = w.task;
#endif
			apf_remove(pc, i);
			woken++;
			break;
		}
	}
	apf_clear(pc);
#ifdef GUEST_VARIANT_TOUCH
	/* Buffer cleared, IRQ_ACK not yet issued (the window of §4.2 i): a
	 * load from the woken task's page + GUEST_TOUCH_AHEAD, further on in
	 * a sequential working set and outside the swap-readahead window of
	 * the page just read (none for a wake-all, none when that page is
	 * past the end of guest RAM: no user mapping reaches there). */
	if ((guest_boot_params.flags & GUEST_BOOT_TOUCH_PAGEREADY) && touch_task != GUEST_NO_TASK &&
	    guest_touch_gpa[touch_task] >= GUEST_USER_BASE &&
	    guest_touch_gpa[touch_task] + GUEST_TOUCH_AHEAD < guest_touch_end)
		apf_touch_user(guest_touch_gpa[touch_task] + GUEST_TOUCH_AHEAD);
#endif
	/* GUEST_BOOT_NO_IRQ_ACK: a deliberately broken driver that never
	 * acknowledges (the oracle must catch the stuck pageready_pending). */
	if (!(guest_boot_params.flags & GUEST_BOOT_NO_IRQ_ACK)) {
		apf_hvc(GUEST_ASYNC_PF_SUB_IRQ_ACK, 0, 0);
		woken += (uint64_t)1 << 32;
	}
	/* wakes += woken, acks += 1 (if acked): one store. */
	pc->stats.wakes_acks += woken;
}

/* ---- CPU hotplug (§2.8 "CPU offline"), and the driver's disable ---------- */

/* The "arm/kvm:online" teardown: disable the per-CPU IRQ, ENABLE(0) (the
 * host flushes its queues), enabled = 0.  v4 leaves the CPU's waiters in
 * the table, not woken (§4.5); GUEST_BOOT_OFFLINE_WAKE wakes them as x86
 * does, without an IRQ_ACK (no page ready was delivered). */
void apf_cpu_down(struct guest_percpu *pc)
{
	struct smccc_res r;
	uint32_t i;

	if (!pc->apf.enabled)
		return;
	gic_ppi_disable(pc->cpu, pc->apf_irq);
	r = apf_hvc(GUEST_ASYNC_PF_SUB_ENABLE, 0, 0);
	if ((int64_t)r.a0 != GUEST_SMCCC_RET_SUCCESS)
		guest_warn(GUEST_WARN_ENABLE, r.a0);
	pc->apf.enabled = 0;
	if (!(guest_boot_params.flags & GUEST_BOOT_OFFLINE_WAKE))
		return;
	for (i = 0; i < pc->wait_capacity && pc->wait_count != 0; i++)
		if (pc->waiters[i].task != GUEST_NO_TASK)
			apf_remove(pc, i);
}

/* The "arm/kvm:online" startup on a CPU that was initialised at boot:
 * enable the per-CPU IRQ, ENABLE(PA | ENABLED) (the host queues a
 * wake-all).  A CPU whose boot left APF off stays off. */
enum guest_boot_status apf_cpu_up(struct guest_percpu *pc)
{
	uint64_t control = (uint64_t)(uintptr_t)&pc->apf | apf_control_flags();
	struct smccc_res r;

	if (pc->apf.enabled)
		return GUEST_BOOT_APF_ON;
	if (pc->apf_irq == 0)
		return GUEST_BOOT_APF_OFF;
	gic_ppi_enable(pc->cpu, pc->apf_irq);
	r = apf_hvc(GUEST_ASYNC_PF_SUB_ENABLE, control & 0xFFFFFFFFu, control >> 32);
	if ((int64_t)r.a0 != GUEST_SMCCC_RET_SUCCESS) {
		guest_warn(GUEST_WARN_ENABLE, r.a0);
		gic_ppi_disable(pc->cpu, pc->apf_irq);
		return GUEST_BOOT_APF_OFF;
	}
	pc->apf.enabled = 1;
	simcall(SIMCALL_LOG, GUEST_LOG_APF_ENABLED, pc->cpu);
	return GUEST_BOOT_APF_ON;
}
