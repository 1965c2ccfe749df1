/* sdei_events.c — SDEI event table and per-vCPU state (DEN 0054 §4:
 * event numbers, types, priorities; docs/reference.md §2.2 for KVM's numbers).
 *
 * KVM's rule for its virtual event numbers: the number fits in 32 bits
 * and bits [23:22] (the type field of the 24-bit event index) equal 1.
 * Event 0 is the architected software-signalled event and is always
 * present.  Every event here is private (one state per vCPU).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sdei/sdei_internal.h"

#define KVM_SDEI_NUM_TYPE(num)	(((num) >> 22) & 0x3)
#define KVM_SDEI_NUM_VIRTUAL	1

static const struct sdei_event_info sdei_builtin_events[] = {
	{ SDEI_EVENT_0, SDEI_EVENT_TYPE_PRIVATE, SDEI_EVENT_PRIORITY_NORMAL, true },
	{ KVM_SDEI_DEFAULT_NUM, SDEI_EVENT_TYPE_PRIVATE, SDEI_EVENT_PRIORITY_NORMAL, true },
	{ KVM_SDEI_ASYNC_PF_NUM, SDEI_EVENT_TYPE_PRIVATE, SDEI_EVENT_PRIORITY_CRITICAL, true },
};

static void sdei_reset_vcpu(struct sdei_vcpu_state *v)
{
	memset(v, 0, sizeof(*v));
	/* DEN 0054: a PE comes out of reset masked; the client unmasks it
	 * with PE_UNMASK once it is ready to take events. */
	v->masked = true;
}

struct sdei *sdei_create(unsigned nvcpus)
{
	struct sdei *s;

	if (nvcpus == 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->vcpu = calloc(nvcpus, sizeof(*s->vcpu));
	if (!s->vcpu) {
		free(s);
		return NULL;
	}
	s->nvcpus = nvcpus;
	s->deliver_writes_elr = true;
	for (unsigned i = 0; i < nvcpus; i++)
		sdei_reset_vcpu(&s->vcpu[i]);
	for (size_t i = 0; i < sizeof(sdei_builtin_events) / sizeof(sdei_builtin_events[0]); i++)
		s->events[s->nevents++].info = sdei_builtin_events[i];
	return s;
}

void sdei_destroy(struct sdei *s)
{
	if (!s)
		return;
	free(s->vcpu);
	free(s);
}

int sdei_event_index(const struct sdei *s, uint64_t num)
{
	for (unsigned i = 0; i < s->nevents; i++)
		if (s->events[i].info.num == num)
			return (int)i;
	return -1;
}

const struct sdei_event_info *sdei_event_lookup(const struct sdei *s, uint64_t num)
{
	int i = sdei_event_index(s, num);

	return i < 0 ? NULL : &s->events[i].info;
}

int sdei_add_event(struct sdei *s, uint64_t num, unsigned priority, bool signalable)
{
	const struct sdei_event_info *old;
	struct sdei_event_info *e;

	if (num > UINT32_MAX || KVM_SDEI_NUM_TYPE(num) != KVM_SDEI_NUM_VIRTUAL)
		return -EINVAL;
	if (priority != SDEI_EVENT_PRIORITY_NORMAL && priority != SDEI_EVENT_PRIORITY_CRITICAL)
		return -EINVAL;
	old = sdei_event_lookup(s, num);
	if (old)
		return (old->priority == priority && old->signalable == signalable) ? 0 : -EEXIST;
	if (s->nevents == SDEI_MAX_EVENTS)
		return -ENOSPC;
	e = &s->events[s->nevents++].info;
	e->num = num;
	e->type = SDEI_EVENT_TYPE_PRIVATE;
	e->priority = (uint8_t)priority;
	e->signalable = signalable;
	return 0;
}

int sdei_set_notifier(struct sdei *s, uint64_t event, sdei_notifier_fn fn, void *ctx)
{
	int i = sdei_event_index(s, event);

	if (i < 0)
		return -EINVAL;
	s->events[i].notify = fn;
	s->events[i].notify_ctx = ctx;
	return 0;
}

void sdei_set_request_hook(struct sdei *s, sdei_request_fn fn, void *ctx)
{
	s->request = fn;
	s->request_ctx = ctx;
}

void sdei_set_deliver_writes_elr(struct sdei *s, bool on)
{
	s->deliver_writes_elr = on;
}

int sdei_save_vcpu(const struct sdei *s, unsigned vcpu, struct sdei_vcpu_state *out)
{
	if (vcpu >= s->nvcpus || !out)
		return -EINVAL;
	*out = s->vcpu[vcpu];
	return 0;
}

int sdei_restore_vcpu(struct sdei *s, unsigned vcpu, const struct sdei_vcpu_state *in)
{
	if (vcpu >= s->nvcpus || !in || in->depth > SDEI_MAX_DEPTH)
		return -EINVAL;
	for (unsigned d = 0; d < in->depth; d++)
		if (sdei_event_index(s, in->ctx[d].event) < 0)
			return -EINVAL;
	s->vcpu[vcpu] = *in;
	sdei_kick(s, vcpu);
	return 0;
}
