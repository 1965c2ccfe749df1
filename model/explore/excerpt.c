/* explore_excerpt.c — the ftrace excerpt printed with a shrunk reproducer
 * (explore.h): one vCPU's lines just before and after the violation.
 *
 * Lines are in the ftrace sink's format (docs/traces.md):
 *   "<comm>-<pid> [CCC] SSSS.UUUUUU: event: args"
 * with CCC the vCPU (host workers print their own CPU numbers and are left
 * out when a vCPU is asked for) and the time in seconds with microseconds.
 * Lines that do not parse (the "cpus=N" header) are skipped.
 */
#include "model/explore/explore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 512

/* CPU column and time (ps) of an ftrace line; false if it does not parse. */
static bool parse_line(const char *s, uint32_t *cpu, uint64_t *t_ps)
{
	const char *lb = strchr(s, '['), *rb = lb ? strchr(lb, ']') : NULL;
	uint64_t sec = 0, us = 0;
	int digits = 0;

	if (!rb)
		return false;
	*cpu = (uint32_t)strtoul(lb + 1, NULL, 10);
	for (s = rb + 1; *s == ' '; s++)
		;
	for (; *s >= '0' && *s <= '9'; s++)
		sec = sec * 10 + (uint64_t)(*s - '0');
	if (*s++ != '.')
		return false;
	for (; *s >= '0' && *s <= '9' && digits < 6; s++, digits++)
		us = us * 10 + (uint64_t)(*s - '0');
	if (digits != 6 || *s != ':')
		return false;
	*t_ps = (sec * 1000000 + us) * 1000000;
	return true;
}

int explore_excerpt_file(const char *path, uint64_t t_ps, uint32_t vcpu, char *out, size_t outlen)
{
	FILE *f = fopen(path, "r");

	if (outlen)
		out[0] = '\0';
	if (!f)
		return -1;
	explore_excerpt_stream(f, t_ps, vcpu, out, outlen);
	fclose(f);
	return 0;
}

void explore_excerpt_stream(FILE *f, uint64_t t_ps, uint32_t vcpu, char *out, size_t outlen)
{
	char ring[EXPLORE_EXCERPT_BEFORE][LINE_MAX_LEN], line[LINE_MAX_LEN];
	unsigned nring = 0, head = 0, after = 0;
	size_t used = 0;

	if (outlen)
		out[0] = '\0';
	/* Appends whole lines only: a line that does not fit ends the text. */
#define APPEND(str)                                                         \
	do {                                                                \
		size_t l_ = strlen(str);                                    \
		if (used + l_ + 1 <= outlen) {                              \
			memcpy(out + used, str, l_ + 1);                    \
			used += l_;                                         \
		}                                                           \
	} while (0)
	while (fgets(line, sizeof(line), f)) {
		uint32_t cpu;
		uint64_t t;

		if (!strchr(line, '\n'))
			continue;	/* longer than any line the sink writes */
		if (!parse_line(line, &cpu, &t) || (vcpu != UINT32_MAX && cpu != vcpu))
			continue;
		if (t <= t_ps) {
			memcpy(ring[head], line, sizeof(line));
			head = (head + 1) % EXPLORE_EXCERPT_BEFORE;
			if (nring < EXPLORE_EXCERPT_BEFORE)
				nring++;
			continue;
		}
		if (after == 0) {
			for (unsigned i = 0; i < nring; i++)
				APPEND(ring[(head + EXPLORE_EXCERPT_BEFORE - nring + i) % EXPLORE_EXCERPT_BEFORE]);
			nring = 0;
		}
		APPEND(line);
		if (++after == EXPLORE_EXCERPT_AFTER)
			break;
	}
	for (unsigned i = 0; i < nring; i++)	/* nothing came after it */
		APPEND(ring[(head + EXPLORE_EXCERPT_BEFORE - nring + i) % EXPLORE_EXCERPT_BEFORE]);
#undef APPEND
}
