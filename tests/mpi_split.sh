#!/bin/sh
# mpi_split.sh APFSIM MPIEXEC SRC — `mpirun -n 3 apfsim sweep|explore` write
# the same files as `--jobs 1` (issue 13 item 3; docs/studies.md).  ctest
# runs it when built with -DAPFSIM_MPI=ON.
set -eu
apfsim=$1 mpiexec=$2 src=$3
scen=$src/workloads/scenarios/quickstart.yaml
d=$(mktemp -d /tmp/apfsim-mpi-test-XXXXXX)
trap 'rm -rf "$d"' EXIT
# mpirun refuses root unless told (containers, CI).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# 2 x 2 x 2 = 8 runs: ranks 0 and 1 make 3, rank 2 makes 2.
grid="--set run.duration=300ms --vary host.swap.queue_depth=4,8 --protocols sync,arm64-v4 --seeds 2"
"$mpiexec" --oversubscribe -n 3 "$apfsim" sweep "$scen" $grid --out "$d/mpi" > "$d/mpi.out"
"$apfsim" sweep "$scen" $grid --jobs 1 --out "$d/one" > "$d/one.out"
cmp "$d/mpi/results.csv" "$d/one/results.csv"
cmp "$d/mpi/results.json" "$d/one/results.json"
grep -q '8 runs (2 grid points x 2 protocols x 2 seeds): 8 ok' "$d/mpi.out"
[ "$(grep -c . "$d/mpi.out")" = 2 ]	# rank 0 alone reports
# explore: the report of 7 seeds split over 3 ranks.
"$mpiexec" --oversubscribe -n 3 "$apfsim" explore "$scen" --runs 7 --set run.duration=300ms \
	--json "$d/mpi.json" > "$d/empi.out"
"$apfsim" explore "$scen" --runs 7 --set run.duration=300ms --jobs 1 --json "$d/one.json" > /dev/null
cmp "$d/mpi.json" "$d/one.json"
grep -q ': 7 runs, 0 failed' "$d/empi.out"
[ "$(grep -c . "$d/empi.out")" = 1 ]
echo "mpi_split: sweep and explore under mpirun -n 3 match --jobs 1"
