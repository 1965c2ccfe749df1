/* sched.c — runqueues as intrusive singly linked FIFO lists of task ids. */
#include "model/vm/sched.h"

#include <stdlib.h>

int sched_init(struct sched *s, uint32_t ntasks, uint32_t nvcpus)
{
	*s = (struct sched){ 0 };
	s->tasks = calloc(ntasks ? ntasks : 1, sizeof(*s->tasks));
	s->rq = calloc(nvcpus, sizeof(*s->rq));
	s->min_vr = calloc(nvcpus, sizeof(*s->min_vr));
	if (!s->tasks || !s->rq || !s->min_vr) {
		sched_fini(s);
		return -1;
	}
	s->ntasks = ntasks;
	s->nvcpus = nvcpus;
	for (uint32_t i = 0; i < nvcpus; i++)
		s->rq[i].head = s->rq[i].tail = TASK_NONE;
	return 0;
}

void sched_fini(struct sched *s)
{
	free(s->tasks);
	free(s->rq);
	free(s->min_vr);
	s->tasks = NULL;
	s->rq = NULL;
	s->min_vr = NULL;
}

void sched_enqueue(struct sched *s, struct task *t)
{
	struct runqueue *q = &s->rq[t->vcpu];

	t->state = TASK_RUNNABLE;
	t->rq_next = TASK_NONE;
	if (q->tail == TASK_NONE)
		q->head = t->id;
	else
		s->tasks[q->tail].rq_next = t->id;
	q->tail = t->id;
	q->len++;
}

void sched_enqueue_head(struct sched *s, struct task *t)
{
	struct runqueue *q = &s->rq[t->vcpu];

	t->state = TASK_RUNNABLE;
	t->rq_next = q->head;
	q->head = t->id;
	if (q->tail == TASK_NONE)
		q->tail = t->id;
	q->len++;
}

static struct task *rq_pop(struct sched *s, struct runqueue *q)
{
	if (q->head == TASK_NONE)
		return NULL;
	struct task *t = &s->tasks[q->head];
	q->head = t->rq_next;
	if (q->head == TASK_NONE)
		q->tail = TASK_NONE;
	q->len--;
	t->rq_next = TASK_NONE;
	return t;
}

/* Remove the first unpinned task of q (for stealing); NULL when none. */
static struct task *rq_take_unpinned(struct sched *s, struct runqueue *q)
{
	uint32_t prev = TASK_NONE;

	for (uint32_t id = q->head; id != TASK_NONE; prev = id, id = s->tasks[id].rq_next) {
		struct task *t = &s->tasks[id];
		if (t->pinned >= 0)
			continue;
		if (prev == TASK_NONE)
			q->head = t->rq_next;
		else
			s->tasks[prev].rq_next = t->rq_next;
		if (q->tail == id)
			q->tail = prev;
		q->len--;
		t->rq_next = TASK_NONE;
		return t;
	}
	return NULL;
}

/* Remove and return the queued task with the least vruntime (first on ties). */
static struct task *rq_take_fairest(struct sched *s, struct runqueue *q)
{
	uint32_t best = TASK_NONE, best_prev = TASK_NONE, prev = TASK_NONE;

	for (uint32_t id = q->head; id != TASK_NONE; prev = id, id = s->tasks[id].rq_next) {
		if (best == TASK_NONE || sched_vruntime(&s->tasks[id]) < sched_vruntime(&s->tasks[best])) {
			best = id;
			best_prev = prev;
		}
	}
	if (best == TASK_NONE)
		return NULL;
	struct task *t = &s->tasks[best];
	if (best_prev == TASK_NONE)
		q->head = t->rq_next;
	else
		s->tasks[best_prev].rq_next = t->rq_next;
	if (q->tail == best)
		q->tail = best_prev;
	q->len--;
	t->rq_next = TASK_NONE;
	return t;
}

struct task *sched_pick(struct sched *s, uint32_t vcpu)
{
	struct task *t = s->fair ? rq_take_fairest(s, &s->rq[vcpu]) : rq_pop(s, &s->rq[vcpu]);

	if (t)
		return t;
	/* Idle balancing: steal from the longest runqueue (lowest index on ties). */
	uint32_t best = TASK_NONE, best_len = 0;
	for (uint32_t i = 0; i < s->nvcpus; i++) {
		if (i != vcpu && s->rq[i].len > best_len) {
			best = i;
			best_len = s->rq[i].len;
		}
	}
	if (best == TASK_NONE)
		return NULL;
	/* The source's min_vruntime with the task still queued there (its
	 * current task is not known here: its queue stands for it). */
	int64_t min_from = sched_min_vruntime(s, best, NULL, 0);
	t = rq_take_unpinned(s, &s->rq[best]);
	if (t)
		sched_move(s, t, vcpu, min_from, sched_min_vruntime(s, vcpu, NULL, 0));
	return t;
}

bool sched_has_runnable(const struct sched *s, uint32_t vcpu)
{
	if (s->rq[vcpu].len)
		return true;
	for (uint32_t i = 0; i < s->nvcpus; i++)
		for (uint32_t id = s->rq[i].head; id != TASK_NONE; id = s->tasks[id].rq_next)
			if (s->tasks[id].pinned < 0)
				return true;
	return false;
}

int64_t sched_min_vruntime(struct sched *s, uint32_t v, const struct task *cur, sim_time_t now)
{
	int64_t m = INT64_MAX;

	if (cur)
		m = sched_vruntime_at(cur, now);
	for (uint32_t id = s->rq[v].head; id != TASK_NONE; id = s->tasks[id].rq_next)
		if (sched_vruntime(&s->tasks[id]) < m)
			m = sched_vruntime(&s->tasks[id]);
	if (m != INT64_MAX && m > s->min_vr[v])
		s->min_vr[v] = m;
	return s->min_vr[v];
}

void sched_move(struct sched *s, struct task *t, uint32_t to, int64_t min_from, int64_t min_to)
{
	if (s->fair)
		t->vr_bias += min_to - min_from;
	t->vcpu = to;
}

void sched_place_woken(struct sched *s, struct task *t, const struct task *cur, sim_time_t credit,
		       sim_time_t now)
{
	int64_t min = sched_min_vruntime(s, t->vcpu, cur, now), floor = min - (int64_t)credit;

	if (min > (int64_t)credit && sched_vruntime(t) < floor)
		t->vr_bias += floor - sched_vruntime(t);
}
