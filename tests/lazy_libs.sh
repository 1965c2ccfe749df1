#!/bin/sh
# lazy_libs.sh APFSIM SRC — apfsim opens its heavy libraries only for the runs
# that use them (cpu/cpu_dl.h, model/kernel/module.h; docs/performance.md,
# twelfth round): a sync run (no guest code) loads none of libunicorn,
# libcapstone, libsystemc and libmpi; a run with guest code (the arm64 and x86
# protocols) loads libunicorn only; --trace-insn adds libcapstone;
# run.kernel=systemc loads libsystemc; without its module a run that needs
# it is refused.  And the program exports the functions cpu_storefix.c interposes, or Unicorn,
# opened later, would not call them.
set -eu
apfsim=$1 src=$2
sc=$src/workloads/scenarios/single-fault.yaml
d=$(mktemp -d /tmp/apfsim-lazy-XXXXXX)
trap 'rm -rf "$d"' EXIT

# The libraries the dynamic loader opened for one command (glibc LD_DEBUG).
loaded() {
	LD_DEBUG=files LD_DEBUG_OUTPUT="$d/ld" "$apfsim" "$@" >/dev/null 2>&1
	cat "$d"/ld.* | sed -n 's/.*file=\(lib[a-z]*\)[-.].*generating link map.*/\1/p' |
		grep -E '^lib(unicorn|capstone|systemc|mpi)$' | sort -u | tr '\n' ' '
	rm -f "$d"/ld.*
}
expect() {
	what=$1 want=$2
	shift 2
	got=$(loaded "$@")
	[ "$got" = "$want" ] || { echo "$what: loaded '$got', expected '$want'" >&2; exit 1; }
}

expect "--version" "" --version
expect "sync run" "" run "$sc" --protocol sync -q
expect "x86-int-ack run" "libunicorn " run "$sc" --protocol x86-int-ack -q
expect "arm64-v4 run" "libunicorn " run "$sc" --protocol arm64-v4 -q
expect "arm64-v4 --trace-insn" "libcapstone libunicorn " run "$sc" --protocol arm64-v4 -q \
	--trace-insn "$d/insn.txt"
grep -q 'mrs' "$d/insn.txt" || { echo "--trace-insn: no disassembly in the trace" >&2; exit 1; }
if "$apfsim" validate "$sc" --set run.kernel=systemc >/dev/null 2>&1; then
	expect "run.kernel=systemc" "libsystemc " run "$sc" --protocol sync --set run.kernel=systemc -q
fi
# A copy of the command without its modules refuses what needs them, with
# exit 2 and the module's name, instead of crashing or running without it.
cp "$apfsim" "$d/apfsim"
if "$apfsim" validate "$sc" --set run.kernel=systemc >/dev/null 2>&1; then
	rc=0
	"$d/apfsim" run "$sc" --protocol sync --set run.kernel=systemc -q 2>"$d/err" || rc=$?
	[ "$rc" = 2 ] && grep -q 'run.kernel: systemc: apfsim-systemc.so not found' "$d/err" ||
		{ echo "no SystemC module: exit $rc, $(cat "$d/err")" >&2; exit 1; }
fi
if [ -e "$(dirname "$apfsim")/apfsim-mpi.so" ]; then
	rc=0
	OMPI_COMM_WORLD_SIZE=2 "$d/apfsim" run "$sc" --protocol sync -q 2>"$d/err" || rc=$?
	[ "$rc" = 2 ] && grep -q 'launched by mpirun, but apfsim-mpi.so not found' "$d/err" ||
		{ echo "no MPI module under mpirun: exit $rc, $(cat "$d/err")" >&2; exit 1; }
fi
for f in get_page_addr_code page_collection_lock page_collection_unlock tb_invalidate_phys_page_fast; do
	nm -D --defined-only "$apfsim" | grep -q " ${f}_aarch64\$" ||
		{ echo "apfsim does not export ${f}_aarch64 (cpu_storefix.c)" >&2; exit 1; }
done
echo "lazy_libs: each library is loaded only by the runs that use it"
