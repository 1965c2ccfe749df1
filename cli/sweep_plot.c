/* sweep_plot.c — `apfsim sweep --plot`: one SVG per headline figure and
 * varied key, drawn by gnuplot run as a subprocess (Debian gnuplot-nox).
 * Each SVG has one line per protocol — the median over the seeds — and a
 * band from the 10th to the 90th percentile over the seeds; with more than
 * one varied key, one panel per combination of the other keys' values.
 * The gnuplot script (with its data inline) is kept beside the SVG.  Fonts,
 * sizes and colours are fixed, and nothing of the wall clock or the host
 * goes into the script, so the SVG files are byte-identical across reruns. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sweep.h"

const char *plot_gnuplot(void)
{
	static char found[4096];
	const char *env = getenv("APFSIM_GNUPLOT"), *path = getenv("PATH");

	if (env)
		return *env && access(env, X_OK) == 0 ? env : NULL;
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t l = strcspn(p, ":");
		snprintf(found, sizeof(found), "%.*s/gnuplot", (int)l, p);
		if (l && access(found, X_OK) == 0)
			return found;
		p += l + (p[l] == ':');
	}
	return NULL;
}

const char *gp_quote(char *buf, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s && n + 2 < len; s++) {
		if (*s == '\'')
			buf[n++] = '\'';
		buf[n++] = *s;
	}
	buf[n] = '\0';
	return buf;
}

void gp_output_line(FILE *o, const char *svg)
{
	char q[4600];

	fprintf(o, "if (!exists(\"apfsim_output\")) apfsim_output = '%s'\nset output apfsim_output\n",
		gp_quote(q, sizeof(q), svg));
}

int gnuplot_run(const char *gp, const char *script, const char *log, const char *svg)
{
	char tmp[4400], q[4600], set[4700];

	snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", svg);
	int tfd = mkstemp(tmp);
	if (tfd < 0) {
		fprintf(stderr, "apfsim: cannot write '%s': %s\n", svg, strerror(errno));
		return -1;
	}
	close(tfd);
	snprintf(set, sizeof(set), "apfsim_output = '%s'", gp_quote(q, sizeof(q), tmp));
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		/* gnuplot's warnings (a flat panel's "empty y range") go to the log. */
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		execl(gp, gp, "-e", set, script, (char *)NULL);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "apfsim: gnuplot failed on %s (its messages: %s)\n", script, log);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, svg)) {
		fprintf(stderr, "apfsim: cannot write '%s': %s\n", svg, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile q of sorted v[0..n). */
static int64_t pct(const int64_t *v, size_t n, double q)
{
	size_t r = (size_t)ceil(q * (double)n);

	return v[r ? r - 1 : 0];
}

/* The scale and name of a figure's unit. */
static void fig_unit(const char *fig, int64_t max, double *scale, const char **unit)
{
	size_t l = strlen(fig);

	*scale = 1;
	*unit = "";
	if (l < 3 || strcmp(fig + l - 3, "_ps"))
		return;
	static const struct { double s; const char *u; } u[] = {
		{ 1e12, "s" }, { 1e9, "ms" }, { 1e6, "us" }, { 1e3, "ns" },
	};
	for (unsigned i = 0; i < 4; i++) {
		if ((double)max >= u[i].s || i == 3) {
			*scale = u[i].s;
			*unit = u[i].u;
			return;
		}
	}
}

/* One SVG: figure f against key k. 1 if written, 0 if no data, -1 failed. */
static int plot_one(const struct sweep_grid *g, const struct sweep_row *rows, uint64_t n, const char *dir,
		    unsigned f, unsigned k, const char *gp)
{
	const struct sweep_key *key = &g->keys[k];
	unsigned np = g->nprotocols ? g->nprotocols : 1;
	uint64_t panels = 1;
	double x[SWEEP_MAX_VALUES];
	bool numeric = true;
	int64_t ymax = 0;

	for (unsigned j = 0; j < g->nkeys; j++)
		if (j != k)
			panels *= g->keys[j].nvalues;
	if (panels > 16)
		return 0;	/* too many panels to read: the CSV holds them */
	for (unsigned v = 0; v < key->nvalues; v++)
		numeric &= sweep_value_number(key->values[v], &x[v]);
	if (!numeric)
		for (unsigned v = 0; v < key->nvalues; v++)
			x[v] = v;
	/* A figure the same in every run says nothing against any key. */
	bool some = false, varies = false;
	int64_t first = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (!rows[i].have[f])
			continue;
		if (some && rows[i].fig[f] != first)
			varies = true;
		if (!some)
			first = rows[i].fig[f], some = true;
		if (rows[i].fig[f] > ymax)
			ymax = rows[i].fig[f];
	}
	if (!varies)
		return 0;
	const char *scen = strrchr(g->scenario, '/') ? strrchr(g->scenario, '/') + 1 : g->scenario;
	double scale;
	const char *unit;
	fig_unit(g->figs[f], ymax, &scale, &unit);

	char base[4400], script[4500];
	snprintf(base, sizeof(base), "%s/plots/%s-vs-%s", dir, g->figs[f], key->key);
	snprintf(script, sizeof(script), "%s.gp", base);
	FILE *o = fopen(script, "w");
	if (!o) {
		fprintf(stderr, "apfsim sweep: --plot: cannot write '%s': %s\n", script, strerror(errno));
		return -1;
	}
	unsigned cols = panels > 1 ? 2 : 1, rws = (unsigned)((panels + cols - 1) / cols);
	fprintf(o, "# apfsim sweep --plot: %s against %s (median over seeds, band p10-p90)\n", g->figs[f],
		key->key);
	fprintf(o, "set terminal svg size %u,%u fixed font 'DejaVu Sans,11' noenhanced background '#ffffff'\n",
		640 * cols, 400 * rws);
	char svg[4500], q1[1100], q2[1100];
	snprintf(svg, sizeof(svg), "%s.svg", base);
	gp_output_line(o, svg);
	fputs("set encoding utf8\nset grid\nset key below horizontal\nset style fill "
	      "transparent solid 0.2 noborder\n", o);
	fprintf(o, "set xlabel '%s'\nset ylabel '%s%s%s%s'\n", key->key, g->figs[f], *unit ? " (" : "", unit,
		*unit ? ")" : "");
	fputs("set xtics (", o);
	for (unsigned v = 0; v < key->nvalues; v++)
		fprintf(o, "%s'%s' %.17g", v ? ", " : "", gp_quote(q1, sizeof(q1), key->values[v]), x[v]);
	fputs(")\nset offsets graph 0.05, graph 0.05, graph 0.05, 0\n", o);
	if (panels > 1)
		fprintf(o, "set multiplot layout %u,%u title '%s: %s against %s'\n", rws, cols,
			gp_quote(q1, sizeof(q1), scen), g->figs[f], key->key);
	else
		fprintf(o, "set title '%s: %s against %s'\n", gp_quote(q1, sizeof(q1), scen), g->figs[f], key->key);

	int64_t *vals = malloc(sizeof(*vals) * (g->seeds ? g->seeds : 1));
	int any = 0;
	unsigned other[SWEEP_MAX_KEYS] = { 0 };
	for (uint64_t pn = 0; pn < panels && vals; pn++) {
		/* Panel pn: the other keys' values, the last varying fastest. */
		uint64_t rest = pn;
		char title[1024] = "";
		size_t used = 0;
		for (unsigned j = g->nkeys; j-- > 0;) {
			if (j == k)
				continue;
			other[j] = (unsigned)(rest % g->keys[j].nvalues);
			rest /= g->keys[j].nvalues;
		}
		for (unsigned j = 0; j < g->nkeys && panels > 1; j++) {
			if (j == k)
				continue;
			int w = snprintf(title + used, sizeof(title) - used, "%s%s=%s", used ? ", " : "",
					 g->keys[j].key, g->keys[j].values[other[j]]);
			if (w > 0 && (size_t)w < sizeof(title) - used)
				used += (size_t)w;
		}
		/* One data block per protocol: x, median, p10, p90. */
		unsigned lines[SWEEP_MAX_PROTOCOLS], nl = 0;
		for (unsigned p = 0; p < np; p++) {
			bool some = false;
			fprintf(o, "$P%llu_%u << EOD\n", (unsigned long long)pn, p);
			for (unsigned v = 0; v < key->nvalues; v++) {
				size_t nv = 0;
				for (uint64_t i = 0; i < n; i++) {
					struct sweep_point pt;
					sweep_point_at(g, i, &pt);
					bool match = pt.value[k] == v && pt.protocol == p;
					for (unsigned j = 0; j < g->nkeys && match; j++)
						match = j == k || pt.value[j] == other[j];
					if (match && rows[i].have[f])
						vals[nv++] = rows[i].fig[f];
				}
				if (!nv)
					continue;
				qsort(vals, nv, sizeof(*vals), cmp_i64);
				fprintf(o, "%.17g %.10g %.10g %.10g\n", x[v], (double)pct(vals, nv, 0.5) / scale,
					(double)pct(vals, nv, 0.1) / scale, (double)pct(vals, nv, 0.9) / scale);
				some = true;
			}
			fputs("EOD\n", o);
			if (some)
				lines[nl++] = p;
		}
		if (panels > 1)
			fprintf(o, "set title '%s'\n", gp_quote(q2, sizeof(q2), title));
		if (!nl) {
			fputs("set label 1 'no runs with this figure' at graph 0.3, graph 0.5\n"
			      "plot [] [0:1] -1 notitle\nunset label 1\n", o);
			continue;
		}
		any = 1;
		fputs("plot ", o);
		for (unsigned l = 0; l < nl; l++) {
			const char *name = g->nprotocols ? g->protocols[lines[l]] : "scenario protocol";
			fprintf(o, "%s$P%llu_%u using 1:3:4 with filledcurves lc %u notitle, "
				   "$P%llu_%u using 1:2 with linespoints lw 2 pt 7 lc %u title '%s'",
				l ? ", \\\n     " : "", (unsigned long long)pn, lines[l], lines[l] + 1,
				(unsigned long long)pn, lines[l], lines[l] + 1, name);
		}
		fputc('\n', o);
	}
	free(vals);
	if (panels > 1)
		fputs("unset multiplot\n", o);
	if (fclose(o)) {
		fprintf(stderr, "apfsim sweep: --plot: cannot write '%s'\n", script);
		return -1;
	}
	if (!any) {
		unlink(script);
		return 0;
	}
	char log[4500];
	snprintf(log, sizeof(log), "%s/plots/gnuplot.log", dir);
	return gnuplot_run(gp, script, log, svg) ? -1 : 1;
}

int sweep_plot(const struct sweep_grid *g, const struct sweep_row *rows, uint64_t n, const char *dir)
{
	const char *gp = plot_gnuplot();
	char pdir[4200];

	if (!gp) {
		fprintf(stderr, "apfsim sweep: --plot: gnuplot not found (Debian: apt-get install gnuplot-nox; "
				"or set APFSIM_GNUPLOT); no plot written, the results are complete\n");
		return 1;
	}
	snprintf(pdir, sizeof(pdir), "%s/plots", dir);
	if (mkdir(pdir, 0777) && errno != EEXIST) {
		fprintf(stderr, "apfsim sweep: --plot: cannot create '%s': %s\n", pdir, strerror(errno));
		return -1;
	}
	char log[4500];
	snprintf(log, sizeof(log), "%s/gnuplot.log", pdir);
	unlink(log);
	unsigned written = 0;
	for (unsigned k = 0; k < g->nkeys; k++) {
		for (unsigned f = 0; f < g->nfigs; f++) {
			int rc = plot_one(g, rows, n, dir, f, k, gp);
			if (rc < 0)
				return -1;
			written += (unsigned)rc;
		}
	}
	struct stat st;
	if (stat(log, &st) == 0 && st.st_size == 0)
		unlink(log);
	printf("plots: %u SVG files in %s (figures the same in every run left out)\n", written, pdir);
	return 0;
}
