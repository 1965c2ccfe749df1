/* fault_classes.h — the classes of stage-2 faults, a plain stats struct
 * filled by the vCPU loop (minor, zero-fill, major) and the protocol
 * (async, repeated) and printed by the run's report.  Every stage-2 fault
 * lands in exactly one class, counted where it is classified:
 * faults == minor + zero_fill + major + async + repeated. */
#ifndef APFSIM_MODEL_REPORT_FAULT_CLASSES_H
#define APFSIM_MODEL_REPORT_FAULT_CLASSES_H

#include <stdint.h>

struct fault_classes {
	uint64_t minor;		/* resident page (or none needed): mapped, no I/O */
	uint64_t swapcache;	/* of minor: a page read ahead into the swap cache */
	uint64_t zero_fill;	/* never touched: allocated and cleared */
	uint64_t major;		/* needed I/O; the vCPU waited in the host (sync) */
	uint64_t async;		/* needed I/O; delivered as an async PF (not-present) */
	uint64_t repeated;	/* APF: a page whose async PF is still pending */
};

#endif
