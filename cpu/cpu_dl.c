/* cpu_dl.c — opens libunicorn and libcapstone on first use (see cpu_dl.h).
 *
 * libunicorn is opened RTLD_GLOBAL and its functions are looked up in the
 * global scope, so a preloaded wrapper (scripts/uc_calls.c) still sees every
 * call, as it did when apfsim linked the library.  Unicorn's calls to the
 * four functions cpu_storefix.c defines still reach the program's
 * definitions: a library opened later resolves its symbols in the global
 * scope first, where the program comes first, provided the program exports
 * them (CMakeLists.txt: --export-dynamic-symbol, a link option of
 * apfsim_core).
 */
#define _GNU_SOURCE
#define CPU_DL_NO_RENAME
#include "cpu/cpu_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifndef APFSIM_UNICORN_SONAME
#define APFSIM_UNICORN_SONAME "libunicorn.so.2"
#endif
#ifndef APFSIM_CAPSTONE_SONAME
#define APFSIM_CAPSTONE_SONAME "libcapstone.so.4"
#endif

struct cpu_uc_api cpu_uc;
struct cpu_cs_api cpu_cs;

/* One library: where to find it, what to fill, and the answer once known. */
struct dl_lib {
	const char *soname;
	const char *prefix;		/* "uc_" or "cs_" */
	const char *const *names;	/* the table's members, in order */
	size_t n;			/* how many */
	void **slots;			/* the table, as an array of pointers */
	void (*loaded)(void *handle);	/* NULL or a hook run after filling */
	pthread_once_t once;
	bool ok;
	char why[256];
};

/* The tables hold only function pointers, one per name, in this order. */
static const char *const uc_names[] = {
	"version", "open", "close", "strerror", "ctl", "emu_start", "emu_stop", "reg_read",
	"reg_write", "reg_read_batch", "reg_write_batch", "hook_add", "hook_del", "mem_map_ptr",
	"mem_unmap", "mmio_map", "context_alloc", "context_save", "context_restore", "context_free",
};
static const char *const cs_names[] = {
	"open", "close", "option", "disasm", "free", "reg_name",
};

_Static_assert(sizeof(cpu_uc) == sizeof(uc_names) / sizeof(uc_names[0]) * sizeof(void *),
	       "uc_names[] names every member of struct cpu_uc_api");
_Static_assert(sizeof(cpu_cs) == sizeof(cs_names) / sizeof(cs_names[0]) * sizeof(void *),
	       "cs_names[] names every member of struct cpu_cs_api");

static struct dl_lib dl_unicorn = {
	.soname = APFSIM_UNICORN_SONAME,
	.prefix = "uc_",
	.names = uc_names,
	.n = sizeof(uc_names) / sizeof(uc_names[0]),
	.slots = (void **)&cpu_uc,
	.loaded = cpu_storefix_resolve,
	.once = PTHREAD_ONCE_INIT,
};
static struct dl_lib dl_capstone = {
	.soname = APFSIM_CAPSTONE_SONAME,
	.prefix = "cs_",
	.names = cs_names,
	.n = sizeof(cs_names) / sizeof(cs_names[0]),
	.slots = (void **)&cpu_cs,
	.once = PTHREAD_ONCE_INIT,
};

static void dl_open(struct dl_lib *l)
{
	void *h = dlopen(l->soname, RTLD_NOW | RTLD_GLOBAL);
	char sym[64];

	if (!h) {
		snprintf(l->why, sizeof(l->why), "cannot load %s: %s", l->soname, dlerror());
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		snprintf(sym, sizeof(sym), "%s%s", l->prefix, l->names[i]);
		/* RTLD_DEFAULT: the global scope, a preloaded wrapper first. */
		l->slots[i] = dlsym(RTLD_DEFAULT, sym);
		if (!l->slots[i]) {
			snprintf(l->why, sizeof(l->why), "%s has no %s", l->soname, sym);
			memset(l->slots, 0, l->n * sizeof(void *));
			return;
		}
	}
	if (l->loaded)
		l->loaded(h);
	l->ok = true;
}

static void open_unicorn(void)
{
	dl_open(&dl_unicorn);
}

static void open_capstone(void)
{
	dl_open(&dl_capstone);
}

static bool dl_answer(const struct dl_lib *l, char *err, size_t errlen)
{
	if (!l->ok && err && errlen)
		snprintf(err, errlen, "%s", l->why);
	return l->ok;
}

bool cpu_dl_unicorn(char *err, size_t errlen)
{
	pthread_once(&dl_unicorn.once, open_unicorn);
	return dl_answer(&dl_unicorn, err, errlen);
}

bool cpu_dl_capstone(char *err, size_t errlen)
{
	pthread_once(&dl_capstone.once, open_capstone);
	return dl_answer(&dl_capstone, err, errlen);
}
