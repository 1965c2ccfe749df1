/* swapin.c — one swap-in = one device read of the page and its readahead. */
#include "model/host/swapin.h"

bool swapin_synchronous(const struct swap_cfg *c)
{
	return c->device == SWAPDEV_ZRAM;
}

uint32_t swapin_window(const struct swap_cfg *c)
{
	return swapin_synchronous(c) ? 1 : 1u << c->page_cluster;
}

int swapin_start(struct hostmem *hm, struct swapdev *sd, const struct swap_cfg *c, uint64_t gfn)
{
	uint32_t gfns[SWAP_REQ_MAX];
	uint64_t slot;
	uint32_t n = hostmem_swapin_cluster(hm, gfn, swapin_window(c), gfns, SWAP_REQ_MAX, &slot);

	return swapdev_submit_io(sd, false, slot == UINT64_MAX ? SWAP_NO_SLOT : slot, gfns, n);
}
