/* vcpu_guest.h — running the guest kernel image for a vCPU: boot, SDEI and
 * IRQ delivery at guest entry, the idle loop, and the simulator calls
 * through which guest code reaches the scheduler model.  Only used when
 * the protocol needs the guest (protocol_ops.needs_guest). */
#ifndef APFSIM_MODEL_VCPU_GUEST_H
#define APFSIM_MODEL_VCPU_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "model/kernel/sim.h"

struct machine;
struct vcpu;
struct task;

/* Create the platform and boot every vCPU (guest time 0).  0 or -1 with
 * m->err set. */
int vcpu_guest_init(struct machine *m);
void vcpu_guest_fini(struct machine *m);
struct apf_config;
struct task;
/* protocol.send_always or guest.handler_touches_page asks for the
 * handler-touch image (and no --guest-image replaces it). */
bool vcpu_guest_touch_image(const struct apf_config *c);
/* The task's latest stage-2 fault was on page (the page its handlers load
 * from, guest_touch_gpa); no-op without the handler-touch image. */
void vcpu_guest_note_fault(struct machine *m, const struct task *t, uint64_t page);
/* Deliver what is pending at guest entry (SDEI events, IRQs), running the
 * guest handlers; advances *t by the guest time they take.  May change
 * v->cur (a task parked or a switch) and may leave the vCPU idle. */
void vcpu_guest_deliver(struct vcpu *v, sim_time_t *t);
/* Something vcpu_guest_deliver would take at the next entry before any
 * guest instruction runs: a deliverable SDEI event, or the injected
 * exception (x86 async #PF) where the guest can take it. */
bool vcpu_guest_delivery_pending(const struct vcpu *v);
/* The C scheduler made `t` (NULL = idle) current on v: update guest memory
 * and the vCPU context (user mode of the task, or the idle loop). */
void vcpu_guest_switch(struct vcpu *v, struct task *t, sim_time_t *now);
/* Current time inside a guest run (for host actions made from hypercalls). */
sim_time_t vcpu_guest_now(const struct vcpu *v);
/* Charge one trapped host call to the run in progress. */
void vcpu_guest_charge(struct vcpu *v, sim_time_t cost);
/* A task became runnable for a vCPU that is idle in the guest: send the
 * reschedule IPI (SGI 0) so its idle loop calls the scheduler. */
void vcpu_guest_resched_ipi(struct machine *m, uint32_t target);

#endif
