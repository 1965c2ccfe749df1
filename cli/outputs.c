/* outputs.c — see outputs.h. */
#define _XOPEN_SOURCE 700	/* realpath */
#include "cli/outputs.h"

#include "model/config/config.h"
#include "workloads/workload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(const struct cli_outputs *s, const struct cli_output *o, const char *what, int err)
{
	fprintf(stderr, "apfsim %s: %s: %s '%s': %s\n", s->cmd, o->opt, what, o->path, strerror(err));
}

struct cli_output *cli_outputs_add(struct cli_outputs *s, const char *opt, const char *path,
				   const char *suffix)
{
	if (!path || s->n == CLI_MAX_OUTPUTS)
		return NULL;
	struct cli_output *o = &s->v[s->n++];
	memset(o, 0, sizeof(*o));
	o->opt = opt;
	if (!suffix) {
		snprintf(o->path, sizeof(o->path), "%s", path);
		return o;
	}
	/* Before the extension of the last path component, if it has one. */
	const char *base = strrchr(path, '/');
	const char *dot = strrchr(base ? base + 1 : path, '.');
	size_t stem = dot && dot != (base ? base + 1 : path) ? (size_t)(dot - path) : strlen(path);
	/* F.json.zst gives F.P.json.zst: the format's extension stays beside .zst */
	if (stem > 0 && !strcmp(path + stem, ".zst")) {
		const char *b = base ? base + 1 : path, *d = NULL;
		for (const char *q = b; q < path + stem; q++)
			if (*q == '.')
				d = q;
		if (d && d != b)
			stem = (size_t)(d - path);
	}
	snprintf(o->path, sizeof(o->path), "%.*s.%s%s", (int)stem, path, suffix, path + stem);
	return o;
}

struct cli_output *cli_outputs_add_scratch(struct cli_outputs *s, const struct cli_output *o)
{
	if (s->n == CLI_MAX_OUTPUTS)
		return NULL;
	struct cli_output *c = &s->v[s->n++];
	memset(c, 0, sizeof(*c));
	c->opt = o->opt;
	snprintf(c->path, sizeof(c->path), "%s", o->path);
	c->scratch = true;
	c->of = (int)(o - s->v);
	return c;
}

/* Where o goes and what it is (nothing is opened or created). */
static int resolve(const struct cli_outputs *s, struct cli_output *o)
{
	struct stat st;

	if (!strcmp(o->path, "-")) {
		if (fstat(STDOUT_FILENO, &st)) {
			say(s, o, "cannot write standard output", errno);
			return -1;
		}
		o->in_place = true;
	} else if (stat(o->path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			say(s, o, "cannot write", EISDIR);
			return -1;
		}
		o->in_place = !S_ISREG(st.st_mode);
		if (!o->in_place && !realpath(o->path, o->final)) {
			say(s, o, "cannot resolve", errno);
			return -1;
		}
	} else if (errno == ENOENT) {
		/* A new file: its directory must exist. */
		char dir[PATH_MAX], real[PATH_MAX];
		const char *slash = strrchr(o->path, '/');
		const char *base = slash ? slash + 1 : o->path;
		if (!*base) {
			say(s, o, "cannot write", EISDIR);
			return -1;
		}
		if (!slash)
			snprintf(dir, sizeof(dir), ".");
		else
			snprintf(dir, sizeof(dir), "%.*s", slash == o->path ? 1 : (int)(slash - o->path), o->path);
		if (!realpath(dir, real)) {
			fprintf(stderr, "apfsim %s: %s: cannot write '%s': directory '%s': %s\n", s->cmd, o->opt,
				o->path, dir, strerror(errno));
			return -1;
		}
		if (snprintf(o->final, sizeof(o->final), "%s/%s", strcmp(real, "/") ? real : "", base) >=
		    (int)sizeof(o->final)) {
			say(s, o, "cannot write", ENAMETOOLONG);
			return -1;
		}
		return 0;
	} else {
		say(s, o, "cannot write", errno);
		return -1;
	}
	o->have_ino = true;
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	return 0;
}

void cli_outputs_add_input(struct cli_outputs *s, const char *what, const char *path)
{
	struct stat st;

	if (!path || !*path || s->nin == CLI_MAX_INPUTS || stat(path, &st) || !S_ISREG(st.st_mode))
		return;
	for (unsigned i = 0; i < s->nin; i++)
		if (s->in[i].dev == st.st_dev && s->in[i].ino == st.st_ino)
			return;
	snprintf(s->in[s->nin].what, sizeof(s->in[s->nin].what), "%s", what);
	s->in[s->nin].dev = st.st_dev;
	s->in[s->nin].ino = st.st_ino;
	s->nin++;
}

void cli_outputs_add_config_inputs(struct cli_outputs *s, const struct apf_config *c)
{
	char path[PATH_MAX], what[96];

	cli_outputs_add_input(s, "the scenario", c->path);
	cli_outputs_add_input(s, "the guest image", c->guest.image);
	for (uint32_t i = 0; i < c->ntasks; i++) {
		const struct task_cfg *t = &c->tasks[i];
		const char *f = t->workload && t->workload->input_file ? t->workload->input_file(t->params) : NULL;

		if (!f)
			continue;
		if (f[0] != '/' && c->dir[0])
			snprintf(path, sizeof(path), "%s/%s", c->dir, f);
		else
			snprintf(path, sizeof(path), "%s", f);
		snprintf(what, sizeof(what), "task %.60s's trace file", t->name);
		cli_outputs_add_input(s, what, path);
	}
}

static const struct cli_input *input_of(const struct cli_outputs *s, const struct cli_output *o)
{
	for (unsigned i = 0; o->have_ino && i < s->nin; i++)
		if (s->in[i].dev == o->dev && s->in[i].ino == o->ino)
			return &s->in[i];
	return NULL;
}

static bool same_file(const struct cli_output *a, const struct cli_output *b)
{
	if (a->have_ino && b->have_ino)
		return a->dev == b->dev && a->ino == b->ino;
	return !a->in_place && !b->in_place && !strcmp(a->final, b->final);
}

static int open_one(const struct cli_outputs *s, struct cli_output *o)
{
	int fd;

	if (o->in_place) {
		/* Never truncated or replaced: a device, a FIFO, stdout. */
		fd = o->to_stdout ? dup(STDOUT_FILENO) : open(o->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			say(s, o, "cannot open", errno);
			return -1;
		}
	} else {
		struct stat st;
		mode_t mode;
		if (stat(o->final, &st) == 0) {
			mode = st.st_mode & 07777;
		} else {
			mode_t mask = umask(0);
			umask(mask);
			mode = 0666 & ~mask;
		}
		const char *suffix = o->scratch ? ".check.XXXXXX" : ".tmp.XXXXXX";
		size_t len = strlen(o->final), slen = strlen(suffix);
		if (len + slen >= sizeof(o->tmp)) {
			say(s, o, "cannot write", ENAMETOOLONG);
			return -1;
		}
		memcpy(o->tmp, o->final, len);
		memcpy(o->tmp + len, suffix, slen + 1);
		fd = mkstemp(o->tmp);
		if (fd < 0) {
			fprintf(stderr, "apfsim %s: %s: cannot write '%s': creating a temporary file beside it: %s\n",
				s->cmd, o->opt, o->path, strerror(errno));
			o->tmp[0] = '\0';
			return -1;
		}
		if (!o->scratch && fchmod(fd, mode)) {
			say(s, o, "cannot write", errno);
			close(fd);
			return -1;
		}
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		say(s, o, "cannot open", errno);
		close(fd);
		return -1;
	}
	return 0;
}

int cli_outputs_open(struct cli_outputs *s, bool stdout_busy)
{
	struct stat out, null;
	bool have_stdout = fstat(STDOUT_FILENO, &out) == 0;
	/* Standard output on /dev/null prints nothing an output could mix with. */
	bool out_is_null = have_stdout && stat("/dev/null", &null) == 0 && null.st_dev == out.st_dev &&
			   null.st_ino == out.st_ino;

	for (unsigned i = 0; i < s->n; i++) {
		struct cli_output *o = &s->v[i];
		if (o->scratch) {
			/* Beside the output it shadows, resolved before it. */
			const struct cli_output *of = &s->v[o->of];
			if (of->in_place) {
				fprintf(stderr, "apfsim %s: --check-determinism compares the trace files of both "
						"runs: %s '%s' must be a regular file\n", s->cmd, of->opt, of->path);
				return -1;
			}
			memcpy(o->final, of->final, sizeof(o->final));
			continue;
		}
		if (resolve(s, o))
			return -1;
		const struct cli_input *in = input_of(s, o);
		if (in) {
			fprintf(stderr, "apfsim %s: %s '%s' is %s: refusing to replace an input\n", s->cmd,
				o->opt, o->path, in->what);
			return -1;
		}
		for (unsigned k = 0; k < i; k++) {
			if (!s->v[k].scratch && same_file(&s->v[k], o)) {
				fprintf(stderr, "apfsim %s: %s '%s' and %s '%s' name the same file\n", s->cmd,
					s->v[k].opt, s->v[k].path, o->opt, o->path);
				return -1;
			}
		}
		if (o->have_ino && have_stdout && o->dev == out.st_dev && o->ino == out.st_ino) {
			o->to_stdout = o->in_place = true;
			if (stdout_busy && !out_is_null) {
				bool run = !strcmp(s->cmd, "run");
				fprintf(stderr, "apfsim %s: %s '%s' is standard output, where the %s goes%s\n", s->cmd,
					o->opt, o->path, run ? "summary" : "report", run ? " (add --quiet)" : "");
				return -1;
			}
		}
	}
	for (unsigned i = 0; i < s->n; i++) {
		if (open_one(s, &s->v[i])) {
			cli_outputs_abort(s);
			return -1;
		}
	}
	return 0;
}

FILE *cli_output_take(struct cli_output *o)
{
	o->handed = true;
	return o->f;
}

int cli_close_checked(FILE *f)
{
	int err = 0;

	errno = 0;
	if (fflush(f) != 0)
		err = errno ? errno : EIO;
	if (ferror(f) && !err)
		err = EIO;
	errno = 0;
	if (fclose(f) != 0 && !err)
		err = errno ? errno : EIO;
	return err;
}

int cli_output_write(struct cli_output *o, const char *text)
{
	int err = 0;

	errno = 0;
	if (fputs(text, o->f) < 0 || fputc('\n', o->f) < 0)
		err = errno ? errno : EIO;
	if (err) {
		fprintf(stderr, "apfsim: %s: cannot write '%s': %s\n", o->opt, o->path, strerror(err));
		return -1;
	}
	return 0;
}

static void drop(struct cli_output *o)
{
	if (o->f && !o->handed)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
}

void cli_outputs_abort(struct cli_outputs *s)
{
	for (unsigned i = 0; i < s->n; i++)
		drop(&s->v[i]);
}

int cli_outputs_commit(struct cli_outputs *s)
{
	int bad = 0;

	for (unsigned i = 0; i < s->n; i++) {
		struct cli_output *o = &s->v[i];
		if (o->f && !o->handed) {
			int err = cli_close_checked(o->f);
			o->f = NULL;
			if (err) {
				say(s, o, "cannot write", err);
				bad = -1;
			}
		}
	}
	if (bad) {
		cli_outputs_abort(s);
		return -1;
	}
	for (unsigned i = 0; i < s->n; i++) {
		struct cli_output *o = &s->v[i];
		if (o->scratch || !o->tmp[0])
			continue;
		if (rename(o->tmp, o->final)) {
			say(s, o, "cannot write", errno);
			bad = -1;
		} else {
			o->tmp[0] = '\0';
		}
	}
	cli_outputs_abort(s);	/* the scratch files, and temporaries a rename left */
	return bad;
}
