/* grow.h — growable arrays whose new elements start zeroed. */
#ifndef APFSIM_MODEL_GROW_H
#define APFSIM_MODEL_GROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Grow *p (elements of size sz, *cap of them) to hold at least `need`,
 * doubling from 8; the added elements are zero.  False when out of memory
 * (then *p and *cap are unchanged). */
bool grow_zeroed(void **p, uint32_t *cap, uint32_t need, size_t sz);

#endif
