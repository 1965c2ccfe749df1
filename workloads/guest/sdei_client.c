/* sdei_client.c — the guest's SDEI client: event registration calls
 * (SDEI 1.0 function IDs, docs/reference.md §2.2) and the C side of the event
 * handler entered through guest_sdei_entry (entry.S).
 *
 * Entry state (SDEI spec, as KVM's dispatcher sets it, docs/reference.md §2.7 e):
 * EL1h, DAIF masked, x0 = event number, x1 = the argument given at
 * registration (here: this CPU's struct guest_percpu), x2 = interrupted PC,
 * x3 = interrupted PSTATE.  The dispatcher saved x0-x17 and restores them,
 * with PC and PSTATE, on EVENT_COMPLETE.
 */
#include "guest.h"

/* The SDEI client's per-CPU bring-up, before any driver registers an
 * event: SDEI 1.x must answer VERSION, and the PE starts masked (DEN 0054
 * §5.1.12), so unmask it.  0, or -1 after a SIMCALL_WARN. */
int sdei_client_init(void)
{
	uint64_t v = smccc_hvc(GUEST_SDEI_VERSION, 0, 0, 0, 0, 0).a0;
	int64_t ret;

	/* major [62:48]; a negative a0 is an error status. */
	if ((int64_t)v < 0 || ((v >> 48) & 0x7FFF) != 1) {
		guest_warn(GUEST_WARN_SDEI_CLIENT, v);
		return -1;
	}
	ret = (int64_t)smccc_hvc(GUEST_SDEI_PE_UNMASK, 0, 0, 0, 0, 0).a0;
	if (ret != 0) {
		guest_warn(GUEST_WARN_SDEI_CLIENT, (uint64_t)ret);
		return -1;
	}
	return 0;
}

int64_t sdei_event_register(uint64_t event, uint64_t entry, uint64_t arg)
{
	/* x4 = flags 0 (RM_ANY), x5 = affinity 0: both ignored for the
	 * private event KVM declares. */
	return (int64_t)smccc_hvc(GUEST_SDEI_EVENT_REGISTER, event, entry, arg, 0, 0).a0;
}

int64_t sdei_event_enable(uint64_t event)
{
	return (int64_t)smccc_hvc(GUEST_SDEI_EVENT_ENABLE, event, 0, 0, 0, 0).a0;
}

int64_t sdei_event_disable(uint64_t event)
{
	return (int64_t)smccc_hvc(GUEST_SDEI_EVENT_DISABLE, event, 0, 0, 0, 0).a0;
}

int64_t sdei_event_unregister(uint64_t event)
{
	return (int64_t)smccc_hvc(GUEST_SDEI_EVENT_UNREGISTER, event, 0, 0, 0, 0).a0;
}

/* The other private event's driver (faults.sdei_other): registered and
 * enabled on every CPU at boot with the same entry as the APF event and
 * this CPU's percpu area as argument.  A failure warns and leaves it off
 * (the host's inject then returns -EPERM). */
void sdei_client_register_other(struct guest_percpu *pc)
{
	uint32_t ev = guest_boot_params.sdei_other;
	int64_t ret;

	if (!ev)
		return;
	ret = sdei_event_register(ev, (uint64_t)(uintptr_t)guest_sdei_entry, (uint64_t)(uintptr_t)pc);
	if (ret == 0)
		ret = sdei_event_enable(ev);
	if (ret != 0)
		guest_warn(GUEST_WARN_EVENT_REGISTER, (uint64_t)ret);
}

/* Returns 0 (the entry completes with GUEST_SDEI_EV_HANDLED) or a negative errno
 * (GUEST_SDEI_EV_FAILED).  The APF event and, when the host offers it,
 * the other event are registered; the other one's handler only counts
 * (it touches no page and sets no flag: what it does is irrelevant to
 * APF, that it runs and is queued is what matters). */
int guest_sdei_handler(uint64_t event, struct guest_percpu *pc, uint64_t pc_at, uint64_t pstate)
{
	(void)pc_at;
	(void)pstate;
	if (guest_boot_params.sdei_other && event == guest_boot_params.sdei_other) {
		pc->other_sdei++;
		return 0;
	}
	if (event != pc->sdei_event) {
		guest_warn(GUEST_WARN_BAD_SDEI_EVENT, event);
		return -22; /* -EINVAL */
	}
	return apf_page_not_present(pc);
}

/* The SDEI client's CPU-hotplug callbacks: a CPU going offline masks
 * itself (no event is dispatched to it), one coming back unmasks.  The
 * private APF event stays registered and enabled across (the host keeps
 * that state per vCPU).  SDEI status (0 or negative). */
int64_t sdei_client_cpu_down(void)
{
	return (int64_t)smccc_hvc(GUEST_SDEI_PE_MASK, 0, 0, 0, 0, 0).a0;
}

int64_t sdei_client_cpu_up(void)
{
	return (int64_t)smccc_hvc(GUEST_SDEI_PE_UNMASK, 0, 0, 0, 0, 0).a0;
}
