/* cpu_dl.h — libunicorn and libcapstone, opened when cpu/ first needs them.
 *
 * Loading the two libraries costs a process ~20 ms (libunicorn is linked
 * BIND_NOW and exports the symbols of every architecture it emulates, ~30 000
 * bindings; capstone's tables carry ~77 000 relocations), more than a whole
 * sync run of quickstart.yaml takes.  Runs without guest code never create an
 * engine, so apfsim does not link either library: cpu_dl_unicorn() opens
 * libunicorn when the first engine is created, cpu_dl_capstone() opens
 * libcapstone when the first instruction is disassembled (instruction
 * traces, guest fault reports).  docs/performance.md, twelfth round.
 *
 * Every call of cpu/ into the two libraries goes through the tables below.
 * The #defines keep the APIs' own names in the code: uc_reg_read(...) is
 * cpu_uc.reg_read(...).  A call that bypassed them could not link.
 *
 * Invariant: a table's pointers are used only after its loader returned
 * true (cpu_create and cpu_disasm_open check it); each loader runs once per
 * process (pthread_once) and then keeps its answer.
 */
#ifndef APFSIM_CPU_CPU_DL_H
#define APFSIM_CPU_CPU_DL_H

#include <stdbool.h>
#include <stddef.h>

#include <capstone/capstone.h>
#include <unicorn/unicorn.h>

/* The libraries' own prototypes give the pointer types (GCC/Clang
 * __typeof__), so a mismatch cannot compile. */
struct cpu_uc_api {
	__typeof__(&uc_version) version;
	__typeof__(&uc_open) open;
	__typeof__(&uc_close) close;
	__typeof__(&uc_strerror) strerror;
	__typeof__(&uc_ctl) ctl;
	__typeof__(&uc_emu_start) emu_start;
	__typeof__(&uc_emu_stop) emu_stop;
	__typeof__(&uc_reg_read) reg_read;
	__typeof__(&uc_reg_write) reg_write;
	__typeof__(&uc_reg_read_batch) reg_read_batch;
	__typeof__(&uc_reg_write_batch) reg_write_batch;
	__typeof__(&uc_hook_add) hook_add;
	__typeof__(&uc_hook_del) hook_del;
	__typeof__(&uc_mem_map_ptr) mem_map_ptr;
	__typeof__(&uc_mem_unmap) mem_unmap;
	__typeof__(&uc_mmio_map) mmio_map;
	__typeof__(&uc_context_alloc) context_alloc;
	__typeof__(&uc_context_save) context_save;
	__typeof__(&uc_context_restore) context_restore;
	__typeof__(&uc_context_free) context_free;
};

struct cpu_cs_api {
	__typeof__(&cs_open) open;
	__typeof__(&cs_close) close;
	__typeof__(&cs_option) option;
	__typeof__(&cs_disasm) disasm;
	__typeof__(&cs_free) free;
	__typeof__(&cs_reg_name) reg_name;
};

extern struct cpu_uc_api cpu_uc;
extern struct cpu_cs_api cpu_cs;

/* Open libunicorn (its SONAME, found by the dynamic loader's usual search)
 * and fill cpu_uc.  False with a one-line reason in err when the library or
 * one of its functions is missing; every later call gives the same answer. */
bool cpu_dl_unicorn(char *err, size_t errlen);
/* The same for libcapstone and cpu_cs. */
bool cpu_dl_capstone(char *err, size_t errlen);

/* Called by cpu_dl_unicorn with the library's handle, before any engine
 * exists: cpu_storefix.c finds Unicorn's own definitions of the functions
 * it interposes there (dlsym on the handle skips the program's). */
void cpu_storefix_resolve(void *unicorn_handle);

#ifndef CPU_DL_NO_RENAME
#define uc_version (cpu_uc.version)
#define uc_open (cpu_uc.open)
#define uc_close (cpu_uc.close)
#define uc_strerror (cpu_uc.strerror)
#define uc_ctl (cpu_uc.ctl)
#define uc_emu_start (cpu_uc.emu_start)
#define uc_emu_stop (cpu_uc.emu_stop)
#define uc_reg_read (cpu_uc.reg_read)
#define uc_reg_write (cpu_uc.reg_write)
#define uc_reg_read_batch (cpu_uc.reg_read_batch)
#define uc_reg_write_batch (cpu_uc.reg_write_batch)
#define uc_hook_add (cpu_uc.hook_add)
#define uc_hook_del (cpu_uc.hook_del)
#define uc_mem_map_ptr (cpu_uc.mem_map_ptr)
#define uc_mem_unmap (cpu_uc.mem_unmap)
#define uc_mmio_map (cpu_uc.mmio_map)
#define uc_context_alloc (cpu_uc.context_alloc)
#define uc_context_save (cpu_uc.context_save)
#define uc_context_restore (cpu_uc.context_restore)
#define uc_context_free (cpu_uc.context_free)
#define cs_open (cpu_cs.open)
#define cs_close (cpu_cs.close)
#define cs_option (cpu_cs.option)
#define cs_disasm (cpu_cs.disasm)
#define cs_free (cpu_cs.free)
#define cs_reg_name (cpu_cs.reg_name)
#endif

#endif
