/* sweep.c — `apfsim sweep`: a parameter study (docs/studies.md).  The
 * cartesian grid of the --vary keys' values × protocols × seeds, each point
 * one normal run, its headline figures one row of DIR/results.csv and
 * DIR/results.json.
 *
 * Every --vary value goes through the `--set` parser and validation before
 * any run starts; DIR is checked writable before any run starts.  Each
 * point runs in a forked child (at most --jobs at once) that sends its row
 * back through a pipe, so a crash is a row with its error, never a lost
 * row.  Rows are appended to results.csv as they complete, each with one
 * write, so an interrupt leaves only complete rows; at the end (or on the
 * interrupt) the file is rewritten sorted by index, which makes it
 * independent of --jobs and of MPI ranks.  Exit status: 0 every point ok,
 * 1 a point failed (oracle, guest fault, error), 2 bad input, 130/143
 * interrupted. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/outputs.h"
#include "cli/sweep.h"
#include "cpu/cpu.h"
#include "model/config/config.h"
#include "model/explore/sweep.h"

const char cli_sweep_usage[] =
	"usage: apfsim sweep SCENARIO --vary KEY=V1,V2,... [--vary ...] --out DIR [options]\n"
	"\n"
	"Run SCENARIO at every point of the grid of the --vary values x protocols\n"
	"x seeds (each point a normal run, oracle on) and write one row per run to\n"
	"DIR/results.csv and DIR/results.json (docs/studies.md).\n"
	"Values come as --opt=V or --opt V.\n"
	"\n"
	"options:\n"
	"  --vary KEY=V1,V2,...   values of a scenario key, as --set takes them (commas\n"
	"                         inside {} or [] do not split); repeatable, the first\n"
	"                         varies slowest\n"
	"  --vary KEY=LO..HI:N    N evenly spaced values, e.g. host.swap.floor=50us..200us:4\n"
	"  --seeds N              seeds per point: the scenario's seed (or --seed) and the\n"
	"                         N-1 after it (default 1)\n"
	"  --seed S               first seed (1 to 2^64-1; default: the scenario's)\n"
	"  --protocols P1,P2,...  run every point under each preset (default: the scenario's)\n"
	"  --set KEY=VALUE        override for every point (repeatable)\n"
	"  --jobs J               points run at once (1 to 64, default 1; results do not\n"
	"                         depend on it)\n"
	"  --out DIR              where results.csv and results.json go (created)\n"
	"  --resume               keep the complete rows of DIR/results.csv, run the rest\n"
	"  --plot                 also render DIR/plots/*.svg with gnuplot\n"
	"  --help, -h             this text\n"
	"\n"
	"Under mpirun (built with -DAPFSIM_MPI=ON) the points are split across the\n"
	"ranks and rank 0 writes the same files as --jobs 1.\n"
	"exit status: 0 every point ok, 1 a point failed, 2 bad input,\n"
	"130/143 interrupted (results.csv keeps the complete rows; rerun with --resume)\n";

enum { O_VARY = 3000, O_SEEDS, O_JOBS, O_OUT, O_RESUME, O_PLOT };

static const struct option sweep_table[] = {
	{ "vary", required_argument, NULL, O_VARY },
	{ "seeds", required_argument, NULL, O_SEEDS },
	{ "seed", required_argument, NULL, CLI_O_SEED },
	{ "protocols", required_argument, NULL, CLI_O_PROTOCOLS },
	{ "set", required_argument, NULL, CLI_O_SET },
	{ "jobs", required_argument, NULL, O_JOBS },
	{ "out", required_argument, NULL, O_OUT },
	{ "resume", no_argument, NULL, O_RESUME },
	{ "plot", no_argument, NULL, O_PLOT },
	{ "help", no_argument, NULL, CLI_O_HELP },
	{ NULL, 0, NULL, 0 },
};

#define SWEEP_MAX_JOBS 64

struct sweep_cmd {
	struct sweep_grid g;
	const char *sets[CLI_MAX_SETS];
	unsigned nsets;
	const char *out;
	unsigned jobs;
	bool resume, plot, has_seed;
	bool guest;		/* some scenario of the grid runs guest code */
	uint64_t seed;
	char csv[4096], json[4096];
};

static double wall_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int bad(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "apfsim sweep: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return -1;
}

static int parse_args(int argc, char **argv, struct sweep_cmd *s)
{
	const char *seeds = NULL, *jobs = NULL, *protos = NULL;
	char err[512];
	uint64_t v;
	int c;

	if (cli_check_args("sweep", argc, argv, sweep_table, "h"))
		return -1;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", sweep_table, NULL)) != -1) {
		const char *val = optarg;
		switch (c) {
		case CLI_O_HELP:
			fputs(cli_sweep_usage, stdout);
			return 1;
		case O_VARY:
			if (sweep_parse_vary(&s->g, val, err, sizeof(err)))
				return bad("--vary '%s': %s", val, err);
			break;
		case O_SEEDS:
			if (seeds)
				return cli_twice("sweep", "--seeds");
			seeds = val;
			if (cli_parse_u64("sweep", "--seeds", val, 1, 100000, &s->g.seeds))
				return -1;
			break;
		case CLI_O_SEED:
			if (s->has_seed)
				return cli_twice("sweep", "--seed");
			if (cli_parse_u64("sweep", "--seed", val, 1, UINT64_MAX, &s->seed))
				return -1;
			s->has_seed = true;
			break;
		case CLI_O_PROTOCOLS:
			if (protos)
				return cli_twice("sweep", "--protocols");
			protos = val;
			if (sweep_parse_protocols(&s->g, val, err, sizeof(err)))
				return bad("--protocols '%s': %s", val, err);
			break;
		case CLI_O_SET:
			if (s->nsets == CLI_MAX_SETS)
				return bad("too many --set (at most %s)%s", "64", "");
			s->sets[s->nsets++] = val;
			break;
		case O_JOBS:
			if (jobs)
				return cli_twice("sweep", "--jobs");
			jobs = val;
			if (cli_parse_u64("sweep", "--jobs", val, 1, SWEEP_MAX_JOBS, &v))
				return -1;
			s->jobs = (unsigned)v;
			break;
		case O_OUT:
			if (s->out)
				return cli_twice("sweep", "--out");
			s->out = val;
			break;
		case O_RESUME:
			s->resume = true;
			break;
		case O_PLOT:
			s->plot = true;
			break;
		default:
			return -1;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (s->g.scenario)
			return bad("unexpected argument '%s' (one SCENARIO only)%s", argv[i], "");
		s->g.scenario = argv[i];
	}
	if (!s->g.scenario || !s->out || !s->g.nkeys) {
		fprintf(stderr, "apfsim sweep: needs SCENARIO, at least one --vary and --out DIR\n\n%s",
			cli_sweep_usage);
		return -1;
	}
	return 0;
}

/* The scenario with the user's --set and `extra`: 0, or -1 with err. */
static int load(const struct sweep_cmd *s, const char *extra, struct apf_config *c, char *err, size_t len)
{
	struct cfg_error e;

	if (config_load_file(c, s->g.scenario, &e)) {
		if (e.line)
			snprintf(err, len, "%.200s:%u:%u: error: %.300s", e.file, e.line, e.col, e.msg);
		else
			snprintf(err, len, "%.200s: error: %.300s", e.file, e.msg);
		return -1;
	}
	{
		/* The --set list and the point's own value, one batch. */
		const char *all[CLI_MAX_SETS + 1];
		unsigned n = s->nsets;

		memcpy(all, s->sets, n * sizeof(all[0]));
		if (extra)
			all[n++] = extra;
		if (config_set_list(c, all, n, &e)) {
			size_t kl = extra ? strcspn(extra, "=") : 0;

			/* Blamed on the point's own value: its message alone. */
			if (extra && strlen(e.file) == kl + 6 && !strncmp(e.file + 6, extra, kl))
				snprintf(err, len, "%.300s", e.msg);
			else
				snprintf(err, len, "apfsim sweep: %.200s: %.300s", e.file, e.msg);
			config_free(c);
			return -1;
		}
	}
	return 0;
}

/* The checks of one --vary value alone (config_check_value): true when it
 * passes; false with err filled as load() does. */
static bool value_ok(const struct sweep_cmd *s, const char *set, char *err, size_t len)
{
	struct apf_config c;
	struct cfg_error e;
	bool ok;

	if (load(s, NULL, &c, err, len))
		return false;
	ok = config_check_value(&c, set, &e) == 0;
	if (!ok)
		snprintf(err, len, "%.300s", e.msg);
	config_free(&c);
	return ok;
}

/* Every protocol and every --vary value, each on its own over the scenario
 * and the --set list, through the same parser and validation as `run`
 * --set: the first one refused is reported with its argument. */
static int validate(struct sweep_cmd *s)
{
	struct apf_config c;
	char err[1024], set[SWEEP_SET_LEN];

	if (load(s, NULL, &c, err, sizeof(err)))
		return fprintf(stderr, "%s\n", err), -1;
	s->guest = cli_protocol_runs_guest(&c);
	s->g.seed0 = s->has_seed ? s->seed : c.seed;
	const char *names[SWEEP_MAX_TASKS];
	unsigned nt = c.ntasks < SWEEP_MAX_TASKS ? c.ntasks : SWEEP_MAX_TASKS;
	for (unsigned i = 0; i < nt; i++)
		names[i] = c.tasks[i].name;
	sweep_figures_init(&s->g, names, nt);
	if (c.ntasks > SWEEP_MAX_TASKS)
		fprintf(stderr, "apfsim sweep: note: figures of the first %d tasks only\n", SWEEP_MAX_TASKS);
	config_free(&c);
	for (unsigned p = 0; p < s->g.nprotocols; p++) {
		snprintf(set, sizeof(set), "protocol=%s", s->g.protocols[p]);
		if (load(s, set, &c, err, sizeof(err))) {
			fprintf(stderr, "apfsim sweep: --protocols: %s: %s\n", s->g.protocols[p], err);
			return -1;
		}
		s->guest |= cli_protocol_runs_guest(&c);
		config_free(&c);
	}
	for (unsigned k = 0; k < s->g.nkeys; k++) {
		const struct sweep_key *key = &s->g.keys[k];
		for (unsigned v = 0; v < key->nvalues; v++) {
			snprintf(set, sizeof(set), "%s=%s", key->key, key->values[v]);
			/* With several varied keys, a value the checks across keys
			 * refuse on its own may be valid beside another key's value
			 * (vm.vcpus=1 with tasks.N.vcpu=0): only its own checks are
			 * made here; an invalid combination is that point's error. */
			if (s->g.nkeys > 1 && value_ok(s, set, err, sizeof(err)))
				continue;
			if (load(s, set, &c, err, sizeof(err))) {
				fprintf(stderr, "apfsim sweep: --vary %s: value %u \"%s\": %s\n", key->key, v + 1,
					key->values[v], err);
				return -1;
			}
			s->guest |= cli_protocol_runs_guest(&c);
			config_free(&c);
		}
	}
	uint64_t n = sweep_npoints(&s->g);
	if (n > SWEEP_MAX_POINTS) {
		fprintf(stderr, "apfsim sweep: the grid has more than %llu points\n",
			(unsigned long long)SWEEP_MAX_POINTS);
		return -1;
	}
	return 0;
}

/* DIR exists (made if not) and takes a file. */
static int check_out(struct sweep_cmd *s)
{
	char probe[4200];

	if (strlen(s->out) > 4000)
		return bad("--out: path too long%s%s", "", "");
	if (mkdir(s->out, 0777) && errno != EEXIST)
		return bad("--out '%s': cannot create the directory: %s", s->out, strerror(errno));
	snprintf(probe, sizeof(probe), "%s/.apfsim-sweep-XXXXXX", s->out);
	int fd = mkstemp(probe);
	if (fd < 0)
		return bad("--out '%s': cannot write there: %s", s->out, strerror(errno));
	close(fd);
	unlink(probe);
	snprintf(s->csv, sizeof(s->csv), "%s/results.csv", s->out);
	snprintf(s->json, sizeof(s->json), "%s/results.json", s->out);
	return 0;
}

/* Write rows done[] sorted by index to path (temporary + rename). */
static int write_sorted(const struct sweep_cmd *s, const struct sweep_row *rows, const bool *done, uint64_t n)
{
	char tmp[4200];

	snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", s->csv);
	int fd = mkstemp(tmp);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, "apfsim sweep: cannot write '%s': %s\n", tmp, strerror(errno));
		if (fd >= 0)
			close(fd), unlink(tmp);
		return -1;
	}
	fchmod(fd, 0644);
	sweep_csv_header(&s->g, f);
	for (uint64_t i = 0; i < n; i++)
		if (done[i])
			sweep_csv_row(&s->g, &rows[i], f);
	int err = cli_close_checked(f);
	if (err || rename(tmp, s->csv)) {
		fprintf(stderr, "apfsim sweep: cannot write '%s': %s\n", s->csv, strerror(err ? err : errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int write_json(const struct sweep_cmd *s, const struct sweep_row *rows, uint64_t n)
{
	char tmp[4200];
	json_t *doc = sweep_json(&s->g, rows, n);
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(doc);
	snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", s->json);
	int fd = text ? mkstemp(tmp) : -1;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, "apfsim sweep: cannot write '%s': %s\n", s->json, strerror(errno));
		if (fd >= 0)
			close(fd), unlink(tmp);
		free(text);
		return -1;
	}
	fchmod(fd, 0644);
	fputs(text, f);
	fputc('\n', f);
	free(text);
	int err = cli_close_checked(f);
	if (err || rename(tmp, s->json)) {
		fprintf(stderr, "apfsim sweep: cannot write '%s': %s\n", s->json, strerror(err ? err : errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

_Static_assert(CLI_MAX_SETS + SWEEP_MAX_KEYS + 2 <= CFG_SET_LIST_MAX, "a point's overrides fit one batch");

/* The child of one point: run it, send the row, exit. */
static void child(const struct sweep_cmd *s, uint64_t i, int wfd)
{
	char store[SWEEP_MAX_KEYS + 2][SWEEP_SET_LEN];
	const char *sets[CLI_MAX_SETS + SWEEP_MAX_KEYS + 2];
	struct sweep_point p;
	struct sweep_row r;
	json_t *doc;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	memset(&r, 0, sizeof(r));
	r.index = i;
	sweep_point_at(&s->g, i, &p);
	unsigned n = 0;
	for (unsigned k = 0; k < s->nsets; k++)
		sets[n++] = s->sets[k];
	unsigned np = sweep_point_sets(&s->g, &p, store);
	for (unsigned k = 0; k < np; k++)
		sets[n++] = store[k];
	/* Test hooks (tests/sweep_test.cc): the run of index N dies; the runs
	 * from index N on wait a minute first (an interrupt lands there). */
	const char *hook = getenv("APFSIM_SWEEP_TEST_ABORT");
	if (hook && *hook && strtoull(hook, NULL, 10) == i)
		abort();
	hook = getenv("APFSIM_SWEEP_TEST_PAUSE");
	if (hook && *hook && i >= strtoull(hook, NULL, 10))
		sleep(60);
	int rc = sweep_run_point(s->g.scenario, sets, n, &doc, r.error, sizeof(r.error));
	if (rc == SWEEP_RUN_INTERRUPTED)
		_exit(4);
	if (doc) {
		sweep_row_from_doc(&s->g, doc, &r);
		json_decref(doc);
	}
	r.status = rc == SWEEP_RUN_OK ? SWEEP_OK : rc == SWEEP_RUN_FAILED ? SWEEP_FAILED : SWEEP_ERROR;
	/* One write below PIPE_BUF: atomic, and never blocks on an empty pipe. */
	_Static_assert(sizeof(r) <= 4096, "a row fits in one pipe write");
	_exit(write(wfd, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 3);
}

struct slot {
	pid_t pid;
	int rfd;
	uint64_t index;
};

/* The row of a finished child: what it sent, or the way it died. */
static void reap(struct slot *sl, int st, struct sweep_row *r)
{
	ssize_t got = read(sl->rfd, r, sizeof(*r));

	close(sl->rfd);
	if (got == (ssize_t)sizeof(*r) && WIFEXITED(st) && WEXITSTATUS(st) == 0 && r->index == sl->index)
		return;
	memset(r, 0, sizeof(*r));
	r->index = sl->index;
	r->status = SWEEP_ERROR;
	if (WIFSIGNALED(st))
		snprintf(r->error, sizeof(r->error), "the run died (signal %d, %s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(r->error, sizeof(r->error), "the run ended without a result (exit %d)",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* A progress line when stderr is a terminal: done/total, rate, ETA. */
struct progress {
	bool on, shown;
	double t0, last;
	uint64_t total, base;
};

static void progress(struct progress *p, uint64_t done)
{
	if (!p->on)
		return;
	double now = wall_now();
	if (now - p->last < 0.25 && done < p->total)
		return;
	p->last = now;
	double rate = (double)(done - p->base) / (now - p->t0 > 1e-9 ? now - p->t0 : 1e-9);
	double eta = rate > 0 ? (double)(p->total - done) / rate : 0;
	fprintf(stderr, "\r\033[Ksweep: %llu/%llu points, %.2f points/s, ETA %.0fs", (unsigned long long)done,
		(unsigned long long)p->total, rate, eta);
	p->shown = true;
}

/* Run todo[0..ntodo) with at most `jobs` children; each row is stored in
 * rows[], marked done and, when csv is not NULL, appended to it.  Returns
 * the signal that stopped it, or 0. */
static int run_points(const struct sweep_cmd *s, const uint64_t *todo, uint64_t ntodo, struct sweep_row *rows,
		      bool *done, FILE *csv, struct progress *pg, uint64_t *ndone)
{
	struct slot slots[SWEEP_MAX_JOBS];
	unsigned running = 0, jobs = s->jobs ? s->jobs : 1;
	uint64_t next = 0;
	char *line = NULL, why[300];
	size_t cap = 0;

	/* One child per run: with guest code, libunicorn is opened here once
	 * and shared, not opened again by every child. */
	if (s->guest && ntodo > 0 && !cpu_preload(why, sizeof(why)))
		fprintf(stderr, "apfsim sweep: note: %s\n", why);
	fflush(NULL);
	while ((next < ntodo || running) && !sim_interrupted) {
		while (running < jobs && next < ntodo) {
			int pfd[2];
			if (pipe(pfd)) {
				fprintf(stderr, "apfsim sweep: pipe: %s\n", strerror(errno));
				sim_interrupted = SIGTERM;
				break;
			}
			pid_t pid = fork();
			if (pid == 0) {
				close(pfd[0]);
				child(s, todo[next], pfd[1]);
			}
			close(pfd[1]);
			if (pid < 0) {
				close(pfd[0]);
				fprintf(stderr, "apfsim sweep: fork: %s\n", strerror(errno));
				sim_interrupted = SIGTERM;
				break;
			}
			slots[running++] = (struct slot){ .pid = pid, .rfd = pfd[0], .index = todo[next++] };
		}
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid <= 0) {
			struct timespec nap = { 0, 2 * 1000 * 1000 };
			nanosleep(&nap, NULL);
			continue;
		}
		for (unsigned k = 0; k < running; k++) {
			if (slots[k].pid != pid)
				continue;
			struct sweep_row *r = &rows[slots[k].index];
			reap(&slots[k], st, r);
			done[r->index] = true;
			(*ndone)++;
			if (csv) {
				/* The whole row in one write: the file never holds half a row. */
				FILE *m = open_memstream(&line, &cap);
				if (m) {
					sweep_csv_row(&s->g, r, m);
					fclose(m);
					fputs(line, csv);
					fflush(csv);
				}
				/* open_memstream allocates a new buffer each time */
				free(line);
				line = NULL;
				cap = 0;
			}
			slots[k] = slots[--running];
			progress(pg, *ndone);
			break;
		}
	}
	free(line);
	/* Interrupted: the runs in flight are dropped, their children ended. */
	for (unsigned k = 0; k < running; k++)
		kill(slots[k].pid, SIGKILL);
	for (unsigned k = 0; k < running; k++) {
		while (waitpid(slots[k].pid, NULL, 0) < 0 && errno == EINTR)
			;
		close(slots[k].rfd);
	}
	return sim_interrupted;
}

/* The command line to resume with: the arguments, shell-quoted. */
static void print_resume(int argc, char **argv)
{
	fputs("apfsim sweep: resume with: apfsim", stderr);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (a[strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+%")])
			fputs(" '", stderr), fputs(a, stderr), fputc('\'', stderr);
		else
			fprintf(stderr, " %s", a);
	}
	bool has = false;
	for (int i = 0; i < argc; i++)
		has |= !strcmp(argv[i], "--resume");
	fputs(has ? "\n" : " --resume\n", stderr);
}

int cli_sweep(int argc, char **argv)
{
	struct sweep_cmd *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return CLI_EXIT_FAIL;
	s->g.seeds = 1;
	rc = parse_args(argc, argv, s);
	if (rc) {
		free(s);
		return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_BAD_INPUT;
	}
	int rank = cli_mpi_rank(), size = cli_mpi_size();
	if (validate(s) || (rank == 0 && check_out(s))) {
		free(s);
		return cli_mpi_agree(CLI_EXIT_BAD_INPUT);
	}
	if (cli_mpi_agree(CLI_EXIT_OK)) {
		free(s);
		return CLI_EXIT_BAD_INPUT;
	}
	if (rank != 0) {
		snprintf(s->csv, sizeof(s->csv), "%s/results.csv", s->out);
		snprintf(s->json, sizeof(s->json), "%s/results.json", s->out);
	}
	uint64_t n = sweep_npoints(&s->g), ndone = 0, resumed = 0;
	struct sweep_row *rows = calloc(n, sizeof(*rows));
	bool *done = calloc(n, sizeof(*done));
	uint64_t *todo = calloc(n, sizeof(*todo));
	FILE *csv = NULL;
	rc = CLI_EXIT_FAIL;
	if (!rows || !done || !todo) {
		fprintf(stderr, "apfsim sweep: out of memory for %llu points\n", (unsigned long long)n);
		goto out;
	}
	if (s->resume) {
		char err[512];
		FILE *f = fopen(s->csv, "r");
		if (!f && errno != ENOENT) {
			fprintf(stderr, "apfsim sweep: --resume: cannot read '%s': %s\n", s->csv, strerror(errno));
			rc = CLI_EXIT_BAD_INPUT;
		} else if (f && sweep_csv_read(&s->g, f, rows, done, err, sizeof(err))) {
			fprintf(stderr, "apfsim sweep: --resume: %s: %s\n", s->csv, err);
			rc = CLI_EXIT_BAD_INPUT;
		}
		if (f)
			fclose(f);
		if (cli_mpi_agree(rc == CLI_EXIT_BAD_INPUT ? rc : 0))
			goto out_bad;
		for (uint64_t i = 0; i < n; i++)
			resumed += done[i];
		ndone = resumed;
	}
	/* Rank 0 starts the file afresh with the rows kept (sorted); every
	 * row made from now on is appended to it as it completes. */
	int setup = CLI_EXIT_OK;
	if (rank == 0) {
		unlink(s->json);
		if (write_sorted(s, rows, done, n))
			setup = CLI_EXIT_FAIL;
		else if (!(csv = fopen(s->csv, "a"))) {
			fprintf(stderr, "apfsim sweep: cannot write '%s': %s\n", s->csv, strerror(errno));
			setup = CLI_EXIT_FAIL;
		}
	}
	if (size > 1)
		setup = cli_mpi_agree(setup);
	if (setup)
		goto out;
	uint64_t ntodo = 0;
	for (uint64_t i = 0; i < n; i++)
		if (!done[i] && i % (uint64_t)size == (uint64_t)rank)
			todo[ntodo++] = i;
	cli_signals_install();
	struct progress pg = { .on = rank == 0 && isatty(fileno(stderr)), .t0 = wall_now(), .total = n,
			       .base = ndone };
	int sig = run_points(s, todo, ntodo, rows, done, csv, &pg, &ndone);
	if (pg.shown)
		fputs("\r\033[K", stderr);
	if (size > 1) {
		/* Every rank's new rows to rank 0. */
		struct sweep_row *mine = calloc(ntodo ? ntodo : 1, sizeof(*mine)), *all = NULL;
		uint64_t nm = 0, nall = 0;
		for (uint64_t j = 0; mine && j < ntodo; j++)
			if (done[todo[j]])
				mine[nm++] = rows[todo[j]];
		if (!mine || cli_mpi_gather(mine, nm, sizeof(*mine), (void **)&all, &nall)) {
			free(mine);
			goto out;
		}
		for (uint64_t j = 0; j < nall; j++) {
			if (all[j].index < n && !done[all[j].index]) {
				rows[all[j].index] = all[j];
				done[all[j].index] = true;
				ndone++;
			}
		}
		free(mine);
		free(all);
		sig = cli_mpi_agree(sig);
	}
	if (rank != 0) {
		rc = CLI_EXIT_OK;
		goto out;
	}
	if (csv) {
		fclose(csv);
		csv = NULL;
	}
	if (write_sorted(s, rows, done, n))
		goto out;
	if (sig) {
		fprintf(stderr, "apfsim sweep: interrupted by %s: %llu of %llu points done; %s holds their rows\n",
			cli_signal_name(sig), (unsigned long long)ndone, (unsigned long long)n, s->csv);
		print_resume(argc, argv);
		rc = cli_interrupted_exit(sig);
		goto out;
	}
	if (write_json(s, rows, n))
		goto out;
	uint64_t count[3] = { 0 };
	for (uint64_t i = 0; i < n; i++)
		count[rows[i].status >= 0 && rows[i].status <= 2 ? rows[i].status : 2]++;
	uint64_t grid = n / s->g.seeds / (s->g.nprotocols ? s->g.nprotocols : 1);
	printf("apfsim sweep: %s: %llu runs (%llu grid points x %u protocol%s x %llu seed%s", s->g.scenario,
	       (unsigned long long)n, (unsigned long long)grid, s->g.nprotocols ? s->g.nprotocols : 1,
	       s->g.nprotocols > 1 ? "s" : "", (unsigned long long)s->g.seeds, s->g.seeds > 1 ? "s" : "");
	if (resumed)
		printf(", %llu kept from the last run", (unsigned long long)resumed);
	printf("): %llu ok, %llu failed, %llu errors\nwrote %s and %s\n", (unsigned long long)count[0],
	       (unsigned long long)count[1], (unsigned long long)count[2], s->csv, s->json);
	rc = count[1] || count[2] ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	if (s->plot) {
		int prc = sweep_plot(&s->g, rows, n, s->out);
		if (prc < 0)
			rc = CLI_EXIT_FAIL;
	}
	goto out;
out_bad:
	rc = CLI_EXIT_BAD_INPUT;
out:
	if (csv)
		fclose(csv);
	free(rows);
	free(done);
	free(todo);
	free(s);
	return size > 1 ? cli_mpi_agree(rc) : rc;
}
