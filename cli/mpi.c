/* mpi.c — the optional MPI layer of explore and sweep (docs/studies.md,
 * "Many machines").  Built with -DAPFSIM_MPI=ON (CMake FindMPI, Open MPI);
 * MPI is started only when the process was launched by mpirun (its
 * environment names the job), so `apfsim` alone never pays for it.  Without
 * MPI every function is the one-process case: rank 0 of 1. */
#include <stdlib.h>
#include <string.h>

#include "cli/sweep.h"

#ifdef APFSIM_MPI
#include <mpi.h>

static int mpi_on, mpi_rank, mpi_size = 1;

void cli_mpi_init(int *argc, char ***argv)
{
	/* Open MPI's launcher sets OMPI_COMM_WORLD_SIZE, PMIx ones PMIX_RANK. */
	if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_SIZE"))
		return;
	if (MPI_Init(argc, argv) != MPI_SUCCESS)
		return;
	mpi_on = 1;
	MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
	MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
}

void cli_mpi_fini(void)
{
	if (mpi_on)
		MPI_Finalize();
	mpi_on = 0;
}

int cli_mpi_rank(void)
{
	return mpi_rank;
}

int cli_mpi_size(void)
{
	return mpi_size;
}

int cli_mpi_agree(int rc)
{
	int all = rc;

	if (mpi_size > 1)
		MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	return all;
}

int cli_mpi_gather(const void *mine, uint64_t n, size_t size, void **all, uint64_t *nall)
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

#else

void cli_mpi_init(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
}

void cli_mpi_fini(void)
{
}

int cli_mpi_rank(void)
{
	return 0;
}

int cli_mpi_size(void)
{
	return 1;
}

int cli_mpi_agree(int rc)
{
	return rc;
}

int cli_mpi_gather(const void *mine, uint64_t n, size_t size, void **all, uint64_t *nall)
{
	*all = malloc(n * size > 0 ? n * size : 1);
	if (!*all)
		return -1;
	memcpy(*all, mine, n * size);
	*nall = n;
	return 0;
}

#endif
