/* machine.c — assembling and running one simulated VM (see machine.h). */
#include "model/vm/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/apf/protocol.h"
#include "model/vm/vcpu_guest.h"
#include "workloads/workload.h"

/* --- guest physical memory for workloads: first fit over free ranges --- */

static int gmem_init(struct guest_mem *g, uint64_t first, uint64_t pages)
{
	*g = (struct guest_mem){ 0 };
	g->cap = 16;
	g->start = malloc(g->cap * sizeof(uint64_t));
	g->len = malloc(g->cap * sizeof(uint64_t));
	if (!g->start || !g->len)
		return -1;
	if (pages) {
		g->start[0] = first;
		g->len[0] = pages;
		g->n = 1;
	}
	g->free_pages = pages;
	return 0;
}

static void gmem_fini(struct guest_mem *g)
{
	free(g->start);
	free(g->len);
}

static uint64_t gmem_free_pages(void *ctx)
{
	return ((struct guest_mem *)ctx)->free_pages;
}

static int gmem_alloc(void *ctx, uint64_t pages, uint64_t *first)
{
	struct guest_mem *g = ctx;

	for (uint32_t i = 0; i < g->n; i++) {
		if (g->len[i] < pages || pages == 0)
			continue;
		*first = g->start[i];
		g->start[i] += pages;
		g->len[i] -= pages;
		g->free_pages -= pages;
		if (g->len[i] == 0) {
			memmove(&g->start[i], &g->start[i + 1], (g->n - i - 1) * sizeof(uint64_t));
			memmove(&g->len[i], &g->len[i + 1], (g->n - i - 1) * sizeof(uint64_t));
			g->n--;
		}
		return 0;
	}
	return -1;
}

/* Return a range; ranges stay sorted and coalesced. */
static void gmem_free(void *ctx, uint64_t first, uint64_t pages)
{
	struct guest_mem *g = ctx;
	uint32_t i = 0;

	if (!pages)
		return;
	while (i < g->n && g->start[i] < first)
		i++;
	g->free_pages += pages;
	bool merge_prev = i > 0 && g->start[i - 1] + g->len[i - 1] == first;
	bool merge_next = i < g->n && first + pages == g->start[i];
	if (merge_prev && merge_next) {
		g->len[i - 1] += pages + g->len[i];
		memmove(&g->start[i], &g->start[i + 1], (g->n - i - 1) * sizeof(uint64_t));
		memmove(&g->len[i], &g->len[i + 1], (g->n - i - 1) * sizeof(uint64_t));
		g->n--;
		return;
	}
	if (merge_prev) {
		g->len[i - 1] += pages;
		return;
	}
	if (merge_next) {
		g->start[i] = first;
		g->len[i] += pages;
		return;
	}
	if (g->n == g->cap) {
		uint64_t *ns = realloc(g->start, 2 * g->cap * sizeof(uint64_t));
		if (!ns)
			return; /* the range is leaked to the guest; never fatal */
		g->start = ns;
		uint64_t *nl = realloc(g->len, 2 * g->cap * sizeof(uint64_t));
		if (!nl)
			return;
		g->len = nl;
		g->cap *= 2;
	}
	memmove(&g->start[i + 1], &g->start[i], (g->n - i) * sizeof(uint64_t));
	memmove(&g->len[i + 1], &g->len[i], (g->n - i) * sizeof(uint64_t));
	g->start[i] = first;
	g->len[i] = pages;
	g->n++;
}

/* --- host callbacks ---------------------------------------------------- */

static const char *machine_task_name(void *ctx, uint32_t task)
{
	const struct machine *m = ctx;

	return task < m->sched.ntasks ? m->sched.tasks[task].name : NULL;
}

static void machine_writeback(void *ctx, uint64_t gfn)
{
	struct machine *m = ctx;
	uint64_t slot = hostmem_slot(&m->hm, gfn);
	uint32_t g = (uint32_t)gfn;

	swapdev_submit_io(&m->swap, true, slot == UINT64_MAX ? SWAP_NO_SLOT : slot, &g, 1);
}

static void machine_writeback_plug(void *ctx, bool on)
{
	struct machine *m = ctx;

	swapdev_plug(&m->swap, on);
}

static void machine_swap_done(void *ctx, uint64_t gfn, bool write)
{
	struct machine *m = ctx;

	if (write)
		return;
	/* The source's read of a page that is remote here (postcopy). */
	if (migration_source_read_done(&m->mig, gfn))
		return;
	/* A swap-in finishing after a postcopy switch-over belongs to the
	 * source: the page is remote now and will come over the network. */
	if ((m->hm.st[gfn] & (HM_INFLIGHT | HM_REMOTE)) != HM_INFLIGHT)
		return;
	hostmem_swapin_done(&m->hm, gfn);
	vcpu_page_resident(m, gfn);
	workers_page_resident(&m->workers, gfn);
	migration_page_resident(&m->mig, gfn);	/* a precopy sender waiting for it */
}

static void task_start_ev(void *ctx, uint64_t id)
{
	struct machine *m = ctx;

	vcpu_task_wakeup(m, &m->sched.tasks[id]);
}

sim_time_t machine_cycles_ps(const struct machine *m, uint64_t cycles)
{
	uint64_t f = m->cfg->vm.freq_hz;

	if (m->cycle_ps_num)
		return cycles * m->cycle_ps_num;
	return (sim_time_t)(((unsigned __int128)cycles * SIM_S + f / 2) / f);
}

/* --- tasks --------------------------------------------------------------- */

static int machine_add_task(struct machine *m, const struct task_cfg *tc, uint32_t inst, uint32_t id)
{
	const struct apf_config *cfg = m->cfg;
	struct task *t = &m->sched.tasks[id];
	char err[256] = "";

	t->id = id;
	if (tc->count > 1)
		snprintf(t->name, sizeof(t->name), "%s.%u", tc->name, inst);
	else
		snprintf(t->name, sizeof(t->name), "%s", tc->name);
	t->pinned = tc->vcpu;
	t->vcpu = tc->vcpu >= 0 ? (uint32_t)tc->vcpu : id % m->nvcpus;
	t->state = TASK_NEW;
	t->wl = tc->workload;
	t->exit_ps = SIM_TIME_MAX;
	t->start_ps = tc->start;
	t->rq_next = TASK_NONE;
	char stream[96];
	snprintf(stream, sizeof(stream), "task/%s", t->name);
	rng_stream(&t->rng, cfg->seed, stream);
	t->wl_state = calloc(1, t->wl->state_size ? t->wl->state_size : 1);
	if (!t->wl_state) {
		snprintf(m->err, sizeof(m->err), "task %s: out of memory", t->name);
		return -1;
	}
	struct wl_env env = {
		.rng = &t->rng,
		.page_size = CFG_PAGE_SIZE,
		.guest_freq_hz = cfg->vm.freq_hz,
		.scenario_dir = cfg->dir,
		.mem_ctx = &m->gmem,
		.free_pages = gmem_free_pages,
		.alloc_pages = gmem_alloc,
		.free_range = gmem_free,
	};
	if (t->wl->init(t->wl_state, tc->params, &env, err, sizeof(err))) {
		snprintf(m->err, sizeof(m->err), "%.200s:%u: error: task %.80s (workload %.32s): %.180s",
			 cfg->path, tc->line, t->name, t->wl->name, err);
		return -1;
	}
	t->background = tc->background;
	if (!t->background)
		m->sched.awaited++;
	sim_at(&m->sim, t->start_ps, task_start_ev, m, id);
	return 0;
}

int machine_init(struct machine *m, const struct apf_config *cfg)
{
	struct machine_opts o = { 0 };

	return machine_init_opts(m, cfg, &o);
}

int machine_init_opts(struct machine *m, const struct apf_config *cfg, const struct machine_opts *o)
{
	char err[256];
	uint64_t npages = cfg->vm.memory / CFG_PAGE_SIZE;
	uint64_t limit = cfg->host.memory_limit / CFG_PAGE_SIZE;
	uint32_t ntasks = 0;

	memset(m, 0, sizeof(*m));
	m->cfg = cfg;
	m->nvcpus = cfg->vm.vcpus;
	m->insn_trace = o->insn_trace;
	trace_init(&m->tracer);
	m->tracer.task_name = machine_task_name;
	m->tracer.names_ctx = m;
	m->tracer.nvcpus = cfg->vm.vcpus;
	m->proto = protocol_for(cfg);
	if (!m->proto) {
		snprintf(m->err, sizeof(m->err), "%s: error: protocol %s is not implemented", cfg->path,
			 cfg->protocol);
		return -1;
	}
	if (SIM_S % cfg->vm.freq_hz == 0)
		m->cycle_ps_num = SIM_S / cfg->vm.freq_hz;
	m->insn_ps = cfg->vm.cpi * (double)SIM_S / (double)cfg->vm.freq_hz;
	trap_costs_resolve(cfg, &m->trap);
	hist_init(&m->stats.fault_latency);
	hist_init(&m->stats.major_latency);
	hist_init(&m->stats.ready_to_run);
	hist_init(&m->stats.parked);
	const struct sim_backend_ops *kernel = sim_backend_named(cfg_kernel_names[cfg->run.kernel]);
	if (!kernel) {
		snprintf(m->err, sizeof(m->err), "%.200s: error: run.kernel: %s: %s", cfg->path,
			 cfg_kernel_names[cfg->run.kernel],
			 sim_backend_missing(cfg_kernel_names[cfg->run.kernel]));
		return -1;
	}
	if (sim_init(&m->sim, kernel)) {
		snprintf(m->err, sizeof(m->err), "out of memory for the event queue");
		return -1;
	}
	if (cfg->run.perturb_order)
		m->sim.perturb_salt = cfg->seed * 0x9e3779b97f4a7c15ULL | 1;
	if (hostmem_init(&m->hm, npages, limit < npages ? limit : npages, cfg->host.reclaim, err,
			 sizeof(err))) {
		snprintf(m->err, sizeof(m->err), "%s", err);
		return -1;
	}
	m->hm.writeback = machine_writeback;
	m->hm.plug = machine_writeback_plug;
	m->hm.batch = cfg->host.reclaim_batch ? cfg->host.reclaim_batch : 1;
	m->hm.wb_ctx = m;
	if (cfg->host.initial_state == INITIAL_SWAPPED)
		hostmem_prefill_swapped(&m->hm);
	else if (cfg->host.initial_state == INITIAL_RESIDENT)
		hostmem_prefill_resident(&m->hm, npages);
	if (swapdev_init(&m->swap, &m->sim, &cfg->host.swap, 2 * npages, cfg->seed)) {
		snprintf(m->err, sizeof(m->err), "out of memory for the swap queue");
		return -1;
	}
	m->swap.done = machine_swap_done;
	m->swap.done_ctx = m;
	uint64_t reserved = cfg->vm.kernel_reserved / CFG_PAGE_SIZE;
	if (gmem_init(&m->gmem, reserved, npages > reserved ? npages - reserved : 0)) {
		snprintf(m->err, sizeof(m->err), "out of memory");
		return -1;
	}
	for (uint32_t i = 0; i < cfg->ntasks; i++)
		ntasks += cfg->tasks[i].count;
	m->tracer.ntasks = ntasks;
	if (sched_init(&m->sched, ntasks, m->nvcpus)) {
		snprintf(m->err, sizeof(m->err), "out of memory for %u tasks", ntasks);
		return -1;
	}
	m->sched.fair = cfg->guest.wakeup_preemption;
	m->vcpus = calloc(m->nvcpus, sizeof(*m->vcpus));
	if (!m->vcpus) {
		snprintf(m->err, sizeof(m->err), "out of memory for %u vCPUs", m->nvcpus);
		return -1;
	}
	for (uint32_t i = 0; i < m->nvcpus; i++) {
		m->vcpus[i].m = m;
		m->vcpus[i].id = i;
	}
	machine_host_parts(m);
	if (workers_init(&m->workers, &m->host, cfg->host.workers)) {
		snprintf(m->err, sizeof(m->err), "out of memory for the worker pool");
		return -1;
	}
	if (faults_init(&m->faults, &m->host))
		return -1;
	if (migration_init(&m->mig, &m->host)) {
		snprintf(m->err, sizeof(m->err), "out of memory for the migration model");
		return -1;
	}
	machine_proto_env(m);
	if (m->proto->init && m->proto->init(&m->proto_env))
		return -1;
	if (m->proto->needs_guest && vcpu_guest_init(m))
		return -1;
	uint32_t id = 0;
	for (uint32_t i = 0; i < cfg->ntasks; i++)
		for (uint32_t k = 0; k < cfg->tasks[i].count; k++)
			if (machine_add_task(m, &cfg->tasks[i], k, id++))
				return -1;
	for (uint32_t i = 0; i < m->nvcpus; i++)
		vcpu_start(&m->vcpus[i]);
	machine_schedule_end(m, cfg->run.duration);
	m->sim.max_events = MACHINE_MAX_EVENTS;
	return 0;
}

void machine_run_until(struct machine *m, sim_time_t limit)
{
	if (m->ended)
		return;
	m->started = true;
	m->sim.stop = false;
	sim_run_until(&m->sim, limit);
	if (m->sim.budget_hit)
		machine_fail(m, m->sim.now, "more than %llu simulated events (limit: %llu events per run, "
			     "docs/reliability.md): shorten run.duration or lower the event rate",
			     (unsigned long long)MACHINE_MAX_EVENTS, (unsigned long long)MACHINE_MAX_EVENTS);
}

bool machine_done(const struct machine *m)
{
	return m->ended;
}

void machine_finish(struct machine *m)
{
	if (!m->ended) {
		m->ended = true;
		m->end_ps = m->sim.now;
	}
	/* Tasks first: closing a vCPU must not move its task's account. */
	for (uint32_t i = 0; i < m->sched.ntasks; i++)
		acct_close(&m->sched.tasks[i].acct, m->end_ps);
	for (uint32_t i = 0; i < m->nvcpus; i++)
		vcpu_finish(&m->vcpus[i], m->end_ps);
	swapdev_close(&m->swap, m->end_ps);
	if (m->cfg->migration.mode != MIG_NONE)
		miglink_close(&m->mig.link, m->end_ps);
	for (uint32_t i = 0; i < m->sched.ntasks; i++) {
		struct task *t = &m->sched.tasks[i];
		/* Parked time counts up to the end only: a park that began
		 * past it (guest code run inline beyond the end) adds nothing,
		 * one that ended past it gives the excess back. */
		if (t->state == TASK_PARKED && m->end_ps > t->parked_since)
			t->parked_ps += m->end_ps - t->parked_since;
		if (t->last_park_to > m->end_ps)
			t->parked_ps -= t->last_park_to -
					(t->last_park_from > m->end_ps ? t->last_park_from : m->end_ps);
	}
}

void machine_fini(struct machine *m)
{
	for (uint32_t i = 0; i < m->sched.ntasks; i++) {
		struct task *t = &m->sched.tasks[i];
		if (t->wl_state && t->wl && t->wl->fini)
			t->wl->fini(t->wl_state);
		free(t->wl_state);
	}
	vcpu_guest_fini(m);
	migration_fini(&m->mig);
	free(m->fail_report);
	m->fail_report = NULL;
	if (m->proto && m->proto->fini)
		m->proto->fini(&m->proto_env);
	workers_fini(&m->workers);
	sched_fini(&m->sched);
	free(m->vcpus);
	gmem_fini(&m->gmem);
	swapdev_fini(&m->swap);
	hostmem_fini(&m->hm);
	sim_fini(&m->sim);
}
