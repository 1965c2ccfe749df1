/* mpi_module.c — apfsim-mpi.so: explore and sweep split across MPI ranks
 * (docs/studies.md, "Many machines"; Open MPI, built with -DAPFSIM_MPI=ON).
 * cli/mpi.c opens it only under mpirun and calls it through
 * cli_mpi_module_ops. */
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "cli/mpi_module.h"

static int mpi_on, mpi_rank, mpi_size = 1;

static int mod_init(int *argc, char ***argv, int *rank, int *size)
{
	if (MPI_Init(argc, argv) != MPI_SUCCESS)
		return -1;
	mpi_on = 1;
	MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
	MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
	*rank = mpi_rank;
	*size = mpi_size;
	return 0;
}

static void mod_fini(void)
{
	if (mpi_on)
		MPI_Finalize();
	mpi_on = 0;
}

static int mod_agree(int rc)
{
	int all = rc;

	if (mpi_size > 1)
		MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	return all;
}

static int mod_gather(const void *mine, uint64_t n, size_t size, void **all, uint64_t *nall)
{
	int bytes = (int)(n * size), *counts = NULL, *displs = NULL;
	char *buf = NULL;
	int ok = 1;

	*all = NULL;
	*nall = 0;
	if (n * size > (uint64_t)0x7fffffff)
		ok = 0;
	if (mpi_rank == 0) {
		counts = calloc((size_t)mpi_size, sizeof(int));
		displs = calloc((size_t)mpi_size, sizeof(int));
	}
	if (MPI_Gather(&bytes, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
		return -1;
	if (mpi_rank == 0) {
		uint64_t total = 0;
		for (int r = 0; counts && displs && r < mpi_size; r++) {
			displs[r] = (int)total;
			total += (uint64_t)counts[r];
		}
		buf = malloc(total ? total : 1);
		if (!buf || !counts || !displs || total > 0x7fffffff)
			ok = 0;
		*nall = total / size;
	}
	if (MPI_Gatherv(mine, bytes, MPI_BYTE, buf, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
		ok = 0;
	free(counts);
	free(displs);
	if (!ok) {
		free(buf);
		*nall = 0;
		return -1;
	}
	*all = buf;
	return 0;
}

const struct cli_mpi_module cli_mpi_module_ops = { mod_init, mod_fini, mod_agree, mod_gather };
