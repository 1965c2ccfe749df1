#!/bin/sh
# check-identical.sh — outputs of a pure refactor must be byte-identical.
#
#   scripts/check-identical.sh capture BUILD DIR   run every scenario of
#       workloads/scenarios and workloads/scenarios/published under every
#       protocol for a short duration (DURATION, default 30ms) and keep its
#       stdout, stderr, exit code, --json document and its ftrace, Perfetto
#       and VCD traces in DIR; plus
#       `make demo` (quickstart, as given).
#   scripts/check-identical.sh diff DIR1 DIR2      compare two captures
#       (exit 1 and the first differences when they differ).
#
# Typical use: capture with the build before a change, capture after, diff.
# JSON key order counts as a difference; use KEYSORT=1 on diff to compare
# the JSON documents with sorted keys (for a deliberate key-order change).
set -u
PROTOCOLS=${PROTOCOLS:-"sync arm64-v4 x86-int-ack x86-int-noack x86-legacy"}
DURATION=${DURATION:-30ms}

case "${1:-}" in
capture)
	[ $# -eq 3 ] || { echo "usage: $0 capture BUILD DIR" >&2; exit 2; }
	bin=$2/apfsim
	out=$3
	mkdir -p "$out"
	here=$(dirname "$0")/..
	"$bin" run "$here/workloads/scenarios/quickstart.yaml" >"$out/demo.stdout" 2>"$out/demo.stderr"
	echo $? >"$out/demo.rc"
	for s in "$here"/workloads/scenarios/*.yaml "$here"/workloads/scenarios/published/*.yaml; do
		name=$(basename "$(dirname "$s")")-$(basename "$s" .yaml)
		for p in $PROTOCOLS; do
			o=$out/$name.$p
			nice "$bin" run "$s" --protocol "$p" --set run.duration="$DURATION" \
				--json "$o.json" --trace-ftrace "$o.ftrace" --trace-perfetto "$o.perfetto.json" \
				--vcd "$o.vcd" >"$o.stdout" 2>"$o.stderr"
			echo $? >"$o.rc"
		done
	done
	;;
diff)
	[ $# -eq 3 ] || { echo "usage: $0 diff DIR1 DIR2" >&2; exit 2; }
	if [ "${KEYSORT:-0}" = 1 ]; then
		rc=0
		for f in "$2"/*; do
			g=$3/$(basename "$f")
			case "$f" in
			*.json)
				python3 -c 'import json,sys; a,b=[json.load(open(p)) for p in sys.argv[1:]]; sys.exit(a!=b)' \
					"$f" "$g" || { echo "differ (values): $f $g"; rc=1; } ;;
			*)
				cmp -s "$f" "$g" || { echo "differ: $f $g"; rc=1; } ;;
			esac
		done
		[ "$(ls "$2" | wc -l)" = "$(ls "$3" | wc -l)" ] || { echo "file lists differ"; rc=1; }
		exit $rc
	fi
	diff -r -q "$2" "$3" && echo "identical: $(ls "$2" | wc -l) files"
	;;
*)
	echo "usage: $0 capture BUILD DIR | diff DIR1 DIR2" >&2
	exit 2
	;;
esac
