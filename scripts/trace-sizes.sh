#!/bin/bash
# Sizes and write times of the testsuite-mem traces (docs/traces.md, "Sizes").
# usage: scripts/trace-sizes.sh SOURCE_DIR [DURATION]  (in a scratch directory;
# needs bc; writes and removes t.* there)
S=$1/workloads/scenarios/testsuite-mem.yaml; A=$1/build/apfsim; D=${2:-10s}
run() { local t0=$(date +%s.%N); $A run $S -q --protocol arm64-v4 --set run.duration=$D --oracle=off "$@"; local t1=$(date +%s.%N); echo "$(echo "$t1 - $t0" | bc)"; }
base=$(run); echo "none: ${base}s"
for spec in "--trace-ftrace t.ftrace" "--trace-ftrace t.ftrace.zst" "--trace-perfetto t.json" "--trace-perfetto t.json.zst" \
            "--trace-perfetto t.pftrace" "--trace-perfetto t.pftrace.zst" "--vcd t.vcd" "--vcd t.vcd.zst"; do
  set -- $spec; w=$(run $spec); sz=$(stat -c %s $2); echo "$2 bytes=$sz wall=${w}s (+$(echo "$w - $base" | bc)s)"; rm -f $2
done
