/* units.h — strict parsing and canonical formatting of sizes, times and
 * frequencies (model/kernel/units.c).  The lowest layer: the scenario parser,
 * the CLI and the reports use it; it depends on nothing but sim_time_t. */
#ifndef APFSIM_MODEL_KERNEL_UNITS_H
#define APFSIM_MODEL_KERNEL_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "model/kernel/sim.h"

/* Unit parsing (exposed for tests and for CLI flags).  Return 0 or -1 with
 * a message naming what was expected. */
int units_parse_size(const char *s, uint64_t *bytes, char *why, size_t whylen);
int units_parse_time(const char *s, uint64_t freq_hz, sim_time_t *ps, char *why, size_t whylen);
int units_parse_freq(const char *s, uint64_t *hz, char *why, size_t whylen);
/* Format for output: "4GiB", "250us", "2GHz" (exact when possible). */
void units_format_size(uint64_t bytes, char *buf, size_t len);
void units_format_time(sim_time_t ps, char *buf, size_t len);
void units_format_freq(uint64_t hz, char *buf, size_t len);

#endif
