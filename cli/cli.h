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
#include "model/session/session.h"
#include "model/trace/select.h"

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
	/* trace selection and format (cli/trace_opts.c) */
	CLI_O_TRACE_FROM,
	CLI_O_TRACE_UNTIL,
	CLI_O_TRACE_VCPUS,
	CLI_O_TRACE_EVENTS,
	CLI_O_TRACE_TOKEN,
	CLI_O_TRACE_FORMAT,
};

/* The rows run and compare share: outputs, guest image, oracle, wall limit. */
#define CLI_OUTPUT_OPTION_ROWS                                                  \
	{ "json", required_argument, NULL, CLI_O_JSON },                        \
	{ "trace-ftrace", required_argument, NULL, CLI_O_FTRACE },              \
	{ "trace-perfetto", required_argument, NULL, CLI_O_PERFETTO },          \
	{ "vcd", required_argument, NULL, CLI_O_VCD },                          \
	{ "trace-insn", required_argument, NULL, CLI_O_INSN },                  \
	{ "guest-image", required_argument, NULL, CLI_O_IMAGE },                \
	{ "oracle", required_argument, NULL, CLI_O_ORACLE },                    \
	{ "max-wall", required_argument, NULL, CLI_O_MAX_WALL }

/* The trace options' rows of a getopt_long table (run and compare). */
#define CLI_TRACE_OPTION_ROWS                                                   \
	{ "trace-from", required_argument, NULL, CLI_O_TRACE_FROM },            \
	{ "trace-until", required_argument, NULL, CLI_O_TRACE_UNTIL },          \
	{ "trace-vcpus", required_argument, NULL, CLI_O_TRACE_VCPUS },          \
	{ "trace-events", required_argument, NULL, CLI_O_TRACE_EVENTS },        \
	{ "trace-token", required_argument, NULL, CLI_O_TRACE_TOKEN },          \
	{ "trace-format", required_argument, NULL, CLI_O_TRACE_FORMAT }

/* Their usage lines. */
#define CLI_TRACE_OPTION_USAGE                                                                  \
	"  --trace-from T         traces start at simulated time T (e.g. 2ms)\n"                \
	"  --trace-until T        traces stop at simulated time T\n"                            \
	"  --trace-vcpus LIST     only these vCPUs' events in traces (0,2)\n"                   \
	"  --trace-events GLOBS   only events whose ftrace name matches a glob\n"               \
	"                         (kvm_async_pf_*,apfsim_inject)\n"                             \
	"  --trace-token N        only the life of async-PF token N (0x1003 or 4099)\n"          \
	"  --trace-format FMT     --trace-perfetto format: json or proto (default: by the\n"    \
	"                         extension, .json or .pftrace); any trace file ending\n"      \
	"                         in .zst is zstd-compressed\n"

/* The trace options as given (cli/trace_opts.c). */
struct cli_trace_opts {
	const char *from, *until, *vcpus, *events, *token, *format;
	bool proto;			/* --trace-perfetto writes protobuf */
	struct trace_select sel;	/* filled by cli_trace_check */
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
	struct cli_trace_opts trace;
};

/* The outputs of one run: its collected results, and (apfsim run) the
 * JSON text with the digest of text and summary. */
struct run_out {
	struct session_result res;
	bool ok;			/* res was collected */
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
struct json_t *compare_explain(const char *base, const struct session_result *a, const char *other,
			       const struct session_result *b);
void compare_explain_print(struct json_t *ex, FILE *out);
int cli_protocols(int argc, char **argv);
int cli_explore(int argc, char **argv);
int cli_test(int argc, char **argv);
/* The expect: section of a scenario, checked as `test` does before running
 * (cli/test.c); 0 when absent or sound, -1 after a located error. */
int cli_test_check_expect(const char *path, const char *const *sets, unsigned nsets);
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
/* Load o->scenario with o->sets into a session; -1 after the message. */
int cli_load_session(const struct run_opts *o, struct session *ss);
/* Whether cfg's protocol runs guest code: --guest-image and --trace-insn
 * do nothing without it. */
bool cli_protocol_runs_guest(const struct apf_config *cfg);
/* Build, run, finish and collect one run of the loaded session ss, with
 * the trace streams s; the session is reset after (its config stays, so
 * it can run again).  A CLI_EXIT_* status. */
int cli_simulate(struct session *ss, const struct run_opts *o, const struct run_streams *s, struct run_out *out);
void cli_run_out_free(struct run_out *o);

/* trace_opts.c: the trace selection and format options.  cli_trace_option
 * takes one (0, or -1 after a message); cli_trace_check checks them and
 * the trace file names against the loaded scenario before any output is
 * opened (0, or -1 after a message naming the option: bad input);
 * cli_trace_attach opens the trace sinks of one run on the streams s
 * behind the selection. */
struct tracer;
int cli_trace_option(struct run_opts *o, int c, const char *val);
int cli_trace_check(struct run_opts *o, const struct apf_config *cfg);
int cli_trace_attach(struct tracer *tr, const struct run_opts *o, const struct run_streams *s);

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
