/* platform.c — builds the guest platform (RAM, image, vCPUs, GICv3, SDEI,
 * SMCCC) and routes every exit of the aarch64 guest kernel to the right
 * host model.  Interfaces: model/vm/platform.h; the guest side of the
 * contract: workloads/guest/guest_abi.h and docs/guest-abi.md.
 *
 * Protocol references: docs/reference.md §2.2 (SMCCC/SDEI numbers), §2.3 (the
 * shared buffer), §2.7 e (SDEI delivery and completion), §2.8 (the guest
 * driver these exits come from); §3.4/§3.6 for the x86-semantics driver
 * (apfsim hypercalls, the async #PF as a synchronous exception).
 *
 * Invariants:
 *   - every Unicorn engine stays at EL1 (UNICORN-NOTES.md §2).  A vCPU in
 *     user mode keeps its user PC/PSTATE here, never in the engine;
 *   - entries from user mode start on the CPU's empty kernel stack
 *     (guest_percpu.kstack_top), as SP_EL1 would be on real hardware;
 *   - a host op that ends a run records why in vcpu->pending before it
 *     returns CPU_STOP, and run_loop() reports exactly that reason.
 *
 * The platform is cut by block: platform_internal.h lists the files.  This
 * one creates and destroys the platform and holds the accessors.
 */
#define _DEFAULT_SOURCE	/* MAP_ANONYMOUS */
#include "model/vm/platform.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu/cpu.h"
#include "gic/gic.h"
#include "guest_image.h"
#include "guest_image_touch.h"
#include "sdei/sdei.h"
#include "smccc/smccc.h"

#include "model/vm/platform_internal.h"

_Static_assert(GUEST_GICD_BASE == GIC_DIST_BASE, "guest_abi.h GICD base == gic/gic.h");
_Static_assert(GUEST_GICR_BASE == GIC_REDIST_BASE, "guest_abi.h GICR base == gic/gic.h");
_Static_assert(GUEST_GICR_STRIDE == GIC_REDIST_STRIDE, "guest_abi.h GICR stride == gic/gic.h");
_Static_assert(GUEST_MAX_CPUS <= GIC_MAX_CPUS, "GIC affinity covers every guest CPU");
_Static_assert(GUEST_SDEI_EVENT_COMPLETE == SDEI_EVENT_COMPLETE, "SDEI numbering (docs/reference.md §2.2)");
_Static_assert(GUEST_SMCCC_VENDOR_HYP_KVM_ASYNC_PF == SMCCC_VENDOR_HYP_KVM_ASYNC_PF_FUNC_ID,
	       "ASYNC_PF function ID agrees with smccc/");

void plat_set_err(struct platform *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
}

/* ---- creation ------------------------------------------------------------- */

/* Guest RAM buffers kept between the machines of one process, zeroed
 * (MADV_DONTNEED: untouched again, zero on the next touch, as a new
 * mapping).  The vCPU engines the pool of cpu/cpu_pool.c keeps still map
 * the buffer they ran on; taking the most recently freed buffer first
 * gives each new machine the buffer its reused engines map, so none is
 * remapped.  Not thread-safe, like that pool. */
#define PLAT_RAM_POOL 8
static void *plat_ram_pool[PLAT_RAM_POOL];
static unsigned plat_ram_n;

static void *plat_ram_take(void)
{
	void *ram;

	if (plat_ram_n > 0)
		return plat_ram_pool[--plat_ram_n];
	ram = mmap(NULL, GUEST_KERNEL_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return ram == MAP_FAILED ? NULL : ram;
}

static void plat_ram_give(void *ram)
{
	if (plat_ram_n < PLAT_RAM_POOL && madvise(ram, GUEST_KERNEL_SIZE, MADV_DONTNEED) == 0)
		plat_ram_pool[plat_ram_n++] = ram;
	else
		munmap(ram, GUEST_KERNEL_SIZE);
}

/* [addr, addr + len) lies inside the kernel region, computed without wrapping. */
static bool in_kernel_region(uint64_t addr, uint64_t len)
{
	return addr >= GUEST_RAM_BASE && len <= GUEST_KERNEL_SIZE &&
	       addr - GUEST_RAM_BASE <= GUEST_KERNEL_SIZE - len;
}

int platform_check_image(const struct cpu_image *img, const char *what, struct platform_syms *out,
			 char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t off;
		uint64_t size;		/* bytes the platform reads or writes there; 4 = code */
	} required[] = {
		{ GUEST_SYM_BOOT, offsetof(struct platform_syms, boot), 4 },
		{ GUEST_SYM_VECTORS, offsetof(struct platform_syms, vectors), 0x800 },
		{ GUEST_SYM_SDEI_ENTRY, offsetof(struct platform_syms, sdei_entry), 4 },
		{ GUEST_SYM_RET_TO_USER, offsetof(struct platform_syms, ret_to_user), 4 },
		{ GUEST_SYM_IDLE, offsetof(struct platform_syms, idle), 4 },
		{ GUEST_SYM_PERCPU, offsetof(struct platform_syms, percpu),
		  (uint64_t)GUEST_MAX_CPUS * sizeof(struct guest_percpu) },
		{ GUEST_SYM_TASKS, offsetof(struct platform_syms, tasks),
		  (uint64_t)GUEST_NR_TASK_SLOTS * sizeof(struct guest_task) },
		{ GUEST_SYM_BOOT_PARAMS, offsetof(struct platform_syms, boot_params),
		  sizeof(struct guest_boot_params) },
	};
	struct platform_syms s = { 0 };
	size_t i;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		uint64_t *dst = (uint64_t *)((char *)&s + required[i].off);

		if (cpu_image_symbol(img, required[i].name, dst) != 0) {
			snprintf(err, errlen, "%s: required symbol '%s' is missing (docs/guest-abi.md)", what,
				 required[i].name);
			return -1;
		}
		if (!in_kernel_region(*dst, required[i].size)) {
			snprintf(err, errlen, "%s: %s at 0x%" PRIx64 " (%" PRIu64 " bytes) must lie in the "
				 "kernel region [0x%llx, 0x%llx)", what, required[i].name, *dst,
				 required[i].size, GUEST_RAM_BASE, GUEST_RAM_BASE + GUEST_KERNEL_SIZE);
			return -1;
		}
	}
	if (cpu_image_symbol(img, GUEST_SYM_HOTPLUG, &s.hotplug) != 0)
		s.hotplug = 0;
	else if (!in_kernel_region(s.hotplug, 4)) {
		snprintf(err, errlen, "%s: %s at 0x%" PRIx64 " must lie in the kernel region [0x%llx, 0x%llx)",
			 what, GUEST_SYM_HOTPLUG, s.hotplug, GUEST_RAM_BASE, GUEST_RAM_BASE + GUEST_KERNEL_SIZE);
		return -1;
	}
	if (cpu_image_symbol(img, GUEST_SYM_USER_LOAD, &s.user_load) != 0 || !in_kernel_region(s.user_load, 4))
		s.user_load = 0;
	if (cpu_image_symbol(img, GUEST_SYM_TOUCH_GPA, &s.touch_gpa) != 0 ||
	    !in_kernel_region(s.touch_gpa, (uint64_t)GUEST_NR_TASK_SLOTS * sizeof(uint64_t)) || (s.touch_gpa & 7))
		s.touch_gpa = 0;
	if (cpu_image_symbol(img, GUEST_SYM_TOUCH_END, &s.touch_end) != 0 || !in_kernel_region(s.touch_end, 8) ||
	    (s.touch_end & 7))
		s.touch_end = 0;
	if (s.vectors & 0x7FF) {
		snprintf(err, errlen, "%s: guest_vectors at 0x%" PRIx64 " is not 2 KiB aligned", what, s.vectors);
		return -1;
	}
	if ((s.percpu & 63) || (s.tasks & 3) || (s.boot_params & 3)) {
		snprintf(err, errlen, "%s: guest_percpu must be 64-byte aligned, guest_tasks and "
			 "guest_boot_params 4-byte aligned", what);
		return -1;
	}
	*out = s;
	return 0;
}

static int load_image(struct platform *p)
{
	const char *what = p->cfg.guest_image ? p->cfg.guest_image : "built-in guest image";
	char msg[256];

	if (p->cfg.guest_image)
		p->img = cpu_image_load_file(p->cfg.guest_image, msg, sizeof(msg));
	else if (p->cfg.touch_image)
		p->img = cpu_image_load_memory(apfsim_guest_touch_elf, apfsim_guest_touch_elf_size, msg,
					       sizeof(msg));
	else
		p->img = cpu_image_load_memory(apfsim_guest_elf, apfsim_guest_elf_size, msg, sizeof(msg));
	if (!p->img) {
		plat_set_err(p, "%s: %s", what, msg);
		return -1;
	}
	if (platform_check_image(p->img, what, &p->sym, msg, sizeof(msg))) {
		plat_set_err(p, "%s", msg);
		return -1;
	}
	if (cpu_image_place_zeroed(p->img, p->ram, GUEST_RAM_BASE, GUEST_KERNEL_SIZE, msg, sizeof(msg))) {
		plat_set_err(p, "%s: %s", what, msg);
		return -1;
	}
	return 0;
}

static void init_shared_memory(struct platform *p)
{
	struct guest_boot_params *bp = platform_boot_params(p);
	uint32_t t;

	bp->flags = p->cfg.boot_flags;
	bp->ncpus = p->cfg.ncpus;
	for (t = 0; t < GUEST_NR_TASK_SLOTS; t++) {
		struct guest_task *task = platform_task(p, t);

		task->flags = 0;
		task->state = GUEST_TASK_UNUSED;
		task->cpu = 0;
		task->wait_ref = GUEST_NO_WAIT;
	}
	/* Handler-touch image: the end of the user window plat_map_user_window
	 * maps, i.e. of guest RAM (no handler load at or past it). */
	if (p->sym.touch_end)
		*(uint64_t *)(void *)((char *)p->ram + (p->sym.touch_end - GUEST_RAM_BASE)) =
			GUEST_USER_BASE + (p->cfg.user_size & ~0xFFFull);
}

struct platform *platform_create(const struct platform_config *cfg, char *err, size_t errlen)
{
	struct platform *p;
	char msg[256];
	unsigned i;

	if (cfg->ncpus == 0 || cfg->ncpus > GUEST_MAX_CPUS) {
		snprintf(err, errlen, "platform: %u vCPUs requested, 1..%u supported", cfg->ncpus,
			 GUEST_MAX_CPUS);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "platform: out of memory");
		return NULL;
	}
	p->cfg = *cfg;
	if (!p->cfg.cntfrq)
		p->cfg.cntfrq = PLATFORM_DEFAULT_CNTFRQ;
	p->sdei_event = cfg->sdei_event ? cfg->sdei_event : KVM_SDEI_ASYNC_PF_NUM;
	p->ops.hvc = plat_hvc;
	p->ops.sysreg_read = plat_sysreg_read;
	p->ops.sysreg_write = plat_sysreg_write;
	p->ops.counter = plat_counter;

	/* Step 1: the kernel region of guest RAM, zeroed, and the image.  An
	 * anonymous mapping is zero and page-aligned, and only the pages the
	 * guest touches become resident: allocating and clearing all 4 MiB
	 * was ~10 % of building an arm64 machine (docs/performance.md). */
	p->ram = plat_ram_take();
	if (!p->ram) {
		plat_set_err(p, "platform: cannot allocate %llu bytes of guest RAM", GUEST_KERNEL_SIZE);
		goto fail;
	}
	if (load_image(p) != 0)
		goto fail;
	init_shared_memory(p);

	/* Step 2: GIC, SDEI (with the APF event: private, critical,
	 * signalable, as KVM declares it, §2.2) and SMCCC. */
	p->gic = gic_create(cfg->ncpus);
	p->sdei = sdei_create(cfg->ncpus);
	if (!p->gic || !p->sdei) {
		plat_set_err(p, "platform: cannot create the GIC or SDEI model");
		goto fail;
	}
	gic_set_irq_changed(p->gic, plat_irq_changed, p);
	if (sdei_add_event(p->sdei, p->sdei_event, SDEI_EVENT_PRIORITY_CRITICAL, true) != 0) {
		plat_set_err(p, "platform: SDEI event 0x%" PRIx64 " is not a valid KVM-virtual event "
			   "(32 bits, bits [23:22] == 1)", p->sdei_event);
		goto fail;
	}
	/* KVM v4 sets SPSR_EL1 only at delivery (docs/reference.md §2.7 e). */
	sdei_set_deliver_writes_elr(p->sdei, false);
	p->smccc = smccc_create(cfg->ncpus, p->sdei, cfg->apf_ops, cfg->apf_ctx);
	if (!p->smccc) {
		plat_set_err(p, "platform: cannot create the SMCCC model");
		goto fail;
	}

	/* Step 3: one engine per vCPU on the shared RAM, GIC frames, and the
	 * return-to-user sentinel. */
	p->v = calloc(cfg->ncpus, sizeof(*p->v));
	if (!p->v) {
		plat_set_err(p, "platform: out of memory");
		goto fail;
	}
	for (i = 0; i < cfg->ncpus; i++) {
		struct platform_vcpu *v = &p->v[i];
		struct cpu_config cc = {
			.index = i,
			.ram = p->ram,
			.ram_base = GUEST_RAM_BASE,
			.ram_size = GUEST_KERNEL_SIZE,
			.cntfrq = p->cfg.cntfrq,
			.ops = &p->ops,
			.ops_ctx = v,
			.insn_trace = cfg->insn_trace,
			/* The built-in images are the same bytes in every
			 * machine of the process: their engines are reused. */
			.code_id = p->cfg.guest_image ? 0 : p->cfg.touch_image ? 2 : 1,
		};
		int nr = cpu_image_code_ranges(p->img, cc.code_range, CPU_MAX_CODE_RANGES);

		if (nr <= 0)
			cc.code_id = 0;
		else
			cc.n_code_ranges = (unsigned)nr;

		v->p = p;
		v->index = i;
		v->cpu = cpu_create(&cc, msg, sizeof(msg));
		if (!v->cpu) {
			plat_set_err(p, "platform: %s", msg);
			goto fail;
		}
		if (plat_map_gic_frames(p, v) != 0)
			goto fail;
		if (p->cfg.touch_image && plat_map_user_window(p, v) != 0)
			goto fail;
		if (cpu_add_sentinel(v->cpu, p->sym.ret_to_user) != 0) {
			plat_set_err(p, "cpu%u: cannot add the sentinel at guest_ret_to_user_eret", i);
			goto fail;
		}
	}
	return p;

fail:
	snprintf(err, errlen, "%s", p->err);
	platform_destroy(p);
	return NULL;
}

void platform_destroy(struct platform *p)
{
	unsigned i;

	if (!p)
		return;
	if (p->v)
		for (i = 0; i < p->cfg.ncpus; i++)
			if (p->v[i].cpu)
				cpu_destroy(p->v[i].cpu);
	free(p->v);
	smccc_destroy(p->smccc);
	sdei_destroy(p->sdei);
	gic_destroy(p->gic);
	if (p->img)
		cpu_image_free(p->img);
	if (p->ram)
		plat_ram_give(p->ram);
	free(p->calls);
	free(p);
}

/* ---- accessors ------------------------------------------------------------ */

uint64_t platform_s2_fault_gpa(const struct platform *p, unsigned cpu)
{
	return cpu < p->cfg.ncpus ? p->v[cpu].s2_gpa : 0;
}

void platform_set_touch_gpa(struct platform *p, uint32_t task, uint64_t gpa)
{
	if (p->sym.touch_gpa && task < GUEST_NR_TASK_SLOTS)
		((uint64_t *)(void *)((char *)p->ram + (p->sym.touch_gpa - GUEST_RAM_BASE)))[task] = gpa;
}

bool platform_in_user(const struct platform *p, unsigned cpu)
{
	return cpu < p->cfg.ncpus && p->v[cpu].in_user;
}

uint64_t platform_user_pc(const struct platform *p, unsigned cpu)
{
	return cpu < p->cfg.ncpus ? p->v[cpu].user_pc : 0;
}

uint32_t platform_user_pstate(const struct platform *p, unsigned cpu)
{
	return cpu < p->cfg.ncpus ? p->v[cpu].user_pstate : 0;
}

uint64_t platform_context_pc(const struct platform *p, unsigned cpu)
{
	if (cpu >= p->cfg.ncpus)
		return 0;
	return p->v[cpu].in_user ? p->v[cpu].user_pc : cpu_pc(p->v[cpu].cpu);
}

uint32_t platform_context_pstate(const struct platform *p, unsigned cpu)
{
	if (cpu >= p->cfg.ncpus)
		return 0;
	return p->v[cpu].in_user ? p->v[cpu].user_pstate : cpu_pstate(p->v[cpu].cpu);
}

const char *platform_error(const struct platform *p)
{
	return p->err;
}

unsigned platform_ncpus(const struct platform *p)
{
	return p->cfg.ncpus;
}

struct guest_percpu *platform_percpu(struct platform *p, unsigned cpu)
{
	return cpu < GUEST_MAX_CPUS ? plat_percpu_of(p, cpu) : NULL;
}

struct guest_task *platform_task(struct platform *p, uint32_t task)
{
	if (task >= GUEST_NR_TASK_SLOTS)
		return NULL;
	return (struct guest_task *)((char *)p->ram + (p->sym.tasks - GUEST_RAM_BASE)) + task;
}

struct guest_boot_params *platform_boot_params(struct platform *p)
{
	return (struct guest_boot_params *)((char *)p->ram + (p->sym.boot_params - GUEST_RAM_BASE));
}

uint64_t platform_symbol(const struct platform *p, const char *name)
{
	uint64_t addr;

	return cpu_image_symbol(p->img, name, &addr) == 0 ? addr : 0;
}

void *platform_guest_ptr(struct platform *p, uint64_t gpa, size_t len)
{
	if (gpa < GUEST_RAM_BASE || len > GUEST_KERNEL_SIZE ||
	    gpa - GUEST_RAM_BASE > GUEST_KERNEL_SIZE - len)
		return NULL;
	return (char *)p->ram + (gpa - GUEST_RAM_BASE);
}

struct cpu *platform_cpu(struct platform *p, unsigned cpu)
{
	return cpu < p->cfg.ncpus ? p->v[cpu].cpu : NULL;
}

struct gic *platform_gic(struct platform *p)
{
	return p->gic;
}

struct sdei *platform_sdei(struct platform *p)
{
	return p->sdei;
}

struct smccc *platform_smccc(struct platform *p)
{
	return p->smccc;
}

uint64_t platform_sdei_event(const struct platform *p)
{
	return p->sdei_event;
}

const struct platform_call *platform_calls(const struct platform *p, size_t *n)
{
	*n = p->ncalls;
	return p->calls;
}

void platform_clear_calls(struct platform *p)
{
	p->ncalls = 0;
}

uint64_t platform_simcall_count(const struct platform *p, unsigned nr)
{
	return nr < PLATFORM_SIMCALL_MAX ? p->simcalls[nr] : 0;
}

uint64_t platform_hypercalls(const struct platform *p)
{
	return p->hypercalls;
}
