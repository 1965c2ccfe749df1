/* mpi.c — the optional MPI layer of explore and sweep (docs/studies.md,
 * "Many machines").  Built with -DAPFSIM_MPI=ON (CMake FindMPI, Open MPI),
 * MPI lives in the module apfsim-mpi.so (cli/mpi_module.c), opened and
 * started only when the process was launched by mpirun (its environment
 * names the job), so `apfsim` alone never loads it.  Otherwise every
 * function is the one-process case: rank 0 of 1. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/mpi_module.h"
#include "cli/sweep.h"
#include "model/kernel/module.h"

static const struct cli_mpi_module *mpi;	/* set while MPI is on */
static int mpi_rank, mpi_size = 1;

#ifdef APFSIM_MPI
/* Open MPI's launcher sets OMPI_COMM_WORLD_SIZE, PMIx ones PMIX_RANK. */
static int launched_by_mpirun(void)
{
	return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_SIZE");
}
#endif

void cli_mpi_init(int *argc, char ***argv)
{
#ifdef APFSIM_MPI
	const struct cli_mpi_module *m;
	char why[512];
	void *h;

	if (!launched_by_mpirun())
		return;
	/* RTLD_GLOBAL: Open MPI's own components, which it opens in turn,
	 * find libmpi's symbols in the global scope. */
	h = apfsim_module_open("apfsim-mpi.so", RTLD_NOW | RTLD_GLOBAL, why, sizeof(why));
	m = h ? dlsym(h, "cli_mpi_module_ops") : NULL;
	if (!m) {
		/* Every rank would otherwise do all the work and write the same
		 * files: refuse instead. */
		fprintf(stderr, "apfsim: launched by mpirun, but %s\n",
			h ? "apfsim-mpi.so has no cli_mpi_module_ops" : why);
		exit(2);
	}
	if (m->init(argc, argv, &mpi_rank, &mpi_size) == 0)
		mpi = m;
#else
	(void)argc;
	(void)argv;
#endif
}

void cli_mpi_fini(void)
{
	if (mpi)
		mpi->fini();
	mpi = NULL;
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
	return mpi ? mpi->agree(rc) : rc;
}

int cli_mpi_gather(const void *mine, uint64_t n, size_t size, void **all, uint64_t *nall)
{
	if (mpi)
		return mpi->gather(mine, n, size, all, nall);
	*all = malloc(n * size > 0 ? n * size : 1);
	if (!*all)
		return -1;
	memcpy(*all, mine, n * size);
	*nall = n;
	return 0;
}
