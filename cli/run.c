/* run.c — `apfsim run` and `apfsim validate`.
 *
 * Outputs are produced only after a run completes: the summary goes to
 * stdout, the JSON document is written to a temporary file and renamed
 * over --json F, so bad input or a failed run never leaves a half-written
 * file behind. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "model/config/config.h"
#include "model/vm/machine.h"
#include "model/check/oracle.h"
#include "model/report/report.h"
#include "model/trace/trace.h"

static const char run_usage[] =
	"usage: apfsim run SCENARIO [options]\n"
	"\n"
	"Simulate SCENARIO (a YAML file, see docs/scenario.md) and print a summary.\n"
	"\n"
	"options:\n"
	"  --seed N               override the scenario seed\n"
	"  --protocol P           override the protocol preset (sync, arm64-v4, ...)\n"
	"  --set KEY=VALUE        override one scenario key, e.g. host.swap.queue_depth=8\n"
	"                         or tasks.0.passes=3 (repeatable)\n"
	"  --json F               write every figure as JSON to F (docs/output.md)\n"
	"  --trace-ftrace F       trace-cmd report style text: KVM tracepoints + apfsim events\n"
	"  --trace-perfetto F     Chrome trace JSON for ui.perfetto.dev / chrome://tracing\n"
	"  --vcd F                waveforms: PPI line, SDEI pending/running, buffer, vCPU mode\n"
	"  --trace-insn F         capstone disassembly of every guest instruction (slow)\n"
	"  --guest-image F        run this guest kernel ELF instead of the built-in one\n"
	"  --oracle=off           do not check the protocol invariants (benchmarks only)\n"
	"  --quiet                do not print the summary\n"
	"  --check-determinism    run twice and compare the digests of all outputs\n"
	"  --help                 this text\n";

static const char validate_usage[] =
	"usage: apfsim validate SCENARIO [--set KEY=VALUE]...\n"
	"\n"
	"Parse and check SCENARIO; print errors as FILE:LINE:COL: error: ... and\n"
	"exit 2, or print a one-line confirmation and exit 0.\n";


static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int cli_load_config(const struct run_opts *o, struct apf_config *cfg)
{
	struct cfg_error err;

	if (config_load_file(cfg, o->scenario, &err)) {
		cfg_error_print(&err, stderr);
		return -1;
	}
	for (unsigned i = 0; i < o->nsets; i++) {
		if (config_set(cfg, o->sets[i], &err)) {
			cfg_error_print(&err, stderr);
			config_free(cfg);
			return -1;
		}
	}
	return 0;
}

/* Path of a trace file for run number `run` (the determinism check writes
 * its second run beside the first, compares, and removes it). */
static const char *trace_path(const char *path, int run, char *buf, size_t len)
{
	if (!path || run == 0)
		return path;
	snprintf(buf, len, "%s.det-check", path);
	return buf;
}

static int attach_sinks(struct machine *m, const struct run_opts *o, int run)
{
	char err[512], buf[4096];
	const char *p;

	if ((p = trace_path(o->ftrace, run, buf, sizeof(buf))) &&
	    trace_ftrace_open(&m->tracer, p, err, sizeof(err)))
		goto fail;
	if ((p = trace_path(o->perfetto, run, buf, sizeof(buf))) &&
	    trace_perfetto_open(&m->tracer, p, err, sizeof(err)))
		goto fail;
	if ((p = trace_path(o->vcd, run, buf, sizeof(buf))) && trace_vcd_open(&m->tracer, p, err, sizeof(err)))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "apfsim: %s\n", err);
	return -1;
}

int cli_simulate(const struct apf_config *cfg, const struct run_opts *o, int run, struct run_out *out)
{
	struct machine *m = malloc(sizeof(*m));
	struct machine_opts mo = { 0 };
	struct oracle *orc = NULL;
	FILE *insn = NULL;
	char buf[4096];
	int rc = CLI_EXIT_OK;

	if (!m) {
		fprintf(stderr, "apfsim: out of memory\n");
		return CLI_EXIT_FAIL;
	}
	if (o->insn) {
		const char *ip = trace_path(o->insn, run, buf, sizeof(buf));
		insn = fopen(ip, "w");
		if (!insn) {
			fprintf(stderr, "apfsim: cannot write %s: %s\n", ip, strerror(errno));
			free(m);
			return CLI_EXIT_BAD_INPUT;
		}
		mo.insn_trace = insn;
	}
	if (machine_init_opts(m, cfg, &mo)) {
		fprintf(stderr, "%s\n", m->err);
		machine_fini(m);
		free(m);
		if (insn)
			fclose(insn);
		return CLI_EXIT_BAD_INPUT;
	}
	if (!o->oracle_off) {
		orc = machine_attach_oracle(m);
		if (!orc) {
			fprintf(stderr, "apfsim: cannot start the oracle\n");
			rc = CLI_EXIT_FAIL;
			goto out;
		}
	}
	if (attach_sinks(m, o, run)) {
		rc = CLI_EXIT_BAD_INPUT;
		goto out;
	}
	struct cli_progress *p = cli_progress_start(o->quiet ? 0 : 1);
	sim_time_t dur = cfg->run.duration, slice = dur / 200 ? dur / 200 : 1;
	for (sim_time_t lim = slice; !machine_done(m); lim += slice) {
		machine_run_until(m, lim);
		cli_progress_update(p, (double)m->sim.now / (double)dur);
		if (lim >= dur)
			break;
	}
	cli_progress_end(p);
	machine_finish(m);
	if (trace_finish(&m->tracer, m->end_ps)) {
		fprintf(stderr, "apfsim: writing a trace failed\n");
		rc = CLI_EXIT_FAIL;
	}

	FILE *f = open_memstream(&out->summary, &out->summary_len);
	if (f) {
		report_summary(m, f);
		if (orc)
			fprintf(f, "\noracle: %u violation%s\n", oracle_violations(orc),
				oracle_violations(orc) == 1 ? "" : "s");
		fclose(f);
	}
	json_t *doc = report_json(m, APFSIM_VERSION);
	if (orc)
		json_object_set_new(doc, "oracle", oracle_json(orc));
	out->json = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!out->summary || !out->json) {
		fprintf(stderr, "apfsim: out of memory\n");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	out->digest = fnv1a(fnv1a(0xcbf29ce484222325ULL, out->summary, out->summary_len), out->json,
			    strlen(out->json));
	if (m->failed) {
		fprintf(stderr, "apfsim: run failed at %llu ps: %s\n", (unsigned long long)m->end_ps, m->err);
		if (m->fail_report)
			fputs(m->fail_report, stderr);
		rc = CLI_EXIT_FAIL;
	}
	if (orc && oracle_violations(orc)) {
		if (run == 0)
			oracle_report(orc, stderr);
		rc = CLI_EXIT_FAIL;
	}
out:
	if (orc)
		oracle_destroy(orc);
	machine_fini(m);
	free(m);
	if (insn)
		fclose(insn);
	return rc;
}

/* Compare a trace file of the second run with the first, then remove it. */
static int same_file(const char *a, const char *b)
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

static int check_trace_files(const struct run_opts *o)
{
	const char *paths[] = { o->ftrace, o->perfetto, o->vcd, o->insn };
	char buf[4096];
	int ok = 1;

	for (unsigned i = 0; i < 4; i++) {
		if (!paths[i])
			continue;
		const char *b = trace_path(paths[i], 1, buf, sizeof(buf));
		if (!same_file(paths[i], b)) {
			fprintf(stderr, "apfsim: determinism check FAILED: %s differs between runs\n", paths[i]);
			ok = 0;
		}
		remove(b);
	}
	return ok;
}

void cli_run_out_free(struct run_out *o)
{
	free(o->summary);
	free(o->json);
	*o = (struct run_out){ 0 };
}

int cli_write_atomically(const char *path, const char *text)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "apfsim: cannot write %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	int bad = fputs(text, f) < 0 || fputc('\n', f) < 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path)) {
		fprintf(stderr, "apfsim: cannot write %s: %s\n", path, strerror(errno));
		remove(tmp);
		return -1;
	}
	return 0;
}

/* An option only the commands whose usage lists it accept. */
static int usage_has(const char *usage, const char *opt)
{
	return strstr(usage, opt) != NULL;
}

int cli_parse_run_args(int argc, char **argv, struct run_opts *o, const char *usage)
{
	static char seedbuf[64], protobuf[96];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			return 1;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			o->quiet = 1;
		} else if (!strcmp(a, "--check-determinism")) {
			o->check = 1;
		} else if (!strcmp(a, "--explain") && usage_has(usage, "--explain")) {
			o->explain = 1;
		} else if (!strcmp(a, "--protocols")) {
			if (!val) {
				fprintf(stderr, "apfsim: %s needs a value\n", a);
				return -1;
			}
			o->protocols = val;
			i++;
		} else if (!strcmp(a, "--oracle=off")) {
			o->oracle_off = 1;
		} else if (!strcmp(a, "--oracle=on")) {
			o->oracle_off = 0;
		} else if (!strcmp(a, "--trace-ftrace") || !strcmp(a, "--trace-perfetto") ||
			   !strcmp(a, "--vcd") || !strcmp(a, "--trace-insn") || !strcmp(a, "--guest-image")) {
			static char imagebuf[PARAM_STRING_MAX + 16];
			if (!val) {
				fprintf(stderr, "apfsim: %s needs a value\n", a);
				return -1;
			}
			i++;
			if (!strcmp(a, "--trace-ftrace"))
				o->ftrace = val;
			else if (!strcmp(a, "--trace-perfetto"))
				o->perfetto = val;
			else if (!strcmp(a, "--vcd"))
				o->vcd = val;
			else if (!strcmp(a, "--trace-insn"))
				o->insn = val;
			else if (o->nsets < 62) {
				snprintf(imagebuf, sizeof(imagebuf), "guest.image=%s", val);
				o->sets[o->nsets++] = imagebuf;
			}
		} else if (!strcmp(a, "--json") || !strcmp(a, "--seed") || !strcmp(a, "--set") ||
			   !strcmp(a, "--protocol")) {
			if (!val) {
				fprintf(stderr, "apfsim: %s needs a value\n", a);
				return -1;
			}
			i++;
			if (o->nsets >= 62 && strcmp(a, "--json")) {
				fprintf(stderr, "apfsim: too many overrides\n");
				return -1;
			}
			if (!strcmp(a, "--json")) {
				o->json = val;
			} else if (!strcmp(a, "--seed")) {
				snprintf(seedbuf, sizeof(seedbuf), "seed=%s", val);
				o->sets[o->nsets++] = seedbuf;
			} else if (!strcmp(a, "--protocol")) {
				snprintf(protobuf, sizeof(protobuf), "protocol=%s", val);
				o->sets[o->nsets++] = protobuf;
			} else {
				o->sets[o->nsets++] = val;
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "apfsim: unknown option '%s'\n\n%s", a, usage);
			return -1;
		} else if (!o->scenario) {
			o->scenario = a;
		} else {
			fprintf(stderr, "apfsim: unexpected argument '%s'\n", a);
			return -1;
		}
	}
	if (!o->scenario) {
		fprintf(stderr, "apfsim: missing SCENARIO\n\n%s", usage);
		return -1;
	}
	return 0;
}

int cli_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct apf_config cfg;
	struct run_out a = { 0 }, b = { 0 };
	int rc = cli_parse_run_args(argc, argv, &o, run_usage);

	if (rc)
		return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_BAD_INPUT;
	if (cli_load_config(&o, &cfg))
		return CLI_EXIT_BAD_INPUT;
	rc = cli_simulate(&cfg, &o, 0, &a);
	if (rc != CLI_EXIT_BAD_INPUT && a.json && o.check) {
		int rc2 = cli_simulate(&cfg, &o, 1, &b);
		if (rc2 != CLI_EXIT_BAD_INPUT && b.json) {
			if (!check_trace_files(&o) || a.digest != b.digest || strcmp(a.json, b.json) ||
			    a.summary_len != b.summary_len || memcmp(a.summary, b.summary, a.summary_len)) {
				fprintf(stderr, "apfsim: determinism check FAILED: digests %016llx and %016llx\n",
					(unsigned long long)a.digest, (unsigned long long)b.digest);
				rc = CLI_EXIT_FAIL;
			} else {
				fprintf(stderr, "apfsim: determinism check passed: digest %016llx\n",
					(unsigned long long)a.digest);
			}
		}
	}
	/* A failed run (exit 1) still gets its outputs: they show what failed. */
	if (rc != CLI_EXIT_BAD_INPUT && a.json && o.json && cli_write_atomically(o.json, a.json))
		rc = CLI_EXIT_FAIL;
	if (rc != CLI_EXIT_BAD_INPUT && a.summary && !o.quiet)
		fwrite(a.summary, 1, a.summary_len, stdout);
	cli_run_out_free(&a);
	cli_run_out_free(&b);
	config_free(&cfg);
	return rc;
}

int cli_validate(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct apf_config cfg;
	int rc = cli_parse_run_args(argc, argv, &o, validate_usage);

	if (rc)
		return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_BAD_INPUT;
	if (cli_load_config(&o, &cfg))
		return CLI_EXIT_BAD_INPUT;
	uint32_t n = 0;
	for (uint32_t i = 0; i < cfg.ntasks; i++)
		n += cfg.tasks[i].count;
	printf("%s: ok (%u vCPUs, %u tasks, protocol %s)\n", cfg.path, cfg.vm.vcpus, n, cfg.protocol);
	config_free(&cfg);
	return CLI_EXIT_OK;
}
