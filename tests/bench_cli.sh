#!/bin/sh
# apfsim-bench's command line: --repeat reports one median per key (the
# JSON keeps its one-object shape), the range goes to stderr, a derived key
# is reported like the others, a child process's output stays out of the
# JSON, and a bad count is a usage error.  Figures
# are not judged (they are wall time): only that they are numbers.
# usage: bench_cli.sh APFSIM_BENCH
set -eu
bench=$1
dir=$(mktemp -d /tmp/apfsim_bench_cli.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "bench_cli: $*" >&2; exit 1; }

"$bench" --quick --repeat 3 --only event_kernel.native.depth16 --only guest.apf_roundtrip_floor \
	>"$dir/out" 2>"$dir/err" || fail "--repeat 3 exited $?: $(cat "$dir/err")"
[ "$(grep -c '": ' "$dir/out")" -eq 2 ] || fail "expected two keys: $(cat "$dir/out")"
grep -Eq '^  "event_kernel.native.depth16.events_per_s": [0-9.e+]+,$' "$dir/out" || fail "depth16: $(cat "$dir/out")"
grep -Eq '^  "guest.apf_roundtrip_floor_per_s": [0-9.e+]+$' "$dir/out" || fail "floor: $(cat "$dir/out")"
[ "$(head -c 1 "$dir/out")" = "{" ] && [ "$(tail -n 1 "$dir/out")" = "}" ] || fail "not one object"
[ "$(grep -c 'median of 3;' "$dir/err")" -eq 2 ] || fail "no ranges on stderr: $(cat "$dir/err")"
[ "$(grep -c 'pass [123] of 3 done' "$dir/err")" -eq 3 ] || fail "not three passes: $(cat "$dir/err")"

# Keys measured in child processes: the children's own output (apfsim
# --version prints to stdout) stays out of the JSON document.
"$bench" --quick --only cli.version --only cli.startup_share >"$dir/out" 2>"$dir/err" ||
	fail "--only cli exited $?: $(cat "$dir/err")"
[ "$(wc -l <"$dir/out")" -eq 4 ] || fail "cli: not one object of two keys: $(cat "$dir/out")"
grep -Eq '^  "cli.version.cpu_ms": [0-9.e+]+,$' "$dir/out" || fail "cli.version: $(cat "$dir/out")"
grep -Eq '^  "cli.startup_share.quickstart.sync": [0-9.e+-]+$' "$dir/out" || fail "share: $(cat "$dir/out")"

for bad in 0 101 2x -1 ''; do
	if "$bench" --repeat "$bad" --only event_kernel >"$dir/out" 2>"$dir/err"; then
		fail "--repeat '$bad' accepted"
	else
		rc=$?
	fi
	[ "$rc" -eq 2 ] || fail "--repeat '$bad' exited $rc, not 2"
	grep -q "expected a whole number from 1 to 100" "$dir/err" || fail "--repeat '$bad': $(cat "$dir/err")"
	[ ! -s "$dir/out" ] || fail "--repeat '$bad' wrote to stdout"
done
echo "bench_cli: ok"
