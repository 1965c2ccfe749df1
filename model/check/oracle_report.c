/* oracle_report.c — the verdict as text (oracle_report) and as JSON
 * (oracle_json), with each violation's token history (oracle_internal.h). */
#include "model/check/oracle.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/kernel/grow.h"

#include "model/check/oracle_internal.h"

static const char *const inv_names[ORACLE_INV__COUNT] = {
	[ORACLE_STUCK_TASK] = "stuck_task",
	[ORACLE_LOST_PAGE_READY] = "lost_page_ready",
	[ORACLE_DUPLICATE_PAGE_READY] = "duplicate_page_ready",
	[ORACLE_TOKEN_COLLISION] = "token_collision",
	[ORACLE_BUFFER_OVERWRITE] = "buffer_overwrite",
	[ORACLE_TOO_MANY_OUTSTANDING] = "too_many_outstanding",
	[ORACLE_SDEI_NOT_COMPLETED] = "sdei_not_completed",
	[ORACLE_PPI_PENDING_MISMATCH] = "ppi_pending_mismatch",
	[ORACLE_STARVED_TASK] = "starved_task",
	[ORACLE_LATE_PAGE_READY] = "late_page_ready",
	[ORACLE_LOST_NOT_PRESENT] = "lost_not_present",
};

const char *oracle_invariant_name(enum oracle_invariant inv)
{
	return (unsigned)inv < ORACLE_INV__COUNT ? inv_names[inv] : "?";
}

/* ---- report ---------------------------------------------------------------------- */

static const struct inst *cref_get(const struct oracle *o, struct ref r)
{
	return orc_ref_get((struct oracle *)o, r);
}

/* Guest-side and bookkeeping kinds: not a protocol state of the token. */
static bool guest_kind(uint32_t kind)
{
	return kind == TR_TASK_PARK || kind == TR_TASK_WAKE || kind == TR_TASK_SWITCH ||
	       kind == TR_TASK_READY || kind == TR_VCPU_STATE || kind == TR_NOTE;
}

const char *oracle_violation_state(const struct oracle *o, unsigned i)
{
	const struct vrec *vr = i < o->nviol ? &o->viol[i] : NULL;
	const struct inst *in = vr ? cref_get(o, vr->r[0]) : NULL;
	const char *state = "no token";

	if (!in)
		return state;
	for (uint32_t h = in->hhead; h != NONE && o->hist[h].t <= vr->v.t; h = o->hist[h].next)
		if (!guest_kind(o->hist[h].kind))
			state = trace_kind_name((enum trace_kind)o->hist[h].kind);
	return state;
}

/* One history record as text: time, event, decoded arguments, task. */
static void fmt_hist(char *buf, size_t n, const struct hist *h)
{
	char t[32], args[128];
	const char *name = trace_kind_name((enum trace_kind)h->kind);
	int len;

	orc_fmt_time(t, sizeof(t), h->t);
	switch (h->kind) {
	case TR_KVM_TRY_ASYNC_GET_PAGE:
	case TR_KVM_REPEATED_FAULT:
		snprintf(args, sizeof(args), "gva %#" PRIx64 " gfn %#" PRIx64, h->a, h->b);
		break;
	case TR_KVM_NOT_PRESENT:
	case TR_KVM_READY:
		snprintf(args, sizeof(args), "token %#" PRIx64 " gva %#" PRIx64, h->a, h->b);
		break;
	case TR_KVM_COMPLETED:
		snprintf(args, sizeof(args), "gva %#" PRIx64 " address %#" PRIx64, h->b, h->a);
		break;
	case TR_APF_SETUP:
	case TR_APF_RETIRED:
		snprintf(args, sizeof(args), "token %#" PRIx64 " gfn %#" PRIx64 " outstanding %" PRIu64,
			 h->a, h->b, h->c);
		break;
	case TR_APF_CANCELLED:
	case TR_TASK_PARK:
		snprintf(args, sizeof(args), "token %#" PRIx64, h->a);
		break;
	case TR_TASK_WAKE:
		if (h->a == ORACLE_WAKEUP_ALL)
			snprintf(args, sizeof(args), "wake-all");
		else
			snprintf(args, sizeof(args), "token %#" PRIx64, h->a);
		break;
	case TR_APF_FLUSH:
		snprintf(args, sizeof(args), "works dropped %" PRIu64, h->a);
		break;
	case TR_BUF_WRITE:
		snprintf(args, sizeof(args), "reason %" PRIu64 " token %#" PRIx64
			 " (was reason %" PRIu64 " token %#" PRIx64 ")",
			 h->a, h->b, h->c >> 32, h->c & 0xFFFFFFFFu);
		break;
	case TR_SDEI_INJECT:
		snprintf(args, sizeof(args), "event %#" PRIx64 " result %" PRId64, h->a, (int64_t)h->b);
		break;
	case TR_SDEI_DISPATCH:
		snprintf(args, sizeof(args), "event %#" PRIx64 " pc %#" PRIx64 " pstate %#" PRIx64,
			 h->a, h->b, h->c);
		break;
	case TR_SDEI_COMPLETE:
		snprintf(args, sizeof(args), "event %#" PRIx64 " status %" PRId64, h->a, (int64_t)h->b);
		break;
	case TR_SDEI_CANCEL:
		snprintf(args, sizeof(args), "event %#" PRIx64, h->a);
		break;
	case TR_PPI_LEVEL:
		snprintf(args, sizeof(args), "intid %" PRIu64 " level %" PRIu64, h->a, h->b);
		break;
	case TR_IRQ_TAKEN:
		snprintf(args, sizeof(args), "intid %" PRIu64, h->a);
		break;
	case TR_IRQ_ACK:
		snprintf(args, sizeof(args), "pageready_pending was %" PRIu64, h->a);
		break;
	default:
		snprintf(args, sizeof(args), "a %#" PRIx64 " b %#" PRIx64 " c %#" PRIx64,
			 h->a, h->b, h->c);
		break;
	}
	len = snprintf(buf, n, "%16s  %-26s %s", t, name, args);
	if (h->task != TRACE_NO_TASK && len > 0 && (size_t)len < n)
		snprintf(buf + len, n - (size_t)len, " (task %u)", h->task);
}

static void fmt_inst_head(char *buf, size_t n, const struct inst *in)
{
	char t[32];

	orc_fmt_time(t, sizeof(t), in->t_setup);
	if (in->setup_seen)
		snprintf(buf, n, "history of token %#" PRIx64 " on vcpu %u (gfn %#" PRIx64
			 ", set up at %s):", in->token, in->vcpu, in->gfn, t);
	else
		snprintf(buf, n, "history of token %#" PRIx64 " on vcpu %u (no setup seen):",
			 in->token, in->vcpu);
}

static void fmt_violation(char *buf, size_t n, const struct oracle_violation *v)
{
	char t[32], vc[24], tok[32], tk[24];

	orc_fmt_time(t, sizeof(t), v->t);
	if (v->vcpu == TRACE_NO_VCPU)
		snprintf(vc, sizeof(vc), "-");
	else
		snprintf(vc, sizeof(vc), "%u", v->vcpu);
	if (v->token == ORACLE_NO_TOKEN)
		snprintf(tok, sizeof(tok), "-");
	else
		snprintf(tok, sizeof(tok), "%#" PRIx64, v->token);
	if (v->task == TRACE_NO_TASK)
		snprintf(tk, sizeof(tk), "-");
	else
		snprintf(tk, sizeof(tk), "%u", v->task);
	snprintf(buf, n, "%s at %s vcpu %s token %s task %s: %s",
		 oracle_invariant_name(v->kind), t, vc, tok, tk, v->msg);
}

void oracle_report(const struct oracle *o, FILE *f)
{
	const struct oracle_counts *c = &o->counts;
	char line[512];

	fprintf(f, "oracle: %u violation%s%s\n", o->total, o->total == 1 ? "" : "s",
		o->oom ? " (out of memory: checks incomplete)" : "");
	for (int k = 0; k < ORACLE_INV__COUNT; k++)
		fprintf(f, "%s%s %u", k ? ", " : "  ", inv_names[k], o->by_kind[k]);
	fprintf(f, "\n  tokens %" PRIu64 " (zero %" PRIu64 ", wraps %" PRIu64 "), completions %"
		PRIu64 " (unmatched %" PRIu64 "), page-ready %" PRIu64 " (unknown token %" PRIu64
		"), cancelled %" PRIu64 ", flushed %" PRIu64 "\n",
		c->tokens, c->zero_tokens, c->token_wraps, c->completions, c->unmatched_completions,
		c->page_ready, c->unknown_page_ready, c->cancelled, c->flushed);
	fprintf(f, "  parks %" PRIu64 ", wakes %" PRIu64 " (wake-all %" PRIu64 "), wake-all queued %"
		PRIu64 ", IRQ_ACK %" PRIu64 ", SDEI dispatches %" PRIu64 ", max outstanding %" PRIu64
		", parked at end awaiting work %" PRIu64 "\n",
		c->parks, c->wakes, c->wake_alls, c->wake_all_queued, c->irq_acks,
		c->sdei_dispatches, c->max_outstanding_seen, c->parked_in_flight_at_end);
	for (unsigned i = 0; i < o->nviol; i++) {
		const struct vrec *vr = &o->viol[i];

		fmt_violation(line, sizeof(line), &vr->v);
		fprintf(f, "[%u] %s\n", i + 1, line);
		for (int k = 0; k < 2; k++) {
			const struct inst *in = cref_get(o, vr->r[k]);

			if (!in)
				continue;
			fmt_inst_head(line, sizeof(line), in);
			fprintf(f, "    %s\n", line);
			for (uint32_t h = in->hhead; h != NONE; h = o->hist[h].next) {
				fmt_hist(line, sizeof(line), &o->hist[h]);
				fprintf(f, "      %s\n", line);
			}
			if (in->hdropped)
				fprintf(f, "      ... %u later events not kept\n", in->hdropped);
		}
		if (!cref_get(o, vr->r[0]) && vr->v.token != ORACLE_NO_TOKEN)
			fprintf(f, "    no history: token never set up on this vCPU\n");
	}
	if (o->total > o->nviol)
		fprintf(f, "%u more violations not recorded (max_recorded %u)\n",
			o->total - o->nviol, o->cfg.max_recorded);
}

/* ---- JSON ------------------------------------------------------------------------- */

static int jset(json_t *obj, const char *key, json_t *val)
{
	return json_object_set_new(obj, key, val);	/* NULL val fails, reported */
}

static json_t *json_history(const struct oracle *o, const struct inst *in)
{
	json_t *arr = json_array();
	char line[512];

	if (!arr)
		return NULL;
	for (uint32_t h = in->hhead; h != NONE; h = o->hist[h].next) {
		fmt_hist(line, sizeof(line), &o->hist[h]);
		if (json_array_append_new(arr, json_string(line))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

struct json_t *oracle_json(const struct oracle *o)
{
	const struct oracle_counts *c = &o->counts;
	json_t *root = json_object(), *by = json_object(), *cnt = json_object();
	json_t *list = json_array();
	int err = 0;

	if (!root || !by || !cnt || !list)
		goto fail;
	err |= jset(root, "violations", json_integer(o->total));
	err |= jset(root, "incomplete", json_boolean(o->oom));
	for (int k = 0; k < ORACLE_INV__COUNT; k++)
		err |= jset(by, inv_names[k], json_integer(o->by_kind[k]));
#define CNT(name) (err |= jset(cnt, #name, json_integer((json_int_t)c->name)))
	CNT(events);
	CNT(tokens);
	CNT(zero_tokens);
	CNT(token_wraps);
	CNT(completions);
	CNT(unmatched_completions);
	CNT(page_ready);
	CNT(unknown_page_ready);
	CNT(cancelled);
	CNT(flushed);
	CNT(wake_all_queued);
	CNT(parks);
	CNT(wakes);
	CNT(wake_alls);
	CNT(irq_acks);
	CNT(sdei_dispatches);
	CNT(max_outstanding_seen);
	CNT(parked_in_flight_at_end);
#undef CNT
	for (unsigned i = 0; i < o->nviol && !err; i++) {
		const struct vrec *vr = &o->viol[i];
		const struct oracle_violation *v = &vr->v;
		const struct inst *in = cref_get(o, vr->r[0]);
		json_t *jv = json_object();

		if (!jv || json_array_append_new(list, jv)) {
			err = 1;
			break;
		}
		err |= jset(jv, "invariant", json_string(inv_names[v->kind]));
		err |= jset(jv, "t_ps", json_integer((json_int_t)v->t));
		err |= jset(jv, "vcpu", v->vcpu == TRACE_NO_VCPU ? json_null() : json_integer(v->vcpu));
		err |= jset(jv, "token", v->token == ORACLE_NO_TOKEN ? json_null() :
			    json_integer((json_int_t)v->token));
		err |= jset(jv, "task", v->task == TRACE_NO_TASK ? json_null() : json_integer(v->task));
		err |= jset(jv, "message", json_string(v->msg));
		err |= jset(jv, "history", in ? json_history(o, in) : json_array());
	}
	err |= jset(root, "by_invariant", by);
	err |= jset(root, "counts", cnt);
	err |= jset(root, "list", list);
	if (err) {
		json_decref(root);
		return NULL;
	}
	return root;
fail:
	json_decref(root);
	json_decref(by);
	json_decref(cnt);
	json_decref(list);
	return NULL;
}
