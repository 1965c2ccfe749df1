/* cli.h — subcommands of the apfsim command. */
#ifndef APFSIM_CLI_CLI_H
#define APFSIM_CLI_CLI_H

#ifndef APFSIM_VERSION
#define APFSIM_VERSION "0.0.0"
#endif

enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,
	CLI_EXIT_BAD_INPUT = 2,
	/* Interrupted by signal S: 128 + S (130 SIGINT, 143 SIGTERM). */
};

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdio.h>

#include "model/config/params.h"

struct apf_config;
struct cli_outputs;

#define CLI_MAX_SETS 64

/* getopt_long values of the long options; each command's table lists the
 * ones it accepts. */
enum cli_opt {
	CLI_O_HELP = 'h',
	CLI_O_QUIET = 'q',
	CLI_O_SEED = 1000,
	CLI_O_PROTOCOL,
	CLI_O_SET,
	CLI_O_JSON,
	CLI_O_FTRACE,
	CLI_O_PERFETTO,
	CLI_O_VCD,
	CLI_O_INSN,
	CLI_O_IMAGE,
	CLI_O_ORACLE,
	CLI_O_CHECK,
	CLI_O_PROTOCOLS,
	CLI_O_MAX_WALL,
	CLI_O_EXPLAIN,
	CLI_O_PLOT,
};

/* Options of run, validate and compare (which of them a command accepts
 * is its own option table: cli_parse_run_args). */
struct run_opts {
	const char *cmd;		/* "run", "validate", "compare" */
	const char *scenario;
	const char *json;
	const char *ftrace, *perfetto, *vcd, *insn;
	const char *image;		/* --guest-image */
	const char *protocols;		/* compare: P1,P2,... */
	const char *max_wall;		/* as given, for messages */
	const char *plot;		/* run --plot DIR (cli/run_plot.c) */
	double max_wall_s;		/* 0 = none */
	int oracle_off;
	const char *sets[CLI_MAX_SETS];	/* --set, --seed, --protocol, --guest-image in order */
	unsigned nsets;
	int quiet, check;
	int explain;			/* compare: time-account differences */
	char seedbuf[48], protobuf[96], imagebuf[PARAM_STRING_MAX + 16];
};

/* The rendered outputs of one run. */
struct run_out {
	char *summary;
	size_t summary_len;
	char *json;
	uint64_t digest;
	int interrupted;		/* the signal that stopped it, or 0 */
	uint64_t stopped_ps;		/* simulated time reached when interrupted */
	bool io_error;			/* an output could not be written (reported) */
};

/* Trace and JSON streams of one simulation (cli/outputs.h). */
struct run_streams {
	struct cli_output *ftrace, *perfetto, *vcd, *insn;
	bool second;			/* the determinism check's second run */
};

int cli_run(int argc, char **argv);
int cli_validate(int argc, char **argv);
int cli_compare(int argc, char **argv);
/* compare_explain.c: the time-account difference of run documents a
 * (protocol base) and b (other), and its printed form. */
struct json_t;
struct json_t *compare_explain(const char *base, struct json_t *a, const char *other, struct json_t *b);
void compare_explain_print(struct json_t *ex, FILE *out);
int cli_protocols(int argc, char **argv);
int cli_explore(int argc, char **argv);
int cli_test(int argc, char **argv);
int cli_sweep(int argc, char **argv);

/* Usage texts, for `apfsim help CMD` and CMD --help. */
extern const char cli_run_usage[], cli_validate_usage[], cli_compare_usage[], cli_explore_usage[],
	cli_protocols_usage[], cli_test_usage[], cli_sweep_usage[];

/* options.c: the strict command line.  Every `--name` must be spelled out
 * in full and be in the command's table (no abbreviations, no options of
 * other commands); a required value comes as --name=V or --name V; a
 * switch takes none.  Returns 0, or -1 after a message naming the option. */
int cli_check_args(const char *cmd, int argc, char **argv, const struct option *table, const char *shorts);
/* A decimal integer in [min, max] (no sign, no blanks, overflow caught):
 * 0, or -1 after "apfsim CMD: OPT: expected an integer from MIN to MAX,
 * found "VAL"". */
int cli_parse_u64(const char *cmd, const char *opt, const char *val, uint64_t min, uint64_t max,
		  uint64_t *out);
/* A wall-clock time with a unit (30s, 500ms), 1ms to one day: seconds,
 * or -1 after a message. */
int cli_parse_wall(const char *cmd, const char *opt, const char *val, double *seconds);
/* A single-valued option given twice: the message, -1. */
int cli_twice(const char *cmd, const char *opt);

/* run.c helpers for the other commands.  cli_parse_run_args returns 0, 1
 * (help printed) or -1 (usage error). */
int cli_parse_run_args(int argc, char **argv, struct run_opts *o, const struct option *table,
		       const char *usage);
int cli_load_config(const struct run_opts *o, struct apf_config *cfg);
/* Whether cfg's protocol runs guest code: --guest-image and --trace-insn
 * do nothing without it. */
bool cli_protocol_runs_guest(const struct apf_config *cfg);
int cli_simulate(const struct apf_config *cfg, const struct run_opts *o, const struct run_streams *s,
		 struct run_out *out);
void cli_run_out_free(struct run_out *o);

/* signals.c: SIGINT and SIGTERM set sim_interrupted (the simulation stops
 * at the next event boundary, the command cleans up); a second one ends
 * the process at once.  cli_max_wall arms a wall-clock timer that sets it
 * to SIGALRM: the simulated results never depend on it. */
void cli_signals_install(void);
int cli_max_wall(const char *cmd, double seconds);
const char *cli_signal_name(int sig);
/* The exit status of a command stopped by sim_interrupted: 128 + signal,
 * or 1 for --max-wall (SIGALRM). */
int cli_interrupted_exit(int sig);

/* progress.c: a progress bar on stderr, only when it is a TTY and the run
 * has lasted about two seconds of wall time. */
struct cli_progress;
struct cli_progress *cli_progress_start(int enabled);
void cli_progress_update(struct cli_progress *p, double fraction);
void cli_progress_end(struct cli_progress *p);

#endif
