/* hostmem.c — page residency, reclaim (CLOCK / LRU) and the bookkeeping of
 * zero-fill, minor and major faults.  See hostmem.h for the state rules. */
#include "model/host/hostmem.h"

#include <stdio.h>
#include <stdlib.h>

#include "model/config/config.h"

#define LRU_NIL UINT32_MAX

int hostmem_init(struct hostmem *hm, uint64_t npages, uint64_t limit_pages, uint32_t policy,
		 char *err, size_t errlen)
{
	*hm = (struct hostmem){ 0 };
	if (npages == 0 || npages >= LRU_NIL) {
		snprintf(err, errlen, "guest memory of %llu pages cannot be modelled",
			 (unsigned long long)npages);
		return -1;
	}
	hm->npages = npages;
	hm->limit = limit_pages;
	hm->policy = policy;
	hm->batch = 1;
	hm->st = calloc(npages, 1);
	if (!hm->st)
		goto oom;
	hm->lru_head = hm->lru_tail = LRU_NIL;
	if (policy == RECLAIM_LRU && limit_pages < npages) {
		hm->lru_prev = malloc(npages * sizeof(uint32_t));
		hm->lru_next = malloc(npages * sizeof(uint32_t));
		if (!hm->lru_prev || !hm->lru_next)
			goto oom;
	}
	return 0;
oom:
	hostmem_fini(hm);
	snprintf(err, errlen, "out of memory for the page state of %llu pages",
		 (unsigned long long)npages);
	return -1;
}

void hostmem_fini(struct hostmem *hm)
{
	free(hm->st);
	free(hm->lru_prev);
	free(hm->lru_next);
	free(hm->slot);
	free(hm->owner);
	free(hm->ra);
	hm->st = NULL;
	hm->lru_prev = hm->lru_next = NULL;
	hm->slot = hm->owner = NULL;
	hm->ra = NULL;
}

/* --- swap slots ------------------------------------------------------------ */

/* slot[] and owner[] hold their values XOR HM_NO_SLOT, so all-zero memory
 * reads as HM_NO_SLOT everywhere: calloc hands out untouched zero pages
 * instead of a loop writing 12 bytes per guest page at the first swap-out
 * (4 % of a testsuite-mem run; 192 MB written for a 64 GiB guest). */
static inline uint32_t slot_of(const struct hostmem *hm, uint64_t gfn)
{
	return hm->slot[gfn] ^ HM_NO_SLOT;
}

static inline void slot_set(struct hostmem *hm, uint64_t gfn, uint32_t s)
{
	hm->slot[gfn] = s ^ HM_NO_SLOT;
}

static inline uint32_t owner_of(const struct hostmem *hm, uint64_t s)
{
	return hm->owner[s] ^ HM_NO_SLOT;
}

static inline void owner_set(struct hostmem *hm, uint64_t s, uint32_t gfn)
{
	hm->owner[s] = gfn ^ HM_NO_SLOT;
}

/* The slot arrays are allocated at the first swap-out (a VM that never
 * swaps never pays for them).  False when they cannot be: the model then
 * runs without slots (no readahead, no seek distances). */
static bool slots_ready(struct hostmem *hm)
{
	if (hm->slot)
		return true;
	if (hm->no_slots)
		return false;
	hm->nslots = 2 * hm->npages;
	hm->slot = calloc(hm->npages, sizeof(uint32_t));
	hm->owner = calloc(hm->nslots, sizeof(uint32_t));
	hm->ra = calloc(hm->npages, 1);
	if (!hm->slot || !hm->owner || !hm->ra) {
		free(hm->slot);
		free(hm->owner);
		free(hm->ra);
		hm->slot = hm->owner = NULL;
		hm->ra = NULL;
		hm->no_slots = true;
		return false;
	}
	return true;
}

static bool slot_used(const struct hostmem *hm, uint64_t s)
{
	uint32_t g = owner_of(hm, s);

	return g != HM_NO_SLOT && slot_of(hm, g) == s;
}

/* The next free slot after the last one given (at most npages are ever
 * used, so at least half the area is free and the walk is short). */
static void slot_alloc(struct hostmem *hm, uint64_t gfn)
{
	if (!slots_ready(hm) || slot_of(hm, gfn) != HM_NO_SLOT)
		return;
	while (slot_used(hm, hm->next_slot))
		hm->next_slot = hm->next_slot + 1 == hm->nslots ? 0 : hm->next_slot + 1;
	slot_set(hm, gfn, (uint32_t)hm->next_slot);
	owner_set(hm, hm->next_slot, (uint32_t)gfn);
	hm->next_slot = hm->next_slot + 1 == hm->nslots ? 0 : hm->next_slot + 1;
}

static void slot_free(struct hostmem *hm, uint64_t gfn)
{
	if (hm->slot)
		slot_set(hm, gfn, HM_NO_SLOT);
}

uint64_t hostmem_slot(const struct hostmem *hm, uint64_t gfn)
{
	return hm->slot && slot_of(hm, gfn) != HM_NO_SLOT ? slot_of(hm, gfn) : UINT64_MAX;
}

static bool lru_on(const struct hostmem *hm)
{
	return hm->lru_prev != NULL;
}

static void lru_unlink(struct hostmem *hm, uint32_t p)
{
	uint32_t pv = hm->lru_prev[p], nx = hm->lru_next[p];

	if (pv != LRU_NIL)
		hm->lru_next[pv] = nx;
	else
		hm->lru_head = nx;
	if (nx != LRU_NIL)
		hm->lru_prev[nx] = pv;
	else
		hm->lru_tail = pv;
}

static void lru_push_head(struct hostmem *hm, uint32_t p)
{
	hm->lru_prev[p] = LRU_NIL;
	hm->lru_next[p] = hm->lru_head;
	if (hm->lru_head != LRU_NIL)
		hm->lru_prev[hm->lru_head] = p;
	hm->lru_head = p;
	if (hm->lru_tail == LRU_NIL)
		hm->lru_tail = p;
}

void hostmem_access(struct hostmem *hm, uint64_t gfn, bool write)
{
	hm->st[gfn] |= HM_REF | (write ? HM_DIRTY | HM_MIGDIRTY : 0);
	if (write && hm->slot)
		slot_free(hm, gfn);	/* the swap copy is stale now */
	if (lru_on(hm) && hm->lru_head != (uint32_t)gfn) {
		lru_unlink(hm, (uint32_t)gfn);
		lru_push_head(hm, (uint32_t)gfn);
	}
}

enum hm_fault_kind hostmem_classify(const struct hostmem *hm, uint64_t gfn)
{
	uint8_t s = hm->st[gfn];

	if (s & HM_MAPPED)
		return HM_FAULT_NONE;
	if (s & HM_RESIDENT)
		return HM_FAULT_MINOR;
	if (s & HM_INFLIGHT)
		return HM_FAULT_INFLIGHT;
	if (s & HM_REMOTE)
		return HM_FAULT_REMOTE;
	if (s & HM_SWAPPED)
		return HM_FAULT_MAJOR;
	return HM_FAULT_ZERO;
}

/* Evict one resident page.  A dirty page needs a write-back; a clean one
 * still has a valid swap copy and is dropped. */
static void hostmem_evict(struct hostmem *hm, uint64_t gfn)
{
	uint8_t s = hm->st[gfn];

	if (lru_on(hm))
		lru_unlink(hm, (uint32_t)gfn);
	if (hm->ra && hm->ra[gfn]) {
		hm->ra[gfn] = 0;
		hm->stats.readahead_unused++;
	}
	/* A clean page without a slot (the slot arrays could not be had) is
	 * written back like a dirty one. */
	if (!(s & HM_DIRTY) && hostmem_slot(hm, gfn) == UINT64_MAX && hm->slot)
		s |= HM_DIRTY;
	if (s & HM_DIRTY)
		slot_alloc(hm, gfn);
	hm->st[gfn] = HM_SWAPPED | (s & HM_MIGDIRTY);
	hm->resident--;
	hm->stats.reclaims++;
	if (s & HM_DIRTY) {
		hm->stats.writebacks++;
		if (hm->writeback)
			hm->writeback(hm->wb_ctx, gfn);
	}
}

/* CLOCK: advance the hand, clearing referenced bits, until a resident page
 * without one is found.  Terminates within two sweeps because every page the
 * hand passes loses its bit. */
static uint64_t clock_victim(struct hostmem *hm)
{
	for (;;) {
		uint64_t g = hm->hand;

		hm->hand = (hm->hand + 1 == hm->npages) ? 0 : hm->hand + 1;
		uint8_t s = hm->st[g];
		if (!(s & HM_RESIDENT))
			continue;
		if (s & HM_REF) {
			hm->st[g] = s & (uint8_t)~HM_REF;
			continue;
		}
		return g;
	}
}

/* A charge at the limit reclaims `batch` pages at once (memcg direct
 * reclaim asks for at least SWAP_CLUSTER_MAX), so the next charges find
 * room; the batch's write-backs are submitted together (one plug). */
static void hostmem_make_room(struct hostmem *hm)
{
	uint64_t want;

	if (hm->resident < hm->limit || hm->resident == 0)
		return;
	want = hm->resident - hm->limit + hm->batch;
	if (want > hm->resident)
		want = hm->resident;
	if (hm->plug)
		hm->plug(hm->wb_ctx, true);
	for (uint64_t i = 0; i < want; i++)
		hostmem_evict(hm, lru_on(hm) ? hm->lru_tail : clock_victim(hm));
	if (hm->plug)
		hm->plug(hm->wb_ctx, false);
}

static void hostmem_become_resident(struct hostmem *hm, uint64_t gfn, uint8_t extra)
{
	if (hm->limit < hm->npages)
		hostmem_make_room(hm);
	hm->st[gfn] = HM_RESIDENT | HM_REF | extra;
	hm->resident++;
	if (hm->resident > hm->stats.peak_resident)
		hm->stats.peak_resident = hm->resident;
	if (lru_on(hm))
		lru_push_head(hm, (uint32_t)gfn);
}

void hostmem_zero_fill(struct hostmem *hm, uint64_t gfn)
{
	hm->stats.zero_fills++;
	slot_free(hm, gfn);
	/* A new page has no swap copy: evicting it always needs a write-back. */
	hostmem_become_resident(hm, gfn, HM_DIRTY | HM_MIGDIRTY);
}

uint32_t hostmem_zero_fill_huge(struct hostmem *hm, uint64_t gfn)
{
	uint64_t first = gfn & ~(uint64_t)(HM_THP_PAGES - 1);

	if (first + HM_THP_PAGES > hm->npages)
		goto small;
	for (uint64_t g = first; g < first + HM_THP_PAGES; g++)
		if (hm->st[g])
			goto small;
	hm->stats.thp_fills++;
	for (uint64_t g = first; g < first + HM_THP_PAGES; g++) {
		hostmem_zero_fill(hm, g);
		hostmem_map(hm, g);
	}
	return HM_THP_PAGES;
small:
	hostmem_zero_fill(hm, gfn);
	hostmem_map(hm, gfn);
	return 1;
}

void hostmem_read_start(struct hostmem *hm, uint64_t gfn)
{
	hm->st[gfn] = HM_INFLIGHT | (hm->st[gfn] & HM_MIGDIRTY);
}

void hostmem_swapin_start(struct hostmem *hm, uint64_t gfn)
{
	hm->stats.major++;
	hostmem_read_start(hm, gfn);
}

/* A page read ahead arrives without the referenced bit: nothing used it. */
void hostmem_swapin_done(struct hostmem *hm, uint64_t gfn)
{
	bool ahead = hm->ra && hm->ra[gfn];

	hostmem_become_resident(hm, gfn, hm->st[gfn] & HM_MIGDIRTY);
	if (ahead)
		hm->st[gfn] &= (uint8_t)~HM_REF;
}

uint32_t hostmem_swapin_cluster(struct hostmem *hm, uint64_t gfn, uint32_t window, uint32_t *gfns,
				uint32_t max, uint64_t *slot)
{
	uint64_t s = hostmem_slot(hm, gfn), start, end;
	uint32_t n = 0;

	if (s == UINT64_MAX || window <= 1 || max <= 1) {
		hostmem_swapin_start(hm, gfn);
		gfns[0] = (uint32_t)gfn;
		*slot = s;
		return 1;
	}
	if (window > max)
		window = max;
	start = s & ~(uint64_t)(window - 1);
	end = start + window < hm->nslots ? start + window : hm->nslots;
	*slot = s;
	for (uint64_t t = start; t < end; t++) {
		uint32_t g;

		if (!slot_used(hm, t))
			continue;
		g = owner_of(hm, t);
		if (g != gfn && (hm->st[g] & (HM_SWAPPED | HM_INFLIGHT | HM_RESIDENT | HM_REMOTE)) != HM_SWAPPED)
			continue;
		if (g == gfn) {
			hostmem_swapin_start(hm, g);
		} else {
			hm->st[g] = HM_INFLIGHT | (hm->st[g] & HM_MIGDIRTY);
			hm->ra[g] = 1;
			hm->stats.readahead++;
		}
		if (n == 0)
			*slot = t;
		gfns[n++] = g;
	}
	return n;
}

bool hostmem_swapcache_hit(struct hostmem *hm, uint64_t gfn)
{
	if (!hm->ra || !hm->ra[gfn])
		return false;
	hm->ra[gfn] = 0;
	hm->stats.swapcache_hits++;
	return true;
}

void hostmem_fetch_start(struct hostmem *hm, uint64_t gfn)
{
	hm->st[gfn] = HM_INFLIGHT | HM_REMOTE;
}

bool hostmem_remote_arrived(struct hostmem *hm, uint64_t gfn)
{
	if (!(hm->st[gfn] & HM_REMOTE))
		return false;	/* already arrived (urgent and stream both sent it) */
	hostmem_become_resident(hm, gfn, HM_DIRTY);
	return true;
}

void hostmem_map(struct hostmem *hm, uint64_t gfn)
{
	hm->st[gfn] |= HM_MAPPED;
	if (hm->ra)
		hm->ra[gfn] = 0;
}

/* The image was swapped out in page order: page g sits in slot g. */
void hostmem_prefill_swapped(struct hostmem *hm)
{
	bool slots = slots_ready(hm);

	for (uint64_t g = 0; g < hm->npages; g++) {
		hm->st[g] = HM_SWAPPED;
		if (slots) {
			slot_set(hm, g, (uint32_t)g);
			owner_set(hm, g, (uint32_t)g);
		}
	}
	hm->next_slot = slots ? hm->npages : 0;
	hm->resident = 0;
}

void hostmem_prefill_resident(struct hostmem *hm, uint64_t n)
{
	hostmem_prefill_swapped(hm);
	if (n > hm->limit)
		n = hm->limit;
	for (uint64_t g = 0; g < n; g++)
		hostmem_become_resident(hm, g, HM_MAPPED);
}

void hostmem_make_remote(struct hostmem *hm, uint64_t gfn)
{
	uint8_t s = hm->st[gfn];

	if (s & HM_RESIDENT) {
		if (lru_on(hm))
			lru_unlink(hm, (uint32_t)gfn);
		hm->resident--;
	}
	if (hm->ra)
		hm->ra[gfn] = 0;
	hm->st[gfn] = HM_REMOTE;
}

void hostmem_set_limit(struct hostmem *hm, uint64_t pages)
{
	hm->limit = pages ? pages : 1;
	/* Without LRU lists (no limit was configured) CLOCK picks the victims. */
	if (hm->resident > hm->limit && hm->plug)
		hm->plug(hm->wb_ctx, true);
	while (hm->resident > hm->limit)
		hostmem_evict(hm, lru_on(hm) ? hm->lru_tail : clock_victim(hm));
	if (hm->plug)
		hm->plug(hm->wb_ctx, false);
}
