#!/bin/sh
# example_guest_handler.sh — examples/guest-handler as a kernel developer uses
# it (docs/testing.md): build the guest image from the example's handler with
# clang + ld.lld and run its suite (must pass); then remove the handler's
# IRQ_ACK hypercall, rebuild and run again: the suite must fail, with a
# message that names the guest image and IRQ_ACK.
#
# usage: example_guest_handler.sh SOURCE_DIR APFSIM_BIN CLANG LLD
set -eu
src=$1 bin=$2 clang=$3 lld=$4
tmp=$(mktemp -d "${TMPDIR:-/tmp}/apfsim-example.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
ex="$src/examples/guest-handler"
mk() { make -s -C "$ex" APFSIM="$src" APFSIM_BIN="$bin" CLANG="$clang" LLD="$lld" "$@"; }

mk test BUILD="$tmp/good" > "$tmp/good.txt" 2>&1 || { cat "$tmp/good.txt"; echo "FAIL: the shipped handler fails its suite"; exit 1; }
grep -q "^2 passed, 0 failed$" "$tmp/good.txt" || { cat "$tmp/good.txt"; echo "FAIL: expected 2 passing cases"; exit 1; }

cp -r "$ex/src" "$tmp/broken-src"
sed -i '/apf_hvc(GUEST_ASYNC_PF_SUB_IRQ_ACK, 0, 0);/d' "$tmp/broken-src/apf.c"
if cmp -s "$ex/src/apf.c" "$tmp/broken-src/apf.c"; then
	echo "FAIL: the IRQ_ACK hypercall line was not found in src/apf.c"; exit 1
fi
if mk test SRC="$tmp/broken-src" BUILD="$tmp/broken" > "$tmp/broken.txt" 2>&1; then
	cat "$tmp/broken.txt"; echo "FAIL: a handler without IRQ_ACK passes the suite"; exit 1
fi
cat "$tmp/broken.txt"
grep -q "^0 passed, 2 failed$" "$tmp/broken.txt" || { echo "FAIL: expected both cases to fail"; exit 1; }
grep -q "hint: the guest image $tmp/broken/guest.elf never issued IRQ_ACK" "$tmp/broken.txt" ||
	{ echo "FAIL: the failure does not point at the handler"; exit 1; }
echo "ok: shipped handler passes, handler without IRQ_ACK fails naming it"
