/* outputs.h — every file a command writes, opened before it starts
 * (docs/reliability.md, "Outputs").
 *
 * A regular file, or one that does not exist yet, is written to a
 * temporary with a unique name beside it (mkstemp: "PATH.tmp.XXXXXX",
 * mode of the file it replaces, else 0666 & ~umask) and renamed over it
 * only by cli_outputs_commit(); bad input, a write error or an interrupt
 * removes the temporaries (cli_outputs_abort) and every PATH stays as it
 * was.  A symlink to a regular file is resolved: the file it points to is
 * replaced, the link stays.  A path that is not a regular file — a
 * device, a FIFO, "-" for standard output, or a symlink to one — is opened
 * where it is and written in place, never replaced or truncated.  The file
 * standard output already goes to ("-", /dev/stdout, or the file named
 * by the shell's redirection) is written through descriptor 1, at its
 * position.
 *
 * Invariants: after cli_outputs_open() succeeds every output has an open
 * stream (or has handed it to a trace sink), no two outputs name one file
 * (same device and inode, or the same resolved path), and nothing but the
 * temporaries exists that did not exist before.
 */
#ifndef APFSIM_CLI_OUTPUTS_H
#define APFSIM_CLI_OUTPUTS_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* compare: 8 protocols x (4 traces + a scratch for none) + --json. */
#define CLI_MAX_OUTPUTS 48

struct cli_output {
	const char *opt;		/* the option, for messages: "--json" */
	char path[PATH_MAX];		/* as named (compare: with the protocol suffix) */
	char final[PATH_MAX];		/* where it ends: path with links resolved */
	char tmp[PATH_MAX];		/* the temporary beside final; "" when in place */
	bool in_place;			/* not a regular file: written where it is */
	bool to_stdout;			/* "-", or the file standard output is: through fd 1 */
	bool scratch;			/* a temporary only, never renamed (determinism check) */
	bool handed;			/* f belongs to a trace sink, which closes it */
	int of;				/* scratch: index of the output it shadows */
	FILE *f;
	/* identity, for "two options name one file" */
	bool have_ino;
	dev_t dev;
	ino_t ino;
};

/* A file the command reads (scenario, guest image, trace): an output
 * naming it is refused, so no typo replaces an input. */
#define CLI_MAX_INPUTS 64
struct cli_input {
	char what[96];			/* for messages: "the scenario" */
	dev_t dev;
	ino_t ino;
};

struct cli_outputs {
	const char *cmd;		/* "run", for messages */
	struct cli_output v[CLI_MAX_OUTPUTS];
	unsigned n;
	struct cli_input in[CLI_MAX_INPUTS];
	unsigned nin;
};

/* Record an output (path NULL: none; returns NULL).  `suffix`, if not NULL,
 * goes before the file name's extension: f.ftrace + arm64-v4 gives
 * f.arm64-v4.ftrace, f.json.zst gives f.arm64-v4.json.zst ("-" and non-regular files take no suffix: such a
 * path is refused when a suffix is needed). */
struct cli_output *cli_outputs_add(struct cli_outputs *s, const char *opt, const char *path,
				   const char *suffix);
/* A scratch temporary beside o's file (the determinism check writes its
 * second run there); needs o to be a regular file. */
struct cli_output *cli_outputs_add_scratch(struct cli_outputs *s, const struct cli_output *o);
/* Record an input file (one that does not exist or cannot be stat'ed is
 * not recorded; beyond CLI_MAX_INPUTS distinct files the rest are not). */
void cli_outputs_add_input(struct cli_outputs *s, const char *what, const char *path);
struct apf_config;
/* The inputs of a loaded scenario: the file, its guest image, its tasks'
 * trace files. */
void cli_outputs_add_config_inputs(struct cli_outputs *s, const struct apf_config *c);
/* Check and open every output.  `stdout_busy`: the command prints on
 * standard output, so an output there is refused.  0, or -1 after a
 * message naming the option and the file, with nothing left behind. */
int cli_outputs_open(struct cli_outputs *s, bool stdout_busy);
/* The stream of o for a writer that takes it over and closes it. */
FILE *cli_output_take(struct cli_output *o);
/* Write text and a newline to o (a JSON document): 0, or -1 after a message. */
int cli_output_write(struct cli_output *o, const char *text);
/* Close every stream still open, checking for write errors, then rename
 * every temporary over its file.  0, or -1 after a message per failure
 * (then no temporary is renamed and all are removed). */
int cli_outputs_commit(struct cli_outputs *s);
/* Close every stream still open and remove every temporary. */
void cli_outputs_abort(struct cli_outputs *s);

/* Close f, checking every write made through it: 0, or the errno of the
 * first failure (EIO when stdio kept none). */
int cli_close_checked(FILE *f);

#endif
