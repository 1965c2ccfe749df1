/* switches.h — the protocol switches as plain data: every decision that
 * distinguishes the APF protocol variants (docs/reference.md §2–§4), one
 * field each.  A validated scenario carries one filled set (apf_config.sw).
 * The presets that fill them, their schema and the check of which
 * combinations a guest driver can honour are the protocol layer's
 * (model/apf/switches.h); this header holds only the types, so that the
 * config (and every layer reading it) need not include model/apf/.
 */
#ifndef APFSIM_MODEL_CONFIG_SWITCHES_H
#define APFSIM_MODEL_CONFIG_SWITCHES_H

#include <stdbool.h>
#include <stdint.h>

enum apf_np_transport { APF_NP_SDEI, APF_NP_EXCEPTION };
enum apf_pr_transport { APF_PR_INTERRUPT, APF_PR_EXCEPTION };
enum apf_ack { APF_ACK_HYPERCALL, APF_ACK_MSR, APF_ACK_NONE };
enum apf_dequeue {
	APF_DQ_BUFFER_FREE,	/* arm64: {reason, token} both 0; cancellation; re-poll */
	APF_DQ_TOKEN_ZERO,	/* x86: the `token` word is 0 */
	APF_DQ_CAN_TAKE_EXC,	/* legacy: the guest can take an exception now */
};
enum apf_repeat { APF_REPEAT_SPIN, APF_REPEAT_HALT };

struct apf_switches {
	uint32_t notpresent;		/* enum apf_np_transport */
	uint32_t pageready;		/* enum apf_pr_transport */
	uint32_t ack;			/* enum apf_ack */
	uint32_t dequeue;		/* enum apf_dequeue */
	uint32_t token_bits;		/* width of the sequence counter: 2..16 or 32 */
	bool token_zero_skip;		/* never issue token 0 (x86 since 2022) */
	uint32_t repeated_fault;	/* enum apf_repeat */
	bool cancellation;		/* arm64: withdraw a queued not-present on completion */
	bool refuse_np_while_pageready;	/* not-present refused while page-ready pending */
	bool send_always;		/* the guest asks for kernel-mode not-present */
	bool recheck_every_entry;	/* completions re-checked at every guest entry (no ACK) */
	bool flush_on_cr0_pg;		/* x86: a CR0.PG change flushes the queue without
					 * notifications (false: the 2025 fix, KVM_REQ_APF_READY) */
};

/* Which guest driver runs: true = x86 semantics, false = arm64 v4. */
static inline bool apf_switches_x86_driver(const struct apf_switches *sw)
{
	return sw->notpresent == APF_NP_EXCEPTION;
}

#endif
