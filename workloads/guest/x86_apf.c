/* x86_apf.c — the guest side of KVM Asynchronous Page Fault with x86
 * semantics (docs/reference.md §3.6, legacy delivery §3.7), mapped onto the
 * simulated aarch64 machine (docs/guest-abi.md, "x86-semantics driver"):
 *
 *   CPUID 0x40000001, WRMSR      -> apfsim hypercalls APFSIM_HC_* (hvc #0)
 *   #PF, CR2 = token             -> synchronous data abort, DFSC 0x34,
 *                                   FAR_EL1 = token (vectors +0x400/+0x200)
 *   HYPERVISOR_CALLBACK_VECTOR   -> the PPI boot_params.x86_irq
 *   apf_reason (per-CPU)         -> this CPU's guest_percpu.apf, x86 layout
 *                                   of §3.2: flags@0 (legacy: reason@0),
 *                                   token@4, enabled@64 (guest-private)
 *
 * Sleepers live in one global hash of 256 buckets keyed by
 * hash_32(token, 8) (struct guest_x86_sleepers).  The node of task t is
 * nodes[t] (it stands for the on-stack node of the task's wait); dummies
 * (a wake that arrived before its wait) come from a static pool.  Linux
 * guards each bucket with a raw spinlock; here every path runs with IRQs
 * masked and the simulator runs one vCPU at a time, so no lock is needed.
 *
 * The wait's tail is C-modelled like the arm64 park path: the task links
 * its node and calls SIMCALL_SCHEDULE(GUEST_SCHED_WAIT, token); the host
 * parks it and switches (the run ends), and once SIMCALL_WAKE named it the
 * task resumes in user mode in the C model, which stands for the rest of
 * the wait loop (the node was unhashed by the waker) and the return from
 * the #PF, after which the access is retried.
 *
 * Entries: guest_x86_vectors (vectors.S, installed at boot) leads to the
 * four handlers at the end of this file.  Everything below is inlined into
 * them, so they stay leaf functions (no prologue stores).
 *
 * Hot paths are written for Unicorn's cost model (every guest store costs
 * ~40 ns or more; loads are cheap): node words are written 64 bits at a
 * time and each path bumps one counter.
 */
#include "guest.h"

/* All of this driver's code goes to .x86.text (link.ld: after .bss). */
#pragma clang section text = ".x86.text"

#define X86_AI static inline __attribute__((always_inline))

extern struct guest_x86_sleepers guest_x86_sleepers;

X86_AI uint32_t x86_hash(uint32_t token)
{
	return (token * GUEST_X86_HASH_MUL) >> (32 - GUEST_X86_HASH_BITS);
}

X86_AI struct guest_x86_node *x86_node(uint32_t ref)
{
	return &guest_x86_sleepers.nodes[ref - 1];
}

X86_AI int64_t x86_wrmsr(uint32_t msr, uint64_t val)
{
	return (int64_t)apfsim_hc(APFSIM_HC_MSR_WRITE, msr, val).a0;
}

/* ---- init (§3.4, §3.6 "Init"), once per CPU at boot ---------------------- */

/* noinline: keeps it in .x86.text rather than in its .text caller. */
__attribute__((noinline)) enum guest_boot_status x86_apf_init_cpu(struct guest_percpu *pc)
{
	uint32_t flags = guest_boot_params.flags;
	uint32_t irq = guest_boot_params.x86_irq;
	int legacy = (flags & GUEST_BOOT_X86_LEGACY) != 0;
	uint32_t need = 1u << GUEST_KVM_FEATURE_ASYNC_PF;
	uint64_t en = (uint64_t)(uintptr_t)&pc->apf | GUEST_KVM_ASYNC_PF_ENABLED;
	struct smccc_res r;
	int64_t ret;

	if (flags & GUEST_BOOT_NO_KVMAPF) {
		simcall(SIMCALL_LOG, GUEST_LOG_APF_DISABLED_CMDLINE, pc->cpu);
		return GUEST_BOOT_APF_OFF;
	}
	/* Modern guests require interrupt delivery of page ready; legacy ones
	 * take both notifications as #PF. */
	if (!legacy) {
		need |= 1u << GUEST_KVM_FEATURE_ASYNC_PF_INT;
		en |= GUEST_KVM_ASYNC_PF_DELIVERY_AS_INT;
	}
	r = apfsim_hc(APFSIM_HC_KVM_FEATURES, 0, 0);
	if (r.a0 != 0) {
		guest_warn(GUEST_WARN_X86_FEATURES, r.a0);
		return GUEST_BOOT_APF_OFF;
	}
	if ((r.a1 & need) != need) {
		guest_warn(GUEST_WARN_X86_FEATURES, r.a1);
		return GUEST_BOOT_APF_OFF;
	}
	if (!legacy) {
		if (irq < 16 || irq > 31) {
			guest_warn(GUEST_WARN_X86_IRQ, irq);
			return GUEST_BOOT_APF_OFF;
		}
		/* The vector first, else the host could inject vector 0 (§3.4). */
		ret = x86_wrmsr(GUEST_MSR_KVM_ASYNC_PF_INT, irq);
		if (ret != 0) {
			guest_warn(GUEST_WARN_X86_MSR_INT, (uint64_t)ret);
			return GUEST_BOOT_APF_OFF;
		}
	}
	/* PA == VA (MMU off); the area is 64-byte aligned as EN requires. */
	ret = x86_wrmsr(GUEST_MSR_KVM_ASYNC_PF_EN, en);
	if (ret != 0) {
		guest_warn(GUEST_WARN_X86_MSR_EN, (uint64_t)ret);
		return GUEST_BOOT_APF_OFF;
	}
	pc->apf.enabled = 1;
	if (!legacy) {
		/* IRQs are still masked: a page ready queued by EN (the host's
		 * wake-all) is taken once the CPU runs with IRQs unmasked. */
		gic_ppi_enable(pc->cpu, irq);
		pc->apf_irq = irq;
	}
	simcall(SIMCALL_LOG, GUEST_LOG_APF_ENABLED, pc->cpu);
	return GUEST_BOOT_APF_ON;
}

/* ---- the sleeper hash (§3.6 "Wait", "Wake") ------------------------------ */

/* A dummy from the free list, else a never-used one; NIL when exhausted. */
X86_AI uint32_t x86_dummy_get(struct guest_x86_sleepers *s)
{
	uint32_t ref = s->dummy_free;

	if (ref != GUEST_X86_NIL) {
		s->dummy_free = x86_node(ref)->next;
		return ref;
	}
	if (s->dummy_bump < GUEST_X86_NR_DUMMIES)
		return GUEST_X86_REF(GUEST_X86_DUMMY_NODE(s->dummy_bump++));
	return GUEST_X86_NIL;
}

/* Return an unlinked dummy to the pool (it becomes UNHASHED). */
X86_AI void x86_dummy_put(struct guest_x86_sleepers *s, uint32_t ref)
{
	x86_node(ref)->next_kind = s->dummy_free;
	s->dummy_free = ref;
}

/* The node `ref`, already unlinked from its chain: wake its sleeper, or
 * recycle it if it is a dummy.  Returns the number of tasks woken. */
X86_AI uint32_t x86_wake_one(struct guest_x86_sleepers *s, struct guest_percpu *pc, uint32_t ref)
{
	struct guest_x86_node *n = x86_node(ref);

	if (n->kind == GUEST_X86_NODE_WAITER) {
		n->next_kind = 0; /* next = NIL, kind = UNHASHED: "unhashed" */
		simcall(SIMCALL_WAKE, ref - 1, 0);
		return 1;
	}
	/* A second wake for a token whose dummy still waits, or a wake-all
	 * meeting a dummy of this CPU: Linux unlinks the dummy and leaks it
	 * (§4.6); the pool takes it back. */
	x86_dummy_put(s, ref);
	pc->x86.stale_dummies++;
	return 0;
}

/* Wake-all: every node hashed by this CPU, in every bucket. */
X86_AI uint32_t x86_wake_all(struct guest_percpu *pc)
{
	struct guest_x86_sleepers *s = &guest_x86_sleepers;
	uint32_t cpu = pc->cpu, woken = 0, b;

	for (b = 0; b < GUEST_X86_HASH_SIZE; b++) {
		uint32_t *slot = &s->heads[b];
		uint32_t ref;

		while ((ref = *slot) != GUEST_X86_NIL) {
			struct guest_x86_node *n = x86_node(ref);

			if (n->cpu != cpu) {
				slot = &n->next;
				continue;
			}
			*slot = n->next;
			woken += x86_wake_one(s, pc, ref);
		}
	}
	return woken;
}

/* kvm_async_pf_task_wake: returns the number of tasks woken. */
X86_AI uint32_t x86_wake(struct guest_percpu *pc, uint32_t token)
{
	struct guest_x86_sleepers *s = &guest_x86_sleepers;
	uint32_t *head, *slot, ref;
	struct guest_x86_node *n;

	if (token == GUEST_APF_WAKE_ALL_TOKEN)
		return x86_wake_all(pc);
	head = slot = &s->heads[x86_hash(token)];
	while ((ref = *slot) != GUEST_X86_NIL) {
		n = x86_node(ref);
		if (n->token == token) {
			*slot = n->next;
			return x86_wake_one(s, pc, ref);
		}
		slot = &n->next;
	}
	/* The wait has not happened yet: leave a dummy for it. */
	ref = x86_dummy_get(s);
	if (ref == GUEST_X86_NIL) {
		pc->x86.dummy_drops++;
		guest_warn(GUEST_WARN_X86_DUMMY_POOL, token);
		return 0;
	}
	n = x86_node(ref);
	n->token_cpu = ((uint64_t)pc->cpu << 32) | token;
	n->next_kind = ((uint64_t)GUEST_X86_NODE_DUMMY << 32) | *head;
	*head = ref;
	pc->x86.dummies++;
	return 0;
}

/* kvm_async_pf_task_wait_schedule for `current`, from user mode. */
X86_AI void x86_wait(struct guest_percpu *pc, uint32_t token)
{
	struct guest_x86_sleepers *s = &guest_x86_sleepers;
	uint32_t task = pc->current, *head, *slot, ref;
	struct guest_x86_node *me, *n;

	if (task >= GUEST_MAX_TASKS) {
		guest_warn(GUEST_WARN_X86_BAD_TASK, task);
		return;
	}
	me = &s->nodes[task];
	if (me->kind != GUEST_X86_NODE_UNHASHED) {
		guest_warn(GUEST_WARN_X86_ALREADY_WAITING, token);
		return;
	}
	head = slot = &s->heads[x86_hash(token)];
	while ((ref = *slot) != GUEST_X86_NIL) {
		n = x86_node(ref);
		if (n->token == token) {
			/* Wake came first: consume its dummy, do not sleep. */
			*slot = n->next;
			if (n->kind == GUEST_X86_NODE_DUMMY) {
				x86_dummy_put(s, ref);
				pc->x86.dummy_hits++;
			} else {
				/* Another task waits on the same token (§4.6);
				 * Linux would free its on-stack node here.  It
				 * is unhashed and stays asleep. */
				n->next_kind = 0;
				guest_warn(GUEST_WARN_X86_TOKEN_COLLISION, token);
			}
			return;
		}
		slot = &n->next;
	}
	me->token_cpu = ((uint64_t)pc->cpu << 32) | token;
	me->next_kind = ((uint64_t)GUEST_X86_NODE_WAITER << 32) | *head;
	*head = GUEST_X86_REF(task);
	pc->x86.waits++;
	/* Sleep until a wake unhashes the node.  The scheduler must switch
	 * away (the run ends); the loop only guards the contract. */
	while (me->kind == GUEST_X86_NODE_WAITER)
		simcall(SIMCALL_SCHEDULE, GUEST_SCHED_WAIT, token);
}

/* ---- page ready (§3.6 "Page-ready IRQ"): the PPI, already EOI'd ---------- */

X86_AI void x86_apf_page_ready(struct guest_percpu *pc)
{
	volatile struct kvm_vcpu_pv_apf_data *apf = &pc->apf;
	uint64_t done;

	if (!apf->enabled)
		return;
	done = x86_wake(pc, apf->token);
	apf->token = 0; /* the host's "slot free" */
	if (!(guest_boot_params.flags & GUEST_BOOT_X86_NO_ACK)) {
		x86_wrmsr(GUEST_MSR_KVM_ASYNC_PF_ACK, 1);
		done += (uint64_t)1 << 32;
	}
	/* wakes += woken, acks += acked: one store. */
	pc->stats.wakes_acks += done;
}

/* ---- the async #PF (§3.6 "#PF entry", §3.7) ------------------------------ */

/* A not-present for `token`: only user mode can wait (the host sends
 * kernel-mode ones never; Linux panics if it does). */
X86_AI void x86_not_present(struct guest_percpu *pc, uint32_t token, int from_user)
{
	if (!from_user) {
		pc->x86.bogus++;
		guest_warn(GUEST_WARN_X86_KERNEL_MODE, token);
		return;
	}
	x86_wait(pc, token);
}

/* 0 when the synchronous exception was an async #PF and was handled, -1
 * for anything else (the caller reports a guest fault). */
X86_AI int x86_apf_sync(struct guest_percpu *pc, int from_user)
{
	volatile struct kvm_vcpu_pv_apf_data *apf = &pc->apf;
	uint32_t boot = guest_boot_params.flags;
	uint64_t esr = read_sysreg(ESR_EL1);
	uint32_t ec = (uint32_t)(esr >> APFSIM_ESR_EC_SHIFT) & APFSIM_ESR_EC_MASK;
	uint32_t token, flags = 0;

	if (!(boot & GUEST_BOOT_X86) || (ec != APFSIM_ESR_EC_DABT_LOW && ec != APFSIM_ESR_EC_DABT_CUR) ||
	    (esr & APFSIM_ESR_DFSC_MASK) != APFSIM_ESR_DFSC_APF)
		return -1;
	token = (uint32_t)read_sysreg(FAR_EL1);
	/* Read-and-zero, only once enabled (kvm_read_and_reset_apf_flags);
	 * the store is skipped when the word is already 0. */
	if (apf->enabled) {
		flags = apf->flags;
		if (flags)
			apf->flags = 0;
	}
	if (boot & GUEST_BOOT_X86_LEGACY) {
		/* flags@0 is `reason` here (§3.7). */
		if (flags == GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT) {
			x86_not_present(pc, token, from_user);
		} else if (flags == GUEST_KVM_PV_REASON_PAGE_READY) {
			pc->stats.wakes += x86_wake(pc, token);
		} else {
			pc->x86.bogus++;
			if (flags == 0)
				guest_warn(GUEST_WARN_X86_ORDINARY_PF, token);
			else
				guest_warn(GUEST_WARN_X86_UNEXPECTED_FLAGS, flags);
		}
		return 0;
	}
	if (flags & GUEST_KVM_PV_FLAG_PAGE_NOT_PRESENT) {
		x86_not_present(pc, token, from_user);
	} else {
		pc->x86.bogus++;
		if (flags == 0)
			guest_warn(GUEST_WARN_X86_ORDINARY_PF, token);
		else
			guest_warn(GUEST_WARN_X86_UNEXPECTED_FLAGS, flags);
	}
	return 0;
}

/* ---- CPU offline / online, suspend / resume (§3.6 "Offline/suspend") ----- */

/* kvm_guest_cpu_offline(shutdown = false): EN = 0 (the host flushes its
 * queues), then wake every sleeper this CPU hashed: their page ready will
 * never come.  noinline: keeps it in .x86.text. */
__attribute__((noinline)) void x86_apf_cpu_down(struct guest_percpu *pc)
{
	int64_t ret;

	if (!pc->apf.enabled)
		return;
	ret = x86_wrmsr(GUEST_MSR_KVM_ASYNC_PF_EN, 0);
	if (ret != 0)
		guest_warn(GUEST_WARN_X86_MSR_EN, (uint64_t)ret);
	pc->apf.enabled = 0;
	x86_wake_all(pc);
}

/* Back online / resumed: the per-CPU init again (INT, then EN, which
 * queues a wake-all on the host). */
__attribute__((noinline)) enum guest_boot_status x86_apf_cpu_up(struct guest_percpu *pc)
{
	if (pc->apf.enabled)
		return GUEST_BOOT_APF_ON;
	return x86_apf_init_cpu(pc);
}

/* ---- exception handlers (entry.S, guest_x86_vectors) --------------------- */

/* IAR; SGI 0 is the reschedule IPI as for arm64; the APF PPI is EOI'd
 * first, then handled (x86 acks the APIC before the page-ready work). */
X86_AI void x86_guest_irq(struct guest_percpu *pc)
{
	uint32_t intid = (uint32_t)read_sysreg(ICC_IAR1_EL1);

	if (intid == GIC_INTID_SPURIOUS) {
		pc->stats.spurious_irqs++;
		return;
	}
	write_sysreg(ICC_EOIR1_EL1, intid);
	if (intid == GUEST_SGI_RESCHEDULE) {
		pc->stats.resched_ipis++;
		guest_tasks[pc->current].flags |= GUEST_TIF_NEED_RESCHED;
	} else if (intid == pc->apf_irq) {
		x86_apf_page_ready(pc);
	} else {
		pc->stats.unexpected_irqs++;
		guest_warn(GUEST_WARN_UNEXPECTED_IRQ, intid);
	}
}

void guest_x86_el1_irq(struct guest_percpu *pc)
{
	uint64_t elr = read_sysreg(ELR_EL1);

	x86_guest_irq(pc);
	idle_rollback(elr);
}

void guest_x86_el0_irq(struct guest_percpu *pc)
{
	x86_guest_irq(pc);
	ret_to_user_work(pc);
}

/* Synchronous exception at EL1 (the idle loop; entry.S erets): 0 when
 * handled, else entry.S reports a guest fault.  A legacy page ready may
 * wake a task here, so the idle rollback applies as for IRQs. */
int guest_x86_el1_sync(struct guest_percpu *pc)
{
	uint64_t elr = read_sysreg(ELR_EL1);

	if (x86_apf_sync(pc, 0) != 0)
		return -1;
	idle_rollback(elr);
	return 0;
}

/* Synchronous exception from EL0: the async #PF (which may park the task
 * and end the run), then the return-to-user work. */
int guest_x86_el0_sync(struct guest_percpu *pc)
{
	if (x86_apf_sync(pc, 1) != 0)
		return -1;
	ret_to_user_work(pc);
	return 0;
}
