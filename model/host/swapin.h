/* swapin.h — starting a swap-in: the faulting page and its readahead
 * window (hostmem_swapin_cluster) as one request on the swap device. */
#ifndef APFSIM_MODEL_SWAPIN_H
#define APFSIM_MODEL_SWAPIN_H

#include <stdbool.h>
#include <stdint.h>

#include "model/config/config.h"
#include "model/host/hostmem.h"
#include "model/host/swapdev.h"

/* Slots one swap-in may read: 2^page_cluster, except 1 on zram, whose
 * synchronous I/O bypasses the swap cache and readahead (Linux 4.15+,
 * SWP_SYNCHRONOUS_IO). */
uint32_t swapin_window(const struct swap_cfg *c);
/* The device is SWP_SYNCHRONOUS_IO (zram): do_swap_page reads the page
 * inline, without the swap cache, and never sleeps on the page lock, so a
 * fault with FAULT_FLAG_RETRY_NOWAIT (KVM's no-wait attempt) completes
 * instead of returning VM_FAULT_RETRY: no async page fault, a longer
 * stage-2 fault (docs/latencies.md, "Synchronous swap devices"). */
bool swapin_synchronous(const struct swap_cfg *c);
/* gfn is SWAPPED: read it and its window.  0, or -1 if the device could
 * not take the request. */
int swapin_start(struct hostmem *hm, struct swapdev *sd, const struct swap_cfg *c, uint64_t gfn);

#endif
