/* options.c — the strict command line (docs/reliability.md,
 * "Command line").
 *
 * Each subcommand has its own getopt_long table.  Before getopt_long walks
 * it, cli_check_args() checks every argument against that table, so the
 * GNU extensions that would let a mistake through are refused: an
 * abbreviated long option, a value given to a switch, a missing value.
 * After it succeeds getopt_long cannot fail. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "model/kernel/units.h"

static const struct option *find_long(const struct option *table, const char *name, size_t len)
{
	for (const struct option *t = table; t->name; t++)
		if (strlen(t->name) == len && !strncmp(t->name, name, len))
			return t;
	return NULL;
}

int cli_check_args(const char *cmd, int argc, char **argv, const struct option *table, const char *shorts)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--"))
			return 0;		/* the rest are operands */
		if (a[0] != '-' || !a[1])
			continue;		/* an operand ("-" is one too) */
		if (a[1] != '-') {
			/* Short switches: only those in `shorts`, one per argument. */
			if (a[2] || !strchr(shorts, a[1]) || a[1] == ':') {
				fprintf(stderr, "apfsim %s: unknown option '%s' (apfsim help %s lists the options)\n",
					cmd, a, cmd);
				return -1;
			}
			continue;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct option *t = find_long(table, name, len);
		if (!t) {
			fprintf(stderr, "apfsim %s: unknown option '--%.*s' (apfsim help %s lists the options)\n",
				cmd, (int)len, name, cmd);
			return -1;
		}
		if (t->has_arg == no_argument && eq) {
			fprintf(stderr, "apfsim %s: --%s takes no value, found \"%s\"\n", cmd, t->name, eq + 1);
			return -1;
		}
		if (t->has_arg == required_argument && !eq) {
			if (i + 1 >= argc) {
				fprintf(stderr, "apfsim %s: --%s needs a value (--%s=V or --%s V)\n", cmd, t->name,
					t->name, t->name);
				return -1;
			}
			i++;			/* the value, whatever it looks like */
		}
	}
	return 0;
}

int cli_parse_u64(const char *cmd, const char *opt, const char *val, uint64_t min, uint64_t max,
		  uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = (val[0] >= '0' && val[0] <= '9') ? strtoull(val, &end, 10) : 0;
	if (val[0] < '0' || val[0] > '9' || *end || errno == ERANGE || v < min || v > max) {
		fprintf(stderr, "apfsim %s: %s: expected an integer from %llu to %llu, found \"%s\"\n", cmd, opt,
			(unsigned long long)min, (unsigned long long)max, val);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_parse_wall(const char *cmd, const char *opt, const char *val, double *seconds)
{
	sim_time_t ps;
	char why[128];

	/* A time with a unit, as in scenarios: 30s, 500ms; at most one day. */
	if (units_parse_time(val, 2000000000ULL, &ps, why, sizeof(why)) || ps < SIM_MS || ps > 86400 * SIM_S) {
		fprintf(stderr, "apfsim %s: %s: expected a wall-clock time from 1ms to 86400s with a unit "
				"(30s, 500ms), found \"%s\"\n", cmd, opt, val);
		return -1;
	}
	*seconds = (double)ps / (double)SIM_S;
	return 0;
}

int cli_twice(const char *cmd, const char *opt)
{
	fprintf(stderr, "apfsim %s: %s given twice\n", cmd, opt);
	return -1;
}
