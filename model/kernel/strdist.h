/* strdist.h — the edit distance behind every "did you mean" (scenario keys,
 * expectation keys and paths).  The lowest layer: plain strings only. */
#ifndef APFSIM_MODEL_KERNEL_STRDIST_H
#define APFSIM_MODEL_KERNEL_STRDIST_H

#include <stddef.h>

/* Levenshtein distance of a and b (insert, delete, substitute: cost 1
 * each); SIZE_MAX when out of memory. */
size_t str_edit_distance(const char *a, const char *b);

#endif
