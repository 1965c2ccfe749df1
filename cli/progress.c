/* progress.c — wall-clock progress display.  Wall time is read here only,
 * never by the model, so it cannot influence results. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

struct cli_progress {
	struct timespec start;
	int shown;
};

static double elapsed(const struct cli_progress *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - p->start.tv_sec) + (double)(now.tv_nsec - p->start.tv_nsec) * 1e-9;
}

struct cli_progress *cli_progress_start(int enabled)
{
	if (!enabled || !isatty(fileno(stderr)))
		return NULL;
	struct cli_progress *p = calloc(1, sizeof(*p));
	if (p)
		clock_gettime(CLOCK_MONOTONIC, &p->start);
	return p;
}

void cli_progress_update(struct cli_progress *p, double fraction)
{
	if (!p)
		return;
	double e = elapsed(p);
	if (e < 2.0)
		return;
	if (fraction < 0)
		fraction = 0;
	if (fraction > 1)
		fraction = 1;
	int width = 40, fill = (int)(fraction * width);
	fprintf(stderr, "\r[%.*s%*s] %3d%%  %.1fs", fill, "########################################",
		width - fill, "", (int)(fraction * 100), e);
	fflush(stderr);
	p->shown = 1;
}

void cli_progress_end(struct cli_progress *p)
{
	if (!p)
		return;
	if (p->shown)
		fputs("\r\033[K", stderr);
	free(p);
}
