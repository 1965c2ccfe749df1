#!/bin/sh
# uc-calls.sh — count the Unicorn API calls a command makes.
#
#   scripts/uc-calls.sh [-n PER] COMMAND [ARGS...]
#
# Builds scripts/uc_calls.c as a preload library (in $TMPDIR) and runs
# COMMAND with it; at exit the counts go to stderr, divided by PER (say,
# the round trips the command made).  Register ids are Unicorn's
# (unicorn/arm64.h: X0 199, PC 260, PSTATE 265, CP_REG 290).  Far cheaper
# than uprobes (docs/performance.md, ninth round): a few ns per call.
#
# Example (the e2e round trip: 228 557 round trips):
#   scripts/uc-calls.sh -n 228557 build/apfsim-bench --only e2e.apf_roundtrips
set -eu
per=1
if [ "${1:-}" = "-n" ]; then
	per=$2
	shift 2
fi
[ $# -ge 1 ] || { echo "usage: $0 [-n PER] COMMAND [ARGS...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
lib=${TMPDIR:-/tmp}/apfsim-uc-calls.so
cc -O2 -shared -fPIC -o "$lib" "$here/uc_calls.c" -ldl
UC_CALLS_PER=$per LD_PRELOAD=$lib exec "$@"
