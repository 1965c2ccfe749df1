/* explore.c — `apfsim explore`: seed-driven exploration with the oracle as
 * judge, grouped violations, replay commands and shrunk reproducers
 * (docs/explore.md).  Exit status: 0 no violation, 1 violations found,
 * 2 bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/outputs.h"
#include "cli/sweep.h"
#include "model/config/config.h"
#include "model/explore/explore.h"
#include "model/vm/machine_report.h"

/* Runs of one batch: every run's record is kept in memory (a few hundred
 * bytes each) until the report is made. */
#define CLI_EXPLORE_MAX_RUNS 1000000ULL

const char cli_explore_usage[] =
	"usage: apfsim explore SCENARIO --runs N [options]\n"
	"\n"
	"Run SCENARIO N times, each run with its own seed and its own order of\n"
	"same-instant events, the oracle checking every run; print the distinct\n"
	"violations with the command that replays each and a shrunk reproducer.\n"
	"Values come as --opt=V or --opt V.\n"
	"\n"
	"options:\n"
	"  --runs N               runs to make (1 to 1000000)\n"
	"  --jobs J               worker processes (1 to 32, default 1; results do not depend on it)\n"
	"  --seed S               base seed (0 to 2^64-1; default: the scenario's)\n"
	"  --protocol P           protocol preset for every run\n"
	"  --set KEY=VALUE        scenario override for every run (repeatable)\n"
	"  --time-limit T         stop starting runs after T of wall time (e.g. 30s)\n"
	"  --no-shrink            do not shrink the failing runs\n"
	"  --chaos                each run adds fault injections of every kind drawn from its seed\n"
	"                         (instants, vCPUs, lengths, probabilities; shown in the replay line)\n"
	"  --chaos-kinds LIST     with --chaos (implied), draw only these kinds: comma-separated names,\n"
	"                         'all', or '-NAME' to leave one out (sdei_refuse worker_fail kick_delay\n"
	"                         host_flush memory_spike migrate cpu_offline apf_toggle sdei_other smm_exit)\n"
	"  --json F               write the report as JSON to F\n"
	"  --help, -h             this text\n"
	"\n"
	"SIGINT/SIGTERM stop every worker and exit 130/143 without a report.\n";

enum { O_RUNS = 2000, O_JOBS, O_TIME_LIMIT, O_NO_SHRINK, O_CHAOS, O_CHAOS_KINDS };

static const struct option explore_table[] = {
	{ "runs", required_argument, NULL, O_RUNS },
	{ "jobs", required_argument, NULL, O_JOBS },
	{ "seed", required_argument, NULL, CLI_O_SEED },
	{ "protocol", required_argument, NULL, CLI_O_PROTOCOL },
	{ "set", required_argument, NULL, CLI_O_SET },
	{ "time-limit", required_argument, NULL, O_TIME_LIMIT },
	{ "no-shrink", no_argument, NULL, O_NO_SHRINK },
	{ "chaos", no_argument, NULL, O_CHAOS },
	{ "chaos-kinds", required_argument, NULL, O_CHAOS_KINDS },
	{ "json", required_argument, NULL, CLI_O_JSON },
	{ "help", no_argument, NULL, CLI_O_HELP },
	{ NULL, 0, NULL, 0 },
};

static int add_set(struct explore_opts *o, const char *kv)
{
	if (o->nsets == EXPLORE_MAX_SETS) {
		fprintf(stderr, "apfsim explore: too many overrides (at most %d --set and --protocol)\n",
			EXPLORE_MAX_SETS);
		return -1;
	}
	o->sets[o->nsets++] = kv;
	return 0;
}

static int gather_runs(const struct explore_run *mine, uint64_t n, struct explore_run **all, uint64_t *nall)
{
	return cli_mpi_gather(mine, n, sizeof(*mine), (void **)all, nall);
}

int cli_explore(int argc, char **argv)
{
	struct explore_opts o = { .jobs = 1, .shrink = true };
	struct explore_result *r;
	static char protobuf[96];
	const char *json = NULL, *jobs = NULL, *limit = NULL;
	uint64_t v;
	bool have_runs = false;
	int c;

	if (cli_check_args("explore", argc, argv, explore_table, "h"))
		return CLI_EXIT_BAD_INPUT;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", explore_table, NULL)) != -1) {
		const char *val = optarg;
		switch (c) {
		case CLI_O_HELP:
			fputs(cli_explore_usage, stdout);
			return CLI_EXIT_OK;
		case O_NO_SHRINK:
			o.shrink = false;
			break;
		case O_CHAOS:
			o.chaos = true;
			break;
		case O_CHAOS_KINDS: {
			char err[256];

			if (o.chaos_kinds)
				return cli_twice("explore", "--chaos-kinds"), CLI_EXIT_BAD_INPUT;
			if (chaos_kinds_parse(val, &o.chaos_kinds, err, sizeof(err))) {
				fprintf(stderr, "apfsim explore: --chaos-kinds: %s\n", err);
				return CLI_EXIT_BAD_INPUT;
			}
			o.chaos = true;
			break;
		}
		case O_RUNS:
			if (have_runs)
				return cli_twice("explore", "--runs"), CLI_EXIT_BAD_INPUT;
			if (cli_parse_u64("explore", "--runs", val, 1, CLI_EXPLORE_MAX_RUNS, &o.runs))
				return CLI_EXIT_BAD_INPUT;
			have_runs = true;
			break;
		case O_JOBS:
			if (jobs)
				return cli_twice("explore", "--jobs"), CLI_EXIT_BAD_INPUT;
			if (cli_parse_u64("explore", "--jobs", val, 1, EXPLORE_MAX_GROUPS, &v))
				return CLI_EXIT_BAD_INPUT;
			jobs = val;
			o.jobs = (unsigned)v;
			break;
		case CLI_O_SEED:
			if (o.has_seed)
				return cli_twice("explore", "--seed"), CLI_EXIT_BAD_INPUT;
			if (cli_parse_u64("explore", "--seed", val, 0, UINT64_MAX, &o.seed))
				return CLI_EXIT_BAD_INPUT;
			o.has_seed = true;
			break;
		case O_TIME_LIMIT:
			if (limit)
				return cli_twice("explore", "--time-limit"), CLI_EXIT_BAD_INPUT;
			limit = val;
			if (cli_parse_wall("explore", "--time-limit", val, &o.time_limit_s))
				return CLI_EXIT_BAD_INPUT;
			break;
		case CLI_O_PROTOCOL:
			if (protobuf[0])
				return cli_twice("explore", "--protocol"), CLI_EXIT_BAD_INPUT;
			if (strlen(val) >= sizeof(protobuf) - 10) {
				fprintf(stderr, "apfsim explore: --protocol: expected a preset name, found \"%.40s...\"\n",
					val);
				return CLI_EXIT_BAD_INPUT;
			}
			snprintf(protobuf, sizeof(protobuf), "protocol=%s", val);
			if (add_set(&o, protobuf))
				return CLI_EXIT_BAD_INPUT;
			break;
		case CLI_O_SET:
			if (add_set(&o, val))
				return CLI_EXIT_BAD_INPUT;
			break;
		case CLI_O_JSON:
			if (json)
				return cli_twice("explore", "--json"), CLI_EXIT_BAD_INPUT;
			json = val;
			break;
		default:
			return CLI_EXIT_BAD_INPUT;	/* cli_check_args refused it already */
		}
	}
	for (int i = optind; i < argc; i++) {
		if (o.scenario) {
			fprintf(stderr, "apfsim explore: unexpected argument '%s' (one SCENARIO only)\n", argv[i]);
			return CLI_EXIT_BAD_INPUT;
		}
		o.scenario = argv[i];
	}
	if (!o.scenario || !have_runs) {
		fprintf(stderr, "apfsim explore: needs SCENARIO and --runs N\n\n%s", cli_explore_usage);
		return CLI_EXIT_BAD_INPUT;
	}
	/* Under mpirun: this rank's share of the runs; rank 0 reports. */
	o.rank = (unsigned)cli_mpi_rank();
	o.nranks = (unsigned)cli_mpi_size();
	o.gather = gather_runs;
	struct cli_outputs outs = { .cmd = "explore" };
	cli_outputs_add_input(&outs, "the scenario", o.scenario);
	struct cli_output *jout = cli_outputs_add(&outs, "--json", o.rank == 0 ? json : NULL, NULL);
	if (cli_outputs_open(&outs, true))
		return CLI_EXIT_BAD_INPUT;
	r = calloc(1, sizeof(*r));
	if (!r) {
		cli_outputs_abort(&outs);
		return CLI_EXIT_FAIL;
	}
	cli_signals_install();
	if (explore_all(&o, r)) {
		fprintf(stderr, "%s\n", r->error);
		bool wait_others = r->gathered;
		free(r);
		cli_outputs_abort(&outs);
		return wait_others ? cli_mpi_agree(CLI_EXIT_BAD_INPUT) : CLI_EXIT_BAD_INPUT;
	}
	if (r->gathered_away) {
		/* Not rank 0: its worker deaths are its own to report; the exit
		 * status is agreed with rank 0's. */
		int rc = CLI_EXIT_OK;
		if (r->worker_deaths) {
			fprintf(stderr, "apfsim explore: rank %u: %u worker%s died; %llu run%s re-run, %llu lost:\n%s",
				o.rank, r->worker_deaths, r->worker_deaths == 1 ? "" : "s",
				(unsigned long long)r->rerun, r->rerun == 1 ? "" : "s", (unsigned long long)r->lost,
				r->deaths);
			rc = CLI_EXIT_FAIL;
		}
		free(r);
		cli_outputs_abort(&outs);
		return cli_mpi_agree(rc);
	}
	if (r->interrupted) {
		fprintf(stderr, "apfsim explore: interrupted by %s: %llu of %llu runs recorded, %llu failed; "
				"every worker stopped, no report written\n", cli_signal_name(r->interrupted),
			(unsigned long long)r->runs_done, (unsigned long long)o.runs,
			(unsigned long long)r->failures);
		int sig = r->interrupted;
		bool wait_others = r->gathered;
		free(r);
		cli_outputs_abort(&outs);
		return wait_others ? cli_mpi_agree(cli_interrupted_exit(sig)) : cli_interrupted_exit(sig);
	}

	/* The replay command repeats the user's overrides. */
	char user[2048] = "";
	size_t used = 0;
	for (unsigned i = 0; i < o.nsets; i++) {
		int w = snprintf(user + used, sizeof(user) - used, " --set '%s'", o.sets[i]);
		if (w > 0 && (size_t)w < sizeof(user) - used)
			used += (size_t)w;
	}
	char lost[48] = "";
	if (r->lost)
		snprintf(lost, sizeof(lost), " (%llu lost)", (unsigned long long)r->lost);
	printf("apfsim explore: %s, protocol %s: %llu runs%s, %llu failed, %u distinct violation%s,"
	       " %.1f runs/s\n", o.scenario, r->protocol, (unsigned long long)r->runs_done, lost,
	       (unsigned long long)r->failures, r->ngroups, r->ngroups == 1 ? "" : "s",
	       r->wall_s > 0 ? (double)r->runs_done / r->wall_s : 0);
	if (r->worker_deaths)
		fprintf(stderr, "apfsim explore: %u worker%s died; %llu run%s re-run, %llu lost:\n%s",
			r->worker_deaths, r->worker_deaths == 1 ? "" : "s", (unsigned long long)r->rerun,
			r->rerun == 1 ? "" : "s", (unsigned long long)r->lost, r->deaths);
	json_t *doc = json_object(), *groups = json_array();
	for (unsigned i = 0; i < r->ngroups; i++) {
		const struct explore_group *g = &r->groups[i];
		char base[3072], replay[4096], shrunk[4096 + sizeof(g->shrunk)];
		snprintf(base, sizeof(base), "apfsim run %s --seed %llu --set run.perturb_order=true%s",
			 o.scenario, (unsigned long long)g->first.seed, user);
		/* --chaos: the run's drawn injections are part of its replay; the
		 * shrunk list holds the kinds that shrinking kept. */
		snprintf(replay, sizeof(replay), "%s%s", base, g->first.chaos);
		snprintf(shrunk, sizeof(shrunk), "%s%s", base, g->shrunk);
		printf("\n[%u] %s (state: %s) in %llu run%s; first in run %llu (seed %llu): %s\n    replay:  %s\n",
		       i + 1, g->invariant, g->state[0] ? g->state : "-", (unsigned long long)g->count,
		       g->count == 1 ? "" : "s",
		       (unsigned long long)g->first.index, (unsigned long long)g->first.seed, g->first.message,
		       replay);
		if (o.chaos)
			printf("    found after %.1f s of wall time (the first failing run's end)\n", g->first.found_s);
		if (o.shrink)
			printf("    shrunk (%u attempts): %s\n", g->shrink_steps, shrunk);
		if (g->excerpt[0]) {
			printf("    ftrace of the shrunk run around the violation");
			if (g->first.vcpu != UINT32_MAX)
				printf(" (vCPU %u)", g->first.vcpu);
			printf(":\n");
			for (const char *l = g->excerpt; *l;) {
				const char *e = strchr(l, '\n');
				int len = e ? (int)(e - l) : (int)strlen(l);
				printf("      %.*s\n", len, l);
				l += len + (e ? 1 : 0);
			}
		}
		json_array_append_new(groups, json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s}",
			"invariant", g->invariant, "state", g->state, "count", (json_int_t)g->count,
			"first_run", (json_int_t)g->first.index, "seed", (json_int_t)g->first.seed,
			"message", g->first.message, "replay", replay, "shrunk", shrunk,
			"excerpt", g->excerpt));
	}
	json_object_set_new(doc, "format_version", json_integer(APFSIM_JSON_FORMAT_VERSION));
	json_object_set_new(doc, "scenario", json_string(o.scenario));
	json_object_set_new(doc, "protocol", json_string(r->protocol));
	json_object_set_new(doc, "runs", json_integer((json_int_t)r->runs_done));
	json_object_set_new(doc, "failures", json_integer((json_int_t)r->failures));
	json_object_set_new(doc, "groups", groups);
	json_object_set_new(doc, "worker_deaths", json_integer((json_int_t)r->worker_deaths));
	json_object_set_new(doc, "lost", json_integer((json_int_t)r->lost));
	int rc = r->failures || r->worker_deaths ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	if (jout) {
		char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (!text || cli_output_write(jout, text)) {
			rc = CLI_EXIT_FAIL;
			cli_outputs_abort(&outs);
		}
		free(text);
	}
	if (cli_outputs_commit(&outs))
		rc = CLI_EXIT_FAIL;
	json_decref(doc);
	free(r);
	return o.nranks > 1 ? cli_mpi_agree(rc) : rc;
}
