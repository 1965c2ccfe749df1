/* hostmem.h — host memory backing the guest: one byte of state per guest
 * page in a flat array (never a malloc per page).
 *
 * A page is ABSENT until the guest first touches it (the host then
 * allocates and clears it: a zero-fill fault), RESIDENT while it occupies
 * host memory, MAPPED while stage 2 maps it (a resident page may be
 * unmapped: the next access is a minor fault), SWAPPED when reclaim pushed
 * it out (the next access needs a swap-in: a major fault), INFLIGHT while a
 * swap-in is under way.  Invariants: MAPPED implies RESIDENT; RESIDENT,
 * SWAPPED and INFLIGHT exclude each other; resident <= limit after every
 * call.
 *
 * A memory cgroup limit below the VM size forces reclaim when a page is
 * made resident: CLOCK (second chance on the referenced bit) or exact LRU
 * (a doubly linked list in flat index arrays).  Evicting a dirty page
 * costs a write-back submitted to the swap device; a clean page that still
 * has its swap copy is dropped for free.
 *
 * Swap slots (docs/scenario.md, "Swap readahead and the swap cache"): a
 * page evicted dirty gets the next free slot of a swap area of 2 x npages
 * slots, so pages swapped out one after another sit in consecutive slots.
 * A page keeps its slot while its swap copy is valid (swapped, in flight,
 * or resident and clean); a write frees it, as Linux frees the swap entry
 * of a page it dirties.  Invariant: slot[g] != HM_NO_SLOT implies
 * owner[slot[g]] == g.  A swap-in reads the faulting page and every other
 * swapped page in its aligned window of `window` slots (readahead); those
 * others land in the swap cache: resident, clean, unmapped, flagged `ra`
 * until a fault maps them (a minor fault: a swap-cache hit).
 */
#ifndef APFSIM_MODEL_HOSTMEM_H
#define APFSIM_MODEL_HOSTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	HM_RESIDENT = 1u << 0,
	HM_MAPPED = 1u << 1,
	HM_SWAPPED = 1u << 2,
	HM_INFLIGHT = 1u << 3,
	HM_DIRTY = 1u << 4,	/* differs from its swap copy (or has none) */
	HM_REF = 1u << 5,	/* referenced since the CLOCK hand last passed */
	HM_REMOTE = 1u << 6,	/* still at the migration source (postcopy) */
	HM_MIGDIRTY = 1u << 7,	/* written since the migration last sent it */
};

enum hm_fault_kind {
	HM_FAULT_NONE,		/* mapped: no fault */
	HM_FAULT_MINOR,		/* resident, not mapped in stage 2 */
	HM_FAULT_ZERO,		/* never touched: allocate and clear */
	HM_FAULT_MAJOR,		/* swapped out: needs I/O */
	HM_FAULT_INFLIGHT,	/* swap-in (or postcopy fetch) already under way */
	HM_FAULT_REMOTE,	/* postcopy: the page is still at the source */
};

#define HM_NO_SLOT UINT32_MAX

struct hostmem_stats {
	uint64_t zero_fills;
	uint64_t minor;
	uint64_t major;		/* swap-ins started for faults */
	uint64_t readahead;	/* pages read ahead with them */
	uint64_t swapcache_hits; /* faults mapping a page read ahead (minor) */
	uint64_t readahead_unused; /* pages read ahead, evicted before any fault */
	uint64_t reclaims;	/* pages evicted */
	uint64_t writebacks;	/* evictions of dirty pages */
	uint64_t peak_resident;
	uint64_t thp_fills;	/* 2 MiB zero-fills (host.thp) */
};

struct hostmem {
	uint64_t npages;
	uint64_t limit;		/* pages; npages or more = unlimited */
	uint64_t resident;
	uint8_t *st;
	uint32_t policy;	/* enum reclaim_policy */
	uint64_t hand;		/* CLOCK hand */
	uint32_t *lru_prev, *lru_next;	/* LRU only; head = most recent */
	uint32_t lru_head, lru_tail;
	uint32_t *slot;		/* per page; NULL until the first slot is needed */
	uint32_t *owner;	/* per slot */
	uint8_t *ra;		/* per page: read ahead, not yet mapped */
	uint64_t nslots, next_slot;
	bool no_slots;		/* allocation failed: no readahead, no seeks */
	struct hostmem_stats stats;
	uint32_t batch;		/* pages one reclaim at the limit evicts (>= 1) */
	/* Called for each dirty page evicted (submit the write-back; the
	 * page's slot is hostmem_slot()). */
	void (*writeback)(void *ctx, uint64_t gfn);
	/* Around one reclaim's evictions (the block plug): writebacks
	 * between plug(true) and plug(false) are submitted at the latter. */
	void (*plug)(void *ctx, bool on);
	void *wb_ctx;
};

int hostmem_init(struct hostmem *hm, uint64_t npages, uint64_t limit_pages, uint32_t policy,
		 char *err, size_t errlen);
void hostmem_fini(struct hostmem *hm);

static inline bool hostmem_mapped(const struct hostmem *hm, uint64_t gfn)
{
	return hm->st[gfn] & HM_MAPPED;
}

/* An access that hit a mapped page: referenced (and dirty on write). */
void hostmem_access(struct hostmem *hm, uint64_t gfn, bool write);
enum hm_fault_kind hostmem_classify(const struct hostmem *hm, uint64_t gfn);
/* Allocate a zeroed page (zero-fill fault); evicts first when at the limit. */
void hostmem_zero_fill(struct hostmem *hm, uint64_t gfn);
#define HM_THP_PAGES 512u	/* 2 MiB / 4 KiB */
/* THP: zero-fill and map the 2 MiB-aligned range around gfn when every
 * page of it is still untouched (a huge page); otherwise gfn alone.
 * Returns the pages filled (HM_THP_PAGES or 1).  The pages are then
 * ordinary 4 KiB pages: reclaim splits the huge page as the 2020-21
 * kernels do before swap-out. */
uint32_t hostmem_zero_fill_huge(struct hostmem *hm, uint64_t gfn);
/* Start a demand swap-in (a fault's): SWAPPED -> INFLIGHT, counted in
 * stats.major (the report's host.swap.swap_ins). */
void hostmem_swapin_start(struct hostmem *hm, uint64_t gfn);
/* Start a read that is not a fault's (the migration source sending a
 * swapped page): SWAPPED -> INFLIGHT, counted by the caller. */
void hostmem_read_start(struct hostmem *hm, uint64_t gfn);
/* Start the swap-in of gfn (SWAPPED) and of every other SWAPPED page whose
 * slot lies in gfn's aligned window of `window` slots (a power of two, at
 * most max): all become INFLIGHT, the others flagged as readahead.  Fills
 * gfns in slot order and *slot with the first slot (UINT64_MAX when gfn
 * has none); returns the number of pages (>= 1). */
uint32_t hostmem_swapin_cluster(struct hostmem *hm, uint64_t gfn, uint32_t window, uint32_t *gfns,
				uint32_t max, uint64_t *slot);
/* The page's swap slot, or UINT64_MAX. */
uint64_t hostmem_slot(const struct hostmem *hm, uint64_t gfn);
/* A fault maps this resident page: true if it was read ahead and not yet
 * mapped (a swap-cache hit, counted). */
bool hostmem_swapcache_hit(struct hostmem *hm, uint64_t gfn);
/* Swap-in finished: INFLIGHT -> RESIDENT (clean); evicts first when needed. */
void hostmem_swapin_done(struct hostmem *hm, uint64_t gfn);
/* Change the cgroup limit; evicts down to it at once (a pressure spike). */
void hostmem_set_limit(struct hostmem *hm, uint64_t pages);
/* Postcopy switch-over: the page stays at the source (not resident here). */
void hostmem_make_remote(struct hostmem *hm, uint64_t gfn);
/* Postcopy: a fault requested a remote page (REMOTE -> INFLIGHT|REMOTE). */
void hostmem_fetch_start(struct hostmem *hm, uint64_t gfn);
/* Postcopy: the page arrived from the source; false if it already had
 * (a page is delivered at most once). */
bool hostmem_remote_arrived(struct hostmem *hm, uint64_t gfn);
/* Map a resident page into stage 2. */
void hostmem_map(struct hostmem *hm, uint64_t gfn);
/* Mark every page swapped (a cold start with the VM image on swap). */
void hostmem_prefill_swapped(struct hostmem *hm);
/* Make pages [0, n) resident and mapped (clean, as if read from swap), the
 * rest swapped; n is capped at the limit. */
void hostmem_prefill_resident(struct hostmem *hm, uint64_t n);

#endif
