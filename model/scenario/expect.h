/* expect.h — the `expect:` section of a scenario file (docs/testing.md)
 * into a struct expect_set (model/check/expect.h).
 *
 * config.c accepts the `expect` key and leaves it alone; this parser reads
 * the same file again and checks everything that can be checked without a
 * report: the keys, violation names, units against the figure's unit,
 * relation syntax.  Paths are checked against a report skeleton afterwards
 * (expect_check_paths).  Errors are FILE:LINE:COL with the key, as for
 * every other scenario key. */
#ifndef APFSIM_MODEL_SCENARIO_EXPECT_H
#define APFSIM_MODEL_SCENARIO_EXPECT_H

#include "model/check/expect.h"
#include "model/config/config.h"

/* 0 with *s filled (s->present false when the file has no expect:), or -1
 * with *err. */
int expect_load_file(const char *path, struct expect_set *s, struct cfg_error *err);
int expect_load_string(const char *yaml, const char *name, struct expect_set *s, struct cfg_error *err);

#endif
