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
#include "model/vm/machine_report.h"
#include "model/session/session.h"

#define MAX_PROTOCOLS 8

const char cli_compare_usage[] =
	"usage: apfsim compare SCENARIO --protocols P1,P2,... [options]\n"
	"\n"
	"Run SCENARIO under each protocol with the same seed and print one table\n"
	"with a column per protocol.  Values come as --opt=V or --opt V.  Each\n"
	"run is the scenario with its protocol applied first, then the --set\n"
	"overrides in their order (each checked against that protocol).\n"
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
	CLI_OUTPUT_OPTION_ROWS,
	{ "explain", no_argument, NULL, CLI_O_EXPLAIN },
	{ "help", no_argument, NULL, CLI_O_HELP },
	CLI_TRACE_OPTION_ROWS,
	{ NULL, 0, NULL, 0 },
};

enum fmt { F_INT, F_TIME };

static void cell(bool has, int64_t v, enum fmt f, char *buf, size_t len)
{
	if (!has) {
		snprintf(buf, len, "-");
		return;
	}
	if (f == F_TIME)
		report_fmt_time((sim_time_t)v, buf, len);
	else
		snprintf(buf, len, "%lld", (long long)v);
}

/* A row of cells: has[i] and v[i] of each run. */
static void row_cells(const char *label, const bool *has, const int64_t *v, unsigned n, enum fmt f)
{
	char c[48];

	printf("%-34s", label);
	for (unsigned i = 0; i < n; i++) {
		cell(has[i], v[i], f, c, sizeof(c));
		printf(" %16s", c);
	}
	putchar('\n');
}

/* One row of a figure some protocols do not have (session_fig_paths). */
static void row(const char *label, const struct run_out *r, unsigned n, enum session_fig k, enum fmt f)
{
	char c[48];

	printf("%-34s", label);
	for (unsigned i = 0; i < n; i++) {
		cell(r[i].ok && r[i].res.has[k], r[i].res.fig[k], f, c, sizeof(c));
		printf(" %16s", c);
	}
	putchar('\n');
}

/* Column c (progress, cpu, stall, parked) of task t. */
static int64_t task_col(const struct session_task_result *x, unsigned c)
{
	return c == 0 ? (int64_t)x->progress : c == 1 ? (int64_t)x->cpu_ps : c == 2 ? (int64_t)x->stall_ps
									       : (int64_t)x->parked_ps;
}

/* Exits summed over vCPUs. */
static void row_exits(const struct run_out *r, unsigned n)
{
	printf("%-34s", "exits (all vCPUs)");
	for (unsigned i = 0; i < n; i++) {
		long long sum = 0;
		for (unsigned k = 0; r[i].ok && k < r[i].res.nvcpus; k++)
			sum += (long long)r[i].res.vcpus[k].exits;
		printf(" %16lld", sum);
	}
	putchar('\n');
}

static void print_table(const char *scenario, char protos[][32], const struct run_out *r, unsigned n)
{
	char label[128];

	printf("apfsim compare: %s\n\n%-34s", scenario, "");
	for (unsigned i = 0; i < n; i++)
		printf(" %16s", protos[i]);
	putchar('\n');
	bool has[MAX_PROTOCOLS];
	int64_t v[MAX_PROTOCOLS];
	for (unsigned i = 0; i < n; i++) {
		has[i] = r[i].ok;
		v[i] = (int64_t)r[i].res.sim_time_ps;
	}
	row_cells("simulated time", has, v, n, F_TIME);
	for (size_t t = 0; r[0].ok && t < r[0].res.ntasks; t++) {
		static const struct { const char *what; enum fmt f; } cols[] = {
			{ "progress", F_INT }, { "cpu", F_TIME }, { "stall", F_TIME }, { "parked", F_TIME },
		};
		for (unsigned c = 0; c < 4; c++) {
			snprintf(label, sizeof(label), "%s %s", r[0].res.tasks[t].name, cols[c].what);
			for (unsigned i = 0; i < n; i++) {
				has[i] = r[i].ok && t < r[i].res.ntasks;
				v[i] = has[i] ? task_col(&r[i].res.tasks[t], c) : 0;
			}
			row_cells(label, has, v, n, cols[c].f);
		}
	}
	row("stage-2 faults", r, n, SF_HOST_FAULTS, F_INT);
	row("faults needing I/O (APF)", r, n, SF_APF_FAULTS, F_INT);
	row("  async", r, n, SF_APF_ASYNC, F_INT);
	row("  synchronous", r, n, SF_APF_SYNC, F_INT);
	row("  repeated", r, n, SF_APF_REPEATED, F_INT);
	row("not-present injected", r, n, SF_NOTPRESENT_INJECTED, F_INT);
	row("not-present delivered (SDEI)", r, n, SF_NOTPRESENT_DELIVERED, F_INT);
	row("page-ready delivered", r, n, SF_PAGEREADY_DELIVERED, F_INT);
	row("ACKs", r, n, SF_ACKS, F_INT);
	row("tokens issued", r, n, SF_TOKENS_ISSUED, F_INT);
	row("zero tokens", r, n, SF_TOKENS_ZERO, F_INT);
	row_exits(r, n);
	row("fault latency p50", r, n, SF_FAULT_LAT_P50, F_TIME);
	row("fault latency p99", r, n, SF_FAULT_LAT_P99, F_TIME);
	row("completion->page-ready p50", r, n, SF_C2R_P50, F_TIME);
	row("completion->page-ready p99", r, n, SF_C2R_P99, F_TIME);
	row("completion->page-ready max", r, n, SF_C2R_MAX, F_TIME);
	row("page-ready->running p50", r, n, SF_R2R_P50, F_TIME);
	row("parked p50", r, n, SF_PARKED_P50, F_TIME);
	row("parked p99", r, n, SF_PARKED_P99, F_TIME);
	row("oracle violations", r, n, SF_ORACLE_VIOLATIONS, F_INT);
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

static void end_sessions(struct session *ss, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		session_end(&ss[i]);
}

/* --protocols names the protocols; a --set protocol=... beside it (which the
 * per-protocol substitution would override) is a contradiction, refused.
 * Leaves room in o->sets for the substituted protocol. */
static int check_no_protocol_set(const struct run_opts *o)
{
	for (unsigned i = 0; i < o->nsets; i++)
		if (!strncmp(o->sets[i], "protocol=", 9)) {
			fprintf(stderr, "apfsim compare: --set %s: expected the protocols in --protocols only, "
					"found a protocol override beside it\n", o->sets[i]);
			return -1;
		}
	if (o->nsets >= CLI_MAX_SETS) {
		fprintf(stderr, "apfsim compare: too many overrides (at most %d --set, --seed, --guest-image)\n",
			CLI_MAX_SETS - 1);
		return -1;
	}
	return 0;
}

int cli_compare(int argc, char **argv)
{
	struct run_opts o = { .cmd = "compare" };
	char protos[MAX_PROTOCOLS][32], set[96];
	struct run_out res[MAX_PROTOCOLS] = { 0 };
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
	if (check_no_protocol_set(&o))
		return CLI_EXIT_BAD_INPUT;
	/* Load and check every configuration before running anything.  Each
	 * protocol's session is the scenario with protocol=P applied first and
	 * the user's overrides after it, in their order — as `run --protocol P
	 * --set ...` — so an override that holds only under P (host.arch=x86
	 * beside sync) is checked against P, not the scenario's own protocol. */
	struct session ss[MAX_PROTOCOLS];
	for (unsigned i = 0; i < n; i++) {
		struct run_opts po = o;

		snprintf(set, sizeof(set), "protocol=%.31s", protos[i]);
		po.sets[0] = set;
		memcpy(&po.sets[1], o.sets, o.nsets * sizeof(o.sets[0]));
		po.nsets = o.nsets + 1;
		if (cli_load_session(&po, &ss[i])) {
			end_sessions(ss, i);
			return CLI_EXIT_BAD_INPUT;
		}
		guests += cli_protocol_runs_guest(&ss[i].cfg);
	}
	{
		/* A key that does nothing under every compared protocol
		 * (docs/scenario.md, "Keys that depend on the protocol"). */
		struct cfg_error err;
		struct apf_config *cfgs = malloc(n * sizeof(*cfgs));
		int bad;

		for (unsigned i = 0; cfgs && i < n; i++)
			cfgs[i] = ss[i].cfg;	/* shallow: read only, not freed */
		bad = !cfgs || config_check_protocol_keys_all(cfgs, n, &err);
		if (bad) {
			if (cfgs)
				cfg_error_print(&err, stderr);
			else
				fprintf(stderr, "apfsim compare: out of memory\n");
			free(cfgs);
			end_sessions(ss, n);
			return CLI_EXIT_BAD_INPUT;
		}
		free(cfgs);
	}
	if (cli_trace_check(&o, &ss[0].cfg)) {
		end_sessions(ss, n);
		return CLI_EXIT_BAD_INPUT;
	}
	if ((o.image || o.insn) && !guests) {
		fprintf(stderr, "apfsim compare: %s does nothing: none of %s runs guest code\n",
			o.image ? "--guest-image" : "--trace-insn", o.protocols);
		end_sessions(ss, n);
		return CLI_EXIT_BAD_INPUT;
	}
	/* Every output, per protocol, opened before the first run. */
	for (unsigned i = 0; i < n; i++)
		cli_outputs_add_config_inputs(&outs, &ss[i].cfg);
	struct cli_output *json = cli_outputs_add(&outs, "--json", o.json, NULL);
	for (unsigned i = 0; i < n; i++) {
		st[i].ftrace = cli_outputs_add(&outs, "--trace-ftrace", o.ftrace, protos[i]);
		st[i].perfetto = cli_outputs_add(&outs, "--trace-perfetto", o.perfetto, protos[i]);
		st[i].vcd = cli_outputs_add(&outs, "--vcd", o.vcd, protos[i]);
		if (cli_protocol_runs_guest(&ss[i].cfg))
			st[i].insn = cli_outputs_add(&outs, "--trace-insn", o.insn, protos[i]);
	}
	if (cli_outputs_open(&outs, true)) {
		end_sessions(ss, n);
		return CLI_EXIT_BAD_INPUT;
	}
	cli_signals_install();
	if (cli_max_wall("compare", o.max_wall_s)) {
		cli_outputs_abort(&outs);
		end_sessions(ss, n);
		return CLI_EXIT_FAIL;
	}
	o.quiet = 1;
	bool io_error = false;
	int stop = 0;
	unsigned done = 0;
	for (unsigned i = 0; i < n; i++) {
		struct run_out *out = &res[i];
		int r = cli_simulate(&ss[i], &o, &st[i], out);
		io_error |= out->io_error;
		stop = out->interrupted;
		if (r == CLI_EXIT_BAD_INPUT || stop || io_error) {
			worst = stop ? cli_interrupted_exit(stop) : r;
			break;
		}
		if (r != CLI_EXIT_OK)
			worst = CLI_EXIT_FAIL;
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
		print_table(ss[0].cfg.path, protos, res, n);
		json_t *explain = json_array();
		for (unsigned i = 1; o.explain && i < n; i++) {
			if (!res[0].ok || !res[i].ok)
				continue;
			json_t *ex = compare_explain(protos[0], &res[0].res, protos[i], &res[i].res);
			compare_explain_print(ex, stdout);
			json_array_append_new(explain, ex);
		}
		if (json) {
			json_t *root = json_object(), *results = json_object(), *names = json_array();
			json_object_set_new(root, "format_version", json_integer(APFSIM_JSON_FORMAT_VERSION));
			json_object_set_new(root, "scenario", json_string(ss[0].cfg.path));
			json_object_set_new(root, "seed", json_integer((json_int_t)ss[0].cfg.seed));
			for (unsigned i = 0; i < n; i++) {
				json_array_append_new(names, json_string(protos[i]));
				json_object_set(results, protos[i], res[i].res.doc ? res[i].res.doc : json_null());
			}
			json_object_set_new(root, "protocols", names);
			json_object_set_new(root, "results", results);
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
		cli_run_out_free(&res[i]);
	end_sessions(ss, n);
	return worst;
}
