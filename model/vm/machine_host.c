/* machine_host.c — what the host layer may ask of the VM (host_vm_ops,
 * model/host/host.h): the machine fills its `struct host_parts` and
 * installs this table at build, before any host part is initialised.
 * Each hook is the machine-side half of a host action: the vCPU loop,
 * the protocol's ops table and the guest platform stay above the host. */
#include "model/vm/machine.h"

#include "model/apf/protocol.h"

static bool vm_flush(void *ctx, uint32_t vcpu, uint32_t *dropped)
{
	struct machine *m = ctx;

	if (!m->proto->flush)
		return false;
	*dropped = m->proto->flush(&m->proto_env, vcpu);
	return true;
}

static bool vm_cr0_pg_toggle(void *ctx, uint32_t vcpu, uint32_t *dropped)
{
	struct machine *m = ctx;

	if (!m->proto->cr0_pg_toggle)
		return false;
	*dropped = m->proto->cr0_pg_toggle(&m->proto_env, vcpu);
	return true;
}

static bool vm_sdei_signal(void *ctx, uint32_t vcpu, uint64_t event, int *r)
{
	struct machine *m = ctx;

	if (!m->plat)
		return false;
	*r = vcpu_sdei_signal(m, vcpu, event);
	return true;
}

static void vm_kick(void *ctx, uint32_t vcpu)
{
	struct machine *m = ctx;

	vcpu_kick(&m->vcpus[vcpu]);
}

static void vm_hotplug_request(void *ctx, uint32_t vcpu, uint32_t op, sim_time_t len)
{
	struct machine *m = ctx;

	vcpu_hotplug_request(&m->vcpus[vcpu], op, len);
}

static void vm_progress(void *ctx, uint64_t *dst)
{
	const struct machine *m = ctx;

	for (uint32_t i = 0; i < m->sched.ntasks; i++)
		dst[i] = m->sched.tasks[i].progress;
}

static const char *vm_task_name(void *ctx, uint32_t task)
{
	const struct machine *m = ctx;

	return m->sched.tasks[task].name;
}

static void vm_pause(void *ctx, sim_time_t until)
{
	struct machine *m = ctx;

	m->paused_until = until;
	for (uint32_t i = 0; i < m->nvcpus; i++)
		vcpu_pause(&m->vcpus[i]);
}

static void vm_switch_over(void *ctx)
{
	struct machine *m = ctx;

	m->paused_until = 0;
	if (m->proto->migrate)
		m->proto->migrate(&m->proto_env);
	vcpu_sdei_migrate(m);
}

static void vm_unpause(void *ctx)
{
	struct machine *m = ctx;

	for (uint32_t i = 0; i < m->nvcpus; i++)
		vcpu_unpause(&m->vcpus[i]);
}

static bool vm_vcpu_waiting(void *ctx, uint32_t vcpu, uint64_t *gfn)
{
	const struct machine *m = ctx;

	*gfn = m->vcpus[vcpu].fault_gfn;
	return m->vcpus[vcpu].waiting_io;
}

static void vm_page_resident(void *ctx, uint64_t gfn)
{
	vcpu_page_resident(ctx, gfn);
}

static void vm_fail(void *ctx, const char *msg)
{
	struct machine *m = ctx;

	machine_fail(m, m->sim.now, "%s", msg);
}

static const struct host_vm_ops machine_host_ops = {
	.flush = vm_flush,
	.cr0_pg_toggle = vm_cr0_pg_toggle,
	.sdei_signal = vm_sdei_signal,
	.kick = vm_kick,
	.hotplug_request = vm_hotplug_request,
	.progress = vm_progress,
	.task_name = vm_task_name,
	.pause = vm_pause,
	.switch_over = vm_switch_over,
	.unpause = vm_unpause,
	.vcpu_waiting = vm_vcpu_waiting,
	.page_resident = vm_page_resident,
	.fail = vm_fail,
};

void machine_host_parts(struct machine *m)
{
	m->host = (struct host_parts){
		.cfg = m->cfg,
		.sim = &m->sim,
		.tracer = &m->tracer,
		.hm = &m->hm,
		.swap = &m->swap,
		.workers = &m->workers,
		.mig = &m->mig,
		.faults = &m->faults,
		.nvcpus = m->nvcpus,
		.ntasks = m->sched.ntasks,
		.vmexit = m->trap.vmexit,
		.vm = &machine_host_ops,
		.vm_ctx = m,
	};
}
