/* protocols.c — `apfsim protocols`: the presets and every switch, with the
 * value each preset gives it (docs/protocols.md). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "model/apf/switches.h"

const char cli_protocols_usage[] =
	"usage: apfsim protocols\n"
	"\n"
	"List the protocol presets and their switches.\n"
	"\n"
	"options:\n"
	"  --help, -h             this text\n";

static const struct option protocols_table[] = {
	{ "help", no_argument, NULL, CLI_O_HELP },
	{ NULL, 0, NULL, 0 },
};

static void switch_value(const struct param_desc *d, const struct apf_switches *sw, char *buf, size_t len)
{
	const unsigned char *f = (const unsigned char *)sw + d->offset;
	uint32_t u;
	bool b;

	switch (d->type) {
	case PT_BOOL:
		memcpy(&b, f, sizeof(b));
		snprintf(buf, len, "%s", b ? "true" : "false");
		break;
	case PT_ENUM:
		memcpy(&u, f, sizeof(u));
		snprintf(buf, len, "%s", d->enum_names[u]);
		break;
	default:
		memcpy(&u, f, sizeof(u));
		snprintf(buf, len, "%u", u);
		break;
	}
}

int cli_protocols(int argc, char **argv)
{
	char v[64];

	if (cli_check_args("protocols", argc, argv, protocols_table, "h"))
		return CLI_EXIT_BAD_INPUT;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(cli_protocols_usage, stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "apfsim protocols: unexpected argument '%s'\n", argv[1]);
		return CLI_EXIT_BAD_INPUT;
	}
	puts("presets:");
	printf("  %-14s %s\n", "sync", "APF off: a stage-2 fault that needs I/O blocks the vCPU");
	for (const struct apf_preset *p = apf_presets; p->name; p++)
		printf("  %-14s %s\n", p->name, p->doc);
	puts("\nswitches (override in a scenario: protocol: {base: PRESET, SWITCH: VALUE}):");
	for (const struct param_desc *d = apf_switch_params; d->key; d++) {
		printf("  %-26s %s\n", d->key, d->doc);
		if (d->type == PT_ENUM) {
			printf("  %-26s values:", "");
			for (unsigned i = 0; d->enum_names[i]; i++)
				printf(" %s", d->enum_names[i]);
			putchar('\n');
		}
	}
	printf("\n%-26s", "switch");
	for (const struct apf_preset *p = apf_presets; p->name; p++)
		printf(" %-14s", p->name);
	putchar('\n');
	for (const struct param_desc *d = apf_switch_params; d->key; d++) {
		printf("%-26s", d->key);
		for (const struct apf_preset *p = apf_presets; p->name; p++) {
			switch_value(d, &p->sw, v, sizeof(v));
			printf(" %-14s", v);
		}
		putchar('\n');
	}
	return CLI_EXIT_OK;
}
