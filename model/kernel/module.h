/* module.h — optional parts of apfsim built as shared objects (modules) and
 * opened only by the runs that use them: apfsim-systemc.so (run.kernel:
 * systemc) and apfsim-mpi.so (explore and sweep under mpirun).  Their
 * libraries' start-up (libsystemc ~17 ms, Open MPI ~3 ms) would otherwise
 * be paid by every process (docs/performance.md, twelfth round).
 */
#ifndef APFSIM_MODEL_KERNEL_MODULE_H
#define APFSIM_MODEL_KERNEL_MODULE_H

#include <stddef.h>

/* Where an installed module lies, relative to the installed command
 * (CMakeLists.txt passes the real one). */
#ifndef APFSIM_MODULE_RELDIR
#define APFSIM_MODULE_RELDIR "../lib/apfsim"
#endif

/* dlopen `file` (e.g. "apfsim-systemc.so") from the program's directory
 * (the build tree), else from APFSIM_MODULE_RELDIR beside it (an install
 * tree, wherever it was moved), with dlopen `flags`.  The handle, or NULL
 * with the reason in why. */
void *apfsim_module_open(const char *file, int flags, char *why, size_t whylen);

#endif
