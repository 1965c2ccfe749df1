/* machine_proto.c — what the protocol may ask of the machine
 * (protocol_machine_ops, model/apf/protocol.h): the machine fills its
 * `struct protocol_env` and installs this table at build, before
 * protocol_ops.init.  The vCPU loop, the guest platform, host memory and
 * the worker pool stay where they are; the protocol reaches them here. */
#include "model/vm/machine.h"

#include "model/vm/platform.h"
#include "model/vm/vcpu_guest.h"

static sim_time_t pm_now(void *ctx, uint32_t i)
{
	const struct machine *m = ctx;

	if (m->running_vcpu == &m->vcpus[i] || m->stepping == &m->vcpus[i])
		return vcpu_guest_now(&m->vcpus[i]);
	return m->sim.now;
}

static const struct task *pm_cur(void *ctx, uint32_t i)
{
	const struct machine *m = ctx;

	return m->vcpus[i].cur;
}

static bool pm_task_kernel(const struct task *t)
{
	return t && t->kernel;
}

static uint32_t pm_task_id(const struct task *t)
{
	return t ? t->id : TRACE_NO_TASK;
}

static bool pm_kickable(void *ctx, uint32_t i)
{
	const struct machine *m = ctx;
	const struct vcpu *v = &m->vcpus[i];

	return !(m->running_vcpu == v || m->stepping == v || !m->started);
}

static void pm_kick(void *ctx, uint32_t i)
{
	struct machine *m = ctx;

	vcpu_kick(&m->vcpus[i]);
}

static bool pm_idle(void *ctx, uint32_t i)
{
	const struct machine *m = ctx;

	return m->vcpus[i].state == VCPU_IDLE;
}

static bool pm_apf_halted(void *ctx, uint32_t i)
{
	const struct machine *m = ctx;

	return m->vcpus[i].apf_halted;
}

static bool pm_guest_wfi(void *ctx, uint32_t i)
{
	const struct machine *m = ctx;

	return m->vcpus[i].guest_wfi;
}

static bool pm_fault_el1(void *ctx, uint32_t i)
{
	const struct machine *m = ctx;

	return m->vcpus[i].fault_el1;
}

static void pm_count_irq_ack(void *ctx, uint32_t i)
{
	struct machine *m = ctx;

	m->vcpus[i].irq_acks++;
}

static void pm_fault_sync(void *ctx, uint32_t i, struct task *t, uint64_t page)
{
	struct machine *m = ctx;

	vcpu_fault_sync(&m->vcpus[i], t, page);
}

static void pm_fault_resume(void *ctx, uint32_t i)
{
	struct machine *m = ctx;

	vcpu_fault_resume(&m->vcpus[i]);
}

static void pm_fault_halt(void *ctx, uint32_t i)
{
	struct machine *m = ctx;

	vcpu_fault_halt(&m->vcpus[i]);
}

static bool pm_needs_io(void *ctx, uint64_t page)
{
	struct machine *m = ctx;
	enum hm_fault_kind kind = hostmem_classify(&m->hm, page);

	return kind == HM_FAULT_MAJOR || kind == HM_FAULT_INFLIGHT || kind == HM_FAULT_REMOTE;
}

/* kvm_arch_async_page_ready's replay as a prefault: map the page when it
 * is (still) resident, so the retried access does not exit again. */
static void pm_prefault(void *ctx, uint64_t page)
{
	struct machine *m = ctx;

	if (hostmem_classify(&m->hm, page) == HM_FAULT_MINOR)
		hostmem_map(&m->hm, page);
}

static void pm_work_submit(void *ctx, uint32_t i, void *work, uint64_t page)
{
	struct machine *m = ctx;

	workers_submit(&m->workers, i, work, page);
}

static bool pm_work_cancel(void *ctx, const void *work)
{
	struct machine *m = ctx;

	return workers_cancel(&m->workers, work);
}

static bool pm_inject_draw(void *ctx, uint32_t i, double p, enum fault_kind kind, uint64_t arg)
{
	struct machine *m = ctx;

	if (!faults_draw(&m->faults, p))
		return false;
	faults_record(&m->faults, i, kind, arg);
	return true;
}

static void *pm_guest_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
	struct machine *m = ctx;

	return platform_guest_ptr(m->plat, gpa, (size_t)len);
}

static void pm_charge_hypercall(void *ctx, uint32_t i)
{
	struct machine *m = ctx;

	vcpu_guest_charge(&m->vcpus[i], m->trap.hypercall);
}

static struct sdei *pm_sdei(void *ctx)
{
	struct machine *m = ctx;

	return platform_sdei(m->plat);
}

static struct gic *pm_gic(void *ctx)
{
	struct machine *m = ctx;

	return platform_gic(m->plat);
}

static const struct protocol_machine_ops machine_proto_ops = {
	.now = pm_now,
	.cur = pm_cur,
	.task_kernel = pm_task_kernel,
	.task_id = pm_task_id,
	.kickable = pm_kickable,
	.kick = pm_kick,
	.idle = pm_idle,
	.apf_halted = pm_apf_halted,
	.guest_wfi = pm_guest_wfi,
	.fault_el1 = pm_fault_el1,
	.count_irq_ack = pm_count_irq_ack,
	.fault_sync = pm_fault_sync,
	.fault_resume = pm_fault_resume,
	.fault_halt = pm_fault_halt,
	.needs_io = pm_needs_io,
	.prefault = pm_prefault,
	.work_submit = pm_work_submit,
	.work_cancel = pm_work_cancel,
	.inject_draw = pm_inject_draw,
	.guest_ptr = pm_guest_ptr,
	.charge_hypercall = pm_charge_hypercall,
	.sdei = pm_sdei,
	.gic = pm_gic,
};

/* The worker pool finished a fault-in: the protocol's completion. */
static void machine_work_done(void *ctx, const struct worker_job *job, uint32_t worker)
{
	struct machine *m = ctx;

	if (m->proto->work_done)
		m->proto->work_done(&m->proto_env, job->vcpu, job->work, worker);
}

void machine_proto_env(struct machine *m)
{
	m->proto_env = (struct protocol_env){
		.cfg = m->cfg,
		.proto = m->proto,
		.sim = &m->sim,
		.tracer = &m->tracer,
		.nvcpus = m->nvcpus,
		.err = m->err,
		.err_len = sizeof(m->err),
		.cls = &m->stats.cls,
		.ready_to_run = &m->stats.ready_to_run,
		.parked = &m->stats.parked,
		.vm = &machine_proto_ops,
		.vm_ctx = m,
	};
	m->workers.complete = machine_work_done;
	m->workers.ctx = m;
}
