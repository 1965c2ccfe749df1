/* explore.h — seed-driven exploration (docs/explore.md): run a scenario
 * many times, each run with its own seed (latencies drawn anew) and its own
 * order of same-instant events (run.perturb_order), with the oracle as the
 * judge; group the failures by invariant; shrink the first failing run of
 * each group to a smaller reproducer.  Runs are independent and executed by
 * `jobs` worker processes; every result depends on its seed only, so the
 * report is the same for any number of jobs. */
#ifndef APFSIM_MODEL_EXPLORE_H
#define APFSIM_MODEL_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/explore/chaos.h"

#define EXPLORE_MAX_SETS 64
#define EXPLORE_MAX_GROUPS 32

struct explore_run;

struct explore_opts {
	const char *scenario;
	const char *sets[EXPLORE_MAX_SETS];	/* KEY=VALUE overrides, in order */
	unsigned nsets;
	uint64_t runs;
	unsigned jobs;
	uint64_t seed;			/* base seed (has_seed), else the scenario's */
	bool has_seed;
	double time_limit_s;		/* wall clock; 0 = none */
	bool shrink;
	/* Split across processes (MPI ranks, cli/mpi.c): this one makes the
	 * runs i with i % nranks == rank (nranks 0 or 1: all), then hands
	 * them to `gather`, which returns every process's runs on rank 0
	 * (*all malloc'd, *nall of them) and *all NULL elsewhere; 0 or -1. */
	unsigned rank, nranks;
	int (*gather)(const struct explore_run *mine, uint64_t n, struct explore_run **all, uint64_t *nall);
	/* --chaos: every run adds its own drawn injections (chaos.h); the
	 * scope is filled by explore_all from the scenario. */
	bool chaos;
	uint32_t chaos_kinds;		/* --chaos-kinds mask; 0 = every kind */
	struct chaos_scope chaos_scope;
};

/* The outcome of one run. */
struct explore_run {
	uint64_t index, seed;
	int status;			/* 0 ok, 1 violation or guest fault, 2 bad input */
	char invariant[32];		/* "" when ok; "guest_fault" for faults */
	char state[32];			/* protocol state at the violation
					 * (oracle_violation_state), "" if none */
	char message[256];
	uint64_t t_ps;			/* time of the first violation */
	uint32_t vcpu;			/* its vCPU; UINT32_MAX if none */
	/* --chaos: the run's drawn injections as " --set 'K=V'"... (for its
	 * replay line), and the wall seconds from the batch start to the end
	 * of this run (text report only: never in JSON). */
	char chaos[640];
	double found_s;
};

/* Runs failing the same invariant in the same protocol state. */
struct explore_group {
	char invariant[32];
	char state[32];
	uint64_t count;
	struct explore_run first;
	char shrunk[1024];		/* --set list of the smallest reproducer */
	unsigned shrink_steps;
	/* ftrace lines of the smallest reproducer around the violation: its
	 * vCPU's last EXPLORE_EXCERPT_BEFORE lines at or before the violation
	 * time and the EXPLORE_EXCERPT_AFTER after it ("" if not shrunk). */
	char excerpt[4096];
};

#define EXPLORE_EXCERPT_BEFORE 12
#define EXPLORE_EXCERPT_AFTER 4

struct explore_result {
	uint64_t runs_done, failures;
	double wall_s;
	struct explore_group groups[EXPLORE_MAX_GROUPS];
	unsigned ngroups;
	char protocol[32];
	char error[512];		/* bad input or an internal failure */
	/* The signal (sim_interrupted) that stopped the batch, or 0: every
	 * worker was then ended and reaped and its file removed; runs_done
	 * and failures count the runs the workers had recorded (a worker
	 * ends on the signal, never records a run cut short); shrinking
	 * stops. */
	int interrupted;
	/* Workers that died (signal or non-zero exit): their runs were
	 * re-run once in a fresh worker; those still missing are lost.  Any
	 * death makes the batch fail.  `deaths` lists "worker K (signal S):
	 * runs I, J, ..." one per line. */
	unsigned worker_deaths;
	uint64_t rerun, lost;
	char deaths[1024];
	/* A rank other than 0 of a split batch: its runs went to rank 0, which
	 * alone reports; nothing else here is filled. */
	bool gathered_away;
	/* Rank 0 of a split batch once every rank's runs arrived (the other
	 * ranks then wait for its exit status: cli_mpi_agree). */
	bool gathered;
};

/* Derived seed of run i. */
uint64_t explore_seed(uint64_t base, uint64_t i);
/* One run with these overrides and seed (perturbed event order). */
struct explore_run explore_one(const struct explore_opts *o, const char *const *extra, unsigned nextra,
			       uint64_t seed);
/* The excerpt of the ftrace file at `path` around t_ps for vCPU `vcpu`
 * (UINT32_MAX: every line), whole lines, into out; 0, or -1 if the file
 * cannot be read. */
int explore_excerpt_file(const char *path, uint64_t t_ps, uint32_t vcpu, char *out, size_t outlen);
/* The same from an open stream, read from its current position. */
void explore_excerpt_stream(FILE *f, uint64_t t_ps, uint32_t vcpu, char *out, size_t outlen);
/* All runs; 0, or -1 with r->error (bad input, fork failure).  When
 * sim_interrupted gets set (a signal), returns 0 early with r->interrupted. */
int explore_all(const struct explore_opts *o, struct explore_result *r);

#endif
