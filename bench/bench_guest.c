/* bench_guest.c — round trips through the real aarch64 guest handlers
 * (workloads/guest/, docs/reference.md §2.8) run by Unicorn via model/vm/platform.c.
 *
 * guest.page_ready_roundtrips_per_s: a vCPU idles in WFI (guest_idle);
 *   the host writes token + reason 2 and raises the PPI; the guest takes
 *   the IRQ at EL1, reads IAR, removes and wakes the waiter, clears the
 *   buffer, issues IRQ_ACK (which lowers the line), writes EOIR, erets and
 *   is back in WFI.  One platform_run per round trip.
 * guest.page_ready_user_roundtrips_per_s: the same, but the PPI arrives
 *   while another task runs in user mode: IRQ from EL0, handler, the
 *   return-to-user flag check, stop at guest_ret_to_user_eret.
 * guest.sdei_roundtrips_per_s: a vCPU is in (C-modelled) user mode; the
 *   host writes token + reason 1, injects the SDEI event and dispatches it;
 *   the handler adds the task to the waiter table, clears the buffer, sends
 *   the reschedule SGI and completes the event back to user mode.  The
 *   host then undoes the side effects (table entry, TIF flag, pending SGI)
 *   outside the guest, which is counted in the figure.
 * guest.apf_roundtrip_floor_per_s: the three guest entries of one whole
 *   APF round trip (e2e.apf_roundtrips_per_s) put end to end: the
 *   not-present SDEI from user mode, the reschedule SGI taken from user
 *   mode (page_ready_user is the same entry, handler shape and exit), and
 *   the page-ready IRQ taken in WFI.  1 / (sum of the three times per
 *   round trip), from the figures above in this pass (measured here if
 *   they did not run).  No host model is in it, so it bounds the e2e
 *   figure from above; it counts one platform run more than the e2e round
 *   trip does (three against two), ~0.1-0.2 us.
 * guest.page_ready_storefix_speedup: guest.page_ready_roundtrips_per_s with
 *   cpu_storefix.c's store fast path over the same without it, measured one
 *   after the other in this run (1: no gain, or the fix is not in use).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/bench.h"
#include "cpu/cpu.h"
#include "gic/gic.h"
#include "model/vm/platform.h"
#include "sdei/sdei.h"
#include "smccc/smccc.h"

#define BG_PPI 18u
#define BG_TASK 1u
#define BG_USER_PC 0x400000ull
#define BG_CHECK_EVERY 1024

extern const struct bench_case bench_guest[];

struct bg_host {
	struct platform *p;
	uint64_t acks, wakes;
};

static bool bg_present(void *ctx, unsigned vcpu)
{
	(void)ctx;
	(void)vcpu;
	return true;
}

static int64_t bg_version(void *ctx, unsigned vcpu, uint64_t *a1)
{
	(void)ctx;
	(void)vcpu;
	*a1 = 0x010000;
	return SMCCC_RET_SUCCESS;
}

static int64_t bg_slots(void *ctx, unsigned vcpu, uint64_t *a1)
{
	(void)ctx;
	(void)vcpu;
	*a1 = 64;
	return SMCCC_RET_SUCCESS;
}

static int64_t bg_sdei(void *ctx, unsigned vcpu, uint64_t *a1)
{
	(void)ctx;
	(void)vcpu;
	*a1 = KVM_SDEI_ASYNC_PF_NUM;
	return SMCCC_RET_SUCCESS;
}

static int64_t bg_irq(void *ctx, unsigned vcpu, uint64_t *a1)
{
	(void)ctx;
	(void)vcpu;
	*a1 = BG_PPI;
	return SMCCC_RET_SUCCESS;
}

static int64_t bg_enable(void *ctx, unsigned vcpu, uint64_t control)
{
	(void)ctx;
	(void)vcpu;
	(void)control;
	return SMCCC_RET_SUCCESS;
}

/* As KVM's IRQ_ACK (§2.7 j): lower the line. */
static int64_t bg_irq_ack(void *ctx, unsigned vcpu)
{
	struct bg_host *h = ctx;

	h->acks++;
	gic_set_ppi_level(platform_gic(h->p), vcpu, BG_PPI, false);
	return SMCCC_RET_SUCCESS;
}

static const struct smccc_apf_ops bg_apf_ops = {
	bg_present, bg_version, bg_slots, bg_sdei, bg_irq, bg_enable, bg_irq_ack,
};

static void bg_wake(void *ctx, unsigned cpu, uint32_t task)
{
	struct bg_host *h = ctx;

	(void)cpu;
	(void)task;
	h->wakes++;
}

static const struct platform_sched_ops bg_sched_ops = { .wake = bg_wake };

static struct platform *bg_setup(struct bg_host *h)
{
	struct platform_config cfg = {
		.ncpus = 1,
		.apf_ops = &bg_apf_ops,
		.apf_ctx = h,
		.sched = &bg_sched_ops,
		.sched_ctx = h,
	};
	char err[320];

	h->p = platform_create(&cfg, err, sizeof(err));
	if (!h->p) {
		fprintf(stderr, "bench_guest: %s\n", err);
		return NULL;
	}
	if (platform_boot(h->p, 0) != 0 || !platform_percpu(h->p, 0)->apf.enabled) {
		fprintf(stderr, "bench_guest: boot: %s\n", platform_error(h->p));
		platform_destroy(h->p);
		return NULL;
	}
	return h->p;
}

/* The waiter the SDEI handler would have added for BG_TASK. */
static void bg_add_waiter(struct platform *p, uint32_t token)
{
	struct guest_percpu *pc = platform_percpu(p, 0);

	pc->waiters[0].token = token;
	pc->waiters[0].task = BG_TASK;
	pc->wait_count = 1;
	platform_task(p, BG_TASK)->flags |= GUEST_TIF_ASYNC_PF;
}

static bool bg_done(const struct bench_opts *opts, uint64_t ops, double t0)
{
	return ops >= opts->min_ops / 20 && bench_now() - t0 >= opts->min_seconds;
}

/* The figures of the three cases, for the floor. */
static struct bench_last bg_last_pr, bg_last_pru, bg_last_sdei;

static double bg_page_ready_per_s(const struct bench_opts *opts)
{
	struct bg_host h = { 0 };
	struct platform *p = bg_setup(&h);
	struct guest_percpu *pc;
	uint64_t ops = 0;
	double t0, rate = -1;

	if (!p)
		return -1;
	pc = platform_percpu(p, 0);
	if (platform_enter_idle(p, 0, 0).reason != PLATFORM_STOP_WFI)
		goto out;
	t0 = bench_now();
	do {
		for (int i = 0; i < BG_CHECK_EVERY; i++, ops++) {
			uint32_t token = (uint32_t)(ops & 0xFFFF) << 12;

			bg_add_waiter(p, token);
			pc->apf.token = token;
			pc->apf.reason = GUEST_KVM_PV_REASON_PAGE_READY;
			gic_set_ppi_level(platform_gic(p), 0, BG_PPI, true);
			if (platform_run(p, 0, 0).reason != PLATFORM_STOP_WFI)
				goto out;
		}
	} while (!bg_done(opts, ops, t0));
	if (h.acks == ops && h.wakes == ops && pc->wait_count == 0)
		rate = (double)ops / (bench_now() - t0);
	else
		fprintf(stderr, "bench_guest: page ready: %llu ops, %llu acks, %llu wakes\n",
			(unsigned long long)ops, (unsigned long long)h.acks,
			(unsigned long long)h.wakes);
out:
	platform_destroy(p);
	return rate;
}

/* The same page-ready work taken from user mode (another task runs): IRQ
 * entry at +0x480, handler, return-to-user check, stop at the final eret. */
static double bg_page_ready_user_per_s(const struct bench_opts *opts)
{
	struct bg_host h = { 0 };
	struct platform *p = bg_setup(&h);
	struct guest_percpu *pc;
	uint64_t ops = 0;
	double t0, rate = -1;

	if (!p)
		return -1;
	pc = platform_percpu(p, 0);
	pc->current = BG_TASK + 1;
	platform_enter_user(p, 0, BG_USER_PC);
	t0 = bench_now();
	do {
		for (int i = 0; i < BG_CHECK_EVERY; i++, ops++) {
			uint32_t token = (uint32_t)(ops & 0xFFFF) << 12;

			bg_add_waiter(p, token);
			pc->apf.token = token;
			pc->apf.reason = GUEST_KVM_PV_REASON_PAGE_READY;
			gic_set_ppi_level(platform_gic(p), 0, BG_PPI, true);
			if (platform_irq_from_user(p, 0, 0).reason != PLATFORM_STOP_USER)
				goto out;
		}
	} while (!bg_done(opts, ops, t0));
	if (h.acks == ops && h.wakes == ops && pc->wait_count == 0)
		rate = (double)ops / (bench_now() - t0);
out:
	if (rate < 0)
		fprintf(stderr, "bench_guest: page ready (user) failed after %llu: %s\n",
			(unsigned long long)ops, platform_error(p));
	platform_destroy(p);
	return rate;
}

static double bg_sdei_per_s(const struct bench_opts *opts)
{
	struct bg_host h = { 0 };
	struct platform *p = bg_setup(&h);
	struct guest_percpu *pc;
	struct guest_task *t;
	uint64_t ops = 0, event;
	double t0, rate = -1;

	if (!p)
		return -1;
	pc = platform_percpu(p, 0);
	t = platform_task(p, BG_TASK);
	event = platform_sdei_event(p);
	pc->current = BG_TASK;
	platform_enter_user(p, 0, BG_USER_PC);
	t0 = bench_now();
	do {
		for (int i = 0; i < BG_CHECK_EVERY; i++, ops++) {
			pc->apf.token = (uint32_t)(ops & 0xFFFF) << 12;
			pc->apf.reason = GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT;
			if (sdei_inject(platform_sdei(p), 0, event, true) != 0 ||
			    platform_sdei_deliver(p, 0, 0).reason != PLATFORM_STOP_USER)
				goto out;
			if (pc->wait_count != 1 || !(t->flags & GUEST_TIF_ASYNC_PF))
				goto out;
			/* Undo: what the page-ready and the SGI would do. */
			pc->waiters[0].task = GUEST_NO_TASK;
			pc->wait_count = 0;
			t->flags = 0;
			gic_redist_mmio_write(platform_gic(p), GICR_ICPENDR0, 4,
					      1u << GUEST_SGI_RESCHEDULE);
		}
	} while (!bg_done(opts, ops, t0));
	rate = (double)ops / (bench_now() - t0);
out:
	if (rate < 0)
		fprintf(stderr, "bench_guest: sdei round trip %llu failed: %s\n",
			(unsigned long long)ops, platform_error(p));
	platform_destroy(p);
	return rate;
}

static double bg_storefix_speedup(const struct bench_opts *opts)
{
	bool was = cpu_storefix_set(false);
	double off = bg_page_ready_per_s(opts);
	double on;

	cpu_storefix_set(true);
	on = bg_page_ready_per_s(opts);
	cpu_storefix_set(was);
	return off > 0 && on > 0 ? on / off : -1;
}

static double bg_case_page_ready(const struct bench_opts *opts)
{
	return bench_keep(&bg_last_pr, bg_page_ready_per_s(opts));
}

static double bg_case_page_ready_user(const struct bench_opts *opts)
{
	return bench_keep(&bg_last_pru, bg_page_ready_user_per_s(opts));
}

static double bg_case_sdei(const struct bench_opts *opts)
{
	return bench_keep(&bg_last_sdei, bg_sdei_per_s(opts));
}

static double bg_roundtrip_floor(const struct bench_opts *opts)
{
	double pr = bench_fresh(&bg_last_pr) ? bg_last_pr.v : bg_case_page_ready(opts);
	double pru = bench_fresh(&bg_last_pru) ? bg_last_pru.v : bg_case_page_ready_user(opts);
	double sdei = bench_fresh(&bg_last_sdei) ? bg_last_sdei.v : bg_case_sdei(opts);

	return pr > 0 && pru > 0 && sdei > 0 ? 1.0 / (1.0 / pr + 1.0 / pru + 1.0 / sdei) : -1;
}

const struct bench_case bench_guest[] = {
	{ "guest.page_ready_roundtrips_per_s", bg_case_page_ready, "round trips/s" },
	{ "guest.page_ready_user_roundtrips_per_s", bg_case_page_ready_user, "round trips/s" },
	{ "guest.sdei_roundtrips_per_s", bg_case_sdei, "round trips/s" },
	{ "guest.apf_roundtrip_floor_per_s", bg_roundtrip_floor, "round trips/s" },
	{ "guest.page_ready_storefix_speedup", bg_storefix_speedup, "ratio" },
	BENCH_END,
};
