/* bench_spawn.c — run one apfsim command as a child process and measure it
 * (bench_scale.c, bench_cli.c). */
#define _DEFAULT_SOURCE	/* wait4 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "bench/bench.h"

extern char **environ;

int bench_spawn(char *const argv[], struct bench_child *out)
{
	posix_spawn_file_actions_t fa;
	struct timespec t0, t1;
	struct rusage ru;
	int status, e;
	pid_t pid;

	/* stdout is apfsim-bench's JSON document: the child's goes nowhere. */
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	/* Wall time of the child, whatever --cpu-time says (its CPU time is
	 * cpu_s). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	e = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0)
		return -1;
	if (wait4(pid, &status, 0, &ru) != pid)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "apfsim-bench: %s %s exited with status %d\n", argv[0],
			argv[1] ? argv[1] : "", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	out->wall_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	out->cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		     (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
	out->maxrss_kib = ru.ru_maxrss;	/* Linux: KiB */
	return 0;
}
