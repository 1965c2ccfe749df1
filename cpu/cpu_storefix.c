/* cpu_storefix.c — guest stores to pages without code skip Unicorn 2.0.1's
 * code-invalidation lock.
 *
 * The problem (UNICORN-NOTES.md §5b, upstream issue unicorn-engine#1970):
 * Unicorn 2.0.1 stubs out QEMU's dirty-memory bitmap, so every writable RAM
 * page keeps TLB_NOTDIRTY and every guest store takes the slow path that
 * exists to catch self-modifying code: it builds a lock set of the written
 * page (page_collection_lock: a malloc'd set and tree, ~45 ns with the
 * frees), asks whether translated code lies under the bytes written
 * (tb_invalidate_phys_page_fast) and drops the set again.  For a page that
 * never held translated code the answer is always "nothing to invalidate":
 * the set is built for nothing.  Upstream fixed the class later by setting
 * TLB_NOTDIRTY only for executable pages (PR #2337, after 2.1.4).
 *
 * The fix here has the same effect for pages without code, from outside the
 * library.  libunicorn calls its own global functions through its PLT (it is
 * built -fPIC without -Bsymbolic; checked with objdump: every call to the
 * four functions below goes through @plt), so a definition in the program
 * that links it takes those calls (ELF symbol interposition, as a program's
 * own malloc does; cpu_dl.c opens the library so that this still holds).
 * Each definition forwards to Unicorn's (dlsym on the library's handle)
 * and only adds:
 *
 *   get_page_addr_code   records the page of every address Unicorn fetches
 *                        code from, before any block of it is translated
 *                        (tb_gen_code asks for both pages of a block);
 *   page_collection_lock for a range of pages none of which was ever
 *                        recorded, returns a marker instead of a lock set;
 *   tb_invalidate_phys_page_fast / page_collection_unlock
 *                        do nothing for the marker.
 *
 * Invariant: the marker is only ever handed out for pages that hold no
 * translated block, because a block exists only after its pages were
 * recorded, and a record is never removed (a flush leaves it: conservative).
 * For such pages Unicorn's own functions would find no block to invalidate
 * and would not touch the set, so skipping them changes nothing but time.
 * Records are kept per 4 KiB of Unicorn's RAM address space (ram_addr_t),
 * coarser than the 1 KiB target page (§5g), and shared by every engine of
 * the process, which again can only make a page look like code when it is
 * not.  Self-modifying guest code still works: its pages are recorded the
 * first time they are executed, and every later store to them takes
 * Unicorn's full path (CpuTest.SelfModifyingCodeIsRetranslated... in tests/cpu_test.cc).
 *
 * The fast path is used only when the library is Unicorn 2.0, the real
 * functions resolve, and get_page_addr_code was seen to be interposed (a
 * program linked so that only some of the definitions take effect never
 * uses it); APFSIM_UNICORN_STORE_FIX=0 turns it off, cpu_storefix_set() too
 * (for benchmarks).  Outputs are the same either way: only host time moves.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpu/cpu.h"
#include "cpu/cpu_dl.h"

/* Unicorn 2.0.1's signatures (qemu/include/exec/exec-all.h and
 * translate-all.h); the opaque types are only passed through. */
typedef uint64_t (*get_page_addr_code_fn)(void *env, uint64_t addr);
typedef void *(*page_collection_lock_fn)(void *uc, uint64_t start, uint64_t end);
typedef void (*page_collection_unlock_fn)(void *set);
typedef void (*tb_invalidate_phys_page_fast_fn)(void *uc, void *pages, uint64_t start, int len,
						uintptr_t retaddr);

static struct {
	get_page_addr_code_fn page_addr_code;
	page_collection_lock_fn lock;
	page_collection_unlock_fn unlock;
	tb_invalidate_phys_page_fast_fn invalidate_fast;
	bool usable;		/* Unicorn 2.0 and all four resolved */
	bool enabled;		/* APFSIM_UNICORN_STORE_FIX / cpu_storefix_set */
	bool interposed;	/* our get_page_addr_code has been called */
} sf;

/* Returned by page_collection_lock for pages without code; never
 * dereferenced by anyone (see the invariant above). */
static char storefix_marker;
#define STOREFIX_MARKER ((void *)&storefix_marker)

static __thread struct cpu_storefix_stats sf_stats;

/* Code records: one bit per 4 KiB of RAM address, in chunks of 4 KiB of
 * bits (128 MiB of RAM address each) allocated on first use; 8 192 chunks
 * cover 1 TiB.  Addresses beyond count as code. */
#define SF_GRAIN_BITS 12
#define SF_CHUNK_BITS 15
#define SF_CHUNKS 8192u
#define SF_CHUNK_WORDS ((1u << SF_CHUNK_BITS) / 64u)

static uint64_t *sf_chunk[SF_CHUNKS];

/* Grain g's word in its chunk, and its bit in that word. */
static inline uint64_t *sf_word(uint64_t *chunk, uint64_t g)
{
	return &chunk[(g & ((1u << SF_CHUNK_BITS) - 1)) / 64u];
}

static inline uint64_t sf_bit(uint64_t g)
{
	return 1ull << (g % 64u);
}

/* Unicorn's own definitions, from the library's handle (cpu_dl.c calls this
 * once, right after opening libunicorn and before any engine exists, so the
 * four pointers are set before Unicorn can call through them). */
void cpu_storefix_resolve(void *unicorn)
{
	unsigned major = 0, minor = 0;

	sf.page_addr_code = (get_page_addr_code_fn)dlsym(unicorn, "get_page_addr_code_aarch64");
	sf.lock = (page_collection_lock_fn)dlsym(unicorn, "page_collection_lock_aarch64");
	sf.unlock = (page_collection_unlock_fn)dlsym(unicorn, "page_collection_unlock_aarch64");
	sf.invalidate_fast =
		(tb_invalidate_phys_page_fast_fn)dlsym(unicorn, "tb_invalidate_phys_page_fast_aarch64");
	uc_version(&major, &minor);
	sf.usable = major == 2 && minor == 0 && sf.page_addr_code && sf.lock && sf.unlock &&
		    sf.invalidate_fast;
}

/* The switch is read before anything else can set it (cpu_storefix_set). */
__attribute__((constructor)) static void sf_init(void)
{
	const char *env = getenv("APFSIM_UNICORN_STORE_FIX");

	sf.enabled = !(env && strcmp(env, "0") == 0);
}

/* Unicorn called one of our definitions but the real one is missing: no
 * way to go on correctly. */
static void sf_missing(const char *name)
{
	fprintf(stderr, "apfsim: cpu_storefix: %s_aarch64 not found in libunicorn\n", name);
	abort();
}

static void sf_record(uint64_t ram_addr)
{
	uint64_t g = ram_addr >> SF_GRAIN_BITS;
	uint64_t c = g >> SF_CHUNK_BITS;
	uint64_t *chunk, bit, *w;

	if (c >= SF_CHUNKS)
		return;		/* counted as code by sf_any_code anyway */
	chunk = __atomic_load_n(&sf_chunk[c], __ATOMIC_ACQUIRE);
	if (!chunk) {
		uint64_t *fresh = calloc(SF_CHUNK_WORDS, sizeof(uint64_t));

		if (!fresh) {
			/* Cannot record: no page may be called code-free any more. */
			__atomic_store_n(&sf.usable, false, __ATOMIC_RELAXED);
			return;
		}
		if (__atomic_compare_exchange_n(&sf_chunk[c], &chunk, fresh, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			chunk = fresh;
		else
			free(fresh);	/* another thread published first: chunk is it */
	}
	w = sf_word(chunk, g);
	bit = sf_bit(g);
	if (!(__atomic_load_n(w, __ATOMIC_RELAXED) & bit))
		__atomic_fetch_or(w, bit, __ATOMIC_RELAXED);
}

/* Was code ever fetched from a 4 KiB grain that [start, end] touches?
 * (end inclusive, as page_collection_lock treats it.) */
static bool sf_any_code(uint64_t start, uint64_t end)
{
	for (uint64_t g = start >> SF_GRAIN_BITS; g <= end >> SF_GRAIN_BITS; g++) {
		uint64_t c = g >> SF_CHUNK_BITS;
		uint64_t *chunk;

		if (c >= SF_CHUNKS)
			return true;
		chunk = __atomic_load_n(&sf_chunk[c], __ATOMIC_ACQUIRE);
		if (chunk && (__atomic_load_n(sf_word(chunk, g), __ATOMIC_RELAXED) & sf_bit(g)))
			return true;
	}
	return false;
}

uint64_t get_page_addr_code_aarch64(void *env, uint64_t addr);
uint64_t get_page_addr_code_aarch64(void *env, uint64_t addr)
{
	uint64_t ram_addr;

	if (!sf.page_addr_code)
		sf_missing("get_page_addr_code");
	ram_addr = sf.page_addr_code(env, addr);
	if (ram_addr != UINT64_MAX)
		sf_record(ram_addr);
	if (!__atomic_load_n(&sf.interposed, __ATOMIC_RELAXED))
		__atomic_store_n(&sf.interposed, true, __ATOMIC_RELAXED);
	return ram_addr;
}

void *page_collection_lock_aarch64(void *uc, uint64_t start, uint64_t end);
void *page_collection_lock_aarch64(void *uc, uint64_t start, uint64_t end)
{
	if (!sf.lock)
		sf_missing("page_collection_lock");
	if (cpu_storefix_active() && end >= start && !sf_any_code(start, end)) {
		sf_stats.skipped++;
		return STOREFIX_MARKER;
	}
	sf_stats.locked++;
	return sf.lock(uc, start, end);
}

void tb_invalidate_phys_page_fast_aarch64(void *uc, void *pages, uint64_t start, int len,
					  uintptr_t retaddr);
void tb_invalidate_phys_page_fast_aarch64(void *uc, void *pages, uint64_t start, int len,
					  uintptr_t retaddr)
{
	if (pages == STOREFIX_MARKER)
		return;
	if (!sf.invalidate_fast)
		sf_missing("tb_invalidate_phys_page_fast");
	sf.invalidate_fast(uc, pages, start, len, retaddr);
}

void page_collection_unlock_aarch64(void *set);
void page_collection_unlock_aarch64(void *set)
{
	if (set == STOREFIX_MARKER)
		return;
	if (!sf.unlock)
		sf_missing("page_collection_unlock");
	sf.unlock(set);
}

/* The flags are read and written with relaxed atomics: an embedder may run
 * engines on several threads, and each thread's own records are what make
 * its skips safe, not the order it sees the flags change in. */
bool cpu_storefix_active(void)
{
	return __atomic_load_n(&sf.usable, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&sf.enabled, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&sf.interposed, __ATOMIC_RELAXED);
}

bool cpu_storefix_set(bool on)
{
	return __atomic_exchange_n(&sf.enabled, on, __ATOMIC_RELAXED);
}

void cpu_storefix_stats(struct cpu_storefix_stats *out)
{
	*out = sf_stats;
}
