/* acct.c — the closed time account (see acct.h). */
#include "model/kernel/acct.h"

#include <string.h>

void acct_start(struct acct *a, uint32_t bucket, sim_time_t at)
{
	memset(a, 0, sizeof(*a));
	a->on = true;
	a->start = a->since = at;
	a->cur = bucket;
}

static void acct_charge(struct acct *a, sim_time_t d)
{
	struct acct_charge *last;

	a->ps[a->cur] += d;
	if (a->tail_n) {
		last = &a->tail[(a->tail_head + ACCT_TAIL - 1) % ACCT_TAIL];
		if (last->bucket == a->cur) {
			last->ps += d;
			return;
		}
	}
	a->tail[a->tail_head] = (struct acct_charge){ a->cur, d };
	a->tail_head = (a->tail_head + 1) % ACCT_TAIL;
	if (a->tail_n < ACCT_TAIL)
		a->tail_n++;
}

void acct_to(struct acct *a, uint32_t bucket, sim_time_t at)
{
	if (!a->on || a->closed)
		return;
	if (at < a->since)
		a->backward_ps += a->since - at;
	else if (at > a->since)
		acct_charge(a, at - a->since);
	if (at > a->since)
		a->since = at;
	a->cur = bucket;
}

void acct_close(struct acct *a, sim_time_t end)
{
	if (!a->on || a->closed)
		return;
	if (end >= a->since) {
		acct_to(a, a->cur, end);
	} else {
		sim_time_t over = a->since - end;

		while (over && a->tail_n) {
			uint32_t i = (a->tail_head + ACCT_TAIL - 1) % ACCT_TAIL;
			struct acct_charge *c = &a->tail[i];
			sim_time_t d = c->ps < over ? c->ps : over;

			a->ps[c->bucket] -= d;
			c->ps -= d;
			over -= d;
			if (!c->ps) {
				a->tail_head = i;
				a->tail_n--;
			}
		}
		a->unwind_short_ps += over;
		a->since = end;
	}
	a->closed = true;
}

sim_time_t acct_total(const struct acct *a)
{
	sim_time_t s = 0;

	for (uint32_t i = 0; i < ACCT_MAX_BUCKETS; i++)
		s += a->ps[i];
	return s;
}
