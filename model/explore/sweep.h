/* sweep.h — parameter studies (docs/studies.md): the cartesian grid of the
 * `--vary` keys' values × protocols × seeds, one normal run per point, and
 * the headline figures of each run as one row of results.csv / results.json.
 *
 * Invariants: point i of a grid is a pure function of the grid and i (the
 * first --vary key varies slowest, then the next, then the protocol, then
 * the seed); a row is a pure function of its point's run document; the
 * files are written from the rows sorted by index, so they do not depend on
 * how many workers (or MPI ranks) made the rows nor in which order. */
#ifndef APFSIM_MODEL_EXPLORE_SWEEP_H
#define APFSIM_MODEL_EXPLORE_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define SWEEP_MAX_KEYS 8
#define SWEEP_MAX_VALUES 64
#define SWEEP_MAX_PROTOCOLS 8
#define SWEEP_MAX_TASKS 8
#define SWEEP_MAX_FIGS (4 + 3 * SWEEP_MAX_TASKS + 8)
#define SWEEP_VALUE_MAX 128
#define SWEEP_MAX_POINTS 1000000ULL

struct sweep_key {
	char key[96];
	char values[SWEEP_MAX_VALUES][SWEEP_VALUE_MAX];
	unsigned nvalues;
};

struct sweep_grid {
	const char *scenario;
	struct sweep_key keys[SWEEP_MAX_KEYS];
	unsigned nkeys;
	char protocols[SWEEP_MAX_PROTOCOLS][32];	/* nprotocols 0: the scenario's */
	unsigned nprotocols;
	uint64_t seeds;				/* seeds per point, >= 1 */
	uint64_t seed0;				/* run seeds are seed0 .. seed0 + seeds - 1 */
	/* The headline figures, named as the CSV columns (sweep_figures_init). */
	char figs[SWEEP_MAX_FIGS][48];
	unsigned nfigs;
};

/* One run's point. */
struct sweep_point {
	uint64_t index;
	unsigned value[SWEEP_MAX_KEYS];		/* index into keys[k].values */
	unsigned protocol;			/* index into protocols (0 if none) */
	uint64_t seed;
};

enum sweep_status { SWEEP_OK = 0, SWEEP_FAILED = 1, SWEEP_ERROR = 2 };

/* The outcome of one run: plain data (sent through pipes and MPI as bytes). */
struct sweep_row {
	uint64_t index;
	int32_t status;				/* enum sweep_status */
	int32_t pad;
	char error[384];			/* SWEEP_FAILED / SWEEP_ERROR: why */
	int64_t fig[SWEEP_MAX_FIGS];
	uint8_t have[SWEEP_MAX_FIGS];		/* 0: no value (the run made none) */
};

/* Parse one --vary argument: "key=v1,v2,..." (commas inside {} or [] do
 * not split) or "key=LO..HI:STEPS" (STEPS evenly spaced values from LO to
 * HI, both with the same unit, e.g. 50us..200us:4).  0, or -1 with a
 * message in err naming the part that is wrong. */
int sweep_parse_vary(struct sweep_grid *g, const char *arg, char *err, size_t errlen);
/* "P1,P2": 0 or -1 with err. */
int sweep_parse_protocols(struct sweep_grid *g, const char *list, char *err, size_t errlen);
/* The headline figure columns for a scenario whose tasks are named
 * names[0..n): sim_time_ps, then per task progress/stall_ps/parked_ps,
 * then faults, APF counts, fault latency p50/p99, oracle violations. */
void sweep_figures_init(struct sweep_grid *g, const char *const *task_names, unsigned n);
uint64_t sweep_npoints(const struct sweep_grid *g);
void sweep_point_at(const struct sweep_grid *g, uint64_t i, struct sweep_point *p);
/* The overrides of point p, in order (each --vary key, then protocol=,
 * then seed=), into store[]; n returned.  store must hold
 * SWEEP_MAX_KEYS + 2 strings of SWEEP_VALUE_MAX + 128 bytes. */
#define SWEEP_SET_LEN (SWEEP_VALUE_MAX + 128)
unsigned sweep_point_sets(const struct sweep_grid *g, const struct sweep_point *p,
			  char store[][SWEEP_SET_LEN]);
/* The protocol name of p ("" when the scenario's is used). */
const char *sweep_point_protocol(const struct sweep_grid *g, const struct sweep_point *p);

/* The row of a finished run from its document (report JSON + "oracle"). */
void sweep_row_from_doc(const struct sweep_grid *g, json_t *doc, struct sweep_row *r);

/* CSV: the header, and one row (index, each key's value, protocol, seed,
 * status, figures, error), RFC 4180 quoting, '\n' ends. */
void sweep_csv_header(const struct sweep_grid *g, FILE *f);
void sweep_csv_row(const struct sweep_grid *g, const struct sweep_row *r, FILE *f);
/* Read a results.csv written for this grid: every complete row whose key
 * fields match its index's point is stored in rows[index] and done[index]
 * set.  0, or -1 with err (header of another sweep, a row that does not
 * match its point). */
int sweep_csv_read(const struct sweep_grid *g, FILE *f, struct sweep_row *rows, bool *done, char *err,
		   size_t errlen);
/* The results.json document of rows[0..n) (every one present). */
json_t *sweep_json(const struct sweep_grid *g, const struct sweep_row *rows, uint64_t n);

/* A value as a number for plots: its leading number scaled to the base unit
 * of a time (ps) or size (bytes), or a plain number; false if none. */
bool sweep_value_number(const char *v, double *x);

#endif
