/* sdei_internal.h — state shared by the SDEI model files (private).
 * sdei_events.c: event table, creation, snapshot; sdei_dispatch.c: host
 * side (inject, cancel, deliver) and completion; sdei_calls.c: the guest
 * SDEI calls (DEN 0054 §5).
 */
#ifndef APFSIM_SDEI_SDEI_INTERNAL_H
#define APFSIM_SDEI_SDEI_INTERNAL_H

#include "sdei/sdei.h"

struct sdei_event_slot {
	struct sdei_event_info info;
	sdei_notifier_fn notify;
	void *notify_ctx;
};

struct sdei {
	unsigned nvcpus;
	unsigned nevents;
	struct sdei_event_slot events[SDEI_MAX_EVENTS];
	struct sdei_vcpu_state *vcpu;
	sdei_request_fn request;
	void *request_ctx;
	bool deliver_writes_elr;
};

/* Table index of event num, or -1. */
int sdei_event_index(const struct sdei *s, uint64_t num);
/* Is event idx running (anywhere in the handler stack) on v? */
bool sdei_idx_running(const struct sdei_vcpu_state *v, const struct sdei *s, unsigned idx);
/* Raise the request hook if an event is deliverable on vcpu. */
void sdei_kick(struct sdei *s, unsigned vcpu);
/* Forget registration and queued instances of event idx (UNREGISTER,
 * PRIVATE_RESET); a running instance makes it unregister-pending.
 * Returns true if it was running (-> SDEI_PENDING). */
bool sdei_unregister_idx(struct sdei *s, unsigned vcpu, unsigned idx);
/* EVENT_COMPLETE / EVENT_COMPLETE_AND_RESUME. */
int64_t sdei_complete(struct sdei *s, unsigned vcpu, struct sdei_regs *r,
		      bool resume, uint64_t resume_addr);

#endif
