/* guest.h — private header of the aarch64 guest kernel image: hypervisor
 * and simulator calls, system-register and MMIO accessors, and the entry
 * points shared between the assembly and the C files.
 *
 * Conventions every guest C file relies on (see docs/guest-abi.md):
 *   - compiled with -mgeneral-regs-only -ffixed-x18: C code never touches
 *     FP/SIMD registers or x18.  The IRQ entry therefore keeps the
 *     interrupted x0-x17/x30 in v0-v9 and the SDEI entry keeps x30 in v16,
 *     instead of storing them (each guest store costs ~40 ns or more in
 *     Unicorn 2.0.1, UNICORN-NOTES.md §5b);
 *   - SMCCC calls follow SMCCC 1.1: x0-x3 results, x4-x17 preserved;
 *   - the simulator call preserves every register but x0;
 *   - the vCPUs are serialised by the simulator, so plain loads and stores
 *     suffice for data another CPU may touch (no exclusives, no barriers).
 */
#ifndef APFSIM_GUEST_GUEST_H
#define APFSIM_GUEST_GUEST_H

#include "guest_abi.h"

#ifndef __aarch64__
#error "guest.h is for the aarch64 guest image only; the host includes guest_abi.h"
#endif

extern struct guest_percpu guest_percpu[GUEST_MAX_CPUS];
extern struct guest_task guest_tasks[GUEST_NR_TASK_SLOTS];
extern struct guest_boot_params guest_boot_params;
extern char guest_sdei_entry[];

struct smccc_res {
	uint64_t a0, a1, a2, a3;
};

/* SMCCC 1.1 call through `hvc #0` (the conduit KVM offers its guests). */
static inline struct smccc_res smccc_hvc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3,
					 uint64_t a4, uint64_t a5)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	register uint64_t x4 __asm__("x4") = a4;
	register uint64_t x5 __asm__("x5") = a5;
	struct smccc_res r;

	__asm__ volatile("hvc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 : "r"(x4), "r"(x5)
			 : "memory");
	r.a0 = x0;
	r.a1 = x1;
	r.a2 = x2;
	r.a3 = x3;
	return r;
}

/* The vendor-hyp ASYNC_PF function with sub-function `sub` (§2.2). */
static inline struct smccc_res apf_hvc(uint64_t sub, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = GUEST_SMCCC_VENDOR_HYP_KVM_ASYNC_PF;
	register uint64_t x1 __asm__("x1") = sub;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	struct smccc_res r;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	r.a0 = x0;
	r.a1 = x1;
	r.a2 = x2;
	r.a3 = x3;
	return r;
}

/* An apfsim hypercall (APFSIM_HC_*, guest_abi.h): SMCCC 1.1 fast call with
 * two arguments; x0-x3 come back, everything else is preserved. */
static inline struct smccc_res apfsim_hc(uint32_t fn, uint64_t a1, uint64_t a2)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3");
	struct smccc_res r;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "=r"(x3) : : "memory");
	r.a0 = x0;
	r.a1 = x1;
	r.a2 = x2;
	r.a3 = x3;
	return r;
}

/* The simulator call (guest_abi.h): the host may rewrite guest memory
 * (task flags, current task), hence the memory clobber. */
static inline uint64_t simcall(uint64_t nr, uint64_t a1, uint64_t a2)
{
	register uint64_t x0 __asm__("x0") = nr;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;

	__asm__ volatile("hvc %[imm]"
			 : "+r"(x0)
			 : "r"(x1), "r"(x2), [imm] "i"(GUEST_SIMCALL_IMM)
			 : "memory");
	return x0;
}

static inline void guest_warn(uint32_t code, uint64_t arg)
{
	simcall(SIMCALL_WARN, code, arg);
}

#define read_sysreg(reg)                                              \
	({                                                            \
		uint64_t __v;                                         \
		__asm__ volatile("mrs %0, " #reg : "=r"(__v) : : "memory"); \
		__v;                                                  \
	})
#define write_sysreg(reg, v) \
	__asm__ volatile("msr " #reg ", %0" : : "r"((uint64_t)(v)) : "memory")
#define isb() __asm__ volatile("isb" : : : "memory")

static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)addr = v;
}

static inline void mmio_write8(uint64_t addr, uint8_t v)
{
	*(volatile uint8_t *)(uintptr_t)addr = v;
}

/* gic.c */
void gic_cpu_init(uint32_t cpu);
void gic_ppi_enable(uint32_t cpu, uint32_t intid);
void gic_ppi_disable(uint32_t cpu, uint32_t intid);
uint64_t gic_sgi1r_self(uint32_t cpu, uint32_t sgi);

/* sdei_client.c */
int sdei_client_init(void);
void sdei_client_register_other(struct guest_percpu *pc);
int64_t sdei_event_register(uint64_t event, uint64_t entry, uint64_t arg);
int64_t sdei_event_enable(uint64_t event);
int64_t sdei_event_disable(uint64_t event);
int64_t sdei_event_unregister(uint64_t event);
int64_t sdei_client_cpu_down(void);
int64_t sdei_client_cpu_up(void);

/* apf.c */
enum guest_boot_status apf_init_cpu(struct guest_percpu *pc);
int apf_page_not_present(struct guest_percpu *pc);
/* Inlined into both IRQ handlers (LTO) so they stay leaf functions: no
 * prologue stores, no callee-saved registers. */
__attribute__((always_inline)) void apf_page_ready(struct guest_percpu *pc);
void apf_cpu_down(struct guest_percpu *pc);
enum guest_boot_status apf_cpu_up(struct guest_percpu *pc);

/* x86_apf.c: the x86-semantics driver (GUEST_BOOT_X86), in .x86.text. */
extern char guest_x86_vectors[];
enum guest_boot_status x86_apf_init_cpu(struct guest_percpu *pc);
void x86_apf_cpu_down(struct guest_percpu *pc);
enum guest_boot_status x86_apf_cpu_up(struct guest_percpu *pc);

/* Entry points called from the assembly (sched_glue.c, sdei_client.c,
 * x86_apf.c). */
void guest_start_kernel(uint32_t cpu, struct guest_percpu *pc, uint64_t kstack_top);
__attribute__((noreturn)) void guest_cpu_hotplug(struct guest_percpu *pc, uint32_t op);
void guest_el1_irq(struct guest_percpu *pc);
void guest_el0_irq(struct guest_percpu *pc);
void guest_x86_el1_irq(struct guest_percpu *pc);
void guest_x86_el0_irq(struct guest_percpu *pc);
int guest_x86_el1_sync(struct guest_percpu *pc);
int guest_x86_el0_sync(struct guest_percpu *pc);

/* ---- shared by both drivers' exception handlers ------------------------- */

#define GIC_INTID_SPURIOUS 1023

extern char guest_idle_check[], guest_idle_wfi_done[];

/* An exception taken inside the idle loop's rollback region (boot.S)
 * resumes at the need-resched test rather than at the WFI. */
static inline void idle_rollback(uint64_t elr)
{
	if (elr - (uint64_t)(uintptr_t)guest_idle_check <
	    (uint64_t)(guest_idle_wfi_done - guest_idle_check))
		write_sysreg(ELR_EL1, (uint64_t)(uintptr_t)guest_idle_check);
}

/* The return-to-user work, IRQs masked: TIF_ASYNC_PF before TIF_NEED_RESCHED
 * (§2.8).  `current` is re-read after each simulator call, which may switch
 * tasks only by ending the run, so it is in fact the same task throughout. */
static inline void ret_to_user_work(struct guest_percpu *pc)
{
	for (;;) {
		uint32_t flags = guest_tasks[pc->current].flags;

		if (flags & GUEST_TIF_ASYNC_PF)
			simcall(SIMCALL_SCHEDULE, GUEST_SCHED_PARK, 0);
		else if (flags & GUEST_TIF_NEED_RESCHED)
			simcall(SIMCALL_SCHEDULE, GUEST_SCHED_YIELD, 0);
		else
			break;
	}
}
int guest_sdei_handler(uint64_t event, struct guest_percpu *pc, uint64_t pc_at, uint64_t pstate);

#endif
