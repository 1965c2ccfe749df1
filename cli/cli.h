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

int cli_run(int argc, char **argv);
int cli_validate(int argc, char **argv);

/* progress.c: a progress bar on stderr, only when it is a TTY and the run
 * has lasted about two seconds of wall time. */
struct cli_progress;
struct cli_progress *cli_progress_start(int enabled);
void cli_progress_update(struct cli_progress *p, double fraction);
void cli_progress_end(struct cli_progress *p);

#endif
