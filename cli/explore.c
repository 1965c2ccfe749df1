/* explore.c — `apfsim explore`: seed-driven exploration with the oracle as
 * judge, grouped violations, replay commands and shrunk reproducers
 * (docs/explore.md).  Exit status: 0 no violation, 1 violations found,
 * 2 bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "model/config/config.h"
#include "model/explore/explore.h"

static const char explore_usage[] =
	"usage: apfsim explore SCENARIO --runs N [options]\n"
	"\n"
	"Run SCENARIO N times, each run with its own seed and its own order of\n"
	"same-instant events, the oracle checking every run; print the distinct\n"
	"violations with the command that replays each and a shrunk reproducer.\n"
	"\n"
	"options:\n"
	"  --runs N               runs to make (at least 1)\n"
	"  --jobs J               worker processes (default 1; results do not depend on it)\n"
	"  --seed S               base seed (default: the scenario's)\n"
	"  --protocol P           protocol preset for every run\n"
	"  --set KEY=VALUE        scenario override for every run (repeatable)\n"
	"  --time-limit T         stop starting runs after T of wall time (e.g. 30s)\n"
	"  --no-shrink            do not shrink the failing runs\n"
	"  --json F               write the report as JSON to F\n"
	"  --help                 this text\n";

static int bad(const char *msg, const char *val)
{
	fprintf(stderr, "apfsim explore: %s%s%s%s\n", msg, val ? ", found \"" : "", val ? val : "",
		val ? "\"" : "");
	return CLI_EXIT_BAD_INPUT;
}

static int parse_count(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int cli_explore(int argc, char **argv)
{
	struct explore_opts o = { .jobs = 1, .shrink = true };
	struct explore_result *r;
	static char protobuf[96];
	const char *json = NULL;
	uint64_t v;
	bool have_runs = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(explore_usage, stdout);
			return CLI_EXIT_OK;
		}
		if (!strcmp(a, "--no-shrink")) {
			o.shrink = false;
			continue;
		}
		if (a[0] == '-' && a[1]) {
			if (!val)
				return bad("option needs a value", a);
			i++;
			if (!strcmp(a, "--runs")) {
				if (parse_count(val, &o.runs) || o.runs == 0)
					return bad("--runs: expected a number of runs of at least 1", val);
				have_runs = true;
			} else if (!strcmp(a, "--jobs")) {
				if (parse_count(val, &v) || v < 1 || v > EXPLORE_MAX_GROUPS)
					return bad("--jobs: expected 1 to 32 worker processes", val);
				o.jobs = (unsigned)v;
			} else if (!strcmp(a, "--seed")) {
				if (parse_count(val, &o.seed))
					return bad("--seed: expected a non-negative integer", val);
				o.has_seed = true;
			} else if (!strcmp(a, "--time-limit")) {
				sim_time_t ps;
				char why[128];
				if (units_parse_time(val, 2000000000ULL, &ps, why, sizeof(why)) || ps == 0)
					return bad("--time-limit: expected a positive time with a unit (30s, 2ms)", val);
				o.time_limit_s = (double)ps / (double)SIM_S;
			} else if (!strcmp(a, "--protocol")) {
				snprintf(protobuf, sizeof(protobuf), "protocol=%s", val);
				if (o.nsets == EXPLORE_MAX_SETS)
					return bad("too many overrides", NULL);
				o.sets[o.nsets++] = protobuf;
			} else if (!strcmp(a, "--set")) {
				if (o.nsets == EXPLORE_MAX_SETS)
					return bad("too many overrides", NULL);
				o.sets[o.nsets++] = val;
			} else if (!strcmp(a, "--json")) {
				json = val;
			} else {
				return bad("unknown option", a);
			}
		} else if (!o.scenario) {
			o.scenario = a;
		} else {
			return bad("unexpected argument", a);
		}
	}
	if (!o.scenario || !have_runs) {
		fprintf(stderr, "apfsim explore: needs SCENARIO and --runs N\n\n%s", explore_usage);
		return CLI_EXIT_BAD_INPUT;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return CLI_EXIT_FAIL;
	if (explore_all(&o, r)) {
		fprintf(stderr, "%s\n", r->error);
		free(r);
		return CLI_EXIT_BAD_INPUT;
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
		char replay[4096], shrunk[4096 + sizeof(g->shrunk)];
		snprintf(replay, sizeof(replay), "apfsim run %s --seed %llu --set run.perturb_order=true%s",
			 o.scenario, (unsigned long long)g->first.seed, user);
		snprintf(shrunk, sizeof(shrunk), "%s%s", replay, g->shrunk);
		printf("\n[%u] %s (state: %s) in %llu run%s; first in run %llu (seed %llu): %s\n    replay:  %s\n",
		       i + 1, g->invariant, g->state[0] ? g->state : "-", (unsigned long long)g->count,
		       g->count == 1 ? "" : "s",
		       (unsigned long long)g->first.index, (unsigned long long)g->first.seed, g->first.message,
		       replay);
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
	json_object_set_new(doc, "scenario", json_string(o.scenario));
	json_object_set_new(doc, "protocol", json_string(r->protocol));
	json_object_set_new(doc, "runs", json_integer((json_int_t)r->runs_done));
	json_object_set_new(doc, "failures", json_integer((json_int_t)r->failures));
	json_object_set_new(doc, "groups", groups);
	json_object_set_new(doc, "worker_deaths", json_integer((json_int_t)r->worker_deaths));
	json_object_set_new(doc, "lost", json_integer((json_int_t)r->lost));
	int rc = r->failures || r->worker_deaths ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	if (json) {
		char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (!text || cli_write_atomically(json, text))
			rc = CLI_EXIT_FAIL;
		free(text);
	}
	json_decref(doc);
	free(r);
	return rc;
}
