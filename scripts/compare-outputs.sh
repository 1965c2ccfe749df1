#!/bin/sh
# compare-outputs.sh BIN OUTDIR — run every scenario of workloads/scenarios
# (and published/) under arm64-v4, x86-int-ack and sync for 2 simulated
# seconds with BIN, writing the JSON, ftrace and VCD outputs and the exit
# status to OUTDIR.  Run it with the binary before and after a change that
# must not alter outputs, then `diff -r OLD NEW` (docs/performance.md).
set -u
BIN=$1
OUT=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"
for f in "$ROOT"/workloads/scenarios/*.yaml "$ROOT"/workloads/scenarios/published/*.yaml; do
	b=$(basename "$f" .yaml)
	for p in arm64-v4 x86-int-ack sync; do
		nice "$BIN" run "$f" --protocol $p --set run.duration=2s -q \
			--json "$OUT/$b.$p.json" --trace-ftrace "$OUT/$b.$p.ftrace" \
			--vcd "$OUT/$b.$p.vcd" > "$OUT/$b.$p.out" 2>&1
		echo "exit $?" >> "$OUT/$b.$p.out"
	done
done
