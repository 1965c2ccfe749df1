/* run.c — `apfsim run` and `apfsim validate`.
 *
 * Every output is opened before the run starts (cli/outputs.h): a path
 * that cannot be written is bad input and nothing is touched.  Files are
 * written to temporaries and renamed over their names only when the
 * command completes; a write error (reported with the file and strerror)
 * or an interrupt removes them all.  A failed run (oracle violation, guest
 * fault: exit 1) still gets its outputs: they show what failed. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/outputs.h"
#include "cli/sweep.h"
#include "model/apf/protocol.h"
#include "model/config/config.h"
#include "model/check/oracle.h"
#include "model/vm/machine_report.h"
#include "model/session/session.h"
#include "model/trace/trace.h"
#include "model/vm/machine.h"

const char cli_run_usage[] =
	"usage: apfsim run SCENARIO [options]\n"
	"\n"
	"Simulate SCENARIO (a YAML file, see docs/scenario.md) and print a summary.\n"
	"Values come as --opt=V or --opt V.\n"
	"\n"
	"options:\n"
	"  --seed N               override the scenario seed (1 to 2^64-1)\n"
	"  --protocol P           override the protocol preset (sync, arm64-v4, ...)\n"
	"  --set KEY=VALUE        override one scenario key, e.g. host.swap.queue_depth=8\n"
	"                         or tasks.0.passes=3 (repeatable)\n"
	"  --json F               write every figure as JSON to F (docs/output.md)\n"
	"  --trace-ftrace F       trace-cmd report style text: KVM tracepoints + apfsim events\n"
	"  --trace-perfetto F     Chrome trace JSON for ui.perfetto.dev / chrome://tracing\n"
	"  --vcd F                waveforms: PPI line, SDEI pending/running, buffer, vCPU mode\n"
	CLI_TRACE_OPTION_USAGE
	"  --trace-insn F         capstone disassembly of every guest instruction (slow;\n"
	"                         protocols that run guest code only)\n"
	"  --guest-image F        run this guest kernel ELF instead of the built-in one\n"
	"                         (protocols that run guest code only)\n"
	"  --oracle=off|on        check the protocol invariants (default on; off: benchmarks)\n"
	"  --max-wall T           stop after T of wall time (e.g. 10s, 500ms): exit 1\n"
	"  --quiet, -q            do not print the summary\n"
	"  --check-determinism    run twice and compare the digests of all outputs\n"
	"  --plot DIR             also draw DIR/latency.svg and DIR/timeline.svg (gnuplot)\n"
	"  --help, -h             this text\n"
	"\n"
	"Files (F) are written under a temporary name and renamed when the run ends;\n"
	"F = - is standard output; devices and FIFOs are written in place.\n"
	"exit status: 0 ok, 1 run failure or write error, 2 bad input,\n"
	"130/143 interrupted by SIGINT/SIGTERM (no file written)\n";

const char cli_validate_usage[] =
	"usage: apfsim validate SCENARIO [options]\n"
	"\n"
	"Check SCENARIO as `apfsim run` would before it starts — the YAML, every\n"
	"key, the files it names (page-access traces, the guest image) — and print\n"
	"a one-line confirmation (exit 0), or FILE:LINE:COL: error: ... (exit 2).\n"
	"\n"
	"options:\n"
	"  --seed N               override the scenario seed\n"
	"  --protocol P           override the protocol preset\n"
	"  --set KEY=VALUE        override one scenario key (repeatable)\n"
	"  --guest-image F        the guest kernel ELF to check\n"
	"  --help, -h             this text\n";

static const struct option run_table[] = {
	{ "seed", required_argument, NULL, CLI_O_SEED },
	{ "protocol", required_argument, NULL, CLI_O_PROTOCOL },
	{ "set", required_argument, NULL, CLI_O_SET },
	CLI_OUTPUT_OPTION_ROWS,
	{ "quiet", no_argument, NULL, CLI_O_QUIET },
	{ "check-determinism", no_argument, NULL, CLI_O_CHECK },
	{ "plot", required_argument, NULL, CLI_O_PLOT },
	{ "help", no_argument, NULL, CLI_O_HELP },
	CLI_TRACE_OPTION_ROWS,
	{ NULL, 0, NULL, 0 },
};

static const struct option validate_table[] = {
	{ "seed", required_argument, NULL, CLI_O_SEED },
	{ "protocol", required_argument, NULL, CLI_O_PROTOCOL },
	{ "set", required_argument, NULL, CLI_O_SET },
	{ "guest-image", required_argument, NULL, CLI_O_IMAGE },
	{ "help", no_argument, NULL, CLI_O_HELP },
	{ NULL, 0, NULL, 0 },
};

static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int cli_load_session(const struct run_opts *o, struct session *ss)
{
	struct session_spec spec = { .scenario = o->scenario, .sets = o->sets, .nsets = o->nsets };
	struct cfg_error err;

	if (session_load(ss, &spec, &err)) {
		cfg_error_print(&err, stderr);
		return -1;
	}
	/* One pass after every override: a key that does nothing under the
	 * protocol (compare checks across all its protocols instead). */
	if (!o->protocols && config_check_protocol_keys(&ss->cfg, &err)) {
		cfg_error_print(&err, stderr);
		session_end(ss);
		return -1;
	}
	return 0;
}

bool cli_protocol_runs_guest(const struct apf_config *cfg)
{
	const struct protocol_ops *p = protocol_for(cfg);

	return p && p->needs_guest;
}

static int add_set(struct run_opts *o, const char *kv)
{
	if (o->nsets == CLI_MAX_SETS) {
		fprintf(stderr, "apfsim %s: too many overrides (at most %d --set, --seed, --protocol, "
				"--guest-image)\n", o->cmd, CLI_MAX_SETS);
		return -1;
	}
	o->sets[o->nsets++] = kv;
	return 0;
}

/* A single-valued option: once only. */
static int once(struct run_opts *o, const char **slot, const char *opt, const char *val)
{
	if (*slot)
		return cli_twice(o->cmd, opt);
	*slot = val;
	return 0;
}

static int take_option(struct run_opts *o, int c, const char *val)
{
	uint64_t v;

	switch (c) {
	case CLI_O_QUIET:
		o->quiet = 1;
		return 0;
	case CLI_O_CHECK:
		o->check = 1;
		return 0;
	case CLI_O_EXPLAIN:
		o->explain = 1;
		return 0;
	case CLI_O_JSON:
		return once(o, &o->json, "--json", val);
	case CLI_O_FTRACE:
		return once(o, &o->ftrace, "--trace-ftrace", val);
	case CLI_O_PERFETTO:
		return once(o, &o->perfetto, "--trace-perfetto", val);
	case CLI_O_VCD:
		return once(o, &o->vcd, "--vcd", val);
	case CLI_O_INSN:
		return once(o, &o->insn, "--trace-insn", val);
	case CLI_O_PROTOCOLS:
		return once(o, &o->protocols, "--protocols", val);
	case CLI_O_PLOT:
		return once(o, &o->plot, "--plot", val);
	case CLI_O_ORACLE:
		if (strcmp(val, "on") && strcmp(val, "off")) {
			fprintf(stderr, "apfsim %s: --oracle: expected on or off, found \"%s\"\n", o->cmd, val);
			return -1;
		}
		o->oracle_off = !strcmp(val, "off");
		return 0;
	case CLI_O_MAX_WALL:
		if (once(o, &o->max_wall, "--max-wall", val))
			return -1;
		return cli_parse_wall(o->cmd, "--max-wall", val, &o->max_wall_s);
	case CLI_O_SEED:
		if (o->seedbuf[0])
			return cli_twice(o->cmd, "--seed");
		if (cli_parse_u64(o->cmd, "--seed", val, 1, UINT64_MAX, &v))
			return -1;
		snprintf(o->seedbuf, sizeof(o->seedbuf), "seed=%llu", (unsigned long long)v);
		return add_set(o, o->seedbuf);
	case CLI_O_PROTOCOL:
		if (o->protobuf[0])
			return cli_twice(o->cmd, "--protocol");
		if (strlen(val) >= sizeof(o->protobuf) - 10) {
			fprintf(stderr, "apfsim %s: --protocol: expected a preset name (apfsim protocols), "
					"found \"%.40s...\"\n", o->cmd, val);
			return -1;
		}
		snprintf(o->protobuf, sizeof(o->protobuf), "protocol=%s", val);
		return add_set(o, o->protobuf);
	case CLI_O_IMAGE:
		if (once(o, &o->image, "--guest-image", val))
			return -1;
		if (strlen(val) >= PARAM_STRING_MAX) {
			fprintf(stderr, "apfsim %s: --guest-image: a path of at most %d bytes expected\n", o->cmd,
				PARAM_STRING_MAX - 1);
			return -1;
		}
		snprintf(o->imagebuf, sizeof(o->imagebuf), "guest.image=%s", val);
		return add_set(o, o->imagebuf);
	case CLI_O_SET:
		return add_set(o, val);
	case CLI_O_TRACE_FROM:
	case CLI_O_TRACE_UNTIL:
	case CLI_O_TRACE_VCPUS:
	case CLI_O_TRACE_EVENTS:
	case CLI_O_TRACE_TOKEN:
	case CLI_O_TRACE_FORMAT:
		return cli_trace_option(o, c, val);
	default:
		return -1;	/* cli_check_args refused everything else */
	}
}

int cli_parse_run_args(int argc, char **argv, struct run_opts *o, const struct option *table,
		       const char *usage)
{
	char shorts[8] = ":h";
	int c;

	for (const struct option *t = table; t->name; t++)
		if (t->val == CLI_O_QUIET)
			strcat(shorts, "q");
	if (cli_check_args(o->cmd, argc, argv, table, shorts + 1))
		return -1;
	optind = 0;	/* glibc: start afresh */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, table, NULL)) != -1) {
		if (c == CLI_O_HELP) {
			fputs(usage, stdout);
			return 1;
		}
		if (c == '?' || c == ':' || take_option(o, c, optarg))
			return -1;
	}
	for (int i = optind; i < argc; i++) {
		if (o->scenario) {
			fprintf(stderr, "apfsim %s: unexpected argument '%s' (one SCENARIO only)\n", o->cmd, argv[i]);
			return -1;
		}
		o->scenario = argv[i];
	}
	if (!o->scenario) {
		fprintf(stderr, "apfsim %s: missing SCENARIO\n\n%s", o->cmd, usage);
		return -1;
	}
	return 0;
}

static void progress_cb(void *ctx, double fraction)
{
	cli_progress_update(ctx, fraction);
}

int cli_simulate(struct session *ss, const struct run_opts *o, const struct run_streams *s, struct run_out *out)
{
	struct session_build b = { .oracle = !o->oracle_off, .insn_trace = s->insn ? s->insn->f : NULL };
	struct session_collect c = { .version = APFSIM_VERSION, .summary = true, .json = true };
	int rc = CLI_EXIT_OK;

	switch (session_build(ss, &b)) {
	case 0:
		break;
	case SESSION_BAD_INPUT:
		fprintf(stderr, "%s\n", ss->err);
		session_reset(ss);
		return CLI_EXIT_BAD_INPUT;
	default:
		fprintf(stderr, "apfsim: cannot start the oracle\n");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	if (cli_trace_attach(&ss->m->tracer, o, s)) {
		rc = CLI_EXIT_FAIL;
		out->io_error = true;
		goto out;
	}
	struct cli_progress *p = cli_progress_start(o->quiet ? 0 : 1);
	session_run(ss, &(struct session_run){ .slices = 200, .progress = progress_cb, .ctx = p });
	cli_progress_end(p);
	if (ss->interrupted) {
		/* Stopped at an event boundary: nothing of this run is kept. */
		out->interrupted = ss->interrupted;
		out->stopped_ps = ss->stopped_ps;
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	if (session_finish(ss)) {
		fprintf(stderr, "apfsim: %s\n", ss->err);
		out->io_error = true;
		rc = CLI_EXIT_FAIL;
	}
	if (session_collect(ss, &c, &out->res)) {
		fprintf(stderr, "apfsim: out of memory\n");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	out->ok = true;
	if (out->res.failed) {
		fprintf(stderr, "apfsim: run failed at %llu ps: %s\n", (unsigned long long)ss->m->end_ps,
			ss->m->err);
		if (ss->m->fail_report)
			fputs(ss->m->fail_report, stderr);
		rc = CLI_EXIT_FAIL;
	}
	if (out->res.violations) {
		if (!s->second)
			oracle_report(ss->orc, stderr);
		rc = CLI_EXIT_FAIL;
	}
out:
	session_reset(ss);
	/* The instruction trace is ours: close it here, checking every write. */
	if (s->insn && s->insn->f) {
		int err = cli_close_checked(s->insn->f);
		s->insn->f = NULL;
		if (err && !out->interrupted) {
			fprintf(stderr, "apfsim: --trace-insn: cannot write '%s': %s\n", s->insn->path, strerror(err));
			out->io_error = true;
			rc = CLI_EXIT_FAIL;
		}
	}
	return rc;
}

/* The JSON text of a collected run and the digest of text and summary
 * (--check-determinism); 0, or -1 out of memory. */
static int render(struct run_out *out)
{
	out->json = json_dumps(out->res.doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!out->json) {
		fprintf(stderr, "apfsim: out of memory\n");
		return -1;
	}
	out->digest = fnv1a(fnv1a(0xcbf29ce484222325ULL, out->res.summary, out->res.summary_len), out->json,
			    strlen(out->json));
	return 0;
}

/* Whether two closed files hold the same bytes. */
static int same_bytes(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int same = fa && fb;

	while (same) {
		int ca = fgetc(fa), cb = fgetc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF || cb == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static int check_trace_files(const struct run_streams *a, const struct run_streams *b)
{
	const struct cli_output *pa[] = { a->ftrace, a->perfetto, a->vcd, a->insn };
	const struct cli_output *pb[] = { b->ftrace, b->perfetto, b->vcd, b->insn };
	int ok = 1;

	for (unsigned i = 0; i < 4; i++) {
		if (pa[i] && !same_bytes(pa[i]->tmp, pb[i]->tmp)) {
			fprintf(stderr, "apfsim: determinism check FAILED: %s differs between runs\n", pa[i]->path);
			ok = 0;
		}
	}
	return ok;
}

void cli_run_out_free(struct run_out *o)
{
	session_result_free(&o->res);
	free(o->json);
	*o = (struct run_out){ 0 };
}

/* --guest-image and --trace-insn act on guest code only. */
static int check_guest_options(const struct run_opts *o, const struct apf_config *cfg)
{
	const char *opt = o->image ? "--guest-image" : o->insn ? "--trace-insn" : NULL;

	if (opt && !cli_protocol_runs_guest(cfg)) {
		fprintf(stderr, "apfsim %s: %s does nothing under protocol %s, which runs no guest code\n", o->cmd,
			opt, cfg->protocol);
		return -1;
	}
	return 0;
}

static int report_interrupt(const struct run_opts *o, const struct apf_config *cfg, const struct run_out *r,
			    int run)
{
	char at[48], of[48];

	report_fmt_time(r->stopped_ps, at, sizeof(at));
	report_fmt_time(cfg->run.duration, of, sizeof(of));
	if (r->interrupted == SIGALRM)
		fprintf(stderr, "apfsim run: stopped: --max-wall %s exceeded", o->max_wall);
	else
		fprintf(stderr, "apfsim run: interrupted by %s", cli_signal_name(r->interrupted));
	fprintf(stderr, " at simulated time %s of %s%s; no output file written\n", at, of,
		run ? " (second run of --check-determinism)" : "");
	return cli_interrupted_exit(r->interrupted);
}

int cli_run(int argc, char **argv)
{
	struct run_opts o = { .cmd = "run" };
	struct session ss;
	struct run_out a = { 0 }, b = { 0 };
	struct cli_outputs outs = { .cmd = "run" };
	struct run_streams s1 = { 0 }, s2 = { 0 };
	int rc = cli_parse_run_args(argc, argv, &o, run_table, cli_run_usage);

	if (rc)
		return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_BAD_INPUT;
	if (cli_load_session(&o, &ss))
		return CLI_EXIT_BAD_INPUT;
	if (check_guest_options(&o, &ss.cfg) || cli_trace_check(&o, &ss.cfg)) {
		session_end(&ss);
		return CLI_EXIT_BAD_INPUT;
	}
	cli_outputs_add_config_inputs(&outs, &ss.cfg);
	struct cli_output *json = cli_outputs_add(&outs, "--json", o.json, NULL);
	s1.ftrace = cli_outputs_add(&outs, "--trace-ftrace", o.ftrace, NULL);
	s1.perfetto = cli_outputs_add(&outs, "--trace-perfetto", o.perfetto, NULL);
	s1.vcd = cli_outputs_add(&outs, "--vcd", o.vcd, NULL);
	s1.insn = cli_outputs_add(&outs, "--trace-insn", o.insn, NULL);
	if (o.check) {
		s2.second = true;
		s2.ftrace = s1.ftrace ? cli_outputs_add_scratch(&outs, s1.ftrace) : NULL;
		s2.perfetto = s1.perfetto ? cli_outputs_add_scratch(&outs, s1.perfetto) : NULL;
		s2.vcd = s1.vcd ? cli_outputs_add_scratch(&outs, s1.vcd) : NULL;
		s2.insn = s1.insn ? cli_outputs_add_scratch(&outs, s1.insn) : NULL;
	}
	if ((o.plot && run_plot_check(o.plot)) || cli_outputs_open(&outs, !o.quiet)) {
		session_end(&ss);
		return CLI_EXIT_BAD_INPUT;
	}
	cli_signals_install();
	if (cli_max_wall("run", o.max_wall_s)) {
		cli_outputs_abort(&outs);
		session_end(&ss);
		return CLI_EXIT_FAIL;
	}
	rc = cli_simulate(&ss, &o, &s1, &a);
	if (a.ok && render(&a))
		rc = CLI_EXIT_FAIL;
	if (rc != CLI_EXIT_BAD_INPUT && !a.interrupted && !a.io_error && a.json && o.check) {
		/* The same session built and run again: the same config. */
		int rc2 = cli_simulate(&ss, &o, &s2, &b);
		if (b.ok && render(&b))
			rc2 = CLI_EXIT_FAIL;
		if (b.interrupted || b.io_error) {
			rc = rc2;
		} else if (rc2 != CLI_EXIT_BAD_INPUT && b.json) {
			if (!check_trace_files(&s1, &s2) || a.digest != b.digest || strcmp(a.json, b.json) ||
			    a.res.summary_len != b.res.summary_len ||
			    memcmp(a.res.summary, b.res.summary, a.res.summary_len)) {
				fprintf(stderr, "apfsim: determinism check FAILED: digests %016llx and %016llx\n",
					(unsigned long long)a.digest, (unsigned long long)b.digest);
				rc = CLI_EXIT_FAIL;
			} else {
				fprintf(stderr, "apfsim: determinism check passed: digest %016llx\n",
					(unsigned long long)a.digest);
			}
		}
	}
	int stop = a.interrupted ? a.interrupted : b.interrupted;
	if (stop) {
		cli_outputs_abort(&outs);
		rc = report_interrupt(&o, &ss.cfg, a.interrupted ? &a : &b, !a.interrupted);
	} else if (rc == CLI_EXIT_BAD_INPUT || a.io_error || b.io_error || !a.json) {
		cli_outputs_abort(&outs);
	} else {
		if (json && cli_output_write(json, a.json))
			rc = CLI_EXIT_FAIL, a.io_error = true;
		if (a.io_error)
			cli_outputs_abort(&outs);
		else if (cli_outputs_commit(&outs))
			rc = CLI_EXIT_FAIL;
		if (a.res.summary && !o.quiet)
			fwrite(a.res.summary, 1, a.res.summary_len, stdout);
		if (o.plot && run_plot(&ss.cfg, o.plot) < 0)
			rc = CLI_EXIT_FAIL;
	}
	cli_run_out_free(&a);
	cli_run_out_free(&b);
	session_end(&ss);
	return rc;
}

int cli_validate(int argc, char **argv)
{
	struct run_opts o = { .cmd = "validate" };
	struct session ss;
	int rc = cli_parse_run_args(argc, argv, &o, validate_table, cli_validate_usage);

	if (rc)
		return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_BAD_INPUT;
	if (cli_load_session(&o, &ss))
		return CLI_EXIT_BAD_INPUT;
	if (check_guest_options(&o, &ss.cfg)) {
		session_end(&ss);
		return CLI_EXIT_BAD_INPUT;
	}
	/* Everything `run` checks before it starts: the machine is built (the
	 * files the scenario names are read, the guest image is loaded), then
	 * dropped without running. */
	if (session_build(&ss, NULL)) {
		fprintf(stderr, "%s\n", ss.err);
		rc = CLI_EXIT_BAD_INPUT;
	}
	/* The expect: section, as `apfsim test` would check it. */
	if (rc == CLI_EXIT_OK && cli_test_check_expect(ss.cfg.path, o.sets, o.nsets))
		rc = CLI_EXIT_BAD_INPUT;
	if (rc == CLI_EXIT_OK) {
		const struct apf_config *cfg = &ss.cfg;
		uint32_t n = 0;
		for (uint32_t i = 0; i < cfg->ntasks; i++)
			n += cfg->tasks[i].count;
		printf("%s: ok (%u vCPUs, %u tasks, protocol %s)\n", cfg->path, cfg->vm.vcpus, n, cfg->protocol);
	}
	session_end(&ss);
	return rc;
}
