#!/usr/bin/env bash
# scripts/pgo-profile.sh BUILD — the profile of the profile-guided build.
# Builds an instrumented apfsim in BUILD/pgo-gen, runs the training runs of
# scripts/pgo-training.txt with it and leaves their counts in BUILD/pgo-data,
# which `cmake -DAPFSIM_PGO=use -DAPFSIM_PGO_DIR=<absolute BUILD/pgo-data>`
# then uses.  BUILD/pgo-data/complete is written last: a profile without it
# is an interrupted one and is made again.  CMAKE_FLAGS (from the Makefile:
# the main build's own options, so both compile the same code) are passed to
# the instrumented build.  docs/performance.md, thirteenth round.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 1 ]; then
  echo "usage: scripts/pgo-profile.sh BUILD" >&2
  exit 2
fi
mkdir -p "$1"
build=$(cd "$1" && pwd)
gen=$build/pgo-gen
data=$build/pgo-data
rm -rf "$data" "$build/pgo-training.log"
mkdir -p "$data"
# shellcheck disable=SC2086  # CMAKE_FLAGS is a list of options
# The build type is the main build's default; a CMAKE_BUILD_TYPE in
# CMAKE_FLAGS comes later and wins, as it does there.
cmake -S . -B "$gen" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_FLAGS:-} \
  -DAPFSIM_PGO=generate -DAPFSIM_PGO_DIR="$data" >/dev/null
cmake --build "$gen" -j "${JOBS:-$(nproc)}" --target apfsim
n=0
while read -r scenario protocol; do
  case "$scenario" in ''|'#'*) continue ;; esac
  # Exit 1 is a finding of the run (some training scenarios show a known
  # bug to the oracle); anything else is a broken training run.
  rc=0
  "$gen/apfsim" run "workloads/scenarios/$scenario" --protocol "$protocol" -q \
    >/dev/null 2>>"$build/pgo-training.log" || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "pgo-profile.sh: $scenario under $protocol exited $rc (see $build/pgo-training.log)" >&2
    exit 1
  fi
  n=$((n + 1))
done < scripts/pgo-training.txt
if [ -z "$(find "$data" -name '*.gcda' -print -quit)" ]; then
  echo "pgo-profile.sh: the training runs wrote no profile to $data" >&2
  exit 1
fi
echo "$n training runs" > "$data/complete"
echo "pgo-profile.sh: profile of $n runs in $data" >&2
