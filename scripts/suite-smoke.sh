#!/bin/sh
# suite-smoke.sh — the shortened repository suite for CI (docs/testing.md).
#
# Runs the correctness cases of workloads/suites/ (bugs/, x86/: every known
# bug as an expected violation under its faithful variant and clean under
# its fix, the x86 presets' behaviours) with `apfsim test`, once with two
# worker processes and once with one, and checks that the two reports are
# byte-identical (results must not depend on --jobs).  The performance
# relations of perf/ need seconds of simulated time; `make suite` runs them.
#
# usage: scripts/suite-smoke.sh [BUILD_DIR]      (default: build)
# Writes BUILD_DIR/suite-smoke-junit.xml.  Exit status: that of apfsim test
# (0 all passed, 1 a case failed, 2 bad input), or 1 if the reports differ.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
apfsim="$build/apfsim"
out="$build/suite-smoke"
set -- workloads/suites/bugs workloads/suites/x86

rc=0
"$apfsim" test "$@" --jobs 2 --junit "$out-junit.xml" > "$out.txt" || rc=$?
cat "$out.txt"
[ "$rc" -le 1 ] || exit "$rc"
rc1=0
"$apfsim" test "$@" --jobs 1 --junit "$out-jobs1.xml" > "$out-jobs1.txt" || rc1=$?
if [ "$rc1" != "$rc" ] || ! cmp -s "$out.txt" "$out-jobs1.txt" || ! cmp -s "$out-junit.xml" "$out-jobs1.xml"; then
	echo "suite-smoke: the report with --jobs 1 differs from --jobs 2" >&2
	exit 1
fi
rm -f "$out-jobs1.xml" "$out-jobs1.txt" "$out.txt"
exit "$rc"
