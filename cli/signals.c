/* signals.c — SIGINT, SIGTERM and the --max-wall timer.
 *
 * The handlers only store the signal number in sim_interrupted
 * (model/kernel/sim.h): the event loop stops at the next event boundary
 * and the command, back in ordinary code, removes its temporaries, stops
 * its workers and says what was done.  A second SIGINT or SIGTERM while
 * the first is being handled ends the process at once (default action).
 * Wall time is read by the kernel's timer only; the simulation never sees
 * it, so results do not depend on it. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "model/kernel/sim.h"

static void on_signal(int sig)
{
	if (sim_interrupted && sig != SIGALRM) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	if (!sim_interrupted)
		sim_interrupted = sig;
}

void cli_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* Restart system calls: a write of an output is never cut short. */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
}

int cli_max_wall(const char *cmd, double seconds)
{
	struct sigevent ev;
	timer_t t;

	if (seconds <= 0)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGALRM;
	struct itimerspec when = { .it_value = { .tv_sec = (time_t)seconds,
						 .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9) } };
	if (timer_create(CLOCK_MONOTONIC, &ev, &t) || timer_settime(t, 0, &when, NULL)) {
		fprintf(stderr, "apfsim %s: --max-wall: cannot start a timer\n", cmd);
		return -1;
	}
	return 0;
}

const char *cli_signal_name(int sig)
{
	switch (sig) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGALRM:
		return "--max-wall";
	default:
		return "a signal";
	}
}

int cli_interrupted_exit(int sig)
{
	return sig == SIGALRM ? CLI_EXIT_FAIL : 128 + sig;
}
