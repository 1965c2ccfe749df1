#!/usr/bin/env bash
# chaos-table.sh — the `explore --chaos` findings table of docs/explore.md
# ("Chaos": findings on the stock scenarios).
#
#   scripts/chaos-table.sh APFSIM OUT.md [SCENARIO...]
#
# For every stock scenario (default: workloads/scenarios/*.yaml) and every
# line of LINES below, runs
#   APFSIM explore S --chaos --runs $RUNS --time-limit $LIMIT --jobs $JOBS
#          --no-shrink --set run.duration=$DURATION <line's options>
# and appends one table row per distinct violation (or one "none" row) to
# OUT.md: the invariant, the protocol state, how many runs of the batch it
# failed, the first failing run's index, the wall seconds at which that run
# ended (explore's "found after") and the batch's runs made and wall time.
# Everything but the wall seconds and the number of runs a time limit lets
# through is deterministic (the runs and their draws depend on the seed).
#
# Environment: RUNS (2000), LIMIT (time limit per line, 45s), FIXED_LIMIT
# (per fixed-variant line, 20s), JOBS (2), DURATION (2s: keeps the drawn
# instants where the scenarios' tasks page; a stock scenario that ends
# earlier by until_done sees fewer of them), NICE (10), ONLY (all | primary:
# the first three lines | fixed: the fixed variants | a comma list of line
# indexes, 0-based, e.g. 0,3), APPEND (1: add rows to an existing OUT.md
# instead of starting it).
set -u
bin=${1:?usage: chaos-table.sh APFSIM OUT.md [SCENARIO...]}
out=${2:?usage: chaos-table.sh APFSIM OUT.md [SCENARIO...]}
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -eq 0 ]; then
	set -- "$here"/workloads/scenarios/*.yaml
fi
RUNS=${RUNS:-2000}
LIMIT=${LIMIT:-45s}
FIXED_LIMIT=${FIXED_LIMIT:-20s}
JOBS=${JOBS:-2}
DURATION=${DURATION:-2s}
NICE=${NICE:-10}
ONLY=${ONLY:-all}
APPEND=${APPEND:-0}

# label|time limit|explore options.  The first three are the issue's
# protocols with every kind drawn; the rest are the fixed variants (the
# series' or later kernels' fixes), once with every kind and once without
# the kinds that inject a hole no variant fixes (host_flush: a flush
# without notifications is the §4.5 hole itself; sdei_refuse: the v4
# buffer hole after a failed inject has no fix in any revision).
LINES=(
	"arm64-v4|$LIMIT|--protocol arm64-v4"
	"x86-int-ack|$LIMIT|--protocol x86-int-ack"
	"x86-int-noack|$LIMIT|--protocol x86-int-noack"
	"arm64-v4 fixed (offline_wake, zero skip)|$FIXED_LIMIT|--protocol arm64-v4 --set guest.driver_variant=offline_wake --set protocol.token_zero_skip=true"
	"arm64-v4 fixed, without host_flush, sdei_refuse|$FIXED_LIMIT|--protocol arm64-v4 --set guest.driver_variant=offline_wake --set protocol.token_zero_skip=true --chaos-kinds=-host_flush,-sdei_refuse"
	"x86-int-ack fixed (2025 flush_on_cr0_pg: false)|$FIXED_LIMIT|--protocol x86-int-ack --set protocol.flush_on_cr0_pg=false"
	"x86-int-ack fixed, without host_flush|$FIXED_LIMIT|--protocol x86-int-ack --set protocol.flush_on_cr0_pg=false --chaos-kinds=-host_flush"
)

[ "$APPEND" = 1 ] || {
	echo "| scenario | protocol | runs made | batch wall s | invariant | state | failed runs | first run | wall s to find |"
	echo "|---|---|---|---|---|---|---|---|---|"
} >"$out"

for s in "$@"; do
	name=$(basename "$s" .yaml)
	for i in "${!LINES[@]}"; do
		line=${LINES[$i]}
		case $ONLY in
		primary) [ "$i" -lt 3 ] || continue ;;
		fixed) [ "$i" -ge 3 ] || continue ;;
		all) ;;
		*) case ",$ONLY," in *",$i,"*) ;; *) continue ;; esac ;;
		esac
		label=${line%%|*}
		rest=${line#*|}
		limit=${rest%%|*}
		opts=${rest#*|}
		t0=$(date +%s.%N)
		# shellcheck disable=SC2086
		rep=$(nice -n "$NICE" "$bin" explore "$s" --chaos --runs "$RUNS" --time-limit "$limit" \
			--jobs "$JOBS" --no-shrink --set run.duration="$DURATION" $opts 2>&1)
		rc=$?
		t1=$(date +%s.%N)
		wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')
		if [ $rc -ge 2 ]; then
			echo "| $name | $label | — | $wall | error (exit $rc): $(echo "$rep" | head -1 | tr '|' '/') | | | | |" >>"$out"
			continue
		fi
		made=$(echo "$rep" | sed -n '1s/.*: \([0-9]*\) runs, .*/\1/p')
		# One row per group: "[k] INV (state: S) in N runs; first in run I ..."
		# then, a few lines on, "found after X s of wall time".
		echo "$rep" | awk -v sc="$name" -v pr="$label" -v made="$made" -v wall="$wall" '
			/^\[[0-9]+\] / {
				if (inv != "") printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", sc, pr, made, wall, inv, st, n, first, found
				# "[k] INV (state: S) in N runs; ..." (S may be two words,
				# "no token") or, with no state, "[k] INV in N runs; ..."
				inv = $2; st = "—"
				if (match($0, /\(state: [^)]*\)/)) st = substr($0, RSTART + 8, RLENGTH - 9)
				n = $0; sub(/ runs?;.*/, "", n); sub(/.* in /, "", n)
				first = $0; sub(/.*first in run /, "", first); sub(/ .*/, "", first)
				found = "?"; rows++
			}
			/found after/ { found = $0; sub(/.*found after /, "", found); sub(/ s .*/, "", found) }
			END {
				if (inv != "") printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", sc, pr, made, wall, inv, st, n, first, found
				if (!rows) printf "| %s | %s | %s | %s | none | | 0 | | |\n", sc, pr, made, wall
			}' >>"$out"
	done
done
