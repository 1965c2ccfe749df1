/* apf_token.c — async-PF token allocators, docs/reference.md §2.5 (arm64) and
 * §3.3 (x86).  See apf_token.h for the formulas and their hazards.
 */
#include "model/apf/token.h"

#include <string.h>

#define APF_X86_SEQ_MASK 0xFFFFFu	/* bits of id that survive (u32)(id << 12) */

static void apf_token_count(struct apf_token_stats *st, uint32_t token,
			    bool wrapped)
{
	st->issued++;
	st->zero += token == 0;
	st->wakeup_all += token == APF_TOKEN_WAKEUP_ALL;
	st->wraps += wrapped;
}

void apf_token_arm64_init(struct apf_token_arm64 *t)
{
	memset(t, 0, sizeof(*t));
}

uint32_t apf_token_arm64_alloc(struct apf_token_arm64 *t, uint32_t vcpu_id)
{
	return apf_token_arm64_alloc_bits(t, vcpu_id, 16);
}

uint32_t apf_token_arm64_alloc_bits(struct apf_token_arm64 *t, uint32_t vcpu_id, unsigned bits)
{
	uint16_t mask = (uint16_t)((1u << bits) - 1);	/* bits 16: 0xFFFF */
	uint32_t token = ((uint32_t)(t->id & mask) << APF_TOKEN_SEQ_SHIFT) | vcpu_id;

	t->id = (uint16_t)((t->id + 1) & mask);	/* u16: 0xFFFF + 1 == 0 */
	apf_token_count(&t->stats, token, t->id == 0);
	return token;
}

void apf_token_x86_init(struct apf_token_x86 *t, bool skip_zero)
{
	memset(t, 0, sizeof(*t));
	t->skip_zero = skip_zero;
}

uint32_t apf_token_x86_alloc(struct apf_token_x86 *t, uint32_t vcpu_id)
{
	uint32_t token;

	/*
	 * Zero skip: a sequence field of 0 would give vCPU 0 the token 0,
	 * which the guest's "slot free" test cannot tell from no token at
	 * all, so the page-ready would never be delivered.
	 */
	if (t->skip_zero && (uint32_t)(t->id << APF_TOKEN_SEQ_SHIFT) == 0)
		t->id = 1;
	token = (uint32_t)(t->id << APF_TOKEN_SEQ_SHIFT) | vcpu_id;
	t->id++;
	apf_token_count(&t->stats, token, (t->id & APF_X86_SEQ_MASK) == 0);
	return token;
}

void apf_token_stats_add(struct apf_token_stats *sum, const struct apf_token_stats *s)
{
	sum->issued += s->issued;
	sum->zero += s->zero;
	sum->wakeup_all += s->wakeup_all;
	sum->wraps += s->wraps;
}
