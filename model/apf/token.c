/* apf_token.c — the async-PF token allocator, docs/reference.md §2.5 (arm64)
 * and §3.3 (x86).  See apf_token.h for the formula and its hazards.
 */
#include "model/apf/token.h"

#include <string.h>

/* The bits of id that survive in the token: a u16 (or the protocol.token_bits
 * narrower cut of it) whole; of a u32 the 20 that (u32)(id << 12) keeps. */
static uint32_t token_seq_mask(const struct apf_token *t)
{
	return t->bits == 32 ? 0xFFFFFu : (1u << t->bits) - 1u;
}

static void apf_token_count(struct apf_token_stats *st, uint32_t token, bool wrapped)
{
	st->issued++;
	st->zero += token == 0;
	st->wakeup_all += token == APF_TOKEN_WAKEUP_ALL;
	st->wraps += wrapped;
}

void apf_token_init(struct apf_token *t, uint32_t bits, bool skip_zero)
{
	memset(t, 0, sizeof(*t));
	t->bits = bits;
	t->skip_zero = skip_zero;
}

uint32_t apf_token_alloc(struct apf_token *t, uint32_t vcpu_id)
{
	uint32_t token;

	/*
	 * The zero skip, the one place it is written: a sequence field of 0
	 * would give vCPU 0 the token 0, which the guest's "slot free" test
	 * cannot tell from no token at all, so the page-ready would never be
	 * delivered.  The kernel's u32 allocator restarts every vCPU's
	 * sequence at 1; the u16 allocator of the switch only vCPU 0's.
	 */
	if (t->skip_zero && (t->id & token_seq_mask(t)) == 0 && (t->bits == 32 || vcpu_id == 0))
		t->id = 1;
	token = (uint32_t)(t->id << APF_TOKEN_SEQ_SHIFT) | vcpu_id;
	t->id++;
	if (t->bits != 32)
		t->id &= token_seq_mask(t);	/* u16: 0xFFFF + 1 == 0; narrower: the same at 2^bits */
	apf_token_count(&t->stats, token, (t->id & token_seq_mask(t)) == 0);
	return token;
}

void apf_token_stats_add(struct apf_token_stats *sum, const struct apf_token_stats *s)
{
	sum->issued += s->issued;
	sum->zero += s->zero;
	sum->wakeup_all += s->wakeup_all;
	sum->wraps += s->wraps;
}
