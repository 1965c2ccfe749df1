/* examples/embed — run a scenario through libapfsim and print its summary.
 * Build against the installed library:
 *   cc main.c $(pkg-config --cflags --libs apfsim) -o embed
 * usage: embed SCENARIO [KEY=VALUE ...] */
#include <stdio.h>
#include <stdlib.h>

#include "model/config/config.h"
#include "model/vm/machine_report.h"
#include "model/vm/machine.h"

int main(int argc, char **argv)
{
	struct apf_config cfg;
	struct cfg_error err;
	struct machine *m = malloc(sizeof(*m));

	if (argc < 2 || !m || config_load_file(&cfg, argv[1], &err)) {
		if (argc >= 2 && m)
			cfg_error_print(&err, stderr);
		return 2;
	}
	for (int i = 2; i < argc; i++)
		if (config_set(&cfg, argv[i], &err))
			return cfg_error_print(&err, stderr), 2;
	if (machine_init(m, &cfg))
		return fprintf(stderr, "%s\n", m->err), 2;
	machine_run_until(m, cfg.run.duration);
	machine_finish(m);
	report_summary(m, stdout);
	machine_fini(m);
	config_free(&cfg);
	free(m);
	return 0;
}
