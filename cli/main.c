/* main.c — the `apfsim` command: subcommand dispatch, --help, --version.
 * Exit status: 0 ok, 1 run failure (oracle, guest fault, determinism),
 * 2 bad input (usage, scenario). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
	"usage: apfsim <command> [options]\n"
	"\n"
	"commands:\n"
	"  run SCENARIO        simulate a scenario and print its summary\n"
	"  validate SCENARIO   parse and check a scenario, print nothing else\n"
	"  compare SCENARIO --protocols P1,P2,...\n"
	"                      run the scenario under each protocol, one table\n"
	"  protocols           list the protocol presets and their switches\n"
	"  explore SCENARIO --runs N [--jobs J]\n"
	"                      many seeds and event orders, oracle on, reproducers\n"
	"  test PATH...        run scenarios as regression cases, check their expect:\n"
	"\n"
	"options:\n"
	"  --help              this text (also: apfsim <command> --help)\n"
	"  --version           print the version\n"
	"\n"
	"exit status: 0 ok, 1 run failure, 2 bad input\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return CLI_EXIT_BAD_INPUT;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(cmd, "--version")) {
		printf("apfsim %s\n", APFSIM_VERSION);
		return CLI_EXIT_OK;
	}
	if (!strcmp(cmd, "run"))
		return cli_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "validate"))
		return cli_validate(argc - 1, argv + 1);
	if (!strcmp(cmd, "compare"))
		return cli_compare(argc - 1, argv + 1);
	if (!strcmp(cmd, "protocols"))
		return cli_protocols(argc - 1, argv + 1);
	if (!strcmp(cmd, "explore"))
		return cli_explore(argc - 1, argv + 1);
	if (!strcmp(cmd, "test"))
		return cli_test(argc - 1, argv + 1);
	fprintf(stderr, "apfsim: unknown command '%s'\n\n%s", cmd, usage);
	return CLI_EXIT_BAD_INPUT;
}
