/* apf_token.h — the async-PF token allocator, one for both families.
 *
 * A token ties a not-present notification to its page-ready.  Both arches
 * put a per-vCPU sequence number above bit 12 and the vCPU id below it:
 *
 *   token = (id++ << 12) | vcpu_id
 *
 *   16-bit id (arm64, docs/reference.md §2.5, Gavin Shan v4): bits [27:12]
 *     sequence, wraps every 65 536 faults; token 0 is produced for vCPU 0
 *     at id 0 and again after every wrap.
 *   32-bit id (x86, docs/reference.md §3.3, alloc_apf_token): the u32 shift
 *     keeps a 20-bit sequence in bits [31:12].
 *
 * The zero skip (x86 since Feb 2022; the `token_zero_skip` switch for the
 * 16-bit allocator) is one rule, apf_token_alloc(): when the sequence field
 * is 0, id = 1 first.  The kernel's 32-bit allocator applies it on every
 * vCPU (so the sequence cycles 1..0xFFFFF everywhere); the 16-bit allocator
 * of the switch applies it where the token itself would be 0, on vCPU 0
 * only, leaving other vCPUs' first token (= their id) as v4 issues it.
 * Without the skip (pre-2022, v4): plain id++.
 *
 * `id` is the kernel's field and is public: it starts at 0 on a new vCPU,
 * is not reset on disable/enable, and migration code may save/restore it.
 * The vCPU id is OR-ed in unmasked, so ids >= 4096 overlap the sequence
 * bits exactly as in the kernel.
 */
#ifndef APFSIM_MODEL_APF_TOKEN_H
#define APFSIM_MODEL_APF_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#define APF_TOKEN_SEQ_SHIFT 12u
#define APF_TOKEN_WAKEUP_ALL 0xFFFFFFFFu	/* page-ready token of a wake-all */

/* Counters for the statistics; monotonic, never reset by allocation. */
struct apf_token_stats {
	uint64_t issued;	/* tokens handed out */
	uint64_t zero;		/* of which equal to 0 ("slot free" value) */
	uint64_t wakeup_all;	/* of which equal to 0xFFFFFFFF (x86 vCPU 4095) */
	uint64_t wraps;		/* times the sequence field returned to 0 */
};

struct apf_token {
	uint32_t id;		/* < 2^16 when bits == 16 */
	uint32_t bits;		/* width of id: 16 (arm64 u16) or 32 (x86 u32); 2..15: a u16
				 * cut to that width (protocol.token_bits), so the
				 * §2.5 wrap comes after 2^bits faults, within seconds */
	bool skip_zero;		/* true: the zero skip; false: plain id++ */
	struct apf_token_stats stats;
};

/* sum += s, field by field (per-vCPU and per-family totals for reports). */
void apf_token_stats_add(struct apf_token_stats *sum, const struct apf_token_stats *s);

/* id = 0, counters cleared; bits is 2..16 or 32. */
void apf_token_init(struct apf_token *t, uint32_t bits, bool skip_zero);

/*
 * Allocate the next token for vcpu_id.  A wrap is counted when, after the
 * increment, the sequence field (16: id; 32: id & 0xFFFFF) is 0 again,
 * i.e. the allocation just made used the last sequence value.
 */
uint32_t apf_token_alloc(struct apf_token *t, uint32_t vcpu_id);

#endif
