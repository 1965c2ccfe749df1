/* expect.h — what a scenario says must hold (`expect:`, docs/testing.md),
 * as plain data, and its evaluation against a run's JSON report.
 *
 * model/scenario/expect.c fills a struct expect_set from the YAML;
 * model/check/expect_eval.c checks the figure paths against a report
 * skeleton (before anything runs) and judges finished runs.  Figures are
 * named by their dotted path in the JSON report (docs/output.md), never by
 * C struct fields, so a report that gains keys keeps every expectation.
 *
 * Path syntax: object keys joined by '.'; at an array, a component is an
 * element's "name" (tasks.compute.progress; a task instance
 * tasks.reader.0.progress) or an index (vcpus.1.exits).
 *
 * Units follow the report's naming: a path with a component ending in
 * "_ps" is a time (bounds written 50us, 2ms, ...), "_bytes" or
 * "bytes_per_s" a size (1GiB, ...), anything else a plain number.
 */
#ifndef APFSIM_MODEL_CHECK_EXPECT_H
#define APFSIM_MODEL_CHECK_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXPECT_PATH_MAX 160
#define EXPECT_TEXT_MAX 64
#define EXPECT_MAX_BOUNDS 32
#define EXPECT_MAX_BLOCKS 8
#define EXPECT_MAX_RELATIONS 16

struct json_t;

enum expect_unit { EXPECT_COUNT, EXPECT_TIME, EXPECT_SIZE };

struct expect_pos {
	uint32_t line, col; /* 1-based; 0 = unknown */
};

/* {min: A, max: B} on one figure; values in the figure's unit (ps, bytes). */
struct expect_bound {
	char path[EXPECT_PATH_MAX];
	struct expect_pos pos;		/* of the key */
	bool has_min, has_max;
	double min, max;
	char min_text[EXPECT_TEXT_MAX], max_text[EXPECT_TEXT_MAX]; /* as written */
	struct expect_pos min_pos, max_pos;
	enum expect_unit unit;		/* what the written values are */
};

/* The expectations of one protocol (protocol "" = every protocol run). */
struct expect_block {
	char protocol[32];
	struct expect_pos pos;
	bool has_oracle;		/* `oracle:` written */
	uint32_t violations;		/* ORACLE_CHECK bits that must occur; 0 = clean */
	struct expect_pos oracle_pos;
	int exit_status;		/* -1 = derived from the oracle verdict */
	struct expect_pos exit_pos;
	struct expect_bound bounds[EXPECT_MAX_BOUNDS];
	unsigned nbounds;
};

/* "P1.PATH OP [K *] P2.PATH", e.g.
 * "arm64-v4.tasks.compute.progress > 1.05 * sync.tasks.compute.progress". */
enum expect_op { EXPECT_GT, EXPECT_GE, EXPECT_LT, EXPECT_LE };

struct expect_relation {
	char text[256];
	struct expect_pos pos;
	char lproto[32], lpath[EXPECT_PATH_MAX];
	char rproto[32], rpath[EXPECT_PATH_MAX];
	enum expect_op op;
	double factor;			/* applies to the right side; 1 when absent */
};

struct expect_set {
	bool present;			/* the scenario has an expect: section */
	struct expect_pos pos;
	struct expect_block common;	/* keys outside any protocol block */
	struct expect_block per[EXPECT_MAX_BLOCKS];
	unsigned nper;			/* protocol blocks, in file order */
	struct expect_relation rels[EXPECT_MAX_RELATIONS];
	unsigned nrels;
};

/* A problem found in an expectation before anything runs. */
struct expect_error {
	struct expect_pos pos;
	char msg[512];
};

/* The outcome of one finished run, as `apfsim run` would judge it. */
struct expect_outcome {
	int exit_status;		/* 0 clean, 1 guest fault or oracle violation */
	const char *fail_msg;		/* the guest fault, NULL if none */
	const char *guest_image;	/* the --guest-image ELF, NULL or "" = built-in */
};

/* Unit of a report figure, from its path (see the header comment). */
enum expect_unit expect_path_unit(const char *path);
const char *expect_unit_name(enum expect_unit u);

/* Levenshtein distance, for "did you mean". */
size_t expect_edit_distance(const char *a, const char *b);

/* Resolve a dotted path in a report (NULL if absent). */
struct json_t *expect_lookup(struct json_t *doc, const char *path);

/* The block for `protocol` (NULL if none). */
const struct expect_block *expect_block_for(const struct expect_set *s, const char *protocol);

/* Check every path that applies to a run under `protocol` against a report
 * skeleton of that run (the JSON of a machine built but not run): the
 * figure exists and is a number.  0, or -1 with *err (did-you-mean). */
int expect_check_paths(const struct expect_set *s, const char *protocol, struct json_t *skeleton,
		       struct expect_error *err);
/* Same for one side of a relation. */
int expect_check_relation_side(const struct expect_relation *r, bool left, struct json_t *skeleton,
			       struct expect_error *err);

/* Judge one run: append one line per broken expectation ("wanted ..., got
 * ...") to *out (malloc'd, NUL-terminated; NULL when all hold).  Returns
 * the number of broken expectations. */
unsigned expect_judge(const struct expect_set *s, const char *protocol, struct json_t *doc,
		      const struct expect_outcome *oc, char **out);

/* Judge one relation on the two reports; 0 holds, 1 broken (with *out). */
int expect_judge_relation(const struct expect_relation *r, struct json_t *left, struct json_t *right,
			  char **out);

#endif
