/* compare.c — `apfsim compare SCENARIO --protocols P1,P2,...`: the same
 * scenario and seed under each protocol, one table with a column per
 * protocol (and --json with every run's full document; each trace option
 * writes one file per protocol, its name suffixed with the protocol). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/outputs.h"
#include "model/config/config.h"
#include "model/report/report.h"

#define MAX_PROTOCOLS 8

const char cli_compare_usage[] =
	"usage: apfsim compare SCENARIO --protocols P1,P2,... [options]\n"
	"\n"
	"Run SCENARIO under each protocol with the same seed and print one table\n"
	"with a column per protocol.  Values come as --opt=V or --opt V.\n"
	"\n"
	"options:\n"
	"  --protocols P1,P2,...  distinct protocol presets to compare (apfsim protocols)\n"
	"  --seed N               override the scenario seed (1 to 2^64-1)\n"
	"  --set KEY=VALUE        override a scenario key in every run (repeatable)\n"
	"  --json F               write {scenario, seed, protocols, results{P: run}} to F\n"
	"  --explain              per task and vCPU, the time-account difference of each\n"
	"                         protocol against the first, bucket by bucket (and\n"
	"                         \"explain\" in --json)\n"
	"  --trace-ftrace F       one ftrace per protocol: F.ftrace gives F.P.ftrace\n"
	"  --trace-perfetto F     one Chrome trace JSON per protocol, named likewise\n"
	CLI_TRACE_OPTION_USAGE
	"  --vcd F                one VCD per protocol, named likewise\n"
	"  --trace-insn F         one instruction trace per protocol that runs guest code\n"
	"  --guest-image F        guest kernel ELF for the protocols that run guest code\n"
	"  --oracle=off|on        check the protocol invariants (default on)\n"
	"  --max-wall T           stop after T of wall time in all (e.g. 60s): exit 1\n"
	"  --help, -h             this text\n";

static const struct option compare_table[] = {
	{ "protocols", required_argument, NULL, CLI_O_PROTOCOLS },
	{ "seed", required_argument, NULL, CLI_O_SEED },
	{ "set", required_argument, NULL, CLI_O_SET },
	{ "json", required_argument, NULL, CLI_O_JSON },
	{ "trace-ftrace", required_argument, NULL, CLI_O_FTRACE },
	{ "trace-perfetto", required_argument, NULL, CLI_O_PERFETTO },
	{ "vcd", required_argument, NULL, CLI_O_VCD },
	{ "trace-insn", required_argument, NULL, CLI_O_INSN },
	{ "guest-image", required_argument, NULL, CLI_O_IMAGE },
	{ "oracle", required_argument, NULL, CLI_O_ORACLE },
	{ "max-wall", required_argument, NULL, CLI_O_MAX_WALL },
	{ "explain", no_argument, NULL, CLI_O_EXPLAIN },
	{ "help", no_argument, NULL, CLI_O_HELP },
	CLI_TRACE_OPTION_ROWS,
	{ NULL, 0, NULL, 0 },
};

/* A JSON value by a dotted path ("apf.sync_total", "tasks.0.progress"). */
static json_t *jpath(json_t *doc, const char *path)
{
	char buf[256], *save = NULL;
	json_t *cur = doc;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(cur))
			cur = json_array_get(cur, strtoul(tok, NULL, 10));
		else
			cur = json_object_get(cur, tok);
	}
	return cur;
}

enum fmt { F_INT, F_TIME };

static void cell(json_t *v, enum fmt f, char *buf, size_t len)
{
	if (!v || !json_is_integer(v)) {
		snprintf(buf, len, "-");
		return;
	}
	if (f == F_TIME)
		report_fmt_time((sim_time_t)json_integer_value(v), buf, len);
	else
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
}

static void row(const char *label, json_t **docs, unsigned n, const char *path, enum fmt f)
{
	char c[48];

	printf("%-34s", label);
	for (unsigned i = 0; i < n; i++) {
		cell(docs[i] ? jpath(docs[i], path) : NULL, f, c, sizeof(c));
		printf(" %16s", c);
	}
	putchar('\n');
}

/* Exits summed over vCPUs. */
static void row_exits(json_t **docs, unsigned n)
{
	printf("%-34s", "exits (all vCPUs)");
	for (unsigned i = 0; i < n; i++) {
		long long sum = 0;
		json_t *vs = docs[i] ? json_object_get(docs[i], "vcpus") : NULL;
		for (size_t k = 0; vs && k < json_array_size(vs); k++)
			sum += json_integer_value(json_object_get(json_array_get(vs, k), "exits"));
		printf(" %16lld", sum);
	}
	putchar('\n');
}

static void print_table(const char *scenario, char protos[][32], json_t **docs, unsigned n)
{
	char label[128], path[64];

	printf("apfsim compare: %s\n\n%-34s", scenario, "");
	for (unsigned i = 0; i < n; i++)
		printf(" %16s", protos[i]);
	putchar('\n');
	row("simulated time", docs, n, "sim_time_ps", F_TIME);
	json_t *tasks = docs[0] ? json_object_get(docs[0], "tasks") : NULL;
	for (size_t t = 0; tasks && t < json_array_size(tasks); t++) {
		const char *name = json_string_value(json_object_get(json_array_get(tasks, t), "name"));
		static const struct { const char *key, *what; enum fmt f; } cols[] = {
			{ "progress", "progress", F_INT }, { "cpu_ps", "cpu", F_TIME },
			{ "stall_ps", "stall", F_TIME }, { "parked_ps", "parked", F_TIME },
		};
		for (unsigned c = 0; c < 4; c++) {
			snprintf(label, sizeof(label), "%s %s", name ? name : "?", cols[c].what);
			snprintf(path, sizeof(path), "tasks.%zu.%s", t, cols[c].key);
			row(label, docs, n, path, cols[c].f);
		}
	}
	row("stage-2 faults", docs, n, "host.faults.total", F_INT);
	row("faults needing I/O (APF)", docs, n, "apf.faults", F_INT);
	row("  async", docs, n, "apf.async", F_INT);
	row("  synchronous", docs, n, "apf.sync_total", F_INT);
	row("  repeated", docs, n, "apf.repeated_faults", F_INT);
	row("not-present injected", docs, n, "apf.notpresent_injected", F_INT);
	row("not-present delivered (SDEI)", docs, n, "apf.notpresent_delivered", F_INT);
	row("page-ready delivered", docs, n, "apf.pageready_delivered", F_INT);
	row("ACKs", docs, n, "apf.acks", F_INT);
	row("tokens issued", docs, n, "apf.tokens.issued", F_INT);
	row("zero tokens", docs, n, "apf.tokens.zero", F_INT);
	row_exits(docs, n);
	row("fault latency p50", docs, n, "host.fault_latency_ps.p50", F_TIME);
	row("fault latency p99", docs, n, "host.fault_latency_ps.p99", F_TIME);
	row("completion->page-ready p50", docs, n, "apf.completion_to_pageready_ps.p50", F_TIME);
	row("completion->page-ready p99", docs, n, "apf.completion_to_pageready_ps.p99", F_TIME);
	row("completion->page-ready max", docs, n, "apf.completion_to_pageready_ps.max", F_TIME);
	row("page-ready->running p50", docs, n, "apf.pageready_to_running_ps.p50", F_TIME);
	row("parked p50", docs, n, "apf.parked_ps.p50", F_TIME);
	row("parked p99", docs, n, "apf.parked_ps.p99", F_TIME);
	row("oracle violations", docs, n, "oracle.violations", F_INT);
}

/* The protocol list: names separated by commas, each once. */
static int parse_protocols(const char *list, char protos[][32], unsigned *n)
{
	*n = 0;
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ",");
		if (l == 0 || l >= sizeof(protos[0]) || *n == MAX_PROTOCOLS) {
			fprintf(stderr, "apfsim compare: --protocols: expected up to %d names separated by commas, "
					"found \"%s\"\n", MAX_PROTOCOLS, list);
			return -1;
		}
		snprintf(protos[*n], sizeof(protos[0]), "%.*s", (int)l, p);
		for (unsigned k = 0; k < *n; k++) {
			if (!strcmp(protos[k], protos[*n])) {
				fprintf(stderr, "apfsim compare: --protocols: %s named twice in \"%s\"\n", protos[k],
					list);
				return -1;
			}
		}
		(*n)++;
		p += l + (p[l] == ',');
	}
	if (*n == 0) {
		fprintf(stderr, "apfsim compare: --protocols: expected names separated by commas, found \"\"\n");
		return -1;
	}
	return 0;
}

/* A trace option of compare names one file per protocol, derived from F:
 * F itself must be a file name, not standard output or a device. */
static int per_protocol_path(const char *opt, const char *path)
{
	struct stat st;

	if (!path)
		return 0;
	if (!strcmp(path, "-") || (stat(path, &st) == 0 && !S_ISREG(st.st_mode))) {
		fprintf(stderr, "apfsim compare: %s '%s': compare writes one file per protocol (F.P.ext), "
				"so F must name a regular file\n", opt, path);
		return -1;
	}
	return 0;
}

static void free_cfgs(struct apf_config *cfgs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		config_free(&cfgs[i]);
}

int cli_compare(int argc, char **argv)
{
	struct run_opts o = { .cmd = "compare" };
	char protos[MAX_PROTOCOLS][32], set[96];
	json_t *docs[MAX_PROTOCOLS] = { 0 };
	struct run_streams st[MAX_PROTOCOLS] = { 0 };
	struct cli_outputs outs = { .cmd = "compare" };
	unsigned n = 0, guests = 0;
	int rc = cli_parse_run_args(argc, argv, &o, compare_table, cli_compare_usage), worst = CLI_EXIT_OK;

	if (rc)
		return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_BAD_INPUT;
	if (!o.protocols) {
		fprintf(stderr, "apfsim compare: needs --protocols P1,P2,...\n\n%s", cli_compare_usage);
		return CLI_EXIT_BAD_INPUT;
	}
	if (parse_protocols(o.protocols, protos, &n) || per_protocol_path("--trace-ftrace", o.ftrace) ||
	    per_protocol_path("--trace-perfetto", o.perfetto) || per_protocol_path("--vcd", o.vcd) ||
	    per_protocol_path("--trace-insn", o.insn))
		return CLI_EXIT_BAD_INPUT;
	/* Load and check every configuration before running anything. */
	struct apf_config cfgs[MAX_PROTOCOLS];
	for (unsigned i = 0; i < n; i++) {
		struct cfg_error err;
		if (cli_load_config(&o, &cfgs[i])) {
			free_cfgs(cfgs, i);
			return CLI_EXIT_BAD_INPUT;
		}
		snprintf(set, sizeof(set), "protocol=%.31s", protos[i]);
		if (config_set(&cfgs[i], set, &err)) {
			cfg_error_print(&err, stderr);
			free_cfgs(cfgs, i + 1);
			return CLI_EXIT_BAD_INPUT;
		}
		guests += cli_protocol_runs_guest(&cfgs[i]);
	}
	if (cli_trace_check(&o, &cfgs[0])) {
		free_cfgs(cfgs, n);
		return CLI_EXIT_BAD_INPUT;
	}
	if ((o.image || o.insn) && !guests) {
		fprintf(stderr, "apfsim compare: %s does nothing: none of %s runs guest code\n",
			o.image ? "--guest-image" : "--trace-insn", o.protocols);
		free_cfgs(cfgs, n);
		return CLI_EXIT_BAD_INPUT;
	}
	/* Every output, per protocol, opened before the first run. */
	struct cli_output *json = cli_outputs_add(&outs, "--json", o.json, NULL);
	for (unsigned i = 0; i < n; i++) {
		st[i].ftrace = cli_outputs_add(&outs, "--trace-ftrace", o.ftrace, protos[i]);
		st[i].perfetto = cli_outputs_add(&outs, "--trace-perfetto", o.perfetto, protos[i]);
		st[i].vcd = cli_outputs_add(&outs, "--vcd", o.vcd, protos[i]);
		if (cli_protocol_runs_guest(&cfgs[i]))
			st[i].insn = cli_outputs_add(&outs, "--trace-insn", o.insn, protos[i]);
	}
	if (cli_outputs_open(&outs, true)) {
		free_cfgs(cfgs, n);
		return CLI_EXIT_BAD_INPUT;
	}
	cli_signals_install();
	if (cli_max_wall("compare", o.max_wall_s)) {
		cli_outputs_abort(&outs);
		free_cfgs(cfgs, n);
		return CLI_EXIT_FAIL;
	}
	o.quiet = 1;
	bool io_error = false;
	int stop = 0;
	unsigned done = 0;
	for (unsigned i = 0; i < n; i++) {
		struct run_out out = { 0 };
		json_error_t je;
		int r = cli_simulate(&cfgs[i], &o, &st[i], &out);
		io_error |= out.io_error;
		stop = out.interrupted;
		if (r == CLI_EXIT_BAD_INPUT || stop || io_error) {
			worst = stop ? cli_interrupted_exit(stop) : r;
			cli_run_out_free(&out);
			break;
		}
		if (r != CLI_EXIT_OK)
			worst = CLI_EXIT_FAIL;
		docs[i] = out.json ? json_loads(out.json, 0, &je) : NULL;
		cli_run_out_free(&out);
		done++;
	}
	if (stop) {
		if (stop == SIGALRM)
			fprintf(stderr, "apfsim compare: stopped: --max-wall %s exceeded", o.max_wall);
		else
			fprintf(stderr, "apfsim compare: interrupted by %s", cli_signal_name(stop));
		fprintf(stderr, " while running %s (%u of %u protocols done); no table or file written\n",
			protos[done], done, n);
	}
	if (stop || io_error || worst == CLI_EXIT_BAD_INPUT) {
		cli_outputs_abort(&outs);
	} else {
		print_table(cfgs[0].path, protos, docs, n);
		json_t *explain = json_array();
		for (unsigned i = 1; o.explain && i < n; i++) {
			if (!docs[0] || !docs[i])
				continue;
			json_t *ex = compare_explain(protos[0], docs[0], protos[i], docs[i]);
			compare_explain_print(ex, stdout);
			json_array_append_new(explain, ex);
		}
		if (json) {
			json_t *root = json_object(), *res = json_object(), *names = json_array();
			json_object_set_new(root, "format_version", json_integer(APFSIM_JSON_FORMAT_VERSION));
			json_object_set_new(root, "scenario", json_string(cfgs[0].path));
			json_object_set_new(root, "seed", json_integer((json_int_t)cfgs[0].seed));
			for (unsigned i = 0; i < n; i++) {
				json_array_append_new(names, json_string(protos[i]));
				json_object_set(res, protos[i], docs[i] ? docs[i] : json_null());
			}
			json_object_set_new(root, "protocols", names);
			json_object_set_new(root, "results", res);
			if (o.explain)
				json_object_set(root, "explain", explain);
			char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			if (!text || cli_output_write(json, text))
				io_error = true;
			free(text);
			json_decref(root);
		}
		json_decref(explain);
		if (io_error)
			cli_outputs_abort(&outs);
		else if (cli_outputs_commit(&outs))
			io_error = true;
		if (io_error)
			worst = CLI_EXIT_FAIL;
	}
	for (unsigned i = 0; i < n; i++)
		json_decref(docs[i]);
	free_cfgs(cfgs, n);
	return worst;
}
