/* perfetto_proto.c — Perfetto's native protobuf trace (`--trace-perfetto
 * F.pftrace`): a `Trace` whose `packet`s are TracePackets carrying
 * TrackDescriptors and TrackEvents (docs/traces.md "Perfetto protobuf").
 *
 * Own encoder of the protobuf wire format (varints and length-delimited
 * fields; about 80 lines) instead of libprotobuf-c: the subset is a dozen
 * fields, packets are written once and never read back, and a generated
 * C binding would add a build step, a library and a copy of Perfetto's
 * schema for no gain.  Field numbers are those of Perfetto's public
 * perfetto_trace.proto, mirrored in tests/data/perfetto_subset.proto, from
 * which the tests decode every packet with protoc.
 *
 * Sequence rules (Perfetto TrackEvent docs): every packet has
 * trusted_packet_sequence_id 1; the first sets sequence_flags
 * SEQ_INCREMENTAL_STATE_CLEARED (1), every later one
 * SEQ_NEEDS_INCREMENTAL_STATE (2); interned strings (event names,
 * categories, debug-annotation names) are sent in the interned_data of the
 * first packet that uses them and referred to by iid afterwards, which
 * stays valid because the state is never cleared again.
 *
 * Tracks (uuid = kind << 40 | index): processes "vCPUs" (1), "tasks" (2),
 * "host workers" (3); under them a track per vCPU, per task, per worker;
 * per vCPU the counter "outstanding works vcpuN" and async "lanes": a
 * token slice takes the lowest lane of its vCPU free at its start, so
 * slices on one lane never overlap.  A track's descriptor is written
 * before its first event.  Complete slices become a SLICE_BEGIN and a
 * SLICE_END packet written together when the slice closes, so packets are
 * not in time order (Perfetto sorts them); per track the begins and ends
 * alternate.  Timestamps are nanoseconds (picoseconds / 1000, truncated:
 * TracePacket.timestamp is an integer count of the clock's nanoseconds).
 */
#include <stdlib.h>
#include <string.h>

#include "model/kernel/grow.h"
#include "model/trace/perfetto_proto.h"

/* perfetto_trace.proto field numbers */
enum {
	F_TRACE_PACKET = 1,
	F_PKT_TIMESTAMP = 8,
	F_PKT_SEQ_ID = 10,
	F_PKT_TRACK_EVENT = 11,
	F_PKT_INTERNED = 12,
	F_PKT_SEQ_FLAGS = 13,
	F_PKT_TRACK_DESC = 60,
	F_TD_UUID = 1,
	F_TD_NAME = 2,
	F_TD_PROCESS = 3,
	F_TD_PARENT = 5,
	F_TD_COUNTER = 8,
	F_PD_PID = 1,
	F_PD_NAME = 6,
	F_TE_CATEGORY_IIDS = 3,
	F_TE_DEBUG = 4,
	F_TE_TYPE = 9,
	F_TE_NAME_IID = 10,
	F_TE_TRACK = 11,
	F_TE_NAME = 23,
	F_TE_COUNTER = 30,
	F_DA_NAME_IID = 1,
	F_DA_UINT = 3,
	F_DA_INT = 4,
	F_DA_STRING = 6,
	F_ID_CATEGORIES = 1,
	F_ID_NAMES = 2,
	F_ID_DEBUG_NAMES = 3,
	F_INTERNED_IID = 1,
	F_INTERNED_NAME = 2,
};

enum { TYPE_SLICE_BEGIN = 1, TYPE_SLICE_END = 2, TYPE_INSTANT = 3, TYPE_COUNTER = 4 };
enum { SEQ_INCREMENTAL_STATE_CLEARED = 1, SEQ_NEEDS_INCREMENTAL_STATE = 2 };

#define SEQ_ID 1
#define PKT_MAX 4096		/* one packet, before its framing */
#define TEXT_MAX 1024		/* longest string copied into a packet */

enum track_kind { TK_PROCESS = 0, TK_VCPU = 1, TK_TASK = 2, TK_WORKER = 3, TK_LANE = 4, TK_COUNTER = 5 };
#define UUID(kind, idx) (((uint64_t)(kind) << 40) | (uint64_t)(idx))
#define PROC_VCPUS 1
#define PROC_TASKS 2
#define PROC_WORKERS 3
#define MAX_INDEX 1048576u	/* tracks beyond get no descriptor state */
#define MAX_LANES 65536u

/* Interned strings: one table per kind, iid = index + 1. */
enum intern_kind { IN_CAT, IN_NAME, IN_DEBUG, IN__COUNT };
#define INTERN_MAX 64

struct intern {
	const char *s[INTERN_MAX];	/* static strings: compared by content */
	unsigned n;
};

struct vcpu_lanes {
	uint64_t *id;		/* the token-slice id on each lane, 0 free */
	uint32_t n;
};

struct pfp {
	struct trace_out *out;
	const struct tracer *tr;
	bool first_done;
	struct intern in[IN__COUNT];
	/* strings new in the packet being built, per kind */
	unsigned fresh[IN__COUNT][8], nfresh[IN__COUNT];
	/* declared tracks: one flag per index, per kind */
	uint8_t *declared[6];
	uint32_t ndeclared[6];
	struct vcpu_lanes *lanes;
	uint32_t nlanes;	/* vCPUs with a lane table */
};

/* ---- wire format ----------------------------------------------------------- */

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static inline void put(struct buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap)
		n = b->cap > b->n ? b->cap - b->n : 0;	/* never: sizes are bounded */
	if (n)
		memcpy(b->p + b->n, d, n);
	b->n += n;
}

static inline void varint(struct buf *b, uint64_t v)
{
	if (b->n + 10 > b->cap)
		return;	/* never: sizes are bounded */
	while (v > 0x7f) {
		b->p[b->n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->p[b->n++] = (uint8_t)v;
}

static void f_uint(struct buf *b, unsigned field, uint64_t v)
{
	varint(b, (uint64_t)field << 3);
	varint(b, v);
}

static void f_bytes(struct buf *b, unsigned field, const void *d, size_t n)
{
	varint(b, (uint64_t)field << 3 | 2);
	varint(b, n);
	put(b, d, n);
}

static void f_str(struct buf *b, unsigned field, const char *s)
{
	size_t n = strlen(s);

	f_bytes(b, field, s, n > TEXT_MAX ? TEXT_MAX : n);
}

static void f_msg(struct buf *b, unsigned field, const struct buf *m)
{
	f_bytes(b, field, m->p, m->n);
}

#define BUF(name, size) uint8_t name##_mem[size]; struct buf name = { name##_mem, 0, size }

/* ---- interning ------------------------------------------------------------- */

static uint64_t intern(struct pfp *w, enum intern_kind k, const char *s)
{
	struct intern *t = &w->in[k];
	unsigned i;

	for (i = 0; i < t->n; i++)	/* static strings: mostly the same pointer */
		if (t->s[i] == s)
			return i + 1;
	for (i = 0; i < t->n; i++)
		if (!strcmp(t->s[i], s))
			return i + 1;
	if (t->n == INTERN_MAX || w->nfresh[k] == 8)
		return 0;	/* cannot happen with apfsim's fixed names */
	t->s[t->n] = s;
	w->fresh[k][w->nfresh[k]++] = t->n;
	return ++t->n;
}

/* The packet around `body` (a field already encoded): interned strings new
 * in it, the sequence id and flags, the timestamp (when `ts` is set). */
static void packet(struct pfp *w, const struct buf *body, bool has_ts, sim_time_t t)
{
	static const unsigned id_field[IN__COUNT] = { F_ID_CATEGORIES, F_ID_NAMES, F_ID_DEBUG_NAMES };
	BUF(head, 64);
	BUF(id, 2048);
	BUF(frame, 16);
	char *p;

	if (has_ts)
		f_uint(&head, F_PKT_TIMESTAMP, t / SIM_NS);
	f_uint(&head, F_PKT_SEQ_ID, SEQ_ID);
	f_uint(&head, F_PKT_SEQ_FLAGS, w->first_done ? SEQ_NEEDS_INCREMENTAL_STATE : SEQ_INCREMENTAL_STATE_CLEARED);
	w->first_done = true;
	for (unsigned k = 0; k < IN__COUNT; k++) {
		for (unsigned i = 0; i < w->nfresh[k]; i++) {
			BUF(e, 256);
			unsigned idx = w->fresh[k][i];

			f_uint(&e, F_INTERNED_IID, idx + 1);
			f_str(&e, F_INTERNED_NAME, w->in[k].s[idx]);
			f_msg(&id, id_field[k], &e);
		}
		w->nfresh[k] = 0;
	}
	if (id.n) {
		BUF(idh, 16);

		varint(&idh, (uint64_t)F_PKT_INTERNED << 3 | 2);
		varint(&idh, id.n);
		put(&head, idh.p, idh.n);
	}
	/* Trace.packet framing, then the packet's fields in place */
	varint(&frame, (uint64_t)F_TRACE_PACKET << 3 | 2);
	varint(&frame, head.n + id.n + body->n);
	p = trace_out_reserve(w->out, frame.n + head.n);
	memcpy(p, frame.p, frame.n);
	memcpy(p + frame.n, head.p, head.n);
	w->out->len += frame.n + head.n;
	if (id.n)
		trace_out_write(w->out, (const char *)id.p, id.n);
	trace_out_write(w->out, (const char *)body->p, body->n);
}

/* ---- tracks ---------------------------------------------------------------- */

static void describe(struct pfp *w, uint64_t uuid, uint64_t parent, const char *name, int pid, bool counter)
{
	BUF(td, 1536);
	BUF(body, 1600);

	f_uint(&td, F_TD_UUID, uuid);
	if (pid) {
		BUF(pd, 1100);

		f_uint(&pd, F_PD_PID, (uint64_t)pid);
		f_str(&pd, F_PD_NAME, name);
		f_msg(&td, F_TD_PROCESS, &pd);
	} else {
		f_str(&td, F_TD_NAME, name);
		f_uint(&td, F_TD_PARENT, parent);
	}
	if (counter) {
		f_bytes(&td, F_TD_COUNTER, "", 0);	/* an empty CounterDescriptor */
	}
	f_msg(&body, F_PKT_TRACK_DESC, &td);
	packet(w, &body, false, 0);
}

static size_t fmt(char *p, const char *pre, uint64_t v)
{
	size_t n = strlen(pre);

	memcpy(p, pre, n);
	n += trace_fmt_u64(p + n, v);
	p[n] = '\0';
	return n;
}

/* The uuid of track (kind, idx), its descriptor written first if needed. */
static uint64_t track(struct pfp *w, enum track_kind kind, uint32_t idx)
{
	uint64_t uuid = UUID(kind, idx);
	char name[96], tmp[16];

	if (idx >= MAX_INDEX * (kind == TK_LANE ? 64 : 1))
		return uuid;
	if (!grow_zeroed((void **)&w->declared[kind], &w->ndeclared[kind], idx + 1, 1) || w->declared[kind][idx])
		return uuid;
	w->declared[kind][idx] = 1;
	switch (kind) {
	case TK_VCPU:
		fmt(name, "vCPU ", idx);
		describe(w, uuid, UUID(TK_PROCESS, PROC_VCPUS), name, 0, false);
		break;
	case TK_TASK:
		describe(w, uuid, UUID(TK_PROCESS, PROC_TASKS), trace_task_name(w->tr, idx, tmp), 0, false);
		break;
	case TK_WORKER:
		fmt(name, "kworker ", idx);
		describe(w, uuid, UUID(TK_PROCESS, PROC_WORKERS), name, 0, false);
		break;
	case TK_LANE: {
		size_t n = fmt(name, "vCPU ", idx >> 6);

		fmt(name + n, " async ", idx & 63);
		describe(w, uuid, UUID(TK_PROCESS, PROC_VCPUS), name, 0, false);
		break;
	}
	case TK_COUNTER:
		fmt(name, "outstanding works vcpu", idx);
		describe(w, uuid, UUID(TK_PROCESS, PROC_VCPUS), name, 0, true);
		break;
	default:
		break;
	}
	return uuid;
}

struct pfp *pfp_create(struct trace_out *out, const struct tracer *tr)
{
	struct pfp *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->out = out;
	w->tr = tr;
	describe(w, UUID(TK_PROCESS, PROC_VCPUS), 0, "vCPUs", PROC_VCPUS, false);
	describe(w, UUID(TK_PROCESS, PROC_TASKS), 0, "tasks", PROC_TASKS, false);
	describe(w, UUID(TK_PROCESS, PROC_WORKERS), 0, "host workers", PROC_WORKERS, false);
	return w;
}

void pfp_destroy(struct pfp *w)
{
	if (!w)
		return;
	for (unsigned k = 0; k < 6; k++)
		free(w->declared[k]);
	for (uint32_t v = 0; v < w->nlanes; v++)
		free(w->lanes[v].id);
	free(w->lanes);
	free(w);
}

/* ---- events ---------------------------------------------------------------- */

/* A TrackEvent packet: type on `uuid` at t, with an interned name and
 * category (name NULL: none) or an inline name, and debug annotations
 * already encoded in `dbg` (may be NULL). */
static void event(struct pfp *w, unsigned type, uint64_t uuid, sim_time_t t, const char *cat, const char *name,
		  const char *inline_name, const struct buf *dbg, bool counter, int64_t value)
{
	BUF(te, PKT_MAX);
	BUF(body, PKT_MAX + 16);

	if (cat)
		f_uint(&te, F_TE_CATEGORY_IIDS, intern(w, IN_CAT, cat));
	if (dbg)
		put(&te, dbg->p, dbg->n);
	f_uint(&te, F_TE_TYPE, type);
	if (name)
		f_uint(&te, F_TE_NAME_IID, intern(w, IN_NAME, name));
	f_uint(&te, F_TE_TRACK, uuid);
	if (inline_name)
		f_str(&te, F_TE_NAME, inline_name);
	if (counter)
		f_uint(&te, F_TE_COUNTER, (uint64_t)value);
	f_msg(&body, F_PKT_TRACK_EVENT, &te);
	packet(w, &body, true, t);
}

void pfp_slice(struct pfp *w, int pid, uint32_t tid, const char *cat, const char *name, sim_time_t start,
	       sim_time_t end)
{
	uint64_t uuid = track(w, pid == PROC_TASKS ? TK_TASK : TK_VCPU, tid);

	event(w, TYPE_SLICE_BEGIN, uuid, start, cat, name, NULL, NULL, false, 0);
	event(w, TYPE_SLICE_END, uuid, end, NULL, NULL, NULL, NULL, false, 0);
}

void pfp_async(struct pfp *w, char ph, uint32_t vcpu, uint64_t id, uint64_t token, sim_time_t t)
{
	struct vcpu_lanes *l;
	uint32_t i;
	char name[32];
	size_t n;

	if (vcpu >= MAX_INDEX ||
	    !grow_zeroed((void **)&w->lanes, &w->nlanes, vcpu + 1, sizeof(*w->lanes)))
		return;
	l = &w->lanes[vcpu];
	if (ph == 'b') {
		for (i = 0; i < l->n && l->id[i]; i++)
			;
		if (i >= 64 || !grow_zeroed((void **)&l->id, &l->n, i + 1, sizeof(*l->id)))
			return;	/* more than 64 overlapping tokens: not in the protocol */
		l->id[i] = id;
		memcpy(name, "token ", 6);
		n = 6 + trace_fmt_hex(name + 6, token);
		name[n] = '\0';
		event(w, TYPE_SLICE_BEGIN, track(w, TK_LANE, vcpu << 6 | i), t, "apf", NULL, name, NULL, false, 0);
		return;
	}
	for (i = 0; i < l->n; i++) {
		if (l->id[i] == id) {
			l->id[i] = 0;
			event(w, TYPE_SLICE_END, track(w, TK_LANE, vcpu << 6 | i), t, NULL, NULL, NULL, NULL, false, 0);
			return;
		}
	}
}

void pfp_counter(struct pfp *w, uint32_t vcpu, sim_time_t t, int64_t value)
{
	event(w, TYPE_COUNTER, track(w, TK_COUNTER, vcpu), t, NULL, NULL, NULL, NULL, true, value);
}

/* One debug annotation: name interned, value unsigned, signed or string. */
static void dbg_u(struct pfp *w, struct buf *d, const char *key, uint64_t v)
{
	BUF(a, 64);

	f_uint(&a, F_DA_NAME_IID, intern(w, IN_DEBUG, key));
	f_uint(&a, F_DA_UINT, v);
	f_msg(d, F_TE_DEBUG, &a);
}

static void dbg_i(struct pfp *w, struct buf *d, const char *key, int64_t v)
{
	BUF(a, 64);

	f_uint(&a, F_DA_NAME_IID, intern(w, IN_DEBUG, key));
	f_uint(&a, F_DA_INT, (uint64_t)v);
	f_msg(d, F_TE_DEBUG, &a);
}

static void dbg_s(struct pfp *w, struct buf *d, const char *key, const char *v)
{
	BUF(a, TEXT_MAX + 32);

	f_uint(&a, F_DA_NAME_IID, intern(w, IN_DEBUG, key));
	f_str(&a, F_DA_STRING, v);
	f_msg(d, F_TE_DEBUG, &a);
}

void pfp_instant(struct pfp *w, const struct trace_event *e, const char *cat)
{
	BUF(d, TEXT_MAX + 512);
	uint64_t uuid;

	switch (e->kind) {
	case TR_SDEI_DISPATCH:
		dbg_u(w, &d, "event", e->a);
		dbg_u(w, &d, "pc", e->b);
		dbg_u(w, &d, "pstate", e->c);
		break;
	case TR_SDEI_COMPLETE:
		dbg_u(w, &d, "event", e->a);
		dbg_i(w, &d, "status", (int64_t)e->b);
		break;
	case TR_PPI_LEVEL:
		dbg_u(w, &d, "intid", e->a);
		dbg_u(w, &d, "level", e->b);
		break;
	case TR_IRQ_ACK:
		dbg_u(w, &d, "pageready_pending", e->a);
		break;
	case TR_APF_SYNC:
		dbg_u(w, &d, "gfn", e->a);
		dbg_s(w, &d, "reason", trace_sync_reason_name((enum trace_sync_reason)e->b));
		break;
	case TR_GUEST_WARN:
		dbg_i(w, &d, "code", (int64_t)e->a);
		dbg_u(w, &d, "arg", e->b);
		break;
	case TR_INJECT:
		dbg_i(w, &d, "kind", (int64_t)e->a);
		dbg_u(w, &d, "arg", e->b);
		break;
	case TR_NOTE:
		dbg_s(w, &d, "text", e->text ? e->text : "");
		break;
	case TR_KVM_COMPLETED:
		dbg_u(w, &d, "gva", e->b);
		dbg_u(w, &d, "address", e->a);
		if (e->vcpu != TRACE_NO_VCPU)
			dbg_u(w, &d, "vcpu", e->vcpu);
		break;
	default:
		return;
	}
	if (e->kind == TR_KVM_COMPLETED)
		uuid = track(w, TK_WORKER, e->worker);
	else if (e->vcpu != TRACE_NO_VCPU)
		uuid = track(w, TK_VCPU, e->vcpu);
	else
		uuid = UUID(TK_PROCESS, PROC_VCPUS);
	event(w, TYPE_INSTANT, uuid, e->t, cat, trace_kind_name(e->kind), NULL, &d, false, 0);
}
