/* run_plot.c — `apfsim run --plot DIR`: the latency histograms and a
 * per-vCPU timeline of one run, drawn by gnuplot (docs/studies.md, "Plots
 * of one run").
 *
 * The run is made again here, the same scenario and seed, with a VCD sink
 * on a temporary file: the run is deterministic, so it is the run `apfsim
 * run` reported, and run.c needs no more than a call.  From it come
 * DIR/latency.svg — the bucket counts of the fault, major-fault, page-ready
 * -> running and parked histograms (log-linear buckets, 1/32 octave) — and
 * DIR/timeline.svg — for each vCPU, the share of each of PLOT_BINS slices of
 * simulated time spent in guest code, in the host (exits, fault handling)
 * and idle, read from the VCD `mode` signal.  Fixed sizes and fonts: the
 * files are byte-identical across reruns. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sweep.h"
#include "model/config/config.h"
#include "model/vm/machine.h"

#define PLOT_BINS 600
#define PLOT_MAX_VCPUS 64

int run_plot_check(const char *dir)
{
	char probe[4200];

	if (strlen(dir) > 4000 || (mkdir(dir, 0777) && errno != EEXIST)) {
		fprintf(stderr, "apfsim run: --plot '%s': cannot create the directory: %s\n", dir,
			strlen(dir) > 4000 ? "path too long" : strerror(errno));
		return -1;
	}
	snprintf(probe, sizeof(probe), "%s/.apfsim-plot-XXXXXX", dir);
	int fd = mkstemp(probe);
	if (fd < 0) {
		fprintf(stderr, "apfsim run: --plot '%s': cannot write there: %s\n", dir, strerror(errno));
		return -1;
	}
	close(fd);
	unlink(probe);
	return 0;
}

/* The largest value of histogram bucket i (model/kernel/histogram.c's
 * layout: values below HIST_SUB 1:1, then HIST_SUB buckets per octave). */
static uint64_t bucket_upper(unsigned i)
{
	if (i < HIST_SUB)
		return i;
	unsigned e = i / HIST_SUB - 1 + HIST_SUB_BITS;
	uint64_t sub = i % HIST_SUB;
	return ((1ULL << e) | (sub << (e - HIST_SUB_BITS))) + (1ULL << (e - HIST_SUB_BITS)) - 1;
}

/* gnuplot on one script; its messages go to DIR/gnuplot.log, removed when
 * empty. */
static int gnuplot(const char *gp, const char *script, const char *dir, const char *svg)
{
	char log[4200];
	struct stat sb;

	snprintf(log, sizeof(log), "%s/gnuplot.log", dir);
	unlink(log);
	if (gnuplot_run(gp, script, log, svg))
		return -1;
	if (stat(log, &sb) == 0 && sb.st_size == 0)
		unlink(log);
	return 0;
}

static int latency_plot(const char *gp, const char *dir, const char *scen, const struct histogram *h[4])
{
	static const char *const names[4] = { "fault latency (exit -> re-entry)", "major faults (swap-in)",
					      "page-ready -> task running", "time parked per APF wait" };
	char path[4200], svg[4200], q[1100];

	snprintf(path, sizeof(path), "%s/latency.gp", dir);
	snprintf(svg, sizeof(svg), "%s/latency.svg", dir);
	FILE *o = fopen(path, "w");
	if (!o)
		return fprintf(stderr, "apfsim run: --plot: cannot write '%s'\n", path), -1;
	fprintf(o, "# apfsim run --plot: latency histograms of %s\n"
		   "set terminal svg size 1100,760 fixed font 'DejaVu Sans,11' noenhanced background '#ffffff'\n",
		scen);
	gp_output_line(o, svg);
	fprintf(o, "set encoding utf8\nset grid\nset logscale x 10\n"
		   "set format x '%%g'\nset xlabel 'latency (us), bucket upper edge'\nset ylabel 'count'\n"
		   "set style fill solid 0.6 noborder\nset multiplot layout 2,2 title '%s: latency histograms'\n",
		gp_quote(q, sizeof(q), scen));
	for (unsigned k = 0; k < 4; k++) {
		fprintf(o, "$H%u << EOD\n", k);
		for (unsigned i = 0; i < HIST_BUCKETS; i++)
			if (h[k]->bucket[i])
				fprintf(o, "%.9g %llu\n", (double)bucket_upper(i) / 1e6,
					(unsigned long long)h[k]->bucket[i]);
		fputs("EOD\n", o);
		fprintf(o, "set title '%s (%llu)'\n", names[k], (unsigned long long)h[k]->count);
		if (h[k]->count)
			fprintf(o, "plot $H%u using 1:2 with impulses lw 3 lc 1 notitle\n", k);
		else
			fputs("unset logscale x\nset label 1 'no samples' at graph 0.42, graph 0.5\n"
			      "plot [0:1] [0:1] -1 notitle\nunset label 1\nset logscale x 10\n", o);
	}
	fputs("unset multiplot\n", o);
	if (fclose(o))
		return -1;
	return gnuplot(gp, path, dir, svg);
}

/* Time per mode of each vCPU in each of PLOT_BINS slices, from the VCD. */
struct timeline {
	unsigned nvcpus;
	char id[PLOT_MAX_VCPUS][8];		/* the VCD identifier of vcpuN.mode */
	int mode[PLOT_MAX_VCPUS];		/* current: 0 user 1 kernel 2 host 3 idle, -1 unknown */
	uint64_t since[PLOT_MAX_VCPUS];
	double share[PLOT_MAX_VCPUS][PLOT_BINS][3];	/* guest, host, idle (ps) */
	uint64_t end;
};

static void account(struct timeline *t, unsigned v, uint64_t to)
{
	uint64_t from = t->since[v];
	int m = t->mode[v];

	t->since[v] = to;
	if (m < 0 || to <= from)
		return;
	unsigned c = m <= 1 ? 0 : m == 2 ? 1 : 2;
	double w = (double)t->end / PLOT_BINS;
	while (from < to) {
		unsigned b = (unsigned)((double)from / w);
		if (b >= PLOT_BINS)
			b = PLOT_BINS - 1;
		uint64_t edge = b + 1 == PLOT_BINS ? to : (uint64_t)((double)(b + 1) * w);
		if (edge <= from)
			edge = from + 1;
		uint64_t stop = edge < to ? edge : to;
		t->share[v][b][c] += (double)(stop - from);
		from = stop;
	}
}

static int read_vcd(const char *path, struct timeline *t)
{
	FILE *f = fopen(path, "r");
	char line[512], scope[64] = "";
	uint64_t now = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char id[16], name[64];
		unsigned v;
		if (sscanf(line, "$scope module %63s $end", name) == 1) {
			snprintf(scope, sizeof(scope), "%s", name);
		} else if (sscanf(line, "$var reg 2 %15s %63s $end", id, name) == 2 && !strcmp(name, "mode") &&
			   sscanf(scope, "vcpu%u", &v) == 1 && v < PLOT_MAX_VCPUS) {
			snprintf(t->id[v], sizeof(t->id[v]), "%.7s", id);
			t->mode[v] = -1;
			if (v + 1 > t->nvcpus)
				t->nvcpus = v + 1;
		} else if (line[0] == '#') {
			now = strtoull(line + 1, NULL, 10);
		} else if (line[0] == 'b' && sscanf(line, "b%15s %15s", name, id) == 2) {
			for (v = 0; v < t->nvcpus; v++) {
				if (strcmp(t->id[v], id))
					continue;
				account(t, v, now);
				t->mode[v] = strchr(name, 'x') ? -1 : (int)strtoul(name, NULL, 2);
				break;
			}
		}
	}
	fclose(f);
	for (unsigned v = 0; v < t->nvcpus; v++)
		account(t, v, t->end);
	return 0;
}

static int timeline_plot(const char *gp, const char *dir, const char *scen, const struct timeline *t)
{
	char path[4200], svg[4200], q[1100];
	double w = (double)t->end / PLOT_BINS;

	snprintf(path, sizeof(path), "%s/timeline.gp", dir);
	snprintf(svg, sizeof(svg), "%s/timeline.svg", dir);
	FILE *o = fopen(path, "w");
	if (!o)
		return fprintf(stderr, "apfsim run: --plot: cannot write '%s'\n", path), -1;
	fprintf(o, "# apfsim run --plot: per-vCPU timeline of %s (%d slices)\n"
		   "set terminal svg size 1100,%u fixed font 'DejaVu Sans,11' noenhanced background '#ffffff'\n",
		scen, PLOT_BINS, 220 + 70 * t->nvcpus);
	gp_output_line(o, svg);
	fprintf(o, "set encoding utf8\nset xlabel 'simulated time (ms)'\n"
		   "set ylabel 'vCPU'\nset key outside top center horizontal\nset style fill solid 1.0 noborder\n"
		   "set title '%s: share of each slice of simulated time per vCPU'\n",
		gp_quote(q, sizeof(q), scen));
	fputs("set ytics (", o);
	for (unsigned v = 0; v < t->nvcpus; v++)
		fprintf(o, "%s'%u' %u.4", v ? ", " : "", v, v);
	fprintf(o, ")\nset yrange [-0.2:%u]\nset xrange [0:%.9g]\n", t->nvcpus, (double)t->end / 1e9);
	fputs("$T << EOD\n", o);
	/* x (ms), then for each vCPU the levels base, +guest, +host, +idle. */
	for (unsigned b = 0; b < PLOT_BINS; b++) {
		fprintf(o, "%.9g", ((double)b + 0.5) * w / 1e9);
		for (unsigned v = 0; v < t->nvcpus; v++) {
			double g = t->share[v][b][0] / w, h = t->share[v][b][1] / w, i = t->share[v][b][2] / w;
			fprintf(o, " %.6g %.6g %.6g", v + 0.8 * g, v + 0.8 * (g + h), v + 0.8 * (g + h + i));
		}
		fputc('\n', o);
	}
	fputs("EOD\nplot ", o);
	for (unsigned v = 0; v < t->nvcpus; v++) {
		unsigned c = 2 + 3 * v;
		fprintf(o, "%s$T using 1:(%u):%u with filledcurves lc rgb '#2e7d32' %s, "
			   "$T using 1:%u:%u with filledcurves lc rgb '#c62828' %s, "
			   "$T using 1:%u:%u with filledcurves lc rgb '#9e9e9e' %s",
			v ? ", \\\n     " : "", v, c, v ? "notitle" : "title 'guest'", c, c + 1,
			v ? "notitle" : "title 'host'", c + 1, c + 2, v ? "notitle" : "title 'idle'");
	}
	fputc('\n', o);
	if (fclose(o))
		return -1;
	return gnuplot(gp, path, dir, svg);
}

int run_plot(const struct apf_config *cfg, const char *dir)
{
	const char *gp = plot_gnuplot();
	char vcd[4200], err[512];
	const char *scen = strrchr(cfg->path, '/') ? strrchr(cfg->path, '/') + 1 : cfg->path;

	if (!gp) {
		fprintf(stderr, "apfsim run: --plot: gnuplot not found (Debian: apt-get install gnuplot-nox; "
				"or set APFSIM_GNUPLOT); no plot written\n");
		return 1;
	}
	snprintf(vcd, sizeof(vcd), "%s/.apfsim-run-XXXXXX", dir);
	int fd = mkstemp(vcd);
	if (fd < 0)
		return fprintf(stderr, "apfsim run: --plot '%s': %s\n", dir, strerror(errno)), -1;
	close(fd);
	struct machine *m = malloc(sizeof(*m));
	struct timeline *t = calloc(1, sizeof(*t));
	struct histogram *h = malloc(4 * sizeof(*h));
	int rc = -1;
	if (!m || !t || !h || machine_init(m, cfg)) {
		fprintf(stderr, "apfsim run: --plot: %s\n", m && t && h ? m->err : "out of memory");
		goto out_m;
	}
	if (trace_vcd_open(&m->tracer, vcd, err, sizeof(err))) {
		fprintf(stderr, "apfsim run: --plot: %s\n", err);
		goto out_m;
	}
	machine_run_until(m, SIM_TIME_MAX);
	if (sim_interrupted) {
		trace_abandon(&m->tracer);
		goto out_m;
	}
	machine_finish(m);
	if (trace_finish(&m->tracer, m->end_ps)) {
		fprintf(stderr, "apfsim run: --plot: writing the timeline's VCD failed\n");
		goto out_m;
	}
	h[0] = m->stats.fault_latency;
	h[1] = m->stats.major_latency;
	h[2] = m->stats.ready_to_run;
	h[3] = m->stats.parked;
	t->end = m->end_ps ? m->end_ps : 1;
	rc = 0;
out_m:
	if (m)
		machine_fini(m);
	free(m);
	if (rc == 0 && read_vcd(vcd, t))
		rc = -1;
	unlink(vcd);
	if (rc == 0) {
		const struct histogram *hp[4] = { &h[0], &h[1], &h[2], &h[3] };
		rc = latency_plot(gp, dir, scen, hp) || timeline_plot(gp, dir, scen, t) ? -1 : 0;
	}
	if (rc == 0)
		printf("plots: %s/latency.svg, %s/timeline.svg\n", dir, dir);
	free(t);
	free(h);
	return rc;
}
