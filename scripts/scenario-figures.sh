#!/usr/bin/env bash
# Prints the text summaries behind docs/scenarios.md (the doc's tables come
# from scripts/doc-figures.pl, which reads --json): every example
# scenario under the protocols it is meant to compare.  Deterministic: the
# same build prints the same tables.  Usage: scripts/scenario-figures.sh [BUILD]
set -euo pipefail
B=${1:-build}
S=workloads/scenarios
cmp() { echo; echo "### $*"; echo '```'; "$B/apfsim" compare "$@" || true; echo '```'; }
cmp $S/quickstart.yaml --protocols sync,arm64-v4
cmp $S/testsuite-mem.yaml --protocols sync,arm64-v4
cmp $S/testsuite-mem.yaml --protocols sync,arm64-v4 --set tasks.compute.count=0
cmp $S/nvme-fast.yaml --protocols sync,arm64-v4,x86-int-ack
cmp $S/kernel-mode.yaml --protocols sync,arm64-v4,x86-int-ack
cmp $S/multi-vcpu.yaml --protocols sync,arm64-v4,x86-int-ack
cmp $S/compare-quickstart.yaml --protocols sync,arm64-v4,x86-int-ack,x86-int-noack,x86-legacy
cmp $S/ack-race.yaml --protocols x86-int-noack,x86-int-ack,arm64-v4
cmp $S/token-wrap.yaml --protocols arm64-v4,x86-int-ack
echo; echo "### token-wrap.yaml, x86-int-ack without the zero skip"; echo '```'
"$B/apfsim" run $S/token-wrap.yaml --protocol x86-int-ack --set protocol.token_zero_skip=false --quiet 2>&1 | head -8 || true
echo '```'
echo; echo "### cpu-offline.yaml: arm64-v4, arm64 with the offline fix, x86-int-ack"; echo '```'
for extra in "" "--set guest.driver_variant=offline_wake" "--protocol x86-int-ack"; do
	"$B/apfsim" run $S/cpu-offline.yaml $extra --quiet 2>&1 | head -3 || true
done
echo '```'
