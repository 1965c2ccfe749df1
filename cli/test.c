/* test.c — `apfsim test PATH...`: run every scenario found as a regression
 * case and check its `expect:` section (docs/testing.md).
 *
 * Order of work: collect the files (folders: *.yaml / *.yml below them,
 * sorted); load every scenario and its expectations and check every
 * figure path against a report skeleton of each protocol — any problem is
 * bad input (exit 2) before a single case runs; then run the cases in
 * --jobs worker processes; then judge them in case order.  The report
 * (stdout, --junit) depends on the inputs only: never on --jobs, wall
 * time or the order workers finish in.
 *
 * Cases: scenario x seed x protocol.  Protocols: --protocols, else those
 * the expect: section names (protocol blocks, then relations), else the
 * scenario's own.  Relations between protocols are one more case per
 * scenario and seed. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/outputs.h"
#include "model/check/expect.h"
#include "model/check/oracle.h"
#include "model/config/config.h"
#include "model/vm/machine_report.h"
#include "model/scenario/expect.h"
#include "model/session/session.h"
#include "model/vm/machine.h"

#define TEST_MAX_FILES 512
#define TEST_MAX_PROTOS 8
#define TEST_MAX_SETS 60
#define TEST_MAX_JOBS 32
#define TEST_MAX_SEEDS 1000

const char cli_test_usage[] =
	"usage: apfsim test PATH... [options]\n"
	"\n"
	"Run every scenario in PATH (files, or folders searched for *.yaml) and check\n"
	"what its expect: section says must hold (docs/testing.md).  One line per case,\n"
	"PASS or FAIL with each broken expectation and the command that replays it.\n"
	"\n"
	"options:\n"
	"  --protocols P1,P2,...  run every scenario under these presets (default: the\n"
	"                         protocols its expect: names, else its own protocol)\n"
	"  --guest-image F        run this guest kernel ELF instead of the built-in one\n"
	"  --set KEY=VALUE        override a scenario key in every case (repeatable)\n"
	"  --seeds N              run each case with N seeds: the scenario's, +1, ... (default 1)\n"
	"  --jobs J               worker processes (default 1; results do not depend on it)\n"
	"  --junit F              write JUnit XML to F (Jenkins, GitLab, GitHub)\n"
	"  --list                 check everything and list the cases, run nothing\n"
	"  --help                 this text\n"
	"\n"
	"exit status: 0 every case passed, 1 a case failed, 2 bad input\n";

struct tfile {
	char path[PARAM_STRING_MAX];
	struct expect_set exp;
	uint64_t seed;
	char protos[TEST_MAX_PROTOS][32];
	unsigned nprotos;
	bool own;		/* the scenario's own protocol, switches and all */
};

struct tcase {
	unsigned file;
	unsigned proto;		/* index into the file's protos */
	uint64_t seed;
	/* results */
	int exit_status;
	char *fail_msg;
	char *json;
	json_t *doc;
};

struct topts {
	const char *paths[TEST_MAX_FILES];
	unsigned npaths;
	const char *protocols, *junit, *image;
	const char *sets[TEST_MAX_SETS];
	unsigned nsets;
	unsigned jobs, seeds;
	int list;
};

static int bad(const char *fmt, const char *val)
{
	fprintf(stderr, "apfsim test: ");
	fprintf(stderr, fmt, val);
	fputc('\n', stderr);
	return CLI_EXIT_BAD_INPUT;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct topts *o)
{
	static char imagebuf[PARAM_STRING_MAX + 16];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(cli_test_usage, stdout);
			return 1;
		}
		if (!strcmp(a, "--list")) {
			o->list = 1;
			continue;
		}
		if (a[0] == '-' && a[1]) {
			if (!val)
				return bad("%s needs a value", a), -1;
			i++;
			if (!strcmp(a, "--protocols")) {
				o->protocols = val;
			} else if (!strcmp(a, "--junit")) {
				o->junit = val;
			} else if (!strcmp(a, "--guest-image")) {
				o->image = val;
				snprintf(imagebuf, sizeof(imagebuf), "guest.image=%s", val);
				if (o->nsets == TEST_MAX_SETS)
					return bad("%s", "too many overrides"), -1;
				o->sets[o->nsets++] = imagebuf;
			} else if (!strcmp(a, "--set")) {
				if (o->nsets == TEST_MAX_SETS)
					return bad("%s", "too many overrides"), -1;
				o->sets[o->nsets++] = val;
			} else if (!strcmp(a, "--jobs")) {
				if (parse_uint(val, 1, TEST_MAX_JOBS, &o->jobs))
					return bad("--jobs: expected 1 to 32 worker processes, found \"%s\"", val), -1;
			} else if (!strcmp(a, "--seeds")) {
				if (parse_uint(val, 1, TEST_MAX_SEEDS, &o->seeds))
					return bad("--seeds: expected 1 to 1000 seeds per case, found \"%s\"", val), -1;
			} else {
				fprintf(stderr, "apfsim test: unknown option '%s'\n\n%s", a, cli_test_usage);
				return -1;
			}
		} else {
			if (o->npaths == TEST_MAX_FILES)
				return bad("%s", "too many paths"), -1;
			o->paths[o->npaths++] = a;
		}
	}
	if (!o->npaths) {
		fprintf(stderr, "apfsim test: missing PATH\n\n%s", cli_test_usage);
		return -1;
	}
	return 0;
}

/* ---- collecting scenario files -------------------------------------------------------------- */

struct flist {
	char (*v)[PARAM_STRING_MAX];
	unsigned n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool yaml_name(const char *n)
{
	size_t l = strlen(n);
	return (l > 5 && !strcmp(n + l - 5, ".yaml")) || (l > 4 && !strcmp(n + l - 4, ".yml"));
}

static int add_file(struct flist *fl, const char *path)
{
	if (fl->n == TEST_MAX_FILES) {
		fprintf(stderr, "apfsim test: expected at most %d scenarios\n", TEST_MAX_FILES);
		return -1;
	}
	if (strlen(path) >= PARAM_STRING_MAX) {
		fprintf(stderr, "%s: error: path too long\n", path);
		return -1;
	}
	snprintf(fl->v[fl->n++], PARAM_STRING_MAX, "%s", path);
	return 0;
}

/* Scenario files below dir, sorted by name, sub-folders in place. */
static int walk(struct flist *fl, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[4096];
	unsigned n = 0;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "%s: error: cannot read the folder: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) && n < 4096)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (unsigned i = 0; i < n; i++) {
		char p[PARAM_STRING_MAX * 2];
		struct stat st;
		snprintf(p, sizeof(p), "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i] ? names[i] : "");
		if (!rc && names[i] && !stat(p, &st)) {
			if (S_ISDIR(st.st_mode) && depth < 8)
				rc = walk(fl, p, depth + 1);
			else if (S_ISREG(st.st_mode) && yaml_name(names[i]))
				rc = add_file(fl, p);
		}
		free(names[i]);
	}
	return rc;
}

static int collect(const struct topts *o, struct flist *fl)
{
	for (unsigned i = 0; i < o->npaths; i++) {
		struct stat st;
		if (stat(o->paths[i], &st)) {
			fprintf(stderr, "%s: error: cannot read: %s\n", o->paths[i], strerror(errno));
			return -1;
		}
		if (S_ISDIR(st.st_mode)) {
			unsigned before = fl->n;
			if (walk(fl, o->paths[i], 0))
				return -1;
			if (fl->n == before) {
				fprintf(stderr, "%s: error: expected a folder with scenario files (*.yaml, *.yml), "
					"found none\n", o->paths[i]);
				return -1;
			}
		} else if (add_file(fl, o->paths[i])) {
			return -1;
		}
	}
	return 0;
}

/* ---- loading and checking ------------------------------------------------------------------- */

/* The scenario at path with the --set overrides, then the protocol and
 * the seed of the case (when given). */
static int load_session(const char *path, const struct topts *o, const char *proto, uint64_t seed,
			bool set_seed, struct session *ss)
{
	struct session_spec spec = { .scenario = path, .sets = o->sets, .nsets = o->nsets };
	struct cfg_error err;
	char buf[96];

	if (session_load(ss, &spec, &err))
		goto fail;
	if (proto) {
		snprintf(buf, sizeof(buf), "protocol=%s", proto);
		if (session_set(ss, buf, &err))
			goto fail_free;
	}
	if (set_seed) {
		snprintf(buf, sizeof(buf), "seed=%llu", (unsigned long long)seed);
		if (session_set(ss, buf, &err))
			goto fail_free;
	}
	if (config_check_protocol_keys(&ss->cfg, &err))
		goto fail_free;
	return 0;
fail_free:
	session_end(ss);
fail:
	cfg_error_print(&err, stderr);
	return -1;
}

static void print_expect_error(const char *file, const struct expect_error *e)
{
	if (e->pos.line)
		fprintf(stderr, "%s:%u:%u: error: %s\n", file, e->pos.line, e->pos.col, e->msg);
	else
		fprintf(stderr, "%s: error: %s\n", file, e->msg);
}

static void add_proto(struct tfile *f, const char *p)
{
	for (unsigned i = 0; i < f->nprotos; i++)
		if (!strcmp(f->protos[i], p))
			return;
	if (f->nprotos < TEST_MAX_PROTOS)
		snprintf(f->protos[f->nprotos++], sizeof(f->protos[0]), "%s", p);
}

static int proto_index(const struct tfile *f, const char *p)
{
	for (unsigned i = 0; i < f->nprotos; i++)
		if (!strcmp(f->protos[i], p))
			return (int)i;
	return -1;
}

/* The JSON report of a machine built but not run: every figure a run of
 * this configuration writes, with zero values. */
static json_t *skeleton(struct session *ss)
{
	struct session_result res;
	json_t *doc = NULL;

	if (session_build(ss, &(struct session_build){ .oracle = true }) == SESSION_BAD_INPUT) {
		fprintf(stderr, "%s\n", ss->err);
	} else if (!session_collect(ss, &(struct session_collect){ .version = APFSIM_VERSION, .json = true },
				    &res)) {
		doc = json_incref(res.doc);
		session_result_free(&res);
	}
	session_reset(ss);
	return doc;
}

static int prepare_file(struct tfile *f, const struct topts *o, char protos[][32], unsigned nprotos)
{
	struct cfg_error err;
	struct session ss;
	struct expect_error ee;

	if (load_session(f->path, o, NULL, 0, false, &ss))
		return -1;
	f->seed = ss.cfg.seed;
	if (expect_load_file(f->path, &f->exp, &err)) {
		cfg_error_print(&err, stderr);
		session_end(&ss);
		return -1;
	}
	if (nprotos) {
		for (unsigned i = 0; i < nprotos; i++)
			add_proto(f, protos[i]);
	} else {
		for (unsigned i = 0; i < f->exp.nper; i++)
			add_proto(f, f->exp.per[i].protocol);
		for (unsigned i = 0; i < f->exp.nrels; i++) {
			add_proto(f, f->exp.rels[i].lproto);
			add_proto(f, f->exp.rels[i].rproto);
		}
		if (!f->nprotos) {
			add_proto(f, ss.cfg.protocol);
			f->own = true;
		}
	}
	session_end(&ss);
	for (unsigned p = 0; p < f->nprotos; p++) {
		if (load_session(f->path, o, f->own ? NULL : f->protos[p], 0, false, &ss))
			return -1;
		json_t *skel = skeleton(&ss);
		int rc = skel ? 0 : -1;
		if (!rc && expect_check_paths(&f->exp, f->protos[p], skel, &ee)) {
			print_expect_error(f->path, &ee);
			rc = -1;
		}
		for (unsigned r = 0; !rc && r < f->exp.nrels; r++) {
			const struct expect_relation *rel = &f->exp.rels[r];
			for (int left = 1; left >= 0 && !rc; left--)
				if (!strcmp(left ? rel->lproto : rel->rproto, f->protos[p]) &&
				    expect_check_relation_side(rel, left, skel, &ee)) {
					print_expect_error(f->path, &ee);
					rc = -1;
				}
		}
		json_decref(skel);
		session_end(&ss);
		if (rc)
			return -1;
	}
	return 0;
}

/* `apfsim validate`: the scenario's expect: section, checked exactly as
 * `test` checks it before running (prepare_file: keys, units, relations,
 * then every path against each named protocol's report skeleton).  0 when
 * the file has none or it is sound; -1 after printing FILE:LINE:COL. */
int cli_test_check_expect(const char *path, const char *const *sets, unsigned nsets)
{
	struct topts *o = calloc(1, sizeof(*o));
	struct tfile *f = calloc(1, sizeof(*f));
	struct cfg_error err;
	int rc = -1;

	if (!o || !f) {
		fprintf(stderr, "apfsim: out of memory\n");
		goto out;
	}
	if (nsets > TEST_MAX_SETS) {
		fprintf(stderr, "apfsim validate: at most %d --set/--seed/--protocol options with an expect: section\n",
			TEST_MAX_SETS);
		goto out;
	}
	if (expect_load_file(path, &f->exp, &err)) {
		cfg_error_print(&err, stderr);
		goto out;
	}
	rc = 0;
	if (!f->exp.present)
		goto out;
	for (unsigned i = 0; i < nsets; i++)
		o->sets[i] = sets[i];
	o->nsets = nsets;
	snprintf(f->path, sizeof(f->path), "%s", path);
	rc = prepare_file(f, o, NULL, 0);
out:
	free(o);
	free(f);
	return rc;
}

/* ---- running ---------------------------------------------------------------------------------- */

static void run_case(const struct tfile *f, const struct topts *o, struct tcase *k)
{
	struct session ss;
	struct session_result res;

	k->exit_status = CLI_EXIT_BAD_INPUT;
	if (load_session(f->path, o, f->own ? NULL : f->protos[k->proto], k->seed, true, &ss))
		return;
	switch (session_build(&ss, &(struct session_build){ .oracle = true })) {
	case 0:
		break;
	case SESSION_BAD_INPUT:
		k->fail_msg = strdup(ss.err);
		goto out;
	default:
		k->exit_status = CLI_EXIT_FAIL;
		k->fail_msg = strdup(ss.err);
		goto out;
	}
	session_run(&ss, NULL);
	session_finish(&ss);
	if (session_collect(&ss, &(struct session_collect){ .version = APFSIM_VERSION, .json = true }, &res)) {
		k->exit_status = CLI_EXIT_FAIL;
		k->fail_msg = strdup("out of memory");
		goto out;
	}
	k->exit_status = res.failed || res.violations ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	if (res.failed)
		k->fail_msg = strdup(ss.m->err);
	k->json = json_dumps(res.doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	session_result_free(&res);
out:
	session_end(&ss);
}

static void put_str(FILE *f, const char *s)
{
	uint32_t l = s ? (uint32_t)strlen(s) : UINT32_MAX;
	fwrite(&l, sizeof(l), 1, f);
	if (s)
		fwrite(s, 1, l, f);
}

static char *get_str(FILE *f)
{
	uint32_t l;
	if (fread(&l, sizeof(l), 1, f) != 1 || l == UINT32_MAX)
		return NULL;
	char *s = malloc((size_t)l + 1);
	if (!s || fread(s, 1, l, f) != l) {
		free(s);
		return NULL;
	}
	s[l] = 0;
	return s;
}

/* Case i runs in worker i % jobs; each worker writes its results to its
 * own unlinked temporary file, read back after it exits. */
static int run_all(const struct tfile *files, const struct topts *o, struct tcase *cases, unsigned n)
{
	unsigned jobs = o->jobs < n ? o->jobs : n;
	FILE *out[TEST_MAX_JOBS];
	pid_t pid[TEST_MAX_JOBS];

	fflush(stdout);
	fflush(stderr);
	for (unsigned w = 0; w < jobs; w++) {
		out[w] = tmpfile();
		pid[w] = out[w] ? fork() : -1;
		if (pid[w] < 0) {
			fprintf(stderr, "apfsim test: cannot start worker %u: %s\n", w, strerror(errno));
			if (out[w])
				fclose(out[w]);
			for (unsigned k = 0; k < w; k++) {
				kill(pid[k], SIGTERM);
				waitpid(pid[k], NULL, 0);
				fclose(out[k]);
			}
			return -1;
		}
		if (pid[w] == 0) {
			for (unsigned i = w; i < n; i += jobs) {
				struct tcase k = cases[i];
				run_case(&files[k.file], o, &k);
				fwrite(&i, sizeof(i), 1, out[w]);
				fwrite(&k.exit_status, sizeof(k.exit_status), 1, out[w]);
				put_str(out[w], k.fail_msg);
				put_str(out[w], k.json);
			}
			fflush(out[w]);
			_exit(ferror(out[w]) ? 3 : 0);
		}
	}
	int rc = 0;
	for (unsigned w = 0; w < jobs; w++) {
		int st;
		unsigned i;
		waitpid(pid[w], &st, 0);
		/* A worker that died leaves its remaining cases without a
		 * report: they are judged as failed, the others still count. */
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			fprintf(stderr, "apfsim test: worker %u ended abnormally (status %d)\n", w, st);
		rewind(out[w]);
		while (fread(&i, sizeof(i), 1, out[w]) == 1 && i < n) {
			struct tcase *k = &cases[i];
			if (fread(&k->exit_status, sizeof(k->exit_status), 1, out[w]) != 1)
				break;
			k->fail_msg = get_str(out[w]);
			k->json = get_str(out[w]);
		}
		fclose(out[w]);
	}
	return rc;
}

/* ---- reporting -------------------------------------------------------------------------------- */

struct verdict {
	char name[PARAM_STRING_MAX + 96];
	char *detail;		/* broken expectations, one per line; NULL = pass */
	char replay[4096];
	unsigned file;
};

static void replay_cmd(char *buf, size_t len, const char *cmd, const char *file, const char *proto_opt,
		       const char *proto, uint64_t seed, const struct topts *o)
{
	size_t used = 0;
	int w = snprintf(buf, len, "apfsim %s %s%s%s%s%s --seed %llu", cmd, file, proto ? " " : "",
			 proto ? proto_opt : "", proto ? " " : "", proto ? proto : "", (unsigned long long)seed);
	used = w > 0 ? (size_t)w : 0;
	for (unsigned i = 0; i < o->nsets && used < len; i++) {
		if (o->image && !strncmp(o->sets[i], "guest.image=", 12))
			w = snprintf(buf + used, len - used, " --guest-image '%s'", o->image);
		else
			w = snprintf(buf + used, len - used, " --set '%s'", o->sets[i]);
		used += w > 0 ? (size_t)w : 0;
	}
}

static void xml_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '\n': fputs("&#10;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				fputc(*s, f);
		}
	}
}

static char *junit(const struct tfile *files, unsigned nfiles, const struct verdict *v, unsigned nv,
		   unsigned failed)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"apfsim test\" tests=\"%u\" failures=\"%u\" errors=\"0\">\n", nv, failed);
	for (unsigned fi = 0; fi < nfiles; fi++) {
		unsigned t = 0, bad = 0;
		for (unsigned i = 0; i < nv; i++)
			if (v[i].file == fi) {
				t++;
				bad += v[i].detail != NULL;
			}
		fprintf(f, "  <testsuite name=\"");
		xml_text(f, files[fi].path);
		fprintf(f, "\" tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"0\">\n", t, bad);
		for (unsigned i = 0; i < nv; i++) {
			if (v[i].file != fi)
				continue;
			char cname[sizeof(v[i].name)];
			const char *br = strchr(v[i].name, '[');
			snprintf(cname, sizeof(cname), "%s", br ? br + 1 : v[i].name);
			cname[strcspn(cname, "]")] = 0;
			fprintf(f, "    <testcase classname=\"");
			xml_text(f, files[fi].path);
			fprintf(f, "\" name=\"");
			xml_text(f, cname);
			if (!v[i].detail) {
				fprintf(f, "\"/>\n");
				continue;
			}
			char first[512];
			snprintf(first, sizeof(first), "%.*s", (int)strcspn(v[i].detail, "\n"), v[i].detail);
			fprintf(f, "\">\n      <failure type=\"expectation\" message=\"");
			xml_text(f, first);
			fprintf(f, "\">");
			for (const char *l = v[i].detail; *l;) {
				size_t n = strcspn(l, "\n");
				char line[1024];
				snprintf(line, sizeof(line), "%.*s\n", (int)(n < 1000 ? n : 1000), l);
				/* newlines stay real newlines inside the element text */
				for (char *c = line; *c; c++) {
					if (*c == '\n')
						fputc('\n', f);
					else
						xml_text(f, (char[]){ *c, 0 });
				}
				l += n + (l[n] == '\n');
			}
			fprintf(f, "replay: ");
			xml_text(f, v[i].replay);
			fprintf(f, "\n</failure>\n    </testcase>\n");
		}
		fprintf(f, "  </testsuite>\n");
	}
	fprintf(f, "</testsuites>\n");
	fclose(f);
	return buf;
}

static void print_verdict(const struct verdict *v)
{
	printf("%s %s\n", v->detail ? "FAIL" : "PASS", v->name);
	if (!v->detail)
		return;
	for (const char *l = v->detail; *l;) {
		size_t n = strcspn(l, "\n");
		printf("     %.*s\n", (int)n, l);
		l += n + (l[n] == '\n');
	}
	printf("     replay: %s\n", v->replay);
}

int cli_test(int argc, char **argv)
{
	struct topts o = { .jobs = 1, .seeds = 1 };
	struct flist fl = { 0 };
	char protos[TEST_MAX_PROTOS][32];
	unsigned nprotos = 0;
	int rc = parse_args(argc, argv, &o);

	if (rc)
		return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_BAD_INPUT;
	for (const char *p = o.protocols; p && *p;) {
		size_t l = strcspn(p, ",");
		bool known = false;
		snprintf(protos[nprotos], sizeof(protos[0]), "%.*s", (int)(l < 31 ? l : 31), p);
		for (unsigned i = 0; cfg_protocol_names[i]; i++)
			known |= !strcmp(cfg_protocol_names[i], protos[nprotos]);
		if (!known || l == 0 || l > 31 || nprotos == TEST_MAX_PROTOS)
			return bad("--protocols: expected up to 8 presets separated by commas "
				   "(apfsim protocols lists them), found \"%s\"", o.protocols);
		nprotos++;
		p += l + (p[l] == ',');
	}

	/* Everything is checked before anything runs. */
	fl.v = calloc(TEST_MAX_FILES, sizeof(*fl.v));
	struct tfile *files = calloc(TEST_MAX_FILES, sizeof(*files));
	if (!fl.v || !files) {
		free(fl.v);
		free(files);
		return CLI_EXIT_FAIL;
	}
	rc = collect(&o, &fl) ? CLI_EXIT_BAD_INPUT : CLI_EXIT_OK;
	for (unsigned i = 0; rc == CLI_EXIT_OK && i < fl.n; i++) {
		snprintf(files[i].path, sizeof(files[i].path), "%s", fl.v[i]);
		if (prepare_file(&files[i], &o, protos, nprotos))
			rc = CLI_EXIT_BAD_INPUT;
	}
	unsigned nfiles = fl.n, ncases = 0;
	free(fl.v);
	if (rc) {
		free(files);
		return rc;
	}
	for (unsigned i = 0; i < nfiles; i++)
		ncases += files[i].nprotos * o.seeds;
	struct tcase *cases = calloc(ncases ? ncases : 1, sizeof(*cases));
	unsigned n = 0;
	for (unsigned i = 0; i < nfiles; i++)
		for (unsigned s = 0; s < o.seeds; s++)
			for (unsigned p = 0; p < files[i].nprotos; p++)
				cases[n++] = (struct tcase){ .file = i, .proto = p, .seed = files[i].seed + s };
	if (o.list) {
		for (unsigned i = 0; i < n; i++)
			printf("%s [%s seed %llu]\n", files[cases[i].file].path,
			       files[cases[i].file].protos[cases[i].proto], (unsigned long long)cases[i].seed);
		printf("%u cases from %u scenario%s\n", n, nfiles, nfiles == 1 ? "" : "s");
		free(cases);
		free(files);
		return CLI_EXIT_OK;
	}
	/* The JUnit file is opened before any case runs (a path that cannot be
	 * written is bad input) and renamed into place only at the end. */
	struct cli_outputs outs = { .cmd = "test" };
	for (unsigned i = 0; i < nfiles; i++)
		cli_outputs_add_input(&outs, "a scenario of the suite", files[i].path);
	struct cli_output *junit_out = cli_outputs_add(&outs, "--junit", o.junit, NULL);
	if (cli_outputs_open(&outs, true)) {
		free(cases);
		free(files);
		return CLI_EXIT_BAD_INPUT;
	}
	if (run_all(files, &o, cases, n)) {
		cli_outputs_abort(&outs);
		free(cases);
		free(files);
		return CLI_EXIT_FAIL;
	}

	/* Judge, in case order; relation cases follow their scenario and seed. */
	struct verdict *v = calloc((size_t)n * 2 + 1, sizeof(*v));
	unsigned nv = 0, failed = 0;
	for (unsigned i = 0; i < n; i++) {
		struct tcase *k = &cases[i];
		const struct tfile *f = &files[k->file];
		struct verdict *x = &v[nv++];
		json_error_t je;

		x->file = k->file;
		snprintf(x->name, sizeof(x->name), "%s [%s seed %llu]", f->path, f->protos[k->proto],
			 (unsigned long long)k->seed);
		replay_cmd(x->replay, sizeof(x->replay), "run", f->path, "--protocol",
			   f->own ? NULL : f->protos[k->proto], k->seed, &o);
		k->doc = k->json ? json_loads(k->json, 0, &je) : NULL;
		if (!k->doc) {
			const char *why = k->fail_msg ? k->fail_msg :
					  "no report: the worker process running this case ended early";
			size_t l = strlen(why) + 32;
			x->detail = malloc(l);
			if (x->detail)
				snprintf(x->detail, l, "%s%s\n", k->fail_msg ? "the run did not start: " : "", why);
		} else {
			struct expect_outcome oc = { .exit_status = k->exit_status, .fail_msg = k->fail_msg,
						     .guest_image = o.image };
			expect_judge(&f->exp, f->protos[k->proto], k->doc, &oc, &x->detail);
		}
		failed += x->detail != NULL;
		print_verdict(x);
		/* After the last protocol of this scenario and seed: its relations. */
		bool last = i + 1 == n || cases[i + 1].file != k->file || cases[i + 1].seed != k->seed;
		if (!last || !f->exp.nrels)
			continue;
		char *all = NULL;
		size_t alen = 0;
		FILE *mf = open_memstream(&all, &alen);
		unsigned judged = 0, base = i + 1 - f->nprotos;
		for (unsigned r = 0; mf && r < f->exp.nrels; r++) {
			const struct expect_relation *rel = &f->exp.rels[r];
			int li = proto_index(f, rel->lproto), ri = proto_index(f, rel->rproto);
			char *msg = NULL;
			if (li < 0 || ri < 0)
				continue; /* --protocols left one side out */
			judged++;
			if (!cases[base + li].doc || !cases[base + ri].doc)
				fprintf(mf, "relation \"%s\": a run has no report\n", rel->text);
			else if (expect_judge_relation(rel, cases[base + li].doc, cases[base + ri].doc, &msg))
				fputs(msg, mf);
			free(msg);
		}
		if (mf)
			fclose(mf);
		if (!judged) {
			free(all);
			continue;
		}
		x = &v[nv++];
		x->file = k->file;
		char plist[TEST_MAX_PROTOS * 33] = "";
		for (unsigned p = 0; p < f->nprotos; p++)
			snprintf(plist + strlen(plist), sizeof(plist) - strlen(plist), "%s%s", p ? "," : "",
				 f->protos[p]);
		snprintf(x->name, sizeof(x->name), "%s [relations seed %llu]", f->path, (unsigned long long)k->seed);
		replay_cmd(x->replay, sizeof(x->replay), "compare", f->path, "--protocols", plist, k->seed, &o);
		if (all && *all)
			x->detail = all;
		else
			free(all);
		failed += x->detail != NULL;
		print_verdict(x);
	}
	printf("\n%u passed, %u failed\n", nv - failed, failed);
	rc = failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	if (junit_out) {
		char *xml = junit(files, nfiles, v, nv, failed);
		size_t l = xml ? strlen(xml) : 0;
		if (l && xml[l - 1] == '\n')
			xml[l - 1] = 0; /* cli_output_write adds it back */
		if (!xml || cli_output_write(junit_out, xml))
			rc = CLI_EXIT_FAIL;
		free(xml);
	}
	if (rc == CLI_EXIT_FAIL && junit_out && !failed)
		cli_outputs_abort(&outs);
	else if (cli_outputs_commit(&outs))
		rc = CLI_EXIT_FAIL;
	for (unsigned i = 0; i < nv; i++)
		free(v[i].detail);
	for (unsigned i = 0; i < n; i++) {
		free(cases[i].fail_msg);
		free(cases[i].json);
		json_decref(cases[i].doc);
	}
	free(v);
	free(cases);
	free(files);
	return rc;
}
