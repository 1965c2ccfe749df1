/* trace_opts.c — the trace selection and format options of run and
 * compare (docs/traces.md "Selection", "Compression", "Perfetto
 * protobuf").
 *
 * Everything is checked against the loaded scenario before any output is
 * opened, so a bad glob, an unknown event, a window outside the run or an
 * unknown extension is bad input (exit 2) with nothing written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/outputs.h"
#include "model/config/config.h"
#include "model/kernel/units.h"
#include "model/trace/trace.h"

static int once(const struct run_opts *o, const char **slot, const char *opt, const char *val)
{
	if (*slot)
		return cli_twice(o->cmd, opt);
	*slot = val;
	return 0;
}

int cli_trace_option(struct run_opts *o, int c, const char *val)
{
	struct cli_trace_opts *t = &o->trace;

	switch (c) {
	case CLI_O_TRACE_FROM:
		return once(o, &t->from, "--trace-from", val);
	case CLI_O_TRACE_UNTIL:
		return once(o, &t->until, "--trace-until", val);
	case CLI_O_TRACE_VCPUS:
		return once(o, &t->vcpus, "--trace-vcpus", val);
	case CLI_O_TRACE_EVENTS:
		return once(o, &t->events, "--trace-events", val);
	case CLI_O_TRACE_TOKEN:
		return once(o, &t->token, "--trace-token", val);
	case CLI_O_TRACE_FORMAT:
		if (once(o, &t->format, "--trace-format", val))
			return -1;
		if (strcmp(val, "json") && strcmp(val, "proto")) {
			fprintf(stderr, "apfsim %s: --trace-format: expected json or proto, found \"%s\"\n", o->cmd,
				val);
			return -1;
		}
		return 0;
	default:
		return -1;
	}
}

static int parse_time(const struct run_opts *o, const char *opt, const char *val, sim_time_t *ps)
{
	char why[128];

	if (units_parse_time(val, 2000000000ULL, ps, why, sizeof(why))) {
		fprintf(stderr, "apfsim %s: %s: expected a simulated time with a unit (2ms, 150us), found "
				"\"%s\"\n", o->cmd, opt, val);
		return -1;
	}
	return 0;
}

/* The extension of a file name's last component, after a final ".zst"
 * (which *zst reports): "" when it has none. */
static const char *extension(const char *path, bool *zst, char *buf, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	*zst = n > 4 && !strcmp(base + n - 4, ".zst");
	if (*zst)
		n -= 4;
	snprintf(buf, len, "%.*s", (int)n, base);
	const char *dot = strrchr(buf, '.');
	return dot && dot != buf ? dot + 1 : "";
}

/* Compressions apfsim does not write: refused rather than written plain
 * under a name that promises otherwise. */
static int compression_ext(const struct run_opts *o, const char *opt, const char *path)
{
	static const char *const other[] = { "gz", "xz", "bz2", "lz4", "lzma", "zip", "br", "zstd", "Z", NULL };
	char buf[4096];
	bool zst;
	const char *ext;

	if (!path || !strcmp(path, "-"))
		return 0;
	ext = extension(path, &zst, buf, sizeof(buf));
	for (unsigned i = 0; other[i]; i++) {
		if (!strcmp(ext, other[i])) {
			fprintf(stderr, "apfsim %s: %s: unknown extension '.%s' of '%s': traces are compressed "
					"with zstd only, by the extension .zst\n", o->cmd, opt, ext, path);
			return -1;
		}
	}
	return 0;
}

/* --trace-perfetto: JSON or protobuf, by --trace-format or the extension. */
static int perfetto_format(struct run_opts *o)
{
	struct cli_trace_opts *t = &o->trace;
	char buf[4096];
	bool zst;
	const char *ext;

	if (t->format && !o->perfetto) {
		fprintf(stderr, "apfsim %s: --trace-format: chooses the format of --trace-perfetto, which is "
				"not given\n", o->cmd);
		return -1;
	}
	if (!o->perfetto)
		return 0;
	if (t->format) {
		t->proto = !strcmp(t->format, "proto");
		return 0;
	}
	if (!strcmp(o->perfetto, "-"))
		return 0;	/* standard output: JSON, as before */
	ext = extension(o->perfetto, &zst, buf, sizeof(buf));
	if (!strcmp(ext, "json")) {
		t->proto = false;
	} else if (!strcmp(ext, "pftrace") || !strcmp(ext, "perfetto-trace") || !strcmp(ext, "pb")) {
		t->proto = true;
	} else {
		fprintf(stderr, "apfsim %s: --trace-perfetto: unknown extension '%s%s' of '%s': expected "
				".json (Chrome JSON) or .pftrace (Perfetto protobuf), optionally + .zst, or "
				"--trace-format json|proto\n", o->cmd, *ext ? "." : "", ext, o->perfetto);
		return -1;
	}
	return 0;
}

int cli_trace_check(struct run_opts *o, const struct apf_config *cfg)
{
	struct cli_trace_opts *t = &o->trace;
	struct trace_select *s = &t->sel;
	sim_time_t from = 0, until = 0;
	char err[512];

	memset(s, 0, sizeof(*s));
	if (compression_ext(o, "--trace-ftrace", o->ftrace) || compression_ext(o, "--trace-perfetto", o->perfetto) ||
	    compression_ext(o, "--vcd", o->vcd) || perfetto_format(o))
		return -1;
	if ((t->from || t->until || t->vcpus || t->events || t->token) && !o->ftrace && !o->perfetto && !o->vcd) {
		fprintf(stderr, "apfsim %s: %s selects trace events, but no trace is written (--trace-ftrace, "
				"--trace-perfetto, --vcd)\n", o->cmd,
			t->from ? "--trace-from" : t->until ? "--trace-until" : t->vcpus ? "--trace-vcpus" :
			t->events ? "--trace-events" : "--trace-token");
		return -1;
	}
	if (t->from && parse_time(o, "--trace-from", t->from, &from))
		return -1;
	if (t->until && parse_time(o, "--trace-until", t->until, &until))
		return -1;
	if (t->from && from >= cfg->run.duration) {
		char dur[48];

		units_format_time(cfg->run.duration, dur, sizeof(dur));
		fprintf(stderr, "apfsim %s: --trace-from: %s is not before the end of the run (run.duration "
				"is %s)\n", o->cmd, t->from, dur);
		return -1;
	}
	if (t->until && t->from && until <= from) {
		fprintf(stderr, "apfsim %s: --trace-until: %s is not after --trace-from %s\n", o->cmd, t->until,
			t->from);
		return -1;
	}
	if (t->until && !until) {
		fprintf(stderr, "apfsim %s: --trace-until: 0 leaves no time to trace\n", o->cmd);
		return -1;
	}
	trace_select_window(s, t->from != NULL, from, t->until != NULL, until);
	if (t->vcpus && trace_select_vcpus(s, t->vcpus, cfg->vm.vcpus, err, sizeof(err))) {
		fprintf(stderr, "apfsim %s: --trace-vcpus: %s\n", o->cmd, err);
		return -1;
	}
	if (t->events && trace_select_events(s, t->events, err, sizeof(err))) {
		fprintf(stderr, "apfsim %s: --trace-events: %s\n", o->cmd, err);
		return -1;
	}
	if (t->token) {
		char *end;
		unsigned long long v = strtoull(t->token, &end, 0);

		if (t->token[0] < '0' || t->token[0] > '9' || *end || v > 0xffffffffull) {
			fprintf(stderr, "apfsim %s: --trace-token: expected a 32-bit token (0x1003 or 4099), found "
					"\"%s\"\n", o->cmd, t->token);
			return -1;
		}
		trace_select_token(s, v);
	}
	return 0;
}

int cli_trace_attach(struct tracer *tr, const struct run_opts *o, const struct run_streams *s)
{
	char err[512];
	struct cli_output *c;
	unsigned first = tr->nsinks;

	if ((c = s->ftrace) && trace_ftrace_open_stream(tr, cli_output_take(c), c->path, err, sizeof(err)))
		goto fail;
	if ((c = s->perfetto) &&
	    (o->trace.proto ? trace_perfetto_proto_open_stream(tr, cli_output_take(c), c->path, err, sizeof(err))
			    : trace_perfetto_open_stream(tr, cli_output_take(c), c->path, err, sizeof(err))))
		goto fail;
	if ((c = s->vcd) && trace_vcd_open_stream(tr, cli_output_take(c), c->path, err, sizeof(err)))
		goto fail;
	if (trace_select_wrap(tr, first, &o->trace.sel, err, sizeof(err)))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "apfsim: %s\n", err);
	return -1;
}
