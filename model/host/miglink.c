/* miglink.c — the shared migration link (see miglink.h). */
#include "model/host/miglink.h"

#include <stdlib.h>
#include <string.h>

#include "model/config/config.h"

static int ring_push(struct mig_ring *r, const struct mig_unit *u)
{
	if (r->len == r->cap) {
		uint32_t ncap = r->cap ? r->cap * 2 : 64;
		struct mig_unit *nu = malloc((size_t)ncap * sizeof(*nu));

		if (!nu)
			return -1;
		for (uint32_t i = 0; i < r->len; i++)
			nu[i] = r->u[(r->head + i) % r->cap];
		free(r->u);
		r->u = nu;
		r->cap = ncap;
		r->head = 0;
	}
	r->u[(r->head + r->len) % r->cap] = *u;
	r->len++;
	return 0;
}

static struct mig_unit ring_pop(struct mig_ring *r)
{
	struct mig_unit u = r->u[r->head];

	r->head = (r->head + 1) % r->cap;
	r->len--;
	return u;
}

/* Rounded up: a unit never crosses faster than the bandwidth allows, so
 * bytes / busy time <= bw holds exactly. */
sim_time_t miglink_xfer(const struct miglink *l, uint64_t bytes)
{
	return (sim_time_t)(((unsigned __int128)bytes * SIM_S + l->bw - 1) / l->bw);
}

int miglink_init(struct miglink *l, struct sim *sim, uint64_t bw, sim_time_t rtt, bool preempt)
{
	memset(l, 0, sizeof(*l));
	l->sim = sim;
	l->bw = bw ? bw : 1;
	l->half_rtt = rtt / 2;
	l->preempt = preempt;
	return 0;
}

void miglink_fini(struct miglink *l)
{
	free(l->fifo.u);
	free(l->urg.u);
	free(l->prop.u);
	memset(&l->fifo, 0, sizeof(l->fifo));
	memset(&l->urg, 0, sizeof(l->urg));
	memset(&l->prop, 0, sizeof(l->prop));
}

static void miglink_kick(struct miglink *l);

static void miglink_arrive_ev(void *ctx, uint64_t arg)
{
	struct miglink *l = ctx;
	struct mig_unit u = ring_pop(&l->prop);

	(void)arg;
	l->inflight--;
	if (l->deliver)
		l->deliver(l->ctx, &u);
}

static void miglink_off_wire_ev(void *ctx, uint64_t arg)
{
	struct miglink *l = ctx;
	bool stream = !l->cur.urgent;

	(void)arg;
	l->busy = false;
	l->busy_done += l->wire_end - l->wire_start;
	l->bytes += l->cur.n * CFG_PAGE_SIZE;
	if (ring_push(&l->prop, &l->cur) == 0)
		sim_after(l->sim, l->half_rtt, miglink_arrive_ev, l, 0);
	if (stream)
		l->stream_queued -= l->cur.n * CFG_PAGE_SIZE;
	if (stream && l->room)
		l->room(l->ctx);	/* may commit more: kicks the server */
	miglink_kick(l);
}

/* Put the next unit on the wire: urgent first with preempt, else FIFO. */
static void miglink_kick(struct miglink *l)
{
	struct mig_ring *r;

	if (l->busy)
		return;
	if (l->preempt && l->urg.len)
		r = &l->urg;
	else if (l->fifo.len)
		r = &l->fifo;
	else
		return;
	l->cur = ring_pop(r);
	l->busy = true;
	sim_time_t t = miglink_xfer(l, l->cur.n * CFG_PAGE_SIZE);
	l->wire_start = l->sim->now;
	l->wire_end = l->sim->now + t;
	sim_after(l->sim, t, miglink_off_wire_ev, l, 0);
}

sim_time_t miglink_block(struct miglink *l, uint64_t bytes)
{
	sim_time_t t = miglink_xfer(l, bytes);

	l->bytes += bytes;
	l->busy_done += t;
	l->block_start = l->sim->now;
	l->block_end = l->sim->now + t;
	l->block_bytes = bytes;
	return t;
}

uint64_t miglink_block_unsent(const struct miglink *l, sim_time_t end)
{
	unsigned __int128 sent;

	if (end >= l->block_end)
		return 0;
	if (end <= l->block_start)
		return l->block_bytes;
	/* Rounded down: what crossed at the bandwidth by `end`. */
	sent = (unsigned __int128)(end - l->block_start) * l->bw / SIM_S;
	return sent < l->block_bytes ? l->block_bytes - (uint64_t)sent : 0;
}

void miglink_close(struct miglink *l, sim_time_t end)
{
	sim_time_t cur = 0;

	if (l->busy && end > l->wire_start)
		cur = (end < l->wire_end ? end : l->wire_end) - l->wire_start;
	l->busy_ps = l->busy_done + cur;
	/* A block the run ends inside: only its part up to `end`. */
	if (end < l->block_end)
		l->busy_ps -= l->block_end - (end > l->block_start ? end : l->block_start);
}

int miglink_send(struct miglink *l, const struct mig_unit *u)
{
	struct mig_ring *r = (u->urgent && l->preempt) ? &l->urg : &l->fifo;

	if (ring_push(r, u))
		return -1;
	if (!u->urgent)
		l->stream_queued += u->n * CFG_PAGE_SIZE;
	l->inflight++;
	miglink_kick(l);
	return 0;
}
