/* compare.c — `apfsim compare SCENARIO --protocols P1,P2,...`: the same
 * scenario and seed under each protocol, one table with a column per
 * protocol (and --json with every run's full document). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "model/config/config.h"
#include "model/report/report.h"

#define MAX_PROTOCOLS 8

static const char compare_usage[] =
	"usage: apfsim compare SCENARIO --protocols P1,P2,... [options]\n"
	"\n"
	"Run SCENARIO under each protocol with the same seed and print one table\n"
	"with a column per protocol.\n"
	"\n"
	"options:\n"
	"  --protocols P1,P2,...  protocol presets to compare (apfsim protocols lists them)\n"
	"  --seed N               override the scenario seed\n"
	"  --set KEY=VALUE        override a scenario key in every run (repeatable)\n"
	"  --json F               write {scenario, seed, protocols, results{P: run}} to F\n"
	"  --explain              per task and vCPU, the time-account difference of each\n"
	"                         protocol against the first, bucket by bucket (and\n"
	"                         \"explain\" in --json)\n"
	"  --oracle=off           do not check the protocol invariants\n"
	"  --help                 this text\n";

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

int cli_compare(int argc, char **argv)
{
	struct run_opts o = { 0 };
	char protos[MAX_PROTOCOLS][32], set[96];
	json_t *docs[MAX_PROTOCOLS] = { 0 };
	unsigned n = 0;
	int rc = cli_parse_run_args(argc, argv, &o, compare_usage), worst = CLI_EXIT_OK;

	if (rc)
		return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_BAD_INPUT;
	if (!o.protocols) {
		fprintf(stderr, "apfsim: compare needs --protocols P1,P2,...\n\n%s", compare_usage);
		return CLI_EXIT_BAD_INPUT;
	}
	for (const char *p = o.protocols; *p;) {
		size_t l = strcspn(p, ",");
		if (l == 0 || l >= sizeof(protos[0]) || n == MAX_PROTOCOLS) {
			fprintf(stderr, "apfsim: --protocols: expected up to %d names separated by commas, "
					"found \"%s\"\n", MAX_PROTOCOLS, o.protocols);
			return CLI_EXIT_BAD_INPUT;
		}
		snprintf(protos[n++], sizeof(protos[0]), "%.*s", (int)l, p);
		p += l + (p[l] == ',');
	}
	/* Load and check every configuration before running anything. */
	struct apf_config cfgs[MAX_PROTOCOLS];
	for (unsigned i = 0; i < n; i++) {
		struct cfg_error err;
		if (cli_load_config(&o, &cfgs[i])) {
			while (i--)
				config_free(&cfgs[i]);
			return CLI_EXIT_BAD_INPUT;
		}
		snprintf(set, sizeof(set), "protocol=%.31s", protos[i]);
		if (config_set(&cfgs[i], set, &err)) {
			cfg_error_print(&err, stderr);
			for (unsigned k = 0; k <= i; k++)
				config_free(&cfgs[k]);
			return CLI_EXIT_BAD_INPUT;
		}
	}
	o.quiet = 1;
	const char *json_path = o.json;
	o.json = NULL;
	for (unsigned i = 0; i < n; i++) {
		struct run_out out = { 0 };
		json_error_t je;
		int r = cli_simulate(&cfgs[i], &o, 0, &out);
		if (r == CLI_EXIT_BAD_INPUT) {
			worst = r;
			break;
		}
		if (r != CLI_EXIT_OK)
			worst = CLI_EXIT_FAIL;
		docs[i] = out.json ? json_loads(out.json, 0, &je) : NULL;
		cli_run_out_free(&out);
	}
	if (worst != CLI_EXIT_BAD_INPUT) {
		print_table(cfgs[0].path, protos, docs, n);
		json_t *explain = json_array();
		for (unsigned i = 1; o.explain && i < n; i++) {
			if (!docs[0] || !docs[i])
				continue;
			json_t *ex = compare_explain(protos[0], docs[0], protos[i], docs[i]);
			compare_explain_print(ex, stdout);
			json_array_append_new(explain, ex);
		}
		if (json_path) {
			json_t *root = json_object(), *res = json_object(), *names = json_array();
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
			if (!text || cli_write_atomically(json_path, text))
				worst = CLI_EXIT_FAIL;
			free(text);
			json_decref(root);
		}
		json_decref(explain);
	}
	for (unsigned i = 0; i < n; i++) {
		json_decref(docs[i]);
		config_free(&cfgs[i]);
	}
	return worst;
}
