/* guest_abi.h — the contract between the aarch64 guest kernel image
 * (workloads/guest/, compiled by clang --target=aarch64-none-elf) and the
 * x86-64 host model (model/vm/platform.c).  Both sides include this file, so it
 * uses fixed-width types only and pins every shared layout with
 * _Static_assert.  Both sides are little-endian.
 *
 * What is shared (docs/guest-abi.md has the full description):
 *   - the guest physical map (kernel region at GUEST_RAM_BASE, GIC frames);
 *   - struct guest_percpu: this CPU's struct kvm_vcpu_pv_apf_data exactly
 *     as docs/reference.md §2.3 lays it out, the current task, the APF waiter
 *     table of §2.8 and guest-side counters;
 *   - struct guest_task: TIF flags (TIF_ASYNC_PF = bit 7, §2.8), the
 *     waiter-table link ("thread.data") and the CPU;
 *   - the simulator call `hvc #GUEST_SIMCALL_IMM` through which guest code
 *     reaches the C scheduler model;
 *   - the names of the symbols the host looks up in the image.
 * SMCCC/SDEI constants are the ones of docs/reference.md §2.2.
 *
 * The image carries a second APF driver with x86 semantics (docs/reference.md
 * §3.6/§3.7), selected by GUEST_BOOT_X86: MSRs and the CPUID feature leaf
 * become apfsim hypercalls (APFSIM_HC_*), the async #PF is a synchronous
 * data abort with DFSC APFSIM_ESR_DFSC_APF and FAR = token, the shared
 * bytes take the x86 layout (§3.2) and sleepers live in a global hash
 * (struct guest_x86_sleepers).
 */
#ifndef APFSIM_GUEST_ABI_H
#define APFSIM_GUEST_ABI_H

/* The assembly files include this header too: C-only parts are guarded
 * by __ASSEMBLER__, and everything asm needs is a plain #define. */
#ifndef __ASSEMBLER__
#include <stdint.h>

/* _Static_assert is C11; C++ (the tests) spells it static_assert. */
#ifdef __cplusplus
#define GUEST_ABI_ASSERT static_assert
#else
#define GUEST_ABI_ASSERT _Static_assert
#endif
#endif

/* ---- guest physical map ------------------------------------------------
 * Guest RAM starts at GUEST_RAM_BASE.  Only the kernel region (the first
 * GUEST_KERNEL_SIZE bytes) is mapped into Unicorn; user memory is modelled
 * in C and guest code never touches it.  The MMU stays off: VA == PA.
 */
#define GUEST_RAM_BASE		0x40000000ULL
#define GUEST_KERNEL_SIZE	0x00400000ULL	/* 4 MiB */
#define GUEST_GICD_BASE		0x08000000ULL	/* == GIC_DIST_BASE (gic/gic.h) */
#define GUEST_GICR_BASE		0x080A0000ULL	/* == GIC_REDIST_BASE */
#define GUEST_GICR_STRIDE	0x00020000ULL	/* RD_base + SGI_base frames */

#define GUEST_MAX_CPUS		512	/* arm64 KVM_MAX_VCPUS of the v4 era */
#define GUEST_MAX_TASKS		1024	/* user tasks; ids 0..GUEST_MAX_TASKS-1 */
/* Each CPU also has an idle task; guest_tasks[] holds both kinds. */
#define GUEST_IDLE_TASK(cpu)	(GUEST_MAX_TASKS + (cpu))
#define GUEST_NR_TASK_SLOTS	(GUEST_MAX_TASKS + GUEST_MAX_CPUS)
#define GUEST_NO_TASK		0xFFFFFFFFu

#define GUEST_STACK_SHIFT	12
#define GUEST_STACK_SIZE	(1 << GUEST_STACK_SHIFT) /* per-CPU kernel stack, aligned */

/* ---- SMCCC / SDEI / APF constants (docs/reference.md §2.2) ------------------ */
#define GUEST_SMCCC_VENDOR_HYP_CALL_UID	0x8600FF01u
#define GUEST_SMCCC_VENDOR_HYP_KVM_FEATURES	0x86000000u
#define GUEST_SMCCC_VENDOR_HYP_KVM_ASYNC_PF	0x86000002u
#define GUEST_SMCCC_KVM_FEATURE_ASYNC_PF	2	/* bit in the FEATURES bitmap */
#define GUEST_KVM_UID_W0	0xb66fb428u
#define GUEST_KVM_UID_W1	0xe911c52eu
#define GUEST_KVM_UID_W2	0x564bcaa9u
#define GUEST_KVM_UID_W3	0x743a004du

#define GUEST_ASYNC_PF_SUB_VERSION	0
#define GUEST_ASYNC_PF_SUB_SLOTS	1
#define GUEST_ASYNC_PF_SUB_SDEI	2
#define GUEST_ASYNC_PF_SUB_IRQ	3
#define GUEST_ASYNC_PF_SUB_ENABLE	4
#define GUEST_ASYNC_PF_SUB_IRQ_ACK	5

#define GUEST_SMCCC_RET_SUCCESS		0
#define GUEST_SMCCC_RET_NOT_SUPPORTED		(-1)
#define GUEST_SMCCC_RET_NOT_REQUIRED		(-2)
#define GUEST_SMCCC_RET_INVALID_PARAMETER	(-3)

#define GUEST_SDEI_VERSION	0xC4000020u
#define GUEST_SDEI_EVENT_REGISTER	0xC4000021u
#define GUEST_SDEI_EVENT_ENABLE	0xC4000022u
#define GUEST_SDEI_EVENT_DISABLE	0xC4000023u
#define GUEST_SDEI_EVENT_COMPLETE	0xC4000025u
#define GUEST_SDEI_EVENT_UNREGISTER	0xC4000027u
#define GUEST_SDEI_PE_MASK	0xC400002Bu
#define GUEST_SDEI_PE_UNMASK	0xC400002Cu
#define GUEST_SDEI_EV_HANDLED		0	/* EVENT_COMPLETE x1: handler result */
#define GUEST_SDEI_EV_FAILED		1
/* The second private event the host can signal (faults.sdei_other): a
 * KVM-virtual number (bits [23:22] == 1) that KVM itself does not use
 * (assumption; KVM declares 0x40400000 and 0x40400001, §2.2).  Its
 * priority is the host's choice (normal or critical). */
#define GUEST_SDEI_OTHER_EVENT		0x40400002u

#define GUEST_KVM_ASYNC_PF_ENABLED		(1u << 0)
#define GUEST_KVM_ASYNC_PF_SEND_ALWAYS	(1u << 1)
#define GUEST_KVM_PV_REASON_PAGE_NOT_PRESENT	1
#define GUEST_KVM_PV_REASON_PAGE_READY	2
#define GUEST_APF_WAKE_ALL_TOKEN		0xFFFFFFFFu

/* ---- x86-semantics driver (docs/reference.md §3.1) ---------------------------
 * apfsim hypercalls: SMCCC fast calls, SMC64, in the range apfsim reserves
 * (Standard Hypervisor Service Calls, OEN 6, 0x100..).  Conduit hvc #0.
 *   MSR_WRITE     x1 = MSR, x2 = value      -> x0 = 0, or -1 (#GP)
 *   MSR_READ      x1 = MSR                  -> x0 = 0 or -1 (#GP), x1 = value
 *   KVM_FEATURES  (none)                    -> x0 = 0, x1 = CPUID 0x40000001 EAX */
#define APFSIM_HC_MSR_WRITE		0xC6000100u
#define APFSIM_HC_MSR_READ		0xC6000101u
#define APFSIM_HC_KVM_FEATURES		0xC6000102u
#define APFSIM_HC_GP			(-1)	/* x0: the MSR access raised #GP */

#define GUEST_KVM_FEATURE_ASYNC_PF	4	/* CPUID 0x40000001 EAX bit numbers */
#define GUEST_KVM_FEATURE_ASYNC_PF_VMEXIT	10
#define GUEST_KVM_FEATURE_ASYNC_PF_INT	14

#define GUEST_MSR_KVM_ASYNC_PF_EN	0x4b564d02u
#define GUEST_MSR_KVM_ASYNC_PF_INT	0x4b564d06u
#define GUEST_MSR_KVM_ASYNC_PF_ACK	0x4b564d07u
/* MSR_KVM_ASYNC_PF_EN bits (GUEST_KVM_ASYNC_PF_ENABLED/SEND_ALWAYS above). */
#define GUEST_KVM_ASYNC_PF_DELIVERY_AS_PF_VMEXIT	(1u << 2)
#define GUEST_KVM_ASYNC_PF_DELIVERY_AS_INT	(1u << 3)
#define GUEST_KVM_ASYNC_PF_RESERVED	(3u << 4)	/* MSR_KVM_ASYNC_PF_EN bits 5:4: #GP */
/* The x86 `flags` word (5.8+): bit 0 = this #PF is an async not-present. */
#define GUEST_KVM_PV_FLAG_PAGE_NOT_PRESENT	(1u << 0)

/* The async #PF as an aarch64 synchronous exception: a data abort (EC 0x24
 * from EL0, 0x25 from EL1), IL set, DFSC 0x34 (IMPLEMENTATION DEFINED fault,
 * the value arm64 RFCv1 used for its async PF); FAR_EL1 = token (x86: CR2). */
#define APFSIM_ESR_EC_SHIFT		26
#define APFSIM_ESR_EC_MASK		0x3Fu
#define APFSIM_ESR_EC_DABT_LOW		0x24u
#define APFSIM_ESR_EC_DABT_CUR		0x25u
#define APFSIM_ESR_IL			(1u << 25)
#define APFSIM_ESR_DFSC_MASK		0x3Fu
#define APFSIM_ESR_DFSC_APF		0x34u
#define APFSIM_ESR_APF(ec)		(((uint32_t)(ec) << APFSIM_ESR_EC_SHIFT) | APFSIM_ESR_IL | \
					 APFSIM_ESR_DFSC_APF)

/* Guest sleeper hash (§3.6): 2^8 global buckets keyed by hash_32(token, 8);
 * one node per user task plus a static pool of dummies. */
#define GUEST_X86_HASH_BITS		8
#define GUEST_X86_HASH_SIZE		(1 << GUEST_X86_HASH_BITS)
#define GUEST_X86_HASH_MUL		0x61C88647u	/* GOLDEN_RATIO_32 */
#define GUEST_X86_NR_DUMMIES		1024
#define GUEST_X86_NR_NODES		(GUEST_MAX_TASKS + GUEST_X86_NR_DUMMIES)
#define GUEST_X86_DUMMY_NODE(d)		(GUEST_MAX_TASKS + (d))
#define GUEST_X86_NIL			0	/* node refs are index + 1; 0 ends a chain */
#define GUEST_X86_REF(idx)		((uint32_t)(idx) + 1)
#define GUEST_X86_NODE_UNHASHED		0	/* guest_x86_node.kind */
#define GUEST_X86_NODE_WAITER		1	/* a task sleeping on `token` */
#define GUEST_X86_NODE_DUMMY		2	/* wake arrived before the wait */
#define GUEST_X86_SLEEPERS_SIZE		(64 + GUEST_X86_HASH_SIZE * 4 + GUEST_X86_NR_NODES * 16)

/* The guest waiter table has 2 x SLOTS entries (§2.2: 128 for SLOTS = 64). */
#define GUEST_APF_MAX_SLOTS	64
#define GUEST_APF_TABLE_SIZE	(2 * GUEST_APF_MAX_SLOTS)

/* Thread-info flags (arm64 numbering; TIF_ASYNC_PF is the series' bit 7). */
#define GUEST_TIF_NEED_RESCHED_BIT	1
#define GUEST_TIF_ASYNC_PF_BIT		7
#define GUEST_TIF_NEED_RESCHED	(1u << GUEST_TIF_NEED_RESCHED_BIT)
#define GUEST_TIF_ASYNC_PF	(1u << GUEST_TIF_ASYNC_PF_BIT)

/* SGI used as the reschedule IPI. */
#define GUEST_SGI_RESCHEDULE	0
/* Priorities the guest programs (5 implemented bits, see gic/gic.h). */
#define GUEST_PMR		0xF0
#define GUEST_IRQ_PRIORITY	0xA0

/* ---- shared memory ---------------------------------------------------- */

/* Offsets and sizes the assembly uses (checked against the structs below). */
#define GUEST_PERCPU_SIZE	1280
#define GUEST_PERCPU_CURRENT	132
#define GUEST_TASK_SHIFT	4	/* sizeof(struct guest_task) == (1 << GUEST_TASK_SHIFT) */
#define GUEST_TASK_FLAGS	0
#define GUEST_BOOT_PARAMS_SIZE	16

#ifndef __ASSEMBLER__

/* struct kvm_vcpu_pv_apf_data (arm64), docs/reference.md §2.3: the host writes
 * token then reason; the guest reads both and clears token then reason.
 * The host maps bytes 0..7 only; `enabled` is guest-private. */
struct kvm_vcpu_pv_apf_data {
	union {
		uint32_t reason;	/* arm64 and x86 legacy: 0 free, 1 page not
					 * present, 2 page ready */
		uint32_t flags;		/* x86 5.8+ (§3.2): bit 0 async not-present */
	};
	uint32_t token;		/* x86 5.8+: page-ready token; legacy: unused */
	uint8_t pad[56];
	uint32_t enabled;	/* 1 after a successful ENABLE */
};

/* One waiter-table entry (§2.8 {token, task, swait_queue}); the wait queue
 * is the scheduler model's business, so an entry is {token, task}.  Empty
 * iff task == GUEST_NO_TASK (token 0 is a valid token, §2.5). */
struct guest_apf_waiter {
	uint32_t token;
	uint32_t task;
};

/* Guest-side counters (monotonic, never reset). */
struct guest_apf_stats {
	/* wakes and acks share one 64-bit word so the page-ready path updates
	 * both with a single store (each guest store costs ~40 ns or more). */
	union {
		struct {
			uint32_t wakes;	 /* waiters removed and woken */
			uint32_t acks;	 /* IRQ_ACK hypercalls issued */
		};
		uint64_t wakes_acks;
	};
	uint32_t bogus_notpresent; /* SDEI with reason != 1 (no clear, -EINVAL) */
	uint32_t add_failures;	 /* table full or task already waiting */
	uint32_t bogus_pageready; /* PPI with reason != 2 (no ACK) */
	uint32_t resched_ipis;	 /* SGI 0 taken */
	uint32_t spurious_irqs;	 /* IAR returned 1023 */
	uint32_t unexpected_irqs; /* any other INTID */
};

/* Counters of the x86-semantics driver (monotonic; each path bumps one). */
struct guest_x86_stats {
	uint32_t waits;		 /* tasks linked into the hash and parked */
	uint32_t dummy_hits;	 /* wait found the dummy: no sleep (wake came first) */
	uint32_t dummies;	 /* dummies inserted by a wake for an unknown token */
	uint32_t dummy_drops;	 /* dummy pool exhausted: wake dropped */
	uint32_t stale_dummies;	 /* dummies unlinked by wake-all or a second wake
				  * (Linux leaks these, §4.6; here they return to
				  * the pool) */
	uint32_t bogus;		 /* ordinary fault / flags 0 / reason 0 / odd flags */
};

/* Per-CPU area, guest_percpu[cpu], 64-byte aligned.  The shared APF buffer
 * sits at offset 0, so its physical address is the one passed to ENABLE and
 * it owns its 64-byte line (plus `enabled` in the next one). */
struct guest_percpu {
	struct kvm_vcpu_pv_apf_data apf;	/* 0: docs/reference.md §2.3 */
	uint8_t pad0[60];			/* 68 -> 128 */
	uint32_t cpu;				/* 128: this CPU's index */
	uint32_t current;			/* 132: running task id */
	uint64_t kstack_top;			/* 136: empty kernel stack SP */
	uint64_t sgi1r_self;			/* 144: ICC_SGI1R_EL1 for SGI 0 to self */
	uint32_t apf_irq;			/* 152: page-ready PPI INTID, 0 = off */
	uint32_t sdei_event;			/* 156: not-present SDEI event number */
	uint32_t wait_capacity;			/* 160: 2 x SLOTS, <= 128 */
	uint32_t wait_count;			/* 164: occupied entries */
	struct guest_apf_stats stats;		/* 168 */
	struct guest_x86_stats x86;		/* 200: x86-semantics driver */
	uint32_t other_sdei;			/* 224: other SDEI events handled */
	uint8_t pad1[28];			/* 228 -> 256 */
	struct guest_apf_waiter waiters[GUEST_APF_TABLE_SIZE]; /* 256 */
} __attribute__((aligned(64)));

/* Per-task state shared by the guest handlers and the C scheduler model.
 * flags and wait_ref share one 64-bit word so the handlers update both
 * with a single store (the vCPUs are serialised, so nobody can observe
 * one without the other). */
struct guest_task {
	union {
		struct {
			uint32_t flags;	   /* GUEST_TIF_* */
			uint32_t wait_ref; /* "thread.data": (cpu << 16) | entry while
					    * in a waiter table, GUEST_NO_WAIT otherwise */
		};
		uint64_t flags_wait;
	};
	uint32_t state;		/* enum guest_task_state; scheduler-owned */
	uint32_t cpu;		/* CPU the task last ran on; scheduler-owned */
};
#define GUEST_NO_WAIT		0xFFFFFFFFu
#define GUEST_WAIT_REF(cpu, idx) (((uint32_t)(cpu) << 16) | (uint32_t)(idx))

/* Task states, written by the scheduler model only (guest code never reads
 * them; they are here so traces and tests name them alike). */
enum guest_task_state {
	GUEST_TASK_UNUSED = 0,
	GUEST_TASK_RUNNING = 1,
	GUEST_TASK_RUNNABLE = 2,
	GUEST_TASK_PARKED = 3,	/* TASK_UNINTERRUPTIBLE on an APF wait */
	GUEST_TASK_SLEEPING = 4,
	GUEST_TASK_EXITED = 5,
};

/* Boot parameters, written by the host before any guest_boot. */
struct guest_boot_params {
	uint32_t flags;		/* GUEST_BOOT_* */
	uint32_t ncpus;
	uint32_t x86_irq;	/* GUEST_BOOT_X86: the PPI INTID used as the
				 * page-ready "vector" (16..31) */
	uint32_t sdei_other;	/* the other SDEI event the host may signal
				 * (GUEST_SDEI_OTHER_EVENT), 0 = none */
};
#define GUEST_BOOT_NO_KVMAPF	(1u << 0)	/* "no-kvmapf": APF off */
#define GUEST_BOOT_X86		(1u << 1)	/* x86-semantics driver, not arm64 */
#define GUEST_BOOT_X86_NO_ACK	(1u << 2)	/* x86: never write MSR_KVM_ASYNC_PF_ACK */
#define GUEST_BOOT_X86_LEGACY	(1u << 3)	/* x86: legacy delivery (§3.7), both via #PF */
#define GUEST_BOOT_NO_IRQ_ACK	(1u << 4)	/* arm64, broken on purpose: page ready
						 * never issues IRQ_ACK */
#define GUEST_BOOT_OFFLINE_WAKE	(1u << 5)	/* arm64, the fix for §4.5: CPU down
						 * wakes this CPU's waiters (as x86) */
/* The handler-touch image only (built with GUEST_VARIANT_TOUCH; the host
 * boots it when protocol.send_always or guest.handler_touches_page asks
 * for it, so the default image runs not one instruction more): */
#define GUEST_BOOT_SEND_ALWAYS	(1u << 6)	/* ENABLE with KVM_ASYNC_PF_SEND_ALWAYS */
#define GUEST_BOOT_TOUCH_NOTPRESENT (1u << 7)	/* the SDEI not-present handler loads
						 * from the parked task's page */
#define GUEST_BOOT_TOUCH_PAGEREADY (1u << 8)	/* the PPI page-ready handler loads from
						 * the woken task's page + GUEST_TOUCH_AHEAD,
						 * before IRQ_ACK */
/* 64 pages: beyond any swap-readahead window of the page just read
 * (vm.page-cluster <= 6, so at most 64 pages, host.swap.page_cluster). */
#define GUEST_TOUCH_AHEAD	(64ull << 12)

/* One sleeper-hash node (§3.6 kvm_task_sleep_node).  Node i < GUEST_MAX_TASKS
 * belongs to task i (it stands for the on-stack node of the task's wait);
 * the others are the dummy pool.  {token, cpu} and {next, kind} are each
 * one 64-bit word, so linking a node costs two stores. */
struct guest_x86_node {
	union {
		struct {
			uint32_t token;
			uint32_t cpu;	/* CPU that hashed it (wake-all is per CPU) */
		};
		uint64_t token_cpu;
	};
	union {
		struct {
			uint32_t next;	/* ref (index + 1) of the next node, GUEST_X86_NIL */
			uint32_t kind;	/* GUEST_X86_NODE_* */
		};
		uint64_t next_kind;
	};
};

/* The global sleeper hash (symbol guest_x86_sleepers).  All-zero is the
 * valid empty state: no boot-time initialisation.  Dummies are taken from
 * the free list, else from the never-used tail [dummy_bump, NR_DUMMIES). */
struct guest_x86_sleepers {
	uint32_t dummy_free;	/* ref of the first recycled dummy, or NIL */
	uint32_t dummy_bump;	/* dummies [0, dummy_bump) were handed out once */
	uint8_t pad[56];
	uint32_t heads[GUEST_X86_HASH_SIZE];	/* 64: bucket chains (refs) */
	struct guest_x86_node nodes[GUEST_X86_NR_NODES]; /* 1088 */
};

GUEST_ABI_ASSERT(sizeof(struct kvm_vcpu_pv_apf_data) == 68, "apf_data size (§2.3)");
GUEST_ABI_ASSERT(__builtin_offsetof(struct kvm_vcpu_pv_apf_data, reason) == 0, "reason@0");
GUEST_ABI_ASSERT(__builtin_offsetof(struct kvm_vcpu_pv_apf_data, token) == 4, "token@4");
GUEST_ABI_ASSERT(__builtin_offsetof(struct kvm_vcpu_pv_apf_data, pad) == 8, "pad@8");
GUEST_ABI_ASSERT(__builtin_offsetof(struct kvm_vcpu_pv_apf_data, enabled) == 64, "enabled@64");
GUEST_ABI_ASSERT(sizeof(struct guest_apf_waiter) == 8, "waiter entry");
GUEST_ABI_ASSERT(sizeof(struct guest_apf_stats) == 32, "stats");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_percpu, stats.wakes_acks) % 8 == 0, "wakes_acks aligned");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_percpu, apf) == 0, "apf@0");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_percpu, cpu) == 128, "cpu@128");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_percpu, current) == GUEST_PERCPU_CURRENT, "current@132");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_percpu, kstack_top) == 136, "kstack_top@136");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_percpu, sgi1r_self) == 144, "sgi1r@144");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_percpu, apf_irq) == 152, "apf_irq@152");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_percpu, wait_capacity) == 160, "cap@160");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_percpu, wait_count) == 164, "count@164");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_percpu, stats) == 168, "stats@168");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_percpu, waiters) == 256, "waiters@256");
GUEST_ABI_ASSERT(sizeof(struct guest_percpu) == GUEST_PERCPU_SIZE, "percpu size");
GUEST_ABI_ASSERT(__alignof__(struct guest_percpu) == 64, "percpu alignment");
GUEST_ABI_ASSERT(sizeof(struct guest_task) == (1 << GUEST_TASK_SHIFT), "task size");
GUEST_ABI_ASSERT(sizeof(struct guest_boot_params) == GUEST_BOOT_PARAMS_SIZE, "boot params size");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_boot_params, x86_irq) == 8, "x86_irq@8");
GUEST_ABI_ASSERT(__builtin_offsetof(struct kvm_vcpu_pv_apf_data, flags) == 0, "x86 flags@0");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_percpu, x86) == 200, "x86 stats@200");
GUEST_ABI_ASSERT(sizeof(struct guest_x86_stats) == 24, "x86 stats");
GUEST_ABI_ASSERT(sizeof(struct guest_x86_node) == 16, "x86 node");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_x86_sleepers, heads) == 64, "heads@64");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_x86_sleepers, nodes) == 64 + 4 * GUEST_X86_HASH_SIZE,
		 "nodes after heads");
GUEST_ABI_ASSERT(sizeof(struct guest_x86_sleepers) == GUEST_X86_SLEEPERS_SIZE, "sleepers size");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_task, flags) == GUEST_TASK_FLAGS, "flags@0");
GUEST_ABI_ASSERT(__builtin_offsetof(struct guest_task, wait_ref) == 4, "wait_ref@4");
#endif /* !__ASSEMBLER__ */

/* ---- simulator call ----------------------------------------------------
 * `hvc #GUEST_SIMCALL_IMM` with x0 = call number, x1/x2 = arguments; the
 * result comes back in x0, every other register is preserved.  The
 * immediate is not 0, so the call can never be mistaken for an SMCCC call
 * (which always uses imm16 0).  The host's C scheduler serves these calls
 * (model/vm/platform.h, struct platform_sched_ops).
 */
#define GUEST_SIMCALL_IMM	0xA5F

/* Call numbers (x0). */
#define SIMCALL_BOOT_DONE	1	/* x1 = enum guest_boot_status */
#define SIMCALL_SCHEDULE	2	/* x1 = GUEST_SCHED_*.  Returns 0 if the
					 * caller keeps the CPU; a task switch
					 * ends the Unicorn run instead. */
#define SIMCALL_WAKE		3	/* x1 = task id whose APF wait ended */
#define SIMCALL_WARN		4	/* x1 = enum guest_warn, x2 = argument */
#define SIMCALL_LOG		5	/* x1 = enum guest_log, x2 = argument */
#define SIMCALL_HOTPLUG_DONE	6	/* x1 = enum guest_boot_status: APF on
					 * this CPU after the guest_hotplug op */

/* SIMCALL_SCHEDULE reasons (x1). */
#define GUEST_SCHED_PARK	1	/* TIF_ASYNC_PF set on return to user (§2.8) */
#define GUEST_SCHED_YIELD	2	/* TIF_NEED_RESCHED set on return to user */
#define GUEST_SCHED_IDLE	3	/* idle loop saw TIF_NEED_RESCHED */
#define GUEST_SCHED_WAIT	4	/* x86 driver: the task's node is hashed,
					 * x2 = token; the scheduler must park it
					 * and switch (§3.6 wait) */

/* guest_hotplug operations (x1).  CPU_DOWN/CPU_UP are the CPU-hotplug
 * callbacks of a CPU going offline / coming back (the APF driver's
 * "online" state, then the SDEI client's PE mask; the reverse on the way
 * up); APF_OFF/APF_ON are the driver's callbacks alone, the CPU staying up
 * (suspend/resume, reboot notifier: APF disabled by the guest). */
#define GUEST_HOTPLUG_CPU_DOWN	1
#define GUEST_HOTPLUG_CPU_UP	2
#define GUEST_HOTPLUG_APF_OFF	3
#define GUEST_HOTPLUG_APF_ON	4

#ifndef __ASSEMBLER__
enum guest_boot_status {
	GUEST_BOOT_APF_ON = 0,	/* APF enabled on this CPU */
	GUEST_BOOT_APF_OFF = 1,	/* APF left off (a WARN or LOG said why) */
};

enum guest_warn {
	GUEST_WARN_UID = 1,		/* x2 = a0: not KVM's vendor-hyp UID */
	GUEST_WARN_FEATURES = 2,	/* x2 = feature bitmap without bit 2 */
	GUEST_WARN_VERSION = 3,		/* x2 = a0 or rejected version */
	GUEST_WARN_SLOTS = 4,		/* x2 = a0 or slot count */
	GUEST_WARN_SDEI = 5,		/* x2 = a0 */
	GUEST_WARN_IRQ = 6,		/* x2 = a0 or INTID outside 16..31 */
	GUEST_WARN_EVENT_REGISTER = 7,	/* x2 = SDEI status */
	GUEST_WARN_EVENT_ENABLE = 8,	/* x2 = SDEI status */
	GUEST_WARN_ENABLE = 9,		/* x2 = a0 of ENABLE */
	GUEST_WARN_BOGUS_NOTIFICATION = 10, /* SDEI, reason != 1; x2 = reason */
	GUEST_WARN_TABLE_FULL = 11,	/* x2 = token */
	GUEST_WARN_ALREADY_WAITING = 12, /* same task, other token; x2 = token */
	GUEST_WARN_BOGUS_INTERRUPT = 13, /* PPI, reason != 2; x2 = reason */
	GUEST_WARN_UNEXPECTED_IRQ = 14,	/* x2 = INTID */
	GUEST_WARN_BAD_SDEI_EVENT = 15,	/* handler entered for x2 = event */
	GUEST_WARN_SDEI_CLIENT = 16,	/* SDEI_VERSION / PE_UNMASK failed; x2 = x0 */
	/* x86-semantics driver */
	GUEST_WARN_X86_FEATURES = 17,	/* x2 = CPUID bits (ASYNC_PF, or INT unless
					 * legacy, missing) or the call's x0 */
	GUEST_WARN_X86_IRQ = 18,	/* boot_params.x86_irq outside 16..31; x2 = it */
	GUEST_WARN_X86_MSR_INT = 19,	/* WRMSR(ASYNC_PF_INT) #GP; x2 = x0 */
	GUEST_WARN_X86_MSR_EN = 20,	/* WRMSR(ASYNC_PF_EN) #GP; x2 = x0 */
	GUEST_WARN_X86_ORDINARY_PF = 21, /* DFSC 0x34 with flags/reason 0 (an
					  * ordinary fault: not modelled); x2 = FAR */
	GUEST_WARN_X86_UNEXPECTED_FLAGS = 22, /* "Unexpected async PF flags"; x2 = flags */
	GUEST_WARN_X86_KERNEL_MODE = 23, /* not-present taken at EL1 (Linux panics:
					  * "Host injected async #PF in kernel
					  * mode"); x2 = token */
	GUEST_WARN_X86_DUMMY_POOL = 24,	/* no free dummy: the wake is dropped; x2 = token */
	GUEST_WARN_X86_ALREADY_WAITING = 25, /* task's node already hashed; x2 = token */
	GUEST_WARN_X86_BAD_TASK = 26,	/* not-present for a non-user task; x2 = task */
	GUEST_WARN_X86_TOKEN_COLLISION = 27, /* wait found another task's node with
					      * its token (§4.6); x2 = token */
};

enum guest_log {
	GUEST_LOG_APF_ENABLED = 1,	/* "Async PF enabled on CPU%d", x2 = cpu */
	GUEST_LOG_APF_DISABLED_CMDLINE = 2, /* "no-kvmapf", x2 = cpu */
};

#endif /* !__ASSEMBLER__ */

/* ---- symbols the host looks up (all required) -------------------------- */
#define GUEST_SYM_BOOT		"guest_boot"	 /* x0 = cpu index, EL1h, DAIF masked */
#define GUEST_SYM_VECTORS	"guest_vectors"	 /* VBAR_EL1, 2 KiB aligned */
#define GUEST_SYM_SDEI_ENTRY	"guest_sdei_entry" /* registered SDEI handler */
#define GUEST_SYM_RET_TO_USER	"guest_ret_to_user_eret" /* sentinel: final eret */
#define GUEST_SYM_IDLE		"guest_idle"	 /* idle loop entry */
#define GUEST_SYM_PERCPU	"guest_percpu"	 /* struct guest_percpu[GUEST_MAX_CPUS] */
#define GUEST_SYM_TASKS		"guest_tasks"	 /* struct guest_task[GUEST_NR_TASK_SLOTS] */
#define GUEST_SYM_BOOT_PARAMS	"guest_boot_params" /* struct guest_boot_params */
/* Optional (inspection only; the host never needs it). */
#define GUEST_SYM_X86_SLEEPERS	"guest_x86_sleepers" /* struct guest_x86_sleepers */
/* Optional: needed only by the CPU-offline and APF-toggle injections.
 * x0 = &guest_percpu[cpu], x1 = GUEST_HOTPLUG_*, SP = the CPU's empty
 * kernel stack, EL1h, DAIF masked; ends with SIMCALL_HOTPLUG_DONE. */
#define GUEST_SYM_HOTPLUG	"guest_hotplug"
/* Handler-touch image only (optional symbols): */
#define GUEST_SYM_USER_LOAD	"guest_user_load" /* x0 = address: one load, ret; a stage-2
					 * fault stops the run and restarts here */
#define GUEST_SYM_TOUCH_GPA	"guest_touch_gpa" /* uint64_t[GUEST_NR_TASK_SLOTS]: per task,
					 * the guest-physical address of the page
					 * of its latest stage-2 fault (host-written:
					 * the model has no guest page tables) */
#define GUEST_SYM_TOUCH_END	"guest_touch_end" /* uint64_t: the end of guest RAM (a
					 * guest-physical address, host-written at
					 * boot); no handler load at or above it */
/* User memory: guest RAM above the kernel region.  Guest code never touches
 * it, except the handler-touch image's guest_user_load (the host maps this
 * window as device memory for that image only). */
#define GUEST_USER_BASE		(GUEST_RAM_BASE + GUEST_KERNEL_SIZE)

#endif
