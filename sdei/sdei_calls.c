/* sdei_calls.c — the guest-facing SDEI calls (Arm DEN 0054 §5, v1.1),
 * dispatched by function ID.  Both the SMC32 (0x84000020 + n) and SMC64
 * (0xC4000020 + n) forms are accepted; SMC32 arguments are the low 32 bits
 * of x1..x5 (SMCCC: W registers).  Results go to x0 only.
 *
 * State rules (DEN 0054 §6.1 handler states): REGISTER needs the event
 * unregistered and not running (else DENIED); ENABLE/DISABLE need it
 * registered (else DENIED); UNREGISTER of a running event returns PENDING
 * and completes at EVENT_COMPLETE; EVENT_CONTEXT and COMPLETE are DENIED
 * outside a handler.
 */
#include <errno.h>
#include <stddef.h>

#include "sdei/sdei_internal.h"

#define SDEI_FN_NUM(id)		((id) & 0x1Fu)
#define SDEI_FN_IS_SMC64(id)	(((id) >> 30) & 1u)

static void set_ret(struct sdei_regs *r, int64_t v)
{
	r->x[0] = (uint64_t)v;
}

static int64_t sdei_status(const struct sdei *s, unsigned vcpu, unsigned idx)
{
	const struct sdei_vcpu_state *v = &s->vcpu[vcpu];
	const struct sdei_event_state *e = &v->ev[idx];
	int64_t st = 0;

	/* An unregister-pending event reports running, not registered. */
	if (e->registered)
		st |= SDEI_EVENT_STATUS_REGISTERED;
	if (e->enabled)
		st |= SDEI_EVENT_STATUS_ENABLED;
	if (sdei_idx_running(v, s, idx))
		st |= SDEI_EVENT_STATUS_RUNNING;
	return st;
}

static int64_t sdei_get_info(const struct sdei *s, unsigned idx, uint64_t info)
{
	const struct sdei_event_info *ev = &s->events[idx].info;

	switch (info) {
	case SDEI_EVENT_INFO_EV_TYPE:
		return ev->type;
	case SDEI_EVENT_INFO_EV_SIGNALED:
		return ev->signalable;
	case SDEI_EVENT_INFO_EV_PRIORITY:
		return ev->priority;
	default:
		/* Routing mode / affinity exist only for shared events. */
		return SDEI_INVALID_PARAMETERS;
	}
}

static int64_t sdei_register(struct sdei *s, unsigned vcpu, unsigned idx, const uint64_t *a)
{
	struct sdei_event_state *e = &s->vcpu[vcpu].ev[idx];

	/* Only the routing-mode bit is defined; for a private event routing
	 * mode and affinity are ignored. Relative mode is not offered. */
	if (a[4] & ~(uint64_t)SDEI_EVENT_REGISTER_RM_PE)
		return SDEI_INVALID_PARAMETERS;
	if (e->registered || e->unregister_pending)
		return SDEI_DENIED;
	e->entry = a[2];
	e->arg = a[3];
	e->flags = a[4];
	e->affinity = a[5];
	e->registered = true;
	e->enabled = false;
	return SDEI_SUCCESS;
}

static int64_t sdei_private_reset(struct sdei *s, unsigned vcpu)
{
	for (unsigned i = 0; i < s->nevents; i++)
		if (s->vcpu[vcpu].ev[i].registered)
			sdei_unregister_idx(s, vcpu, i);
	return SDEI_SUCCESS;
}

int64_t sdei_call(struct sdei *s, unsigned vcpu, uint32_t func_id, struct sdei_regs *r)
{
	struct sdei_vcpu_state *v;
	struct sdei_event_state *e = NULL;
	uint64_t a[6];
	unsigned fn;
	int idx = -1;
	int ret;

	if (vcpu >= s->nvcpus || !r)
		return -EINVAL;
	if (!SDEI_IS_FN(func_id)) {
		set_ret(r, SDEI_NOT_SUPPORTED);
		return SDEI_CALL_RETURN;
	}
	v = &s->vcpu[vcpu];
	/* Normalise to the SMC64 ID so both forms share the names. */
	fn = SDEI_FN(SDEI_FN_NUM(func_id));
	for (unsigned i = 1; i < 6; i++)
		a[i] = SDEI_FN_IS_SMC64(func_id) ? r->x[i] : (uint32_t)r->x[i];
	a[0] = func_id;

	/* Calls whose first argument is an event number validate it first:
	 * an unknown number is INVALID_PARAMETERS. */
	switch (fn) {
	case SDEI_EVENT_REGISTER:
	case SDEI_EVENT_ENABLE:
	case SDEI_EVENT_DISABLE:
	case SDEI_EVENT_UNREGISTER:
	case SDEI_EVENT_STATUS:
	case SDEI_EVENT_GET_INFO:
	case SDEI_EVENT_ROUTING_SET:
	case SDEI_EVENT_SIGNAL:
		idx = sdei_event_index(s, a[1]);
		if (idx < 0) {
			set_ret(r, SDEI_INVALID_PARAMETERS);
			return SDEI_CALL_RETURN;
		}
		e = &v->ev[idx];
		break;
	}

	switch (fn) {
	case SDEI_VERSION:
		set_ret(r, (int64_t)SDEI_VERSION_VALUE);
		break;
	case SDEI_EVENT_REGISTER:	/* (event, entry, arg, flags, affinity) */
		set_ret(r, sdei_register(s, vcpu, (unsigned)idx, a));
		break;
	case SDEI_EVENT_ENABLE:	/* (event) */
	case SDEI_EVENT_DISABLE:	/* (event) */
		if (!e->registered) {
			set_ret(r, SDEI_DENIED);
			break;
		}
		e->enabled = fn == SDEI_EVENT_ENABLE;
		set_ret(r, SDEI_SUCCESS);
		if (e->enabled)
			sdei_kick(s, vcpu);
		break;
	case SDEI_EVENT_CONTEXT:	/* (param) */
		if (!v->depth)
			set_ret(r, SDEI_DENIED);
		else if (a[1] >= SDEI_NR_CTX_REGS)
			set_ret(r, SDEI_INVALID_PARAMETERS);
		else
			set_ret(r, (int64_t)v->ctx[v->depth - 1].x[a[1]]);
		break;
	case SDEI_EVENT_COMPLETE:	/* (status) */
		return sdei_complete(s, vcpu, r, false, 0);
	case SDEI_EVENT_COMPLETE_AND_RESUME:	/* (resume_addr) */
		return sdei_complete(s, vcpu, r, true, a[1]);
	case SDEI_EVENT_UNREGISTER:	/* (event) */
		if (e->unregister_pending)
			set_ret(r, SDEI_PENDING);
		else if (!e->registered)
			set_ret(r, SDEI_DENIED);
		else
			set_ret(r, sdei_unregister_idx(s, vcpu, (unsigned)idx) ?
					   SDEI_PENDING : SDEI_SUCCESS);
		break;
	case SDEI_EVENT_STATUS:	/* (event) */
		set_ret(r, sdei_status(s, vcpu, (unsigned)idx));
		break;
	case SDEI_EVENT_GET_INFO:	/* (event, info) */
		set_ret(r, sdei_get_info(s, (unsigned)idx, a[2]));
		break;
	case SDEI_EVENT_ROUTING_SET:	/* private events have no routing */
		set_ret(r, SDEI_INVALID_PARAMETERS);
		break;
	case SDEI_PE_MASK:
		/* x0 = 1 if this call masked the PE, 0 if already masked. */
		set_ret(r, v->masked ? 0 : 1);
		v->masked = true;
		break;
	case SDEI_PE_UNMASK:
		v->masked = false;
		set_ret(r, SDEI_SUCCESS);
		sdei_kick(s, vcpu);
		break;
	case SDEI_EVENT_SIGNAL:
		/* (event, target_pe): the target is the caller, as in KVM. */
		if (!s->events[idx].info.signalable) {
			set_ret(r, SDEI_INVALID_PARAMETERS);
			break;
		}
		ret = sdei_inject(s, vcpu, a[1], false);
		set_ret(r, ret == 0 ? SDEI_SUCCESS : SDEI_DENIED);
		break;
	case SDEI_FEATURES:	/* (feature) */
		if (a[1] == SDEI_FEATURE_BIND_SLOTS || a[1] == SDEI_FEATURE_RELATIVE_MODE)
			set_ret(r, 0);	/* no bind slots, no relative mode */
		else
			set_ret(r, SDEI_INVALID_PARAMETERS);
		break;
	case SDEI_PRIVATE_RESET:
		set_ret(r, sdei_private_reset(s, vcpu));
		break;
	case SDEI_SHARED_RESET:	/* no shared events */
		set_ret(r, SDEI_SUCCESS);
		break;
	default:	/* INTERRUPT_BIND/RELEASE and reserved numbers */
		set_ret(r, SDEI_NOT_SUPPORTED);
		break;
	}
	return SDEI_CALL_RETURN;
}
