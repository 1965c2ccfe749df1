/* machine_report.c — the report of one finished run (machine_report.h):
 * the document and the summary table assembled from every part's own
 * section; the pieces (times, histograms, accounts) are model/report/'s. */
#include "model/vm/machine_report.h"

#include <inttypes.h>
#include <string.h>

#include "model/apf/protocol.h"

sim_time_t report_task_lifetime(const struct task *t, sim_time_t end)
{
	sim_time_t stop = t->state == TASK_EXITED && t->exit_ps < end ? t->exit_ps : end;

	if (t->state == TASK_NEW || t->start_ps >= stop)
		return 0;
	return stop - t->start_ps;
}

static const char *task_state_name(enum task_state s)
{
	static const char *const names[] = { "new", "runnable", "running", "sleeping", "parked", "exited" };
	return names[s];
}

json_t *report_json(const struct machine *m, const char *version)
{
	const struct apf_config *c = m->cfg;
	json_t *root = json_object();
	json_t *tasks = json_array();
	json_t *vcpus = json_array();

	json_object_set_new(root, "format_version", json_integer(APFSIM_JSON_FORMAT_VERSION));
	json_object_set_new(root, "apfsim_version", json_string(version));
	json_object_set_new(root, "scenario", json_string(c->path));
	json_object_set_new(root, "seed", json_integer((json_int_t)c->seed));
	json_object_set_new(root, "protocol", json_string(c->protocol));
	json_object_set_new(root, "sim_time_ps", json_integer((json_int_t)m->end_ps));
	json_object_set_new(root, "events", json_integer((json_int_t)m->sim.events_run));
	for (uint32_t i = 0; i < m->sched.ntasks; i++) {
		const struct task *t = &m->sched.tasks[i];
		json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:s}",
				      "name", t->name,
				      "workload", t->wl->name,
				      "vcpu", (json_int_t)t->vcpu,
				      "progress", (json_int_t)t->progress,
				      "progress_unit", t->wl->progress_unit,
				      "cpu_ps", (json_int_t)t->cpu_ps,
				      "stall_ps", (json_int_t)t->stall_ps,
				      "parked_ps", (json_int_t)t->parked_ps,
				      "faults", (json_int_t)t->faults,
				      "switches", (json_int_t)t->switches,
				      "state", task_state_name(t->state));
		json_object_set_new(o, "exit_ps", t->state == TASK_EXITED ?
					json_integer((json_int_t)t->exit_ps) : json_null());
		json_object_set_new(o, "lifetime_ps", json_integer((json_int_t)report_task_lifetime(t, m->end_ps)));
		json_object_set_new(o, "account_ps", report_account_json(&t->acct, task_buckets, TB_COUNT));
		json_array_append_new(tasks, o);
	}
	json_object_set_new(root, "tasks", tasks);
	for (uint32_t i = 0; i < m->nvcpus; i++) {
		const struct vcpu *v = &m->vcpus[i];
		json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
						       "id", (json_int_t)v->id,
						       "guest_ps", (json_int_t)v->guest_ps,
						       "host_ps", (json_int_t)v->host_ps,
						       "idle_ps", (json_int_t)v->idle_ps,
						       "sched_ps", (json_int_t)v->sched_ps,
						       "exits", (json_int_t)v->exits,
						       "switches", (json_int_t)v->switches);
		json_object_set_new(o, "account_ps", report_account_json(&v->acct, vcpu_buckets, VB_COUNT));
		json_array_append_new(vcpus, o);
	}
	json_object_set_new(root, "vcpus", vcpus);

	const struct hostmem_stats *hs = &m->hm.stats;
	json_t *host = json_object();
	const struct fault_classes *fc = &m->stats.cls;
	json_object_set_new(host, "faults", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"total", (json_int_t)m->stats.faults,
			"minor", (json_int_t)fc->minor,
			"zero_fill", (json_int_t)fc->zero_fill,
			"major", (json_int_t)fc->major,
			"async", (json_int_t)fc->async,
			"repeated", (json_int_t)fc->repeated,
			"swapcache_hits", (json_int_t)fc->swapcache,
			"user", (json_int_t)m->stats.faults_user,
			"kernel", (json_int_t)m->stats.faults_kernel));
	json_object_set_new(host, "memory", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"pages", (json_int_t)m->hm.npages,
			"limit_pages", (json_int_t)m->hm.limit,
			"resident_pages", (json_int_t)m->hm.resident,
			"peak_resident_pages", (json_int_t)hs->peak_resident,
			"reclaims", (json_int_t)hs->reclaims,
			"writebacks", (json_int_t)hs->writebacks,
			"thp_fills", (json_int_t)hs->thp_fills));
	const struct swapdev_stats *ss = &m->swap.stats;
	json_t *swap = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"device", cfg_swap_device_names[m->cfg->host.swap.device],
			"swap_ins", (json_int_t)hs->major,
			"readahead_pages", (json_int_t)hs->readahead,
			"readahead_unused", (json_int_t)hs->readahead_unused,
			"read_requests", (json_int_t)ss->reads,
			"pages_read", (json_int_t)ss->pages_read,
			"read_requests_unfinished", (json_int_t)ss->reads_unfinished,
			"pages_read_unfinished", (json_int_t)ss->pages_read_unfinished,
			"writes_unfinished", (json_int_t)ss->writes_unfinished,
			"writes", (json_int_t)ss->writes,
			"merged_writes", (json_int_t)ss->merged_writes,
			"pages_written", (json_int_t)ss->pages_written,
			"max_queued", (json_int_t)ss->max_queued,
			"busy_ps", (json_int_t)ss->busy_ps,
			"transfer_ps", (json_int_t)ss->transfer_ps,
			"floor_ps", (json_int_t)m->cfg->host.swap.floor,
			"bandwidth_bytes_per_s", (json_int_t)m->cfg->host.swap.bandwidth);
	json_object_set_new(swap, "read_wait_ps", report_hist_json(&m->swap.stats.read_wait));
	json_object_set_new(swap, "read_latency_ps", report_hist_json(&m->swap.stats.read_total));
	json_object_set_new(host, "swap", swap);
	json_object_set_new(host, "trap_costs", json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}",
			"arch", m->trap.arch ? m->trap.arch->name : "",
			"vmexit_ps", (json_int_t)m->trap.vmexit,
			"vmentry_ps", (json_int_t)m->trap.vmentry,
			"hypercall_ps", (json_int_t)m->trap.hypercall,
			"sdei_dispatch_ps", (json_int_t)m->trap.sdei_dispatch,
			"irq_complete_ps", (json_int_t)m->trap.irq_complete));
	json_object_set_new(host, "fault_latency_ps", report_hist_json(&m->stats.fault_latency));
	json_object_set_new(host, "major_fault_latency_ps", report_hist_json(&m->stats.major_latency));
	json_object_set_new(root, "host", host);
	if (m->proto && m->proto->report_json)
		json_object_set_new(root, "apf", m->proto->report_json(&m->proto_env));
	if (m->cfg->migration.mode != MIG_NONE)
		json_object_set_new(root, "migration", migration_json(&m->mig, m->end_ps));
	json_t *inj = faults_json(&m->faults);
	if (inj)
		json_object_set_new(root, "faults", inj);
	return root;
}

void report_account_summary(const struct machine *m, FILE *out)
{
	char name[32];

	fprintf(out, "\ntime account (sums to the simulated time per vCPU, to the lifetime per task):\n");
	for (uint32_t i = 0; i < m->nvcpus; i++) {
		snprintf(name, sizeof(name), "vcpu %u", i);
		report_account_lines(out, name, &m->vcpus[i].acct, vcpu_buckets, VB_COUNT, m->end_ps);
	}
	for (uint32_t i = 0; i < m->sched.ntasks; i++) {
		const struct task *t = &m->sched.tasks[i];

		snprintf(name, sizeof(name), "%.12s", t->name);
		report_account_lines(out, name, &t->acct, task_buckets, TB_COUNT, report_task_lifetime(t, m->end_ps));
	}
}

void report_summary(const struct machine *m, FILE *out)
{
	const struct apf_config *c = m->cfg;
	char t0[32], t1[32], t2[32], t3[32];

	report_fmt_time(m->end_ps, t0, sizeof(t0));
	fprintf(out, "apfsim: %s  protocol %s  seed %" PRIu64 "  simulated %s  (%" PRIu64 " events)\n\n",
		c->path, c->protocol, c->seed, t0, m->sim.events_run);

	fprintf(out, "%-20s %5s %14s %-14s %12s %12s %12s %8s\n", "task", "vcpu", "progress", "unit",
		"cpu", "stall", "parked", "faults");
	for (uint32_t i = 0; i < m->sched.ntasks; i++) {
		const struct task *t = &m->sched.tasks[i];
		report_fmt_time(t->cpu_ps, t0, sizeof(t0));
		report_fmt_time(t->stall_ps, t1, sizeof(t1));
		report_fmt_time(t->parked_ps, t2, sizeof(t2));
		/* Not exited: the state it ended in, as the JSON's tasks[].state
		 * ("new" reads "not started": its start lies past the end). */
		fprintf(out, "%-20s %5u %14" PRIu64 " %-14s %12s %12s %12s %8" PRIu64 "%s%s%s\n", t->name,
			t->vcpu, t->progress, t->wl->progress_unit, t0, t1, t2, t->faults,
			t->state == TASK_EXITED ? "" : "  (",
			t->state == TASK_EXITED ? "" : t->state == TASK_NEW ? "not started" : task_state_name(t->state),
			t->state == TASK_EXITED ? "" : ")");
	}

	fprintf(out, "\n%-6s %12s %12s %12s %10s %10s\n", "vcpu", "guest", "host", "idle", "exits",
		"switches");
	for (uint32_t i = 0; i < m->nvcpus; i++) {
		const struct vcpu *v = &m->vcpus[i];
		report_fmt_time(v->guest_ps, t0, sizeof(t0));
		report_fmt_time(v->host_ps, t1, sizeof(t1));
		report_fmt_time(v->idle_ps, t3, sizeof(t3));
		fprintf(out, "%-6u %12s %12s %12s %10" PRIu64 " %10" PRIu64 "\n", v->id, t0, t1, t3,
			v->exits, v->switches);
	}

	report_account_summary(m, out);

	const struct hostmem_stats *hs = &m->hm.stats;
	const struct fault_classes *fc = &m->stats.cls;
	fprintf(out, "\nmemory: faults %" PRIu64 " (user %" PRIu64 ", kernel %" PRIu64 "): minor %" PRIu64
		" (swap cache %" PRIu64 "), zero-fill %" PRIu64 ", major %" PRIu64 ", async %" PRIu64
		", repeated %" PRIu64 "\n",
		m->stats.faults, m->stats.faults_user, m->stats.faults_kernel, fc->minor, fc->swapcache,
		fc->zero_fill, fc->major, fc->async, fc->repeated);
	fprintf(out, "        swap-ins %" PRIu64 " + readahead %" PRIu64 " pages in %" PRIu64
		" reads (%s), write-backs %" PRIu64 ", reclaims %" PRIu64
		", peak resident %" PRIu64 " of %" PRIu64 " pages (limit %" PRIu64 ")\n",
		hs->major, hs->readahead, m->swap.stats.reads, cfg_swap_device_names[c->host.swap.device],
		hs->writebacks, hs->reclaims, hs->peak_resident, m->hm.npages, m->hm.limit);
	fprintf(out, "\nlatency:\n");
	report_pct_line(out, "fault (exit->entry)", 22, &m->stats.fault_latency);
	report_pct_line(out, "major fault", 22, &m->stats.major_latency);
	report_pct_line(out, "swap-in (queue+io)", 22, &m->swap.stats.read_total);
	if (m->proto && m->proto->report_summary)
		m->proto->report_summary(&m->proto_env, out);
	migration_summary(&m->mig, m->end_ps, out);
	faults_summary(&m->faults, out);
}
