/* apf_switches.c — presets and the switch schema (see apf_switches.h).
 * Sources for each preset: docs/reference.md §2 (arm64 v4), §3.3–§3.5 (x86 with
 * interrupt delivery and MSR_KVM_ASYNC_PF_ACK, mainline since 5.10), §4.1
 * (the no-ACK situation the ACK was added for), §3.7 (legacy #PF-only). */
#include "model/apf/switches.h"

#include <stdio.h>
#include <string.h>

#define SW(f) offsetof(struct apf_switches, f)

static const char *const np_names[] = { "sdei", "exception", NULL };
static const char *const pr_names[] = { "interrupt", "exception", NULL };
static const char *const ack_names[] = { "hypercall", "msr", "none", NULL };
static const char *const dq_names[] = { "buffer_free", "token_zero", "can_take_exception", NULL };
static const char *const rep_names[] = { "spin", "halt", NULL };

const struct param_desc apf_switch_params[] = {
	{ "notpresent", PT_ENUM, SW(notpresent), NULL, 0, 0, np_names,
	  "page-not-present transport: sdei (arm64 SDEI event) or exception (x86 async #PF: a synchronous exception with the flags word)" },
	{ "pageready", PT_ENUM, SW(pageready), NULL, 0, 0, pr_names,
	  "page-ready transport: interrupt (arm64 PPI / x86 vector) or exception (x86 legacy #PF with reason 2)" },
	{ "ack", PT_ENUM, SW(ack), NULL, 0, 0, ack_names,
	  "page-ready acknowledgement: hypercall (arm64 IRQ_ACK), msr (x86 MSR_KVM_ASYNC_PF_ACK) or none" },
	{ "dequeue", PT_ENUM, SW(dequeue), NULL, 0, 0, dq_names,
	  "when the next page-ready may be delivered: buffer_free (arm64), token_zero (x86), can_take_exception (legacy)" },
	{ "token_bits", PT_U32, SW(token_bits), NULL, 2, 32, NULL,
	  "width of the token sequence counter `id`: 16 (arm64 u16) or 32 (x86 u32, 20 effective bits); 2 to 15 = a u16 id cut to that width, so the wrap comes within seconds" },
	{ "token_zero_skip", PT_BOOL, SW(token_zero_skip), NULL, 0, 0, NULL,
	  "never issue token 0 (x86 since Feb 2022; off reproduces the zero-token hang)" },
	{ "repeated_fault", PT_ENUM, SW(repeated_fault), NULL, 0, 0, rep_names,
	  "a fault on a gfn already in the slot table: spin (arm64 re-enters unmapped) or halt (x86 synthetic halt)" },
	{ "cancellation", PT_BOOL, SW(cancellation), NULL, 0, 0, NULL,
	  "withdraw a still-queued not-present when its page is ready, sending neither (arm64 v4)" },
	{ "refuse_np_while_pageready", PT_BOOL, SW(refuse_np_while_pageready), NULL, 0, 0, NULL,
	  "refuse not-present while a page-ready is outstanding (the 2025 arm64 revival; v4 does not)" },
	{ "send_always", PT_BOOL, SW(send_always), NULL, 0, 0, NULL,
	  "the guest enables kernel-mode not-present (KVM_ASYNC_PF_SEND_ALWAYS)" },
	{ "recheck_every_entry", PT_BOOL, SW(recheck_every_entry), NULL, 0, 0, NULL,
	  "completions are re-checked at every guest entry (no ACK: the next page-ready waits for an exit)" },
	{ "flush_on_cr0_pg", PT_BOOL, SW(flush_on_cr0_pg), NULL, 0, 0, NULL,
	  "x86: a CR0.PG change (e.g. entering and leaving SMM) flushes the async-PF queue without notifications (KVM since 2010); false = the 2025 fix: keep the queue, raise KVM_REQ_APF_READY when paging is back" },
	PARAM_END,
};

const struct apf_preset apf_presets[] = {
	{ "arm64-v4", "arm64 series v4: SDEI not-present, PPI page-ready + IRQ_ACK hypercall, shared {reason, token}",
	  { APF_NP_SDEI, APF_PR_INTERRUPT, APF_ACK_HYPERCALL, APF_DQ_BUFFER_FREE, 16, false,
	    APF_REPEAT_SPIN, true, false, false, false, true } },
	{ "x86-int-ack", "x86 mainline since 5.10: async #PF with `flags`, interrupt page-ready with `token`, MSR ACK",
	  { APF_NP_EXCEPTION, APF_PR_INTERRUPT, APF_ACK_MSR, APF_DQ_TOKEN_ZERO, 32, true,
	    APF_REPEAT_HALT, false, false, false, false, true } },
	{ "x86-int-noack", "x86 interrupt page-ready without the ACK: the queue is re-checked only at the next exit",
	  { APF_NP_EXCEPTION, APF_PR_INTERRUPT, APF_ACK_NONE, APF_DQ_TOKEN_ZERO, 32, true,
	    APF_REPEAT_HALT, false, false, false, true, true } },
	{ "x86-legacy", "x86 before 5.8: both notifications as #PF with `reason`, no ACK, page-ready when the guest can take an exception",
	  { APF_NP_EXCEPTION, APF_PR_EXCEPTION, APF_ACK_NONE, APF_DQ_CAN_TAKE_EXC, 32, false,
	    APF_REPEAT_HALT, false, false, false, true, true } },
	{ NULL, NULL, { 0 } },
};

const struct apf_preset *apf_preset_find(const char *name)
{
	for (const struct apf_preset *p = apf_presets; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

int apf_switches_validate(const struct apf_switches *sw, char *why, size_t len)
{
	if ((sw->token_bits < 2 || sw->token_bits > 16) && sw->token_bits != 32) {
		snprintf(why, len, "token_bits must be 2 to 16, or 32");
		return -1;
	}
	if (sw->notpresent == APF_NP_SDEI) {
		/* The arm64 v4 guest driver (docs/reference.md §2.8). */
		if (sw->pageready != APF_PR_INTERRUPT || sw->ack != APF_ACK_HYPERCALL) {
			snprintf(why, len, "notpresent: sdei runs the arm64 guest driver, which takes page-ready "
					   "as an interrupt and acknowledges it with the IRQ_ACK hypercall "
					   "(pageready: interrupt, ack: hypercall)");
			return -1;
		}
		if (sw->dequeue != APF_DQ_BUFFER_FREE) {
			snprintf(why, len, "notpresent: sdei shares one {reason, token} buffer between both "
					   "notifications: dequeue must be buffer_free");
			return -1;
		}
		if (!sw->flush_on_cr0_pg) {
			snprintf(why, len, "flush_on_cr0_pg: arm64 has no CR0.PG; the switch chooses what the "
					   "x86 host does when the guest toggles paging (notpresent: exception)");
			return -1;
		}
		if (sw->recheck_every_entry) {
			snprintf(why, len, "recheck_every_entry: arm64 already re-polls while the buffer is "
					   "busy and acknowledges with IRQ_ACK; the switch is for ACK-less x86");
			return -1;
		}
		return 0;
	}
	/* The x86-semantics guest driver (docs/reference.md §3.6, §3.7). */
	if (sw->ack == APF_ACK_HYPERCALL) {
		snprintf(why, len, "ack: hypercall is the arm64 IRQ_ACK; the x86 guest driver acknowledges "
				   "with the MSR (ack: msr) or not at all (ack: none)");
		return -1;
	}
	if (sw->cancellation) {
		snprintf(why, len, "cancellation withdraws a queued SDEI event; an injected exception "
				   "cannot be withdrawn (notpresent: exception)");
		return -1;
	}
	if (sw->pageready == APF_PR_EXCEPTION &&
	    (sw->ack != APF_ACK_NONE || sw->dequeue != APF_DQ_CAN_TAKE_EXC)) {
		snprintf(why, len, "pageready: exception is the legacy protocol: no ACK (ack: none) and "
				   "delivery when the guest can take an exception (dequeue: can_take_exception)");
		return -1;
	}
	if (sw->pageready == APF_PR_INTERRUPT && sw->dequeue != APF_DQ_TOKEN_ZERO) {
		snprintf(why, len, "pageready: interrupt writes the `token` word; the slot is free when it "
				   "reads 0 (dequeue: token_zero)");
		return -1;
	}
	if (sw->ack == APF_ACK_NONE && !sw->recheck_every_entry) {
		snprintf(why, len, "ack: none needs recheck_every_entry: true, or a second completion "
				   "would never be delivered");
		return -1;
	}
	if (sw->send_always) {
		snprintf(why, len, "send_always: the x86 guest driver panics on a kernel-mode async #PF "
				   "(Linux 5.8+ never sets it); kernel-mode not-present is modelled for the arm64 "
				   "family only (notpresent: sdei)");
		return -1;
	}
	return 0;
}
