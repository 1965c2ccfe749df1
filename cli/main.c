/* main.c — the `apfsim` command: subcommand dispatch, help, --version, and
 * the last check of standard output.
 * Exit status: 0 ok, 1 run failure (oracle, guest fault, determinism, a
 * write error, --max-wall), 2 bad input (usage, scenario), 128 + signal
 * when interrupted (130 SIGINT, 143 SIGTERM). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/sweep.h"

static const char usage[] =
	"usage: apfsim <command> [options]\n"
	"\n"
	"commands:\n"
	"  run SCENARIO        simulate a scenario and print its summary\n"
	"  validate SCENARIO   check a scenario as run would before it starts\n"
	"  compare SCENARIO --protocols P1,P2,...\n"
	"                      run the scenario under each protocol, one table\n"
	"  protocols           list the protocol presets and their switches\n"
	"  explore SCENARIO --runs N [--jobs J]\n"
	"                      many seeds and event orders, oracle on, reproducers\n"
	"  test PATH...        run scenarios as regression cases, check their expect:\n"
	"  sweep SCENARIO --vary KEY=V1,V2,... --out DIR\n"
	"                      a parameter study: grid x protocols x seeds, results.csv\n"
	"  help [COMMAND]      this text, or the options of COMMAND\n"
	"\n"
	"options:\n"
	"  --help              this text (also: apfsim <command> --help)\n"
	"  --version           print the version\n"
	"\n"
	"exit status: 0 ok, 1 run failure or write error, 2 bad input,\n"
	"130/143 interrupted by SIGINT/SIGTERM\n";

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} commands[] = {
	{ "run", cli_run, cli_run_usage },
	{ "validate", cli_validate, cli_validate_usage },
	{ "compare", cli_compare, cli_compare_usage },
	{ "protocols", cli_protocols, cli_protocols_usage },
	{ "explore", cli_explore, cli_explore_usage },
	{ "test", cli_test, cli_test_usage },
	{ "sweep", cli_sweep, cli_sweep_usage },
	{ NULL, NULL, NULL },
};

static const struct command *find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* Whatever went to standard output must have arrived: a full disk or a
 * closed pipe is a failure the user hears of. */
static int finish_stdout(int rc)
{
	errno = 0;
	int bad = fflush(stdout) != 0;
	int err = errno;
	if (ferror(stdout))
		bad = 1;
	if (!bad)
		return rc;
	fprintf(stderr, "apfsim: cannot write standard output: %s\n", strerror(err ? err : EIO));
	return rc == CLI_EXIT_OK ? CLI_EXIT_FAIL : rc;
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return CLI_EXIT_BAD_INPUT;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage, stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(cmd, "help")) {
		if (argc == 2) {
			fputs(usage, stdout);
			return CLI_EXIT_OK;
		}
		const struct command *c = find(argv[2]);
		if (!c || argc > 3) {
			fprintf(stderr, "apfsim help: %s '%s'\n\n%s", c ? "unexpected argument" : "unknown command",
				argv[c ? 3 : 2], usage);
			return CLI_EXIT_BAD_INPUT;
		}
		fputs(c->usage, stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(cmd, "--version")) {
		if (argc > 2) {
			fprintf(stderr, "apfsim: --version takes no argument, found '%s'\n", argv[2]);
			return CLI_EXIT_BAD_INPUT;
		}
		printf("apfsim %s\nbuild: %s\n", APFSIM_VERSION, APFSIM_BUILD_DESC);
		return CLI_EXIT_OK;
	}
	const struct command *c = find(cmd);
	if (c)
		return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "apfsim: unknown command '%s'\n\n%s", cmd, usage);
	return CLI_EXIT_BAD_INPUT;
}

int main(int argc, char **argv)
{
	cli_mpi_init(&argc, &argv);
	int rc = finish_stdout(dispatch(argc, argv));
	cli_mpi_fini();
	return rc;
}
