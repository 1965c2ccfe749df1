#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan) and runs each
# one in turn on a corpus seeded from the repository:
#   fuzz_scenario   workloads/scenarios/*.yaml, tests/data/bad/*.yaml
#   fuzz_set        fuzz/seeds/set/*.txt (one --set KEY=VALUE per line)
#   fuzz_guest_elf  the built-in guest image (build-fuzz/workloads/guest)
#   fuzz_trace      workloads/traces/*.trace
# Default: a smoke of FUZZ_RUNS (2000) inputs per target with a fixed seed,
# on a throw-away copy of the seeds (CI: .ci/run).  With FUZZ_S=N each target
# runs N seconds instead, keeping its corpus in build-fuzz/corpus/<target>
# (`make fuzz FUZZ_S=3600`).  Any crash, sanitizer report, leak or input
# slower than 5 s stops the script with exit 1; the input is saved as
# build-fuzz/findings/<target>/crash-* (or timeout-*, leak-*, oom-*).
# Installs nothing: scripts/setup-deps.sh provides clang and libclang-rt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${FUZZ_BUILD:-build-fuzz}
RUNS=${FUZZ_RUNS:-2000}
SECS=${FUZZ_S:-}
TARGETS=${FUZZ_TARGETS:-"scenario set guest_elf trace"}

if ! command -v clang >/dev/null || ! command -v clang++ >/dev/null; then
	echo "fuzz-smoke: clang is missing (scripts/setup-deps.sh installs it)" >&2
	exit 1
fi
# SystemC off: libsystemc calls sc_main, which libFuzzer's main() does not
# provide, and the targets do not reach the event kernel's SystemC backend.
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
	CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DAPFSIM_FUZZ=ON -DAPFSIM_TESTS=OFF -DAPFSIM_SYSTEMC=OFF \
		-DAPFSIM_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
tlist=()
for t in $TARGETS; do tlist+=("fuzz_$t"); done
cmake --build "$BUILD" -j "${JOBS:-2}" --target "${tlist[@]}" >/dev/null

seed_dir() {	# prints the seed files of target $1, one per line
	case $1 in
	scenario) ls "$ROOT"/workloads/scenarios/*.yaml "$ROOT"/tests/data/bad/*.yaml "$ROOT"/tests/data/fuzz/scenario-* ;;
	set) ls "$ROOT"/fuzz/seeds/set/*.txt "$ROOT"/tests/data/fuzz/set-* ;;
	guest_elf) ls "$ROOT/$BUILD"/workloads/guest/apfsim-guest.elf ;;
	trace) ls "$ROOT"/workloads/traces/*.trace ;;
	esac
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/apfsim-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in $TARGETS; do
	findings="$ROOT/$BUILD/findings/$t"
	rm -rf "$findings"
	mkdir -p "$findings"
	if [ -n "$SECS" ]; then
		corpus="$ROOT/$BUILD/corpus/$t"
		# fork mode goes on after a finding, so a long run uses its whole time
		limit=(-max_total_time="$SECS" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
	else
		corpus="$tmp/$t"
		limit=(-runs="$RUNS" -seed=1)
	fi
	mkdir -p "$corpus"
	seed_dir "$t" | while read -r f; do cp "$f" "$corpus/"; done
	echo "fuzz-smoke: fuzz_$t ${SECS:+for ${SECS}s}${SECS:-$RUNS runs}" >&2
	if ! (cd "$tmp" && "$ROOT/$BUILD/fuzz/fuzz_$t" "${limit[@]}" -timeout=5 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" \
		>"$tmp/$t.log" 2>&1); then
		tail -n 60 "$tmp/$t.log" >&2
		echo "fuzz-smoke: fuzz_$t FOUND a problem; input saved in $findings/" >&2
		status=1
		continue
	fi
	grep -E '^stat::number_of_executed_units|^Done|^INFO: fuzzed for' "$tmp/$t.log" | tail -n 2 >&2 || true
	cp "$tmp/$t.log" "$ROOT/$BUILD/findings/$t.log"
	if [ -n "$(ls -A "$findings")" ]; then
		echo "fuzz-smoke: fuzz_$t FOUND problems; inputs saved in $findings/:" >&2
		ls "$findings" >&2
		status=1
	fi
done
exit $status
