/* sweep.h — the parts of `apfsim sweep` (docs/studies.md): the per-point
 * run adapter, the plots, and the optional MPI layer shared with explore. */
#ifndef APFSIM_CLI_SWEEP_H
#define APFSIM_CLI_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "model/explore/sweep.h"

#ifndef APFSIM_VERSION
#define APFSIM_VERSION "0.0.0"
#endif

enum { SWEEP_RUN_OK = 0, SWEEP_RUN_FAILED = 1, SWEEP_RUN_BAD_INPUT = 2, SWEEP_RUN_INTERRUPTED = 3 };

/* sweep_point.c: one normal run of `scenario` with the overrides sets[]
 * applied in order, the oracle on.  SWEEP_RUN_OK or _FAILED (oracle
 * violation, guest fault; err says which) with *doc the run document
 * (`run --json` with "oracle"; the caller owns it); _BAD_INPUT or
 * _INTERRUPTED with *doc NULL and err filled. */
int sweep_run_point(const char *scenario, const char *const *sets, unsigned nsets, json_t **doc, char *err,
		    size_t errlen);

/* sweep_plot.c: with gnuplot on PATH, one SVG per headline figure and
 * varied key in dir/plots/ from rows[0..n); 0, 1 (gnuplot absent: a note
 * printed, nothing written) or -1 after a message. */
int sweep_plot(const struct sweep_grid *g, const struct sweep_row *rows, uint64_t n, const char *dir);
/* run_plot.c: `apfsim run --plot DIR`.  run_plot_check makes DIR and
 * checks it takes a file (before the run: 0, or -1 after a message);
 * run_plot runs cfg again with a VCD sink and draws DIR/latency.svg and
 * DIR/timeline.svg: 0, 1 (no gnuplot: a note) or -1 after a message. */
struct apf_config;
int run_plot_check(const char *dir);
/* sweep_plot.c: run gnuplot `gp` on a script file, its messages appended
 * to `log`.  The script sets its output from the variable apfsim_output
 * (gp_output_line); gnuplot writes a temporary beside `svg`, renamed over
 * it only when gnuplot succeeds (no half-written plot): 0, or -1 after a
 * message. */
int gnuplot_run(const char *gp, const char *script, const char *log, const char *svg);
/* s inside a gnuplot single-quoted string (a quote doubled), in buf. */
const char *gp_quote(char *buf, size_t len, const char *s);
/* The script's output line: apfsim_output if set (gnuplot_run sets it to
 * the temporary), else `svg`, so the kept script also runs on its own. */
void gp_output_line(FILE *o, const char *svg);
int run_plot(const struct apf_config *cfg, const char *dir);
/* Whether gnuplot can be run (APFSIM_GNUPLOT names it, else "gnuplot"). */
const char *plot_gnuplot(void);

/* mpi.c: under mpirun (built with -DAPFSIM_MPI=ON and launched with more
 * than one rank) rank/size of this process, else 0/1.  cli_mpi_init is
 * called once by main; cli_mpi_fini before it returns. */
void cli_mpi_init(int *argc, char ***argv);
void cli_mpi_fini(void);
int cli_mpi_rank(void);
int cli_mpi_size(void);
/* Gather fixed-size records to rank 0: every rank passes the records it
 * made (count n, each `size` bytes); rank 0 gets all of them in *all
 * (malloc'd, *nall records, rank order), other ranks get *all NULL.
 * 0, or -1 on an MPI failure. */
int cli_mpi_gather(const void *mine, uint64_t n, size_t size, void **all, uint64_t *nall);
/* The exit status agreed by every rank (the largest). */
int cli_mpi_agree(int rc);

#endif
