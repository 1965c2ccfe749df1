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
};

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

struct apf_config;

/* Options shared by run, validate and compare. */
struct run_opts {
	const char *scenario;
	const char *json;
	const char *ftrace, *perfetto, *vcd, *insn;
	const char *protocols;		/* compare: P1,P2,... */
	int oracle_off;
	const char *sets[64];
	unsigned nsets;
	int quiet, check;
	int explain;			/* compare: time-account differences */
};

/* The rendered outputs of one run. */
struct run_out {
	char *summary;
	size_t summary_len;
	char *json;
	uint64_t digest;
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

/* run.c helpers for the other commands.  cli_parse_run_args returns 0, 1
 * (help printed) or -1 (usage error). */
int cli_parse_run_args(int argc, char **argv, struct run_opts *o, const char *usage);
int cli_load_config(const struct run_opts *o, struct apf_config *cfg);
int cli_simulate(const struct apf_config *cfg, const struct run_opts *o, int run, struct run_out *out);
void cli_run_out_free(struct run_out *o);
int cli_write_atomically(const char *path, const char *text);

/* progress.c: a progress bar on stderr, only when it is a TTY and the run
 * has lasted about two seconds of wall time. */
struct cli_progress;
struct cli_progress *cli_progress_start(int enabled);
void cli_progress_update(struct cli_progress *p, double fraction);
void cli_progress_end(struct cli_progress *p);

#endif
