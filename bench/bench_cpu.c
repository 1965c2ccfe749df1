/* bench_cpu.c — what one guest store costs in Unicorn 2.0.1, with and
 * without cpu_storefix.c (UNICORN-NOTES.md §5b).
 *
 * cpu.guest_store_ns.storefix_{on,off}: a vCPU runs `str x1, [x2], #8;
 *   subs x3, x3, #1; b.ne` over 1 MiB of data (128 Ki stores per run) and
 *   stops at a sentinel; the figure is wall (or --cpu-time) nanoseconds per
 *   loop iteration, the cpu_run entry included.  The loop's code page is
 *   apart from the data, as in the guest kernel image.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "cpu/cpu.h"

#define BC_BASE 0x40000000ull
#define BC_RAM (4ull << 20)
#define BC_DATA (BC_BASE + (1ull << 20))
#define BC_STORES (128u * 1024u)

static enum cpu_host_action bc_hvc(void *ctx, struct cpu *c, bool smc, uint16_t imm)
{
	(void)ctx;
	(void)c;
	(void)smc;
	(void)imm;
	return CPU_STOP;
}

static bool bc_read(void *ctx, struct cpu *c, uint32_t enc, uint64_t *val)
{
	(void)ctx;
	(void)c;
	(void)enc;
	(void)val;
	return false;
}

static bool bc_write(void *ctx, struct cpu *c, uint32_t enc, uint64_t val,
		     enum cpu_host_action *action)
{
	(void)ctx;
	(void)c;
	(void)enc;
	(void)val;
	(void)action;
	return false;
}

static uint64_t bc_counter(void *ctx, struct cpu *c)
{
	(void)ctx;
	(void)c;
	return 0;
}

static const struct cpu_host_ops bc_ops = { bc_hvc, bc_read, bc_write, bc_counter };

static double bc_store_ns(const struct bench_opts *opts, bool fix)
{
	static const uint32_t loop[] = {
		0xf8008441,	/* str x1, [x2], #8 */
		0xf1000463,	/* subs x3, x3, #1 */
		0x54ffffc1,	/* b.ne -8 */
		0xd503201f,	/* nop: the sentinel */
	};
	struct cpu_config cfg = { 0 };
	char err[256] = "";
	uint8_t *ram = aligned_alloc(4096, BC_RAM);
	struct cpu *c;
	uint64_t stores = 0;
	double t0, ns = -1;
	bool was = cpu_storefix_set(fix);

	if (!ram)
		goto out;
	memset(ram, 0, BC_RAM);
	memcpy(ram, loop, sizeof(loop));
	cfg.ram = ram;
	cfg.ram_base = BC_BASE;
	cfg.ram_size = BC_RAM;
	cfg.cntfrq = 62500000;
	cfg.ops = &bc_ops;
	c = cpu_create(&cfg, err, sizeof(err));
	if (!c || cpu_add_sentinel(c, BC_BASE + 12) != 0) {
		fprintf(stderr, "bench_cpu: %s\n", c ? "cpu_add_sentinel failed" : err);
		cpu_destroy(c);
		goto out;
	}
	t0 = bench_now();
	do {
		cpu_set_pc(c, BC_BASE);
		cpu_set_reg(c, 1, stores);
		cpu_set_reg(c, 2, BC_DATA);
		cpu_set_reg(c, 3, BC_STORES);
		if (cpu_run(c, 0).reason != CPU_STOP_SENTINEL) {
			fprintf(stderr, "bench_cpu: store loop: %s\n", cpu_fault_reason(c));
			cpu_destroy(c);
			goto out;
		}
		stores += BC_STORES;
	} while (stores < opts->min_ops || bench_now() - t0 < opts->min_seconds);
	ns = (bench_now() - t0) * 1e9 / (double)stores;
	cpu_destroy(c);
out:
	cpu_storefix_set(was);
	free(ram);
	return ns;
}

static double bc_store_ns_on(const struct bench_opts *opts)
{
	return bc_store_ns(opts, true);
}

static double bc_store_ns_off(const struct bench_opts *opts)
{
	return bc_store_ns(opts, false);
}

const struct bench_case bench_cpu[] = {
	{ "cpu.guest_store_ns.storefix_on", bc_store_ns_on, "ns/store" },
	{ "cpu.guest_store_ns.storefix_off", bc_store_ns_off, "ns/store" },
	BENCH_END,
};
