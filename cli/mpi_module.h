/* mpi_module.h — what apfsim-mpi.so (cli/mpi_module.c, linked with Open MPI)
 * gives cli/mpi.c, which opens it only when the process was launched by
 * mpirun: `apfsim` alone never loads MPI (docs/performance.md, twelfth round). */
#ifndef APFSIM_CLI_MPI_MODULE_H
#define APFSIM_CLI_MPI_MODULE_H

#include <stddef.h>
#include <stdint.h>

struct cli_mpi_module {
	/* MPI_Init; 0 with this rank and the world size, -1 when it failed. */
	int (*init)(int *argc, char ***argv, int *rank, int *size);
	void (*fini)(void);
	/* The largest rc over every rank. */
	int (*agree)(int rc);
	/* cli_mpi_gather (cli/sweep.h) across the ranks. */
	int (*gather)(const void *mine, uint64_t n, size_t size, void **all, uint64_t *nall);
};

#endif
