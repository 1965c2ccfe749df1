/* apf_token.h — async-PF token allocators, arm64 and x86.
 *
 * A token ties a not-present notification to its page-ready.  Both arches
 * put a per-vCPU sequence number above bit 12 and the vCPU id below it:
 *
 *   arm64 (docs/reference.md §2.5, Gavin Shan v4):  token = (id++ << 12) | vcpu_id,
 *     id a u16: bits [27:12] sequence, wraps every 65 536 faults; token 0
 *     is produced for vCPU 0 at id 0 and again after every wrap.
 *   x86 (docs/reference.md §3.3, alloc_apf_token):   id a u32, the u32 shift keeps
 *     a 20-bit sequence in bits [31:12].  Since Feb 2022 (zero skip): if
 *     (u32)(id << 12) == 0, id = 1 first, so the sequence cycles 1..0xFFFFF
 *     and vCPU 0 never gets token 0.  Pre-2022 (skip off): plain id++.
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

struct apf_token_arm64 {
	uint16_t id;
	struct apf_token_stats stats;
};

struct apf_token_x86 {
	uint32_t id;
	bool skip_zero;		/* true: 2022+ zero skip; false: pre-2022 */
	struct apf_token_stats stats;
};

/* sum += s, field by field (per-vCPU and per-family totals for reports). */
void apf_token_stats_add(struct apf_token_stats *sum, const struct apf_token_stats *s);

/* id = 0, counters cleared. */
void apf_token_arm64_init(struct apf_token_arm64 *t);
void apf_token_x86_init(struct apf_token_x86 *t, bool skip_zero);

/*
 * Allocate the next token for vcpu_id.  A wrap is counted when, after the
 * increment, the sequence field (arm64: id; x86: id & 0xFFFFF) is 0 again,
 * i.e. the allocation just made used the last sequence value.
 */
uint32_t apf_token_arm64_alloc(struct apf_token_arm64 *t, uint32_t vcpu_id);
/* The same with a `bits`-wide id (2..16; 16 = apf_token_arm64_alloc):
 * protocol.token_bits below 16 makes the wrap of §2.5 come after 2^bits
 * faults instead of 65 536, so it happens within seconds. */
uint32_t apf_token_arm64_alloc_bits(struct apf_token_arm64 *t, uint32_t vcpu_id, unsigned bits);
uint32_t apf_token_x86_alloc(struct apf_token_x86 *t, uint32_t vcpu_id);

#endif
