#!/bin/sh
# examples/systemc (include/apfsim_sc.h): the SystemC model sees the host
# side of the same run `apfsim run` traces — the PPI lines' rising edges,
# every guest-buffer write (as a TLM-2.0 write) and every stage-2 fault
# (async tried / handled synchronously) — and ends at the run's end time.
# usage: example_systemc.sh SOURCE_DIR APFSIM APFSIM_SC_EXAMPLE
set -eu
src=$1 apfsim=$2 example=$3
dir=$(mktemp -d /tmp/apfsim_sc_example.XXXXXX)
trap 'rm -rf "$dir"' EXIT
sc="$src/workloads/scenarios/quickstart.yaml"
"$apfsim" run "$sc" -q --protocol arm64-v4 --set run.duration=200ms --trace-ftrace "$dir/t.ftrace"
SC_COPYRIGHT_MESSAGE=DISABLE "$example" "$sc" --set protocol=arm64-v4 --set run.duration=200ms >"$dir/out"
cat "$dir/out"
# rising edges of each vCPU's PPI line, from level 0
want_ppi=$(awk '/apfsim_ppi_level:/ { v = $0; sub(/.*\[/, "", v); v = substr(v, 1, 3) + 0;
	lvl = ($NF == "level=1"); if (lvl && !cur[v]) n++; cur[v] = lvl } END { print n + 0 }' "$dir/t.ftrace")
want_buf=$(grep -c 'apfsim_buf_write:' "$dir/t.ftrace" || true)
want_async=$(grep -c ' kvm_try_async_get_page:' "$dir/t.ftrace" || true)
want_sync=$(grep -c 'apfsim_apf_sync:' "$dir/t.ftrace" || true)
want="finished 1 ppi_rising $want_ppi buffer_writes $want_buf stage2_async $want_async stage2_sync $want_sync sc_time_ps 200000000000"
got=$(cat "$dir/out")
if [ "$got" != "$want" ]; then
	echo "expected: $want" >&2
	echo "got:      $got" >&2
	exit 1
fi
[ "$want_buf" -gt 100 ] && [ "$want_async" -gt 100 ] && [ "$want_ppi" -gt 100 ]
